// Turns a scenario's few specifics into the k6 script exports: options
// (the users and probe scenarios, thresholds from thresholds.json), setup (the
// preflight), the two exec functions, and handleSummary.
//
// The init context (everything outside the functions) reads no secret and
// fails on none, so `k6 inspect` and `k6 archive` work with an empty
// environment and an archive never holds a password. Passwords are read at run
// time: k6/secrets where this k6 has it and a source is configured, else the
// environment (lib/secrets.ts).
import exec from 'k6/execution';
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.1.0/index.js';
import thresholdFile from '../thresholds.json';
import { preflightLogin, QueueApi } from './api/client';
import { accountEmail, arrivalsOverMs, holdersLeaveMs, isHolder, loadConfig, maxRunMs, runIdOf, vusFor, type RunConfig, type ScenarioDefaults, type ScenarioShape } from './config';
import { diagnose } from './diagnosis';
import { ConfigError, randomUuid } from './env';
import { runProbe } from './flow/watcher';
import { Semaphore } from './flow/time';
import { runUser } from './flow/user';
import { detectedLine, secretsModule } from './k6/modules';
import { metrics } from './metrics';
import { openRedis } from './redis/client';
import { QueueProbe, redactRedisUrl, type ProbeErrorKind } from './redis/probe';
import { readSecret } from './secrets';
import { summaryOutputs } from './summary/outputs';
import type { SummaryData } from './summary/types';
import { buildThresholds, thresholdVars, type ThresholdFile } from './thresholds';

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

/** Warnings and per-user errors, a few per VU so a broken target does not flood the log. */
function limitedLog(limit: number): (message: string) => void {
  let left = limit;
  return (message) => {
    if (left-- > 0) console.warn(message);
    else if (left === -1) console.warn('(more errors like these in this VU are counted, not printed)');
  };
}

const PASSWORD_HINT =
  'the password of the load-test accounts: give it as a k6 secret (k6 run --secret-source=file=secrets.txt with a line USER_PASSWORD=..., ' +
  'or k6 Cloud secrets), or in the environment (export USER_PASSWORD=...; make sets one for the built-in target)';

/** The accounts' password at run time; throws a ConfigError (k6 exit 107 in setup) when it is missing or too short. */
async function userPassword(): Promise<string> {
  const { value } = await readSecret(secretsModule(), __ENV, 'USER_PASSWORD');
  if (value === undefined) throw new ConfigError('USER_PASSWORD', PASSWORD_HINT, undefined);
  if (value.length < 6) throw new ConfigError('USER_PASSWORD', 'at least 6 characters (the waiting room refuses shorter passwords)', '<hidden>');
  return value;
}

async function redisPassword(): Promise<string | undefined> {
  return (await readSecret(secretsModule(), __ENV, 'REDIS_PASSWORD')).value;
}

/** The k6 running this: tools/k6.sh passes it (QUEUE_K6_VERSION); a plain k6 run knows its module set. */
function k6Version(): string {
  return __ENV.QUEUE_K6_VERSION || `k6 ${detectedLine} (module set)`;
}

/** This instance's execution segment, when k6 tells (exec.test.options), else null. */
function executionSegment(): string | null {
  try {
    const o = (exec.test as unknown as { options?: { executionSegment?: unknown } }).options;
    const seg = o === undefined ? undefined : o.executionSegment;
    if (seg === undefined || seg === null || seg === '' || seg === '0:1') return null;
    return String(seg);
  } catch {
    return null;
  }
}

/** The run's parameters that may be written down: nothing secret, the Redis URL without a password. */
function publicParams(cfg: RunConfig, probesOn: boolean): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else if (v === undefined) out[k] = null;
  }
  out.redisUrl = cfg.redisUrl === '' ? '' : redactRedisUrl(cfg.redisUrl);
  out.probes = probesOn;
  return out;
}

