// Pairs of runs for the tests of `make compare` and the side-by-side report: a
// small, seeded simulation of a processing-rate-like run (users arrive, log in,
// connect, check; the first QUEUE_THRESHOLD are admitted at once, the others
// one batch per processor tick) that writes what a scenario run writes: the
// results JSON (k6's summary data plus queue_k6 with params, vars, thresholds,
// startAt and, unless asked otherwise, queue_k6.rules) and the k6 --out json
// samples (.ndjson.gz) with the suite's per-user metadata.
//
// Run-to-run noise is modelled where a real run has it: the processor's phase
// (every wait shifts by up to one interval), the login and connect latencies
// (log-normal) and a few ms of jitter. Knobs make a run worse in one place.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { holds, parseExpression } from '../../lib/rules/expression.ts';

export interface FixtureOptions {
  /** Seeds every random draw: one seed, one run. */
  seed: number;
  scenario?: string;
  users?: number;
  threshold?: number;
  intervalMs?: number;
  arrivalDelayMs?: number;
  /** Every wait is multiplied by this (a slower processor). */
  waitFactor?: number;
  /** Added to every estimate (a room that promises too much). */
  estimateOffsetMs?: number;
  /** Median connect time and login time (ms). */
  connectMs?: number;
  loginMs?: number;
  /** Errors counted (each a counter with this many events). */
  httpErrors?: number;
  /** Each tick admits this many fewer users than the threshold (a stingy processor). */
  batchShortfall?: number;
  /** 'rules': queue_k6.rules (the current format); 'summary': only k6's thresholds[expr].ok (older files). */
  ruleFormat?: 'rules' | 'summary';
  /** Forces a rule's state: "metric expression" -> state. */
  force?: Record<string, 'passed' | 'failed' | 'not_judged'>;
  /** Written as the k6 version (a difference compare reports but does not refuse). */
  k6Version?: string;
  /** Epoch ms of the first scheduled arrival. */
  startAt?: number;
  /** CPU-seconds of the sampled server processes (queue_server_cpu_seconds); unset: no server source. */
  serverCpuSeconds?: number;
}

export interface FixtureFiles {
  summary: string;
  samples: string;
  /** What the simulation did. */
  truth: { queued: number; ticks: number; phaseMs: number };
}

