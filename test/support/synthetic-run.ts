// A synthetic run for tests and the benchmark: a small simulation of a waiting
// room (users arrive, the first `threshold` are admitted, the rest queue, a
// processor admits a batch of free slots each interval, admitted users leave
// after their dwell) that writes what a scenario run would: the results JSON
// (handleSummary data + queue_k6, per the lead's contract) and the k6
// `--out json` lines (shared/k6-reference/README.md, "--out json"), with the
// per-user metadata of the samples contract. Faults bend the simulation the
// way the reference target's faults bend the real system, so a report of a
// failing run can be checked against known numbers.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

export type SyntheticFault = 'none' | 'over-admit' | 'lifo' | 'stall' | 'wrong-estimate' | 'starvation';

export interface SyntheticRunOptions {
  users: number;
  threshold: number;
  processorIntervalMs: number;
  arrivalDelayMs: number;
  dwellMs: number;
  arrivalGraceMs?: number;
  probeIntervalMs?: number;
  /** Epoch ms of the first scheduled arrival; a fixed date by default so output is reproducible. */
  startAt?: number;
  fault?: SyntheticFault;
  /** false: no probe samples (REDIS_URL empty), params.probes = false. */
  probes?: boolean;
  /** k6 built-in metric lines per user (HTTP and WebSocket timings) the report must skip: realism for the benchmark. */
  noiseLinesPerUser?: number;
  scenario?: string;
}

export interface SyntheticRun {
  /** The results JSON object (write it with JSON.stringify). */
  summary: Record<string, unknown>;
  /** The sample lines in time order, each without a trailing newline. */
  lines(): Generator<string>;
  /** What the simulation did, for assertions. */
  truth: {
    activeMax: number;
    depthMax: number;
    ticks: number;
    queued: number;
    admittedFromQueue: number;
    timeouts: number;
    maxBatch: number;
  };
}

/** A min-heap of timed events; ties keep insertion order so the output is deterministic. */
class EventHeap<E extends { t: number }> {
  private items: { e: E; seq: number }[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  push(e: E): void {
    const items = this.items;
    items.push({ e, seq: this.seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(items[i]!, items[parent]!)) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }
  pop(): E | undefined {
    const items = this.items;
    if (items.length === 0) return undefined;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(items[l]!, items[m]!)) m = l;
        if (r < items.length && this.less(items[r]!, items[m]!)) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m]!, items[i]!];
        i = m;
      }
    }
    return top.e;
  }
  private less(a: { e: E; seq: number }, b: { e: E; seq: number }): boolean {
    return a.e.t < b.e.t || (a.e.t === b.e.t && a.seq < b.seq);
  }
}

type SimEvent =
  | { t: number; kind: 'arrive'; user: number }
  | { t: number; kind: 'tick' }
  | { t: number; kind: 'probe' }
  | { t: number; kind: 'leave'; user: number }
  | { t: number; kind: 'timeout'; user: number };

interface Waiting {
  user: number;
  position: number;
  checkT: number;
  estimateMs: number;
  boundMs: number;
  done: boolean;
}

const CHECK_LATENCY_MS = 30;
const ADMISSION_LATENCY_MS = 15;
const DEFAULT_START = Date.UTC(2026, 10, 27, 4, 0, 0);

/** k6's timestamp: RFC 3339 with nanoseconds. */
function isoNs(t: number): string {
  const ms = Math.floor(t);
  const ns = Math.round((t - ms) * 1e6);
  return new Date(ms).toISOString().slice(0, -1) + String(ns).padStart(6, '0') + 'Z';
}

function pointLine(metric: string, t: number, value: number, meta?: Record<string, string>, tags?: Record<string, string>): string {
  const data: Record<string, unknown> = { time: isoNs(t), value, tags: { group: '', scenario: 'users', ...tags } };
  if (meta !== undefined) data.metadata = meta;
  return JSON.stringify({ metric, type: 'Point', data });
}

function metricLine(name: string, type: string, contains = 'default'): string {
  return JSON.stringify({ type: 'Metric', data: { name, type, contains, thresholds: [], submetrics: null }, metric: name });
}

