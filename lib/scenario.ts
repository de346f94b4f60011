// A scenario's few specifics turned into the k6 script's exports, step by step:
//   config      lib/config.ts        the run's parameters (environment over defaults)
//   rules       lib/rules/build.ts   thresholds.json → k6 thresholds and each rule's needs
//   preflight   lib/run/preflight.ts setup(): password, target, Redis (exit 108 with one line)
//   flow        lib/flow/user.ts     each waiting user; lib/flow/watcher.ts the probe VU
//   summary     lib/run/summary.ts   handleSummary: rules judged or not judged, text, JUnit, results file
//
// The init context (everything outside the functions) reads no secret and
// fails on none, so `k6 inspect` and `k6 archive` work with an empty
// environment and an archive never holds a password (lib/run/secrets.ts).
import exec from 'k6/execution';
import thresholdFile from '../thresholds.json';
import { QueueApi } from './api/client';
import { arrivalsOverMs, holdersLeaveMs, loadConfig, maxRunMs, vusFor, type RunConfig, type ScenarioDefaults, type ScenarioShape } from './config';
import { initParameterErrors, randomUuid } from './env';
import { CheckIns } from './flow/checkin';
import { announceStart, plannedDisruption, watchDisruption, withinDisruption } from './flow/disruption';
import { Semaphore } from './flow/time';
import { runUser } from './flow/user';
import { runCapacityUser } from './flow/capacity';
import { observe, startMonitor } from './capacity/monitor';
import { checked, onViolation, violation } from './metrics';
import { AdmissionWatch } from './capacity/admission-watch';
import { clearTimeout, setTimeout } from 'k6/timers';
import { runProbe } from './flow/watcher';
import { secretsModule } from './k6/modules';
import { metrics } from './metrics';
import { openRedis } from './redis/client';
import { QueueProbe, redactRedisUrl, type ProbeErrorKind, type RedisLike } from './redis/probe';
import { SUMMARY_TREND_STATS } from './rules/trend-stats';
import { isRuleFileError, planRules, thresholdVars, type ThresholdFile } from './rules/build';
import { httpPoolOptions } from './run/http-pool';
import { k6Version } from './run/identity';
import { preflight } from './run/preflight';
import { redisPassword, userPassword } from './run/secrets';
import { handleRunSummary } from './run/summary';
import { loadServerConfig, serverConfigured } from './server/figures';
import { serverThresholds } from './server/diagnosis';
import { runServerSampler } from './server/sampler';
import { runLiveLine, type LiveState } from './server/live';
import type { SummaryData } from './summary/types';

export interface ScenarioSpec {
  name: string;
  defaults: ScenarioDefaults;
  /** Scenario 1: Redis must hold exactly the admitted and queued users at the peak. */
  checkPeak?: boolean;
  /** How users are driven (check-race: all checks at one instant; queued users do not wait). */
  shape?: ScenarioShape;
}

/** What setup() hands to every VU. Never a secret: k6 puts it in handleSummary's data (setup_data). */
export interface SetupData { eventId: string; startAt: number }

const isPositionKey = (key: string): boolean => key.startsWith('queue_positions{');

/**
 * Redis commands one VU's probe keeps in flight. A VU of 1,000 users whose
 * batch is admitted reads Redis for each of them at once; past the
 * connections of go-redis's pool, xk6-redis fails the commands that wait too
 * long (`redis: connection pool timeout`), and the probes go blind. Each
 * command takes well under a millisecond, so a short line costs nothing.
 */
const PROBE_MAX_IN_FLIGHT = 8;

/** A violation counted in this VU, as the capacity window sees it. */
function observeViolation(kind: string): void {
  // An admission never told is its own cause (not_told), observed where it is found.
  if (kind !== 'silent_admission') observe('violation', 1, kind);
}

/** Warnings and per-user errors, a few per VU so a broken target does not flood the log. */
function limitedLog(limit: number): (message: string) => void {
  let left = limit;
  return (message) => {
    if (left-- > 0) console.warn(message);
    else if (left === -1) console.warn('(more errors like these in this VU are counted, not printed)');
  };
}