/** mulberry32: small, fast, seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(r: () => number): number {
  const u = Math.max(1e-12, r());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
}

function isoNs(t: number): string {
  const ms = Math.floor(t);
  const ns = Math.round((t - ms) * 1e6);
  return new Date(ms).toISOString().slice(0, -1) + String(ns).padStart(6, '0') + 'Z';
}

const TYPES: Record<string, [string, string]> = {
  queue_admitted_immediately: ['counter', 'default'],
  queue_queued: ['counter', 'default'],
  queue_admitted_from_queue: ['counter', 'default'],
  queue_admission_wait: ['trend', 'time'],
  queue_wait_estimate_error: ['trend', 'time'],
  queue_socket_connect: ['trend', 'time'],
  queue_batch_size: ['trend', 'default'],
  queue_tick_interval: ['trend', 'time'],
  queue_probe_depth: ['trend', 'default'],
  queue_probe_active: ['trend', 'default'],
  queue_http_errors: ['counter', 'default'],
  queue_admission_late: ['counter', 'default'],
  http_req_duration: ['trend', 'time'],
  http_req_failed: ['rate', 'default'],
};

function trendValues(values: number[]): Record<string, number> {
  if (values.length === 0) return { avg: 0, min: 0, med: 0, max: 0, 'p(90)': 0, 'p(95)': 0, count: 0 };
  const s = [...values].sort((a, b) => a - b);
  const pct = (p: number): number => {
    const r = (p / 100) * (s.length - 1);
    return s[Math.floor(r)]! + (s[Math.ceil(r)]! - s[Math.floor(r)]!) * (r - Math.floor(r));
  };
  return { avg: s.reduce((a, b) => a + b, 0) / s.length, min: s[0]!, med: pct(50), max: s[s.length - 1]!, 'p(90)': pct(90), 'p(95)': pct(95), count: s.length };
}

/** One run's summary object and sample lines. */
export function fixtureRun(o: FixtureOptions): { summary: Record<string, unknown>; lines: string[]; truth: FixtureFiles['truth'] } {
  const r = rng(o.seed);
  const scenario = o.scenario ?? 'processing-rate';
  const users = o.users ?? 40;
  const threshold = o.threshold ?? 5;
  const interval = o.intervalMs ?? 2000;
  const delay = o.arrivalDelayMs ?? 50;
  const startAt = o.startAt ?? Date.UTC(2026, 10, 27, 4, 0, 0);
  const waitFactor = o.waitFactor ?? 1;
  const connectMs = o.connectMs ?? 8;
  const loginMs = o.loginMs ?? 15;
  const perTick = Math.max(1, threshold - (o.batchShortfall ?? 0));
  const phase = r() * interval;

  const lines: { t: number; line: string }[] = [];
  const seen = new Set<string>();
  const values = new Map<string, number[]>();
  const emit = (metric: string, t: number, value: number, meta?: Record<string, string>, tags?: Record<string, string>): void => {
    if (!seen.has(metric)) {
      seen.add(metric);
      const [type, contains] = TYPES[metric]!;
      lines.push({ t: -Infinity, line: JSON.stringify({ type: 'Metric', data: { name: metric, type, contains, thresholds: [], submetrics: null }, metric }) });
    }
    const data: Record<string, unknown> = { time: isoNs(t), value, tags: { group: '', scenario: 'users', ...tags } };
    if (meta !== undefined) data.metadata = meta;
    lines.push({ t, line: JSON.stringify({ metric, type: 'Point', data }) });
    let list = values.get(metric);
    if (list === undefined) values.set(metric, (list = []));
    list.push(value);
  };

  const lognormal = (median: number): number => median * Math.exp(0.3 * normal(r));
  const checks: { user: number; t: number }[] = [];
  for (let n = 1; n <= users; n++) {
    const arrive = startAt + (n - 1) * delay;
    const login = lognormal(loginMs);
    emit('http_req_duration', arrive + login, login, undefined, { name: 'POST /api/auth/register', op: 'register', method: 'POST', status: '201' });
    emit('http_req_failed', arrive + login, 0);
    const connect = lognormal(connectMs);
    emit('queue_socket_connect', arrive + login + connect, Math.round(connect));
    checks.push({ user: n, t: arrive + login + connect + 3 + r() * 4 });
  }
  const arrivalsOver = startAt + (users - 1) * delay + 2000;
  let queued = 0;
  let ticks = 0;
  const queue: { user: number; position: number; t: number }[] = [];
  for (const c of checks) {
    if (c.user <= threshold) emit('queue_admitted_immediately', c.t, 1, { user: String(c.user) });
    else {
      queued++;
      queue.push({ user: c.user, position: queued, t: c.t });
      emit('queue_queued', c.t, 1, { user: String(c.user), position: String(queued) });
    }
  }
  // The first tick after the arrival phase, at the processor's phase; one batch per tick.
  let tick = startAt + phase + Math.ceil((arrivalsOver - startAt - phase) / interval) * interval;
  let lastBatch = 0;
  while (queue.length > 0) {
    const batch = queue.splice(0, perTick);
    for (const w of batch) {
      const heard = tick + 5 + r() * 15;
      const wait = (heard - w.t) * waitFactor;
      const estimate = Math.ceil(w.position / threshold) * interval + (arrivalsOver - startAt) + (o.estimateOffsetMs ?? 0);
      emit('queue_admission_wait', w.t + wait, Math.round(wait), { user: String(w.user), position: String(w.position), estimate_ms: String(Math.round(estimate)), bound_ms: '600000' });
      emit('queue_admitted_from_queue', w.t + wait, 1, { user: String(w.user) });
      emit('queue_wait_estimate_error', w.t + wait, Math.round(Math.abs(estimate - wait)));
    }
    const observed = tick + 25;
    if (lastBatch > 0) emit('queue_tick_interval', observed, Math.round((observed - lastBatch) * waitFactor));
    emit('queue_batch_size', observed, batch.length, { free_slots: String(threshold), queue_size: String(queue.length) });
    lastBatch = observed;
    ticks++;
    tick += interval * waitFactor;
  }
  for (let i = 0; i < (o.httpErrors ?? 0); i++) emit('queue_http_errors', startAt + 100 * i, 1, undefined, { op: 'check', kind: 'http_5xx' });
  const end = lines.reduce((m, l) => Math.max(m, l.t), startAt);
  for (let t = startAt; t <= end; t += 250) {
    emit('queue_probe_depth', t, Math.max(0, queued - Math.max(0, Math.floor((t - arrivalsOver) / interval)) * perTick));
    emit('queue_probe_active', t, Math.min(threshold, users));
  }
  lines.sort((a, b) => a.t - b.t);

  // The summary: k6's values from the samples, the suite's rules judged on them.
  const durationMs = end - startAt + 1000;
  const metrics: Record<string, { type: string; contains: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }> = {};
  for (const [name, [type, contains]] of Object.entries(TYPES)) {
    const vs = values.get(name) ?? [];
    if (vs.length === 0 && type !== 'counter') continue;
    let v: Record<string, number>;
    if (type === 'counter') v = { count: vs.reduce((a, b) => a + b, 0), rate: (vs.reduce((a, b) => a + b, 0) * 1000) / durationMs };
    else if (type === 'rate') v = { rate: vs.filter((x) => x !== 0).length / vs.length, passes: vs.filter((x) => x !== 0).length, fails: vs.filter((x) => x === 0).length };
    else v = trendValues(vs);
    metrics[name] = { type, contains, values: v };
  }
  if (o.serverCpuSeconds !== undefined) metrics.queue_server_cpu_seconds = { type: 'counter', contains: 'default', values: { count: o.serverCpuSeconds, rate: (o.serverCpuSeconds * 1000) / durationMs } };
  const tolerance = interval + 1000 + 1000;
  const rules: Record<string, string[]> = {
    queue_admitted_immediately: [`count==${Math.min(users, threshold)}`],
    queue_admitted_from_queue: [`count==${queued}`],
    queue_http_errors: ['count==0'],
    queue_admission_late: ['count==0'],
    queue_wait_estimate_error: [`p(95)<=${tolerance}`],
    queue_socket_connect: ['p(95)<2000'],
    queue_batch_size: [`max<=${threshold}`],
  };
  const states: { metric: string; expression: string; state: string; reason?: string; observed: number | null }[] = [];
  for (const [metric, exprs] of Object.entries(rules)) {
    for (const expression of exprs) {
      const m = metrics[metric]!;
      const p = parseExpression(expression)!;
      const observed = m.values[p.agg] ?? null;
      const forced = o.force?.[`${metric} ${expression}`];
      const state = forced ?? (observed !== null && holds(p, observed) ? 'passed' : 'failed');
      const s: (typeof states)[number] = { metric, expression, state, observed };
      if (state === 'not_judged') s.reason = 'no samples';
      states.push(s);
      // k6 itself has no "not judged": an unjudged rule still shows k6's ok.
      (m.thresholds ??= {})[expression] = { ok: state !== 'failed' };
    }
  }
  const queueK6: Record<string, unknown> = {
    format: 1,
    runId: `fixture-${o.seed}`,
    scenario,
    eventId: `00000000-0000-4000-8000-${String(o.seed).padStart(12, '0')}`,
    k6Version: o.k6Version ?? 'k6 v2.2.0',
    instances: 1,
    segment: null,
    params: {
      scenario, users, queueThreshold: threshold, processorIntervalMs: interval, arrivalDelayMs: delay, dwellMs: 1000, arrivalGraceMs: 2000,
      apiUrl: `http://127.0.0.1:${3000 + (o.seed % 1000)}`, redisUrl: 'redis://127.0.0.1:6379', race: false, raceAtMs: 5000, probes: true, instances: 1,
    },
    vars: { USERS: users, QUEUE_THRESHOLD: threshold, QUEUE_PROCESSOR_INTERVAL: interval, EXPECTED_IMMEDIATE: Math.min(users, threshold), EXPECTED_QUEUED: queued, ESTIMATE_TOLERANCE_MS: tolerance },
    thresholds: rules,
    notes: [],
    startAt,
  };
  if ((o.ruleFormat ?? 'rules') === 'rules') queueK6.rules = states;
  const summary = {
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'count'], summaryTimeUnit: '', noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: durationMs },
    metrics,
    queue_k6: queueK6,
  };
  return { summary, lines: lines.map((l) => l.line), truth: { queued, ticks, phaseMs: phase } };
}

/** Writes `<dir>/<name>.json` and `<dir>/<name>.ndjson.gz`, as a scenario run names them. */
export function writeFixtureRun(dir: string, name: string, o: FixtureOptions): FixtureFiles {
  mkdirSync(dir, { recursive: true });
  const run = fixtureRun(o);
  const summary = join(dir, `${name}.json`);
  const samples = join(dir, `${name}.ndjson.gz`);
  writeFileSync(summary, JSON.stringify(run.summary, null, 2) + '\n');
  writeFileSync(samples, gzipSync(run.lines.join('\n') + '\n'));
  return { summary, samples, truth: run.truth };
}
