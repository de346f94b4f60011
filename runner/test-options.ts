// exec.test.options: the consolidated options as k6 exposes them to a
// script (k6/execution docs: "the consolidated and derived options"). k6
// builds it by encoding its Go options struct to JSON: every option it knows
// is a key, null when no source set it; durations are Go duration strings
// ("1m0s"); execution segments are printed in lowest terms ("0:1/2");
// thresholds are lists of expressions (an object only with abortOnFail);
// the shortcut options (vus, iterations, duration, stages) are removed, the
// scenario they derive is under `scenarios`. The object is deeply frozen.
import { goDuration, parseDuration } from './duration.ts';
import { DEFAULT_TREND_STATS } from './summary-data.ts';

/** k6's default systemTags, as exec.test.options shows them. */
const DEFAULT_SYSTEM_TAGS = ['check', 'error', 'error_code', 'expected_response', 'group', 'method', 'name', 'proto', 'scenario', 'service', 'status', 'subproto', 'tls_version', 'url'];

/** Every key of k6's options object, in its order (k6 v0.4x–v2.x). */
const KEYS = [
  'paused', 'executionSegment', 'executionSegmentSequence', 'noSetup', 'setupTimeout', 'noTeardown', 'teardownTimeout', 'rps', 'dns',
  'maxRedirects', 'userAgent', 'batch', 'batchPerHost', 'httpDebug', 'insecureSkipTLSVerify', 'tlsCipherSuites', 'tlsVersion', 'tlsAuth',
  'throw', 'thresholds', 'blacklistIPs', 'blockHostnames', 'hosts', 'noConnectionReuse', 'noVUConnectionReuse', 'minIterationDuration',
  'ext', 'summaryTrendStats', 'summaryTimeUnit', 'systemTags', 'tags', 'metricSamplesBufferSize', 'noCookiesReset', 'discardResponseBodies',
  'consoleOutput', 'scenarios', 'localIPs',
] as const;

const DURATION_KEYS = new Set(['setupTimeout', 'teardownTimeout', 'minIterationDuration']);

function durationOrNull(v: unknown, what: string): string | null {
  return v === undefined || v === null ? null : goDuration(parseDuration(v, what));
}

const orNull = (v: unknown): unknown => (v === undefined ? null : v);

/** One threshold list as k6 encodes it: a string each, or {threshold, abortOnFail, delayAbortEval} when abortOnFail is on. */
function thresholdList(list: unknown, key: string): unknown[] {
  const items = Array.isArray(list) ? list : [list];
  return items.map((item) => {
    if (typeof item !== 'object' || item === null) return item;
    const o = item as Record<string, unknown>;
    if (o.abortOnFail !== true) return o.threshold;
    return { threshold: o.threshold, abortOnFail: true, delayAbortEval: durationOrNull(o.delayAbortEval, `delayAbortEval of threshold on ${key}`) };
  });
}

/** A scenario as k6 encodes its executor config: unset fields are null. */
function scenarioObject(sc: Record<string, unknown>, name: string): Record<string, unknown> {
  const d = (k: string): string | null => durationOrNull(sc[k], `${k} in scenario '${name}'`);
  const base = {
    executor: sc.executor,
    startTime: d('startTime'),
    gracefulStop: d('gracefulStop'),
    env: orNull(sc.env),
    exec: orNull(sc.exec),
    tags: orNull(sc.tags),
  };
  if (sc.executor === 'constant-vus') return { vus: orNull(sc.vus), duration: d('duration'), ...base };
  return { vus: orNull(sc.vus), iterations: orNull(sc.iterations), maxDuration: d('maxDuration'), ...base };
}

/** The scenarios k6 derives from the shortcut options when the script has none. */
function derivedScenarios(o: Record<string, unknown>): Record<string, Record<string, unknown>> {
  if (o.iterations !== undefined) return { default: { executor: 'shared-iterations', vus: o.vus, iterations: o.iterations, maxDuration: o.duration } };
  if (o.duration !== undefined) return { default: { executor: 'constant-vus', vus: o.vus, duration: o.duration } };
  return { default: { executor: 'per-vu-iterations', vus: o.vus } };
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

export interface ConsolidatedInputs {
  /** The script's exported options (already validated). */
  script: Record<string, unknown>;
  /** This instance's segment and the sequence, in lowest terms; null when not given. */
  executionSegment: string | null;
  executionSegmentSequence: string | null;
}

/** Builds exec.test.options (a deeply frozen plain object). */
export function consolidatedOptions(inp: ConsolidatedInputs): Record<string, unknown> {
  const o = JSON.parse(JSON.stringify(inp.script ?? {})) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of KEYS) out[k] = null;
  for (const k of KEYS) {
    const v = o[k];
    if (v === undefined) continue;
    out[k] = DURATION_KEYS.has(k) ? durationOrNull(v, k) : v;
  }
  const dns = (o.dns ?? {}) as Record<string, unknown>;
  out.dns = { ttl: orNull(dns.ttl), select: orNull(dns.select), policy: orNull(dns.policy) };
  out.executionSegment = inp.executionSegment;
  out.executionSegmentSequence = inp.executionSegmentSequence;
  if (o.thresholds !== undefined && o.thresholds !== null) {
    out.thresholds = Object.fromEntries(Object.entries(o.thresholds as Record<string, unknown>).map(([k, list]) => [k, thresholdList(list, k)]));
  }
  out.summaryTrendStats = Array.isArray(o.summaryTrendStats) && o.summaryTrendStats.length > 0 ? o.summaryTrendStats : [...DEFAULT_TREND_STATS];
  out.systemTags = Array.isArray(o.systemTags) ? [...(o.systemTags as unknown[])].map(String).sort() : [...DEFAULT_SYSTEM_TAGS];
  const scenarios = (o.scenarios ?? derivedScenarios(o)) as Record<string, Record<string, unknown>>;
  out.scenarios = Object.fromEntries(Object.entries(scenarios).map(([name, sc]) => [name, scenarioObject(sc, name)]));
  // k6 keeps the cloud settings a script gives (options.cloud) as they are.
  if (o.cloud !== undefined) out.cloud = o.cloud;
  return deepFreeze(out);
}