export function defineScenario(spec: ScenarioSpec) {
  // A bad parameter or thresholds.json mistake stops the init with its one line (exit 107), no stack.
  const { cfg, server, vars, wholeRun, plan } = initParameterErrors(() => {
    const c: RunConfig = loadConfig(spec.name, spec.defaults, __ENV, spec.shape);
    // The server's sources (docs/server-metrics.md): sampled by the probe VU beside its watch.
    const srv = loadServerConfig(__ENV);
    const on = serverConfigured(srv);
    const vars = thresholdVars(c);
    const probes = c.redisUrl !== '';
    // What one unsplit run judges; a split instance judges the per-instance part, the verdict the rest.
    const whole = planRules(thresholdFile as ThresholdFile, spec.name, vars, { probes, server: on });
    return { cfg: c, server: srv, vars, wholeRun: whole, plan: c.instances > 1 ? planRules(thresholdFile as ThresholdFile, spec.name, vars, { probes, split: true, server: on }) : whole };
  }, isRuleFileError);
  const probesOn = cfg.redisUrl !== '';
  const split = cfg.instances > 1;
  const maxDuration = `${Math.ceil(maxRunMs(cfg) / 1000)}s`;
  // The planned disruption's window (restart), set once setup's start is known: calls ride it out.
  let disruption: { from: number; until: number } | undefined;
  const api = new QueueApi(cfg.apiUrl, {
    timeoutMs: cfg.httpTimeoutMs,
    duringDisruption: () => disruption !== undefined && Date.now() >= disruption.from && Date.now() <= disruption.until,
  });
  // Each source's lag and CPU stay in the summary, so the diagnosis can name a saturated process.
  const thresholds: Record<string, unknown> = { ...serverThresholds(server.sources), ...plan.thresholds };
  // Capacity: a window that breaks stops the whole run, k6's breakpoint way (exit 99 within a threshold evaluation).
  for (const key of Object.keys(thresholds)) {
    if (!key.startsWith('queue_capacity_breaks')) continue;
    thresholds[key] = (thresholds[key] as string[]).map((threshold) => ({ threshold, abortOnFail: true }));
  }
  // One queue_positions series per position only where a rule reads them (scenarios 1 and 5):
  // at 100,000 users that is 90,000 series nobody judges.
  const positionSeries = [wholeRun, plan].some((p) => Object.keys(p.thresholds).some(isPositionKey) || p.notInForce.some((r) => isPositionKey(r.key)));

  const options = {
    scenarios: {
      users: { executor: 'per-vu-iterations', vus: vusFor(cfg), iterations: 1, maxDuration, gracefulStop: '30s', exec: 'users' },
      probe: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration, gracefulStop: '30s', exec: 'probe' },
    },
    thresholds,
    setupTimeout: `${Math.ceil(cfg.httpTimeoutMs / 1000) * 2 + 10}s`,
    // count: sample counts tell a measured rule from an empty one; the ladder lets a split run's percentiles merge.
    summaryTrendStats: SUMMARY_TREND_STATS,
    cloud: { name: `queue-k6 ${spec.name}` },
    // Each VU's idle HTTP pool holds the calls it keeps in flight (lib/run/http-pool.ts).
    ...httpPoolOptions(cfg.usersPerVu),
  };

  /** A VU's probe of the queue's keys; its failures are counted and the first one of each kind is logged. */
  async function openProbe(eventId: string, log: (m: string) => void, own?: { client: RedisLike | undefined; live?: LiveState }): Promise<QueueProbe> {
    const client = own !== undefined ? own.client : probesOn ? openRedis(cfg.redisUrl, await redisPassword(secretsModule(), __ENV)) : undefined;
    const logged = new Set<ProbeErrorKind>();
    return new QueueProbe(client, eventId, {
      maxInFlight: PROBE_MAX_IN_FLIGHT,
      onError: (kind, message) => {
        metrics.probeErrors.add(1, { kind });
        if (own?.live) own.live.probeErrors++;
        if (logged.has(kind)) return;
        logged.add(kind);
        log(`Redis probe failed at ${redactRedisUrl(cfg.redisUrl)} (${kind}: ${message}); the checks that read Redis are blind until it answers, and queue_probe_errors counts each failure.`);
      },
    });
  }

  /** Capacity: this VU's windows, judged every second until the load's end (lib/capacity/monitor.ts). */
  function watchCapacity(startAt: number, log: (m: string) => void): () => void {
    const cap = cfg.capacity;
    if (cap === undefined) return () => undefined;
    onViolation((kind) => observeViolation(kind));
    const stop = startMonitor({
      bounds: cap.bounds, serverObserved: serverConfigured(server), t0: startAt, until: startAt + maxRunMs(cfg),
      onBreak: (line) => log(`capacity window broke (${line}); the run stops (queue_capacity_breaks is abortOnFail)`),
    });
    return () => {
      stop();
      onViolation(undefined);
    };
  }

  async function setup(): Promise<SetupData> {
    await preflight(cfg, secretsModule(), __ENV);
    const eventId = cfg.eventId ?? randomUuid();
    console.log(`${spec.name} on ${k6Version(__ENV)}: event ${eventId}, ${cfg.users} users over ${vusFor(cfg)} VU(s)${split ? ` split over ${cfg.instances} instances` : ''}, threshold ${cfg.queueThreshold}, interval ${cfg.processorIntervalMs} ms, probes ${probesOn ? redactRedisUrl(cfg.redisUrl) : 'off'}`);
    const cap = cfg.capacity;
    if (cap !== undefined) {
      const req = [cap.plan.requiredUsers !== undefined ? `${cap.plan.requiredUsers} users` : '', cap.plan.requiredRate !== undefined ? `${cap.plan.requiredRate} arrivals/s` : ''].filter(Boolean).join(' and ');
      console.log(`capacity: arrivals ramp from ${cap.plan.startRate}/s to ${cap.plan.maxRate}/s over ${cap.plan.rampMs / 1000} s, ${cfg.users} users at most; windows of ${cap.plan.windowMs / 1000} s; the run stops at the first break${req === '' ? '' : `, or passes once ${req} are held for a window`}; everyone still in leaves ${Math.round(cap.loadEndMs / 1000)} s after the first arrival`);
    }
    // Every VU is initialised before setup, so arrivals can start right after it,
    // or at START_AT, the instant a split run's instances share.
    let startAt = Date.now() + 500;
    if (cfg.startAt !== undefined) {
      if (cfg.startAt >= Date.now() + 100) startAt = cfg.startAt;
      else console.warn(`START_AT (${new Date(cfg.startAt).toISOString()}) has passed: arrivals start now instead; give the instances a later START_AT`);
    }
    // A disruption planned by the runner script (docs/restart.md): it is timed from this start.
    if (cfg.disruptStatusUrl !== '') announceStart(cfg.disruptStatusUrl, startAt, (m) => console.warn(m));
    return { eventId, startAt };
  }

  async function users(data: SetupData): Promise<void> {
    disruption = plannedDisruption(cfg, data.startAt);
    const batch = exec.scenario.iterationInTest; // 0.. across all instances of a distributed run
    const first = batch * cfg.usersPerVu;
    const last = Math.min(cfg.users, first + cfg.usersPerVu);
    const log = limitedLog(3);
    const password = await userPassword(secretsModule(), __ENV);
    const probe = await openProbe(data.eventId, log);
    const http = new Semaphore(cfg.httpConcurrency);
    const checkIns = new CheckIns(Math.max(0, last - first));
    const holdersLeaveAt = data.startAt + holdersLeaveMs(cfg);
    const flows: Array<Promise<void>> = [];
    const cap = cfg.capacity;
    if (cap !== undefined) {
      const stop = watchCapacity(data.startAt, log);
      // One admission watch per VU, when probes can see the active set.
      const watch = probe.enabled
        ? new AdmissionWatch({ isActive: (me) => probe.isActive(me), now: Date.now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>) }, cap.notifyPollMs, cfg.notifyGraceMs, () => {
          checked('silent_admission');
          violation('silent_admission');
          observe('not_told');
        })
        : undefined;
      try {
        for (let i = first; i < last; i++) {
          flows.push(runCapacityUser({
            cfg, api, probe, eventId: data.eventId, n: i + 1, password, http, log,
            arriveAt: data.startAt + cap.arrivalMs(i), loadEndAt: data.startAt + cap.loadEndMs, waitMaxMs: cap.waitMaxMs, dropAfterMs: cap.bounds.arrivalLagMaxMs, entryBoundMs: cap.bounds.entryP95MaxMs, watch,
          }).catch((err: unknown) => {
            metrics.socketErrors.add(1, { kind: 'unexpected' });
            log(`user ${i + 1}: ${String(err instanceof Error ? err.message : err)}`);
          }));
        }
        await Promise.all(flows);
      } finally {
        stop();
      }
      return;
    }
    for (let i = first; i < last; i++) {
      // One user's failure never ends another's: runUser counts its own errors, and anything it lets through is counted here.
      flows.push(runUser({
        cfg, api, probe, eventId: data.eventId, n: i + 1, password, http, log, checkIns, severalVus: vusFor(cfg) > 1 || split,
        arriveAt: data.startAt + (cfg.race ? 0 : i * cfg.arrivalDelayMs),
        checkAt: cfg.race ? data.startAt + cfg.raceAtMs : undefined,
        arrivalsOverAt: data.startAt + arrivalsOverMs(cfg),
        holdersLeaveAt,
        refreshUpTo: cfg.reconnectUsers,
        positionSeries,
        disruptAt: cfg.disruptAtMs > 0 && cfg.disruptStatusUrl !== '' ? data.startAt + cfg.disruptAtMs : 0,
      }).catch((err: unknown) => {
        metrics.socketErrors.add(1, { kind: 'unexpected' });
        log(`user ${i + 1}: ${String(err instanceof Error ? err.message : err)}`);
      }));
    }
    await Promise.all(flows);
  }

  async function probe(data: SetupData): Promise<void> {
    disruption = plannedDisruption(cfg, data.startAt);
    const log = limitedLog(3);
    const password = await userPassword(secretsModule(), __ENV);
    // One Redis client for the watch and the server's INFO (the probe's own).
    const client = probesOn ? openRedis(cfg.redisUrl, await redisPassword(secretsModule(), __ENV)) : undefined;
    const live: LiveState = { counts: undefined, admitted: 0, told: 0, probeErrors: 0, violations: 0 };
    const queueProbe = await openProbe(data.eventId, log, { client, live });
    let watching = true;
    const deadline = data.startAt + maxRunMs(cfg);
    const stopCapacity = cfg.capacity !== undefined ? watchCapacity(data.startAt, log) : () => undefined;
    const side = Promise.all([
      runServerSampler({
        cfg: server, redis: client, done: () => !watching, deadline, log: limitedLog(3 + 2 * server.sources.length),
        // A source restarted by the run's own disruption is down on purpose until the recovery bound.
        downExcused: (now) => withinDisruption(cfg.recoveryMaxMs, now),
      }),
      runLiveLine({ cfg, server, startAt: data.startAt, done: () => !watching, deadline, state: live }),
      // The restart scenario's disruption, as the disruptor reports it (tools/disruptor.ts).
      cfg.disruptStatusUrl === '' ? Promise.resolve() : watchDisruption(cfg.disruptStatusUrl, deadline, (m) => console.warn(m)),
    ]);
    try {
      await runProbe({ cfg, api, probe: queueProbe, eventId: data.eventId, password, startAt: data.startAt, checkPeak: spec.checkPeak === true, log, live });
    } finally {
      watching = false;
      await side;
      stopCapacity();
    }
  }

  function handleSummary(data: SummaryData): Record<string, string> {
    return handleRunSummary({ scenario: spec.name, cfg, probesOn, split, plan, wholeRun, vars, env: __ENV, serverObserved: serverConfigured(server) }, data);
  }

  return { options, setup, users, probe, handleSummary };
}
