// Turns a scenario's few specifics into the k6 script exports: options
// (the users and probe scenarios, thresholds from thresholds.json), setup (the
// preflight), the two exec functions, and handleSummary.
import exec from 'k6/execution';
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.1.0/index.js';
import thresholdFile from '../thresholds.json';
import { preflightLogin, QueueApi } from './api/client';
import { accountEmail, arrivalsOverMs, loadConfig, maxRunMs, vusFor, type RunConfig, type ScenarioDefaults } from './config';
import { diagnose } from './diagnosis';
import { randomUuid } from './env';
import { runProbe } from './flow/probe';
import { Semaphore } from './flow/time';
import { runUser } from './flow/user';
import { QueueProbe, redactRedisUrl, redisClient } from './redis/probe';
import { summaryOutputs } from './summary/report';
import type { SummaryData } from './summary/types';
import { buildThresholds, thresholdVars, type ThresholdFile } from './thresholds';

export interface ScenarioSpec {
  name: string;
  defaults: ScenarioDefaults;
  /** Scenario 1: Redis must hold exactly the admitted and queued users at the peak. */
  checkPeak?: boolean;
}

export interface SetupData { eventId: string; startAt: number }

/** Warnings and per-user errors, a few per VU so a broken target does not flood the log. */
function limitedLog(limit: number): (message: string) => void {
  let left = limit;
  return (message) => {
    if (left-- > 0) console.warn(message);
    else if (left === -1) console.warn('(more errors like these in this VU are counted, not printed)');
  };
}

export function defineScenario(spec: ScenarioSpec) {
  const cfg: RunConfig = loadConfig(spec.name, spec.defaults, __ENV);
  const probesOn = cfg.redisUrl !== '';
  const maxDuration = `${Math.ceil(maxRunMs(cfg) / 1000)}s`;
  const api = new QueueApi(cfg.apiUrl, { timeoutMs: cfg.httpTimeoutMs });
  // xk6-redis wants its client made in the init context, one per VU.
  const redis = redisClient(cfg.redisUrl);

  const options = {
    scenarios: {
      users: { executor: 'per-vu-iterations', vus: vusFor(cfg), iterations: 1, maxDuration, gracefulStop: '30s', exec: 'users' },
      probe: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration, gracefulStop: '30s', exec: 'probe' },
    },
    thresholds: buildThresholds(thresholdFile as ThresholdFile, spec.name, thresholdVars(cfg), { probes: probesOn }),
    setupTimeout: `${Math.ceil(cfg.httpTimeoutMs / 1000) * 2 + 10}s`,
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
    cloud: { name: `queue-k6 ${spec.name}` },
  };

  function setup(): SetupData {
    // Fails fast (k6 exit code 107) when the target is down or the password is wrong.
    preflightLogin(cfg.apiUrl, accountEmail(cfg, 1), cfg.userPassword, Math.min(cfg.httpTimeoutMs, 30_000));
    const eventId = cfg.eventId ?? randomUuid();
    console.log(`${spec.name}: event ${eventId}, ${cfg.users} users over ${vusFor(cfg)} VU(s), threshold ${cfg.queueThreshold}, interval ${cfg.processorIntervalMs} ms, probes ${probesOn ? redactRedisUrl(cfg.redisUrl) : 'off'}`);
    // Every VU is initialised before setup, so arrivals can start right after it.
    return { eventId, startAt: Date.now() + 500 };
  }

  async function users(data: SetupData): Promise<void> {
    const batch = exec.scenario.iterationInTest; // 0.. across all instances of a distributed run
    const first = batch * cfg.usersPerVu;
    const last = Math.min(cfg.users, first + cfg.usersPerVu);
    const probe = new QueueProbe(redis, data.eventId);
    const http = new Semaphore(cfg.httpConcurrency);
    const log = limitedLog(3);
    const flows: Array<Promise<void>> = [];
    for (let i = first; i < last; i++) {
      flows.push(runUser({
        cfg, api, probe, eventId: data.eventId, n: i + 1, http, log,
        arriveAt: data.startAt + i * cfg.arrivalDelayMs,
        arrivalsOverAt: data.startAt + arrivalsOverMs(cfg),
        refreshes: i >= cfg.queueThreshold && i < cfg.queueThreshold + cfg.reconnectUsers,
      }));
    }
    await Promise.all(flows);
  }

  async function probe(data: SetupData): Promise<void> {
    const log = limitedLog(3);
    const queueProbe = new QueueProbe(redis, data.eventId, (reason) => {
      console.warn(`Redis probes skipped: cannot use ${redactRedisUrl(cfg.redisUrl)} (${reason}); probe-based thresholds have nothing to judge. Set REDIS_URL to a reachable Redis, or to an empty value to turn probes off.`);
    });
    await runProbe({ cfg, api, probe: queueProbe, eventId: data.eventId, startAt: data.startAt, checkPeak: spec.checkPeak === true, log });
  }

  function handleSummary(data: SummaryData): Record<string, string> {
    const text = textSummary(data, { indent: ' ', enableColors: !data.options.noColor && data.state.isStdOutTTY });
    return summaryOutputs({ scenario: spec.name, data, now: new Date(), text, notes: diagnose(data, cfg, probesOn) });
  }

  return { options, setup, users, probe, handleSummary };
}