const METRIC_TYPES: Record<string, [string, string]> = {
  queue_admitted_immediately: ['counter', 'default'],
  queue_queued: ['counter', 'default'],
  queue_admitted_from_queue: ['counter', 'default'],
  queue_admission_wait: ['trend', 'time'],
  queue_admission_timeouts: ['counter', 'default'],
  queue_probe_depth: ['trend', 'default'],
  queue_probe_active: ['trend', 'default'],
  queue_batch_size: ['trend', 'default'],
  queue_tick_interval: ['trend', 'time'],
  http_req_duration: ['trend', 'time'],
  http_req_waiting: ['trend', 'time'],
  http_reqs: ['counter', 'default'],
  ws_session_duration: ['trend', 'time'],
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

/** Judges `stat op number` against values, as k6 would for these simple rules. */
function judge(values: Record<string, number>, expr: string): boolean {
  const m = /^(\S+?)\s*(<=|>=|==|<|>)\s*(-?[\d.]+)$/.exec(expr);
  if (m === null) throw new Error(`synthetic: unsupported threshold '${expr}'`);
  const v = values[m[1]!] ?? NaN;
  const x = Number(m[3]);
  switch (m[2]) {
    case '<=': return v <= x;
    case '>=': return v >= x;
    case '==': return v === x;
    case '<': return v < x;
    default: return v > x;
  }
}

export function syntheticRun(opts: SyntheticRunOptions): SyntheticRun {
  const fault = opts.fault ?? 'none';
  const probes = opts.probes ?? true;
  const startAt = opts.startAt ?? DEFAULT_START;
  const grace = opts.arrivalGraceMs ?? 2000;
  const probeEvery = opts.probeIntervalMs ?? 250;
  const { users, threshold, processorIntervalMs: interval, arrivalDelayMs: delay, dwellMs } = opts;
  const arrivalsOver = startAt + (users - 1) * delay + grace;
  const boundFor = (position: number): number => (users - 1) * delay + grace + Math.ceil(position / threshold) * (dwellMs + interval) + interval + 2000;

  const lines: { t: number; line: string }[] = [];
  const emit = (metric: string, t: number, value: number, meta?: Record<string, string>, tags?: Record<string, string>): void => {
    lines.push({ t, line: pointLine(metric, t, value, meta, tags) });
  };
  const events = new EventHeap<SimEvent>();
  for (let u = 0; u < users; u++) events.push({ t: startAt + u * delay, kind: 'arrive', user: u + 1 });
  events.push({ t: startAt + interval, kind: 'tick' });
  if (probes) events.push({ t: startAt - probeEvery, kind: 'probe' });

  const active = new Set<number>();
  const queue: Waiting[] = [];
  const waiting = new Map<number, Waiting>();
  let nextPosition = 1;
  let remaining = users;
  let endAt = Infinity;
  let stallUntil = 0;
  const waits: number[] = [];
  const estimateErrors: number[] = [];
  const ticksSeen: number[] = [];
  const depthSamples: number[] = [];
  const activeSamples: number[] = [];
  let immediate = 0;
  let queuedCount = 0;
  let timeouts = 0;
  let late = 0;
  let overBatches = 0;
  let fifoViolations = 0;
  let lastTick = 0;
  const tickIntervals: number[] = [];

  const admit = (user: number, t: number): void => {
    active.add(user);
    if (fault !== 'starvation') events.push({ t: Math.max(t + dwellMs, arrivalsOver), kind: 'leave', user });
  };
  const finish = (t: number): void => {
    remaining--;
    if (remaining === 0) endAt = t;
  };

  // Starvation never empties the room: stop when the last queued user's timeout is long past.
  const hardEnd = startAt + (users - 1) * delay + 1.5 * boundFor(users) + 10_000;
  for (let e = events.pop(); e !== undefined; e = events.pop()) {
    if (e.t > endAt + 1500 || e.t > hardEnd) break;
    switch (e.kind) {
      case 'arrive': {
        const t = e.t + CHECK_LATENCY_MS;
        if (active.size < threshold) {
          immediate++;
          emit('queue_admitted_immediately', t, 1, { user: String(e.user) });
          admit(e.user, t);
        } else {
          const position = nextPosition++;
          queuedCount++;
          // What a correct target would promise: the first tick after the arrival phase, then one
          // tick per batch that has to leave first (the batch's dwell, rounded up to whole intervals).
          const batchesAhead = Math.ceil(position / threshold) - 1;
          const firstTick = startAt + Math.ceil((arrivalsOver - startAt) / interval) * interval;
          const perBatch = Math.ceil((dwellMs + ADMISSION_LATENCY_MS) / interval) * interval;
          const estimateMs = fault === 'wrong-estimate' ? 1000 : firstTick + batchesAhead * perBatch - t;
          const w: Waiting = { user: e.user, position, checkT: t, estimateMs: Math.max(0, estimateMs), boundMs: boundFor(position), done: false };
          queue.push(w);
          waiting.set(e.user, w);
          emit('queue_queued', t, 1, { user: String(e.user), position: String(position) });
          events.push({ t: t + 1.5 * w.boundMs, kind: 'timeout', user: e.user });
        }
        break;
      }
      case 'tick': {
        // The stall fault: the processor sleeps through several intervals after its first batch.
        if (fault === 'stall' && stallUntil === 0 && ticksSeen.length === 1) stallUntil = e.t + 6 * interval;
        if (e.t >= stallUntil) {
          const free = Math.max(0, threshold - active.size);
          const queueSize = queue.length;
          let size = Math.min(free, queueSize);
          if (fault === 'over-admit' && queueSize > 0) size = Math.min(queueSize, free + 2);
          if (size > 0 || queueSize > 0) {
            const batch = fault === 'lifo' ? queue.splice(queue.length - size, size).reverse() : queue.splice(0, size);
            for (const w of batch) {
              const t = e.t + ADMISSION_LATENCY_MS;
              const wait = t - w.checkT;
              w.done = true;
              waits.push(wait);
              estimateErrors.push(Math.abs(w.estimateMs - wait));
              if (wait > w.boundMs) late++;
              // The queue stays in position order, so its head is the earliest still waiting.
              if (queue.length > 0 && queue[0]!.position < w.position) fifoViolations++;
              emit('queue_admission_wait', t, wait, { user: String(w.user), position: String(w.position), estimate_ms: String(Math.round(w.estimateMs)), bound_ms: String(w.boundMs) });
              emit('queue_admitted_from_queue', t, 1, { user: String(w.user) });
              admit(w.user, t);
            }
            if (size > free) overBatches++;
            const observedAt = e.t + ADMISSION_LATENCY_MS + 2;
            emit('queue_batch_size', observedAt, size, { free_slots: String(free), queue_size: String(queueSize) });
            if (lastTick > 0) {
              emit('queue_tick_interval', observedAt, observedAt - lastTick);
              tickIntervals.push(observedAt - lastTick);
            }
            lastTick = observedAt;
            ticksSeen.push(size);
          }
        }
        if (e.t <= endAt) events.push({ t: e.t + interval, kind: 'tick' });
        break;
      }
      case 'probe': {
        if (e.t >= startAt) {
          emit('queue_probe_depth', e.t, queue.length);
          emit('queue_probe_active', e.t, active.size);
          depthSamples.push(queue.length);
          activeSamples.push(active.size);
        }
        if (e.t <= endAt + 1000) events.push({ t: e.t + probeEvery, kind: 'probe' });
        break;
      }
      case 'leave':
        active.delete(e.user);
        finish(e.t);
        break;
      case 'timeout': {
        const w = waiting.get(e.user);
        if (w === undefined || w.done) break;
        w.done = true;
        queue.splice(queue.indexOf(w), 1);
        timeouts++;
        emit('queue_admission_timeouts', e.t, 1, { user: String(w.user), position: String(w.position), bound_ms: String(w.boundMs) });
        finish(e.t);
        break;
      }
    }
  }

  const noisePerUser = opts.noiseLinesPerUser ?? 0;
  if (noisePerUser > 0) {
    const names = ['http_req_duration', 'http_req_waiting', 'http_reqs', 'ws_session_duration'];
    for (let u = 0; u < users; u++) {
      const base = startAt + u * delay;
      for (let k = 0; k < noisePerUser; k++) {
        lines.push({ t: base + k * 7, line: pointLine(names[k % names.length]!, base + k * 7, 3 + (k % 17), undefined, { method: 'POST', name: 'check', status: '200', url: 'http://localhost:3001/api/queue/check' }) });
      }
    }
  }
  lines.sort((a, b) => a.t - b.t);

  const expectedImmediate = Math.min(users, threshold);
  const expectedQueued = Math.max(0, users - threshold);
  const tolerance = interval + dwellMs + 1000;
  const values: Record<string, Record<string, number>> = {
    queue_admitted_immediately: { count: immediate, rate: 0 },
    queue_queued: { count: queuedCount, rate: 0 },
    queue_admitted_from_queue: { count: waits.length, rate: 0 },
    queue_admission_timeouts: { count: timeouts, rate: 0 },
    queue_admission_late: { count: late, rate: 0 },
    queue_admission_wait: trendValues(waits),
    queue_wait_estimate_error: trendValues(estimateErrors),
    queue_batch_size: trendValues(ticksSeen),
    queue_tick_interval: trendValues(tickIntervals),
    'queue_invariant_violations{kind:batch_over_free_slots}': { count: overBatches, rate: 0 },
    'queue_invariant_violations{kind:fifo}': { count: fifoViolations, rate: 0 },
  };
  const rules: Record<string, string[]> = {
    queue_admitted_immediately: [`count==${expectedImmediate}`],
    queue_queued: [`count==${expectedQueued}`],
    queue_admitted_from_queue: [`count==${expectedQueued}`],
    queue_admission_timeouts: ['count==0'],
    queue_admission_late: ['count==0'],
    queue_wait_estimate_error: [`p(95)<=${tolerance}`],
    queue_batch_size: [`max<=${threshold}`],
    'queue_invariant_violations{kind:batch_over_free_slots}': ['count==0'],
    'queue_invariant_violations{kind:fifo}': ['count==0'],
  };
  if (probes) {
    values.queue_probe_active = trendValues(activeSamples);
    values.queue_probe_depth = trendValues(depthSamples);
    rules.queue_probe_active = [`max<=${threshold}`];
  }
  const metrics: Record<string, unknown> = {};
  const notes: string[] = [];
  for (const [name, v] of Object.entries(values)) {
    const parent = name.replace(/\{.*$/, '');
    const isCounter = Object.keys(v).join(',') === 'count,rate';
    const [type, contains] = METRIC_TYPES[parent] ?? (isCounter ? ['counter', 'default'] : ['trend', 'time']);
    const m: Record<string, unknown> = { type, contains, values: v };
    if (rules[name] !== undefined) {
      const th: Record<string, { ok: boolean }> = {};
      for (const expr of rules[name]!) {
        const ok = judge(v, expr);
        th[expr] = { ok };
        if (!ok) notes.push(`${name} ${expr} failed (synthetic ${fault} run)`);
      }
      m.thresholds = th;
    }
    metrics[name] = m;
  }
  const scenario = opts.scenario ?? 'synthetic';
  const summary = {
    root_group: { name: '', path: '', id: 'd41d8cd98f00b204e9800998ecf8427e', groups: [], checks: [] },
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'count'], summaryTimeUnit: '', noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: (Number.isFinite(endAt) ? endAt : lines[lines.length - 1]?.t ?? startAt) - startAt + 500 },
    metrics,
    queue_k6: {
      format: 1,
      runId: `${scenario}-${fault}`,
      scenario,
      eventId: '00000000-0000-4000-8000-000000000001',
      k6Version: 'k6 v2.2.0',
      instances: 1,
      segment: null,
      params: {
        users, queueThreshold: threshold, processorIntervalMs: interval, arrivalDelayMs: delay, arrivalGraceMs: grace, dwellMs,
        usersPerVu: 50, apiUrl: 'http://localhost:3001', socketUrl: 'http://localhost:3001', redisUrl: probes ? 'redis://localhost:6379' : '', probes,
        httpConcurrency: 8,
      },
      vars: { USERS: users, QUEUE_THRESHOLD: threshold, EXPECTED_IMMEDIATE: expectedImmediate, EXPECTED_QUEUED: expectedQueued, ESTIMATE_TOLERANCE_MS: tolerance },
      thresholds: rules,
      notes,
      startAt,
    },
  };

  return {
    summary,
    *lines() {
      const seen = new Set<string>();
      for (const { line } of lines) {
        const name = line.slice(11, line.indexOf('"', 11));
        if (!seen.has(name)) {
          seen.add(name);
          const [type, contains] = METRIC_TYPES[name] ?? ['trend', 'default'];
          yield metricLine(name, type, contains);
        }
        yield line;
      }
    },
    truth: {
      activeMax: activeSamples.reduce((m, v) => Math.max(m, v), 0),
      depthMax: depthSamples.reduce((m, v) => Math.max(m, v), 0),
      ticks: ticksSeen.length,
      queued: queuedCount,
      admittedFromQueue: waits.length,
      timeouts,
      maxBatch: ticksSeen.reduce((m, v) => Math.max(m, v), 0),
    },
  };
}

/** Writes a synthetic run's results JSON and samples (.gz when the name says so); returns the paths. */
export async function writeSyntheticRun(run: SyntheticRun, prefix: string, opts: { gzip?: boolean } = {}): Promise<{ summary: string; samples: string }> {
  await mkdir(dirname(prefix), { recursive: true });
  const summary = `${prefix}.json`;
  const samples = `${prefix}.ndjson${opts.gzip === false ? '' : '.gz'}`;
  await writeFile(summary, JSON.stringify(run.summary, null, 2) + '\n');
  // Chunks of many lines: one stream write per line would dominate the time.
  const source = Readable.from((function* () {
    let chunk = '';
    for (const line of run.lines()) {
      chunk += line + '\n';
      if (chunk.length > 64 * 1024) {
        yield chunk;
        chunk = '';
      }
    }
    if (chunk !== '') yield chunk;
  })());
  if (opts.gzip === false) await pipeline(source, createWriteStream(samples));
  else await pipeline(source, createGzip(), createWriteStream(samples));
  return { summary, samples };
}