export function defineScenario(spec: ScenarioSpec) {
  const cfg: RunConfig = loadConfig(spec.name, spec.defaults, __ENV, spec.shape);
  const probesOn = cfg.redisUrl !== '';
  const split = cfg.instances > 1;
  const maxDuration = `${Math.ceil(maxRunMs(cfg) / 1000)}s`;
  const api = new QueueApi(cfg.apiUrl, { timeoutMs: cfg.httpTimeoutMs });
  const vars = thresholdVars(cfg);
  // What one unsplit run judges; a split instance judges the per-instance part, the verdict the rest.
  const wholeRun = buildThresholds(thresholdFile as ThresholdFile, spec.name, vars, { probes: probesOn });

  const options = {
    scenarios: {
      users: { executor: 'per-vu-iterations', vus: vusFor(cfg), iterations: 1, maxDuration, gracefulStop: '30s', exec: 'users' },
      probe: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration, gracefulStop: '30s', exec: 'probe' },
    },
    thresholds: split ? buildThresholds(thresholdFile as ThresholdFile, spec.name, vars, { probes: probesOn, split: true }) : wholeRun,
    setupTimeout: `${Math.ceil(cfg.httpTimeoutMs / 1000) * 2 + 10}s`,
    // count: so a split run's averages merge exactly in `make verdict`.
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'count'],
    cloud: { name: `queue-k6 ${spec.name}` },
  };

  /** A VU's probe of the queue's keys; its failures are counted and the first one of each kind is logged. */
  async function openProbe(eventId: string, log: (m: string) => void): Promise<QueueProbe> {
    const client = probesOn ? openRedis(cfg.redisUrl, await redisPassword()) : undefined;
    const logged = new Set<ProbeErrorKind>();
    return new QueueProbe(client, eventId, {
      onError: (kind, message) => {
        metrics.probeErrors.add(1, { kind });
        if (logged.has(kind)) return;
        logged.add(kind);
        log(`Redis probe failed at ${redactRedisUrl(cfg.redisUrl)} (${kind}: ${message}); the checks that read Redis are blind until it answers, and queue_probe_errors counts each failure.`);
      },
    });
  }

  async function setup(): Promise<SetupData> {
    // Fails fast (k6 exit code 107) with one clear line: no password, target down,
    // wrong password, Redis unreachable, a split run without a shared event.
    const password = await userPassword();
    if (split && cfg.eventId === undefined) {
      throw new ConfigError('EVENT_ID', `a UUID shared by all ${cfg.instances} instances of this split run (INSTANCES=${cfg.instances}), so they queue for the same event`, undefined);
    }
    const segment = executionSegment();
    if (segment !== null && !split) {
      console.warn(`this k6 instance runs execution segment ${segment} of a split run, but INSTANCES is not set: its totals (immediate admissions, queued, completed) will miss the other instances' users and fail. Set INSTANCES to the number of instances and judge the run with make verdict.`);
    }
    preflightLogin(cfg.apiUrl, accountEmail(cfg, 1), password, Math.min(cfg.httpTimeoutMs, 30_000));
    if (probesOn) {
      const failure = await new QueueProbe(openRedis(cfg.redisUrl, await redisPassword()), 'preflight').ping();
      if (failure !== undefined) {
        throw new Error(`Redis probes: cannot use ${redactRedisUrl(cfg.redisUrl)} (${failure}). Make that Redis reachable from here (kubectl port-forward, REDIS_PASSWORD for a protected one), or run without probes with REDIS_URL= (empty): their thresholds are then dropped.`);
      }
    }
    const eventId = cfg.eventId ?? randomUuid();
    console.log(`${spec.name} on ${k6Version()}: event ${eventId}, ${cfg.users} users over ${vusFor(cfg)} VU(s)${split ? ` split over ${cfg.instances} instances` : ''}, threshold ${cfg.queueThreshold}, interval ${cfg.processorIntervalMs} ms, probes ${probesOn ? redactRedisUrl(cfg.redisUrl) : 'off'}`);
    // Every VU is initialised before setup, so arrivals can start right after it,
    // or at START_AT, the instant a split run's instances share.
    let startAt = Date.now() + 500;
    if (cfg.startAt !== undefined) {
      if (cfg.startAt >= Date.now() + 100) startAt = cfg.startAt;
      else console.warn(`START_AT (${new Date(cfg.startAt).toISOString()}) has passed: arrivals start now instead; give the instances a later START_AT`);
    }
    return { eventId, startAt };
  }

  async function users(data: SetupData): Promise<void> {
    const batch = exec.scenario.iterationInTest; // 0.. across all instances of a distributed run
    const first = batch * cfg.usersPerVu;
    const last = Math.min(cfg.users, first + cfg.usersPerVu);
    const log = limitedLog(3);
    const password = await userPassword();
    const probe = await openProbe(data.eventId, log);
    const http = new Semaphore(cfg.httpConcurrency);
    const holdersLeaveAt = data.startAt + holdersLeaveMs(cfg);
    const flows: Array<Promise<void>> = [];
    for (let i = first; i < last; i++) {
      flows.push(runUser({
        cfg, api, probe, eventId: data.eventId, n: i + 1, password, http, log,
        arriveAt: data.startAt + (cfg.race ? 0 : i * cfg.arrivalDelayMs),
        checkAt: cfg.race ? data.startAt + cfg.raceAtMs : undefined,
        arrivalsOverAt: data.startAt + arrivalsOverMs(cfg),
        holdUntil: isHolder(cfg, i) ? holdersLeaveAt : 0,
        refreshes: i >= cfg.queueThreshold && i < cfg.queueThreshold + cfg.reconnectUsers,
      }));
    }
    await Promise.all(flows);
  }

  async function probe(data: SetupData): Promise<void> {
    const log = limitedLog(3);
    const password = await userPassword();
    const queueProbe = await openProbe(data.eventId, log);
    await runProbe({ cfg, api, probe: queueProbe, eventId: data.eventId, password, startAt: data.startAt, checkPeak: spec.checkPeak === true, log });
  }

  function handleSummary(data: SummaryData): Record<string, string> {
    const setupData = (data as SummaryData & { setup_data?: Partial<SetupData> }).setup_data;
    const eventId = cfg.eventId ?? (setupData && typeof setupData.eventId === 'string' ? setupData.eventId : null);
    const notes = diagnose(data, cfg, probesOn, { split });
    const text = textSummary(data, { indent: ' ', enableColors: !data.options.noColor && data.state.isStdOutTTY });
    const meta = {
      format: 1,
      runId: eventId === null ? (cfg.testId ?? 'unknown') : runIdOf(cfg, eventId),
      scenario: spec.name,
      eventId,
      k6Version: k6Version(),
      instances: cfg.instances,
      segment: executionSegment(),
      params: publicParams(cfg, probesOn),
      vars,
      thresholds: wholeRun,
      notes,
      startAt: setupData && typeof setupData.startAt === 'number' ? setupData.startAt : null,
    };
    return summaryOutputs({ scenario: spec.name, data, now: new Date(), text, notes, prefix: __ENV.RESULTS_PREFIX, meta, partial: split });
  }

  return { options, setup, users, probe, handleSummary };
}
