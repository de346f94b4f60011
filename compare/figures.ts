// The queue's key figures, each from a run's summary (what k6 computed) and,
// for the noise test, from its samples (k6 --out json): admissions per
// second, the wait for admission (and by position), the estimate error, the
// Socket.IO connect time, the login time, the delay from a user's scheduled
// arrival to its check answer, and the errors. A figure is named in the
// compare section of thresholds.json by its id: a metric's name (metrics in
// lib/metrics.ts) or one of the derived ids below.
import type { MetricType } from '../lib/rules/expression.ts';
import { parentName } from '../lib/summary/names.ts';
import type { SampleSet } from '../runs/samples.ts';
import { aggregate, mannWhitney, type MannWhitney } from './stats.ts';
import { allowedChange, beyond, worsening, type Tolerance } from './tolerance.ts';
import type { RunFile } from './runs.ts';

export type Unit = 'ms' | 'per_s' | 'count' | 'rate' | 'number';

/** A run as compare reads it: the file and, when it has any, its samples. */
export interface LoadedRun {
  file: RunFile;
  samples: SampleSet | null;
}

export interface FigureDef {
  id: string;
  label: string;
  type: MetricType;
  unit: Unit;
  /** The aggregation shown when the compare section names no tolerance for it. */
  defaultAgg: string;
  /** Which way is worse when no tolerance says it. */
  worse: 'up' | 'down';
  /** What the figure is, in a few words (docs and the Markdown summary's legend). */
  about: string;
  /** The value of an aggregation from the summary; null when the summary lacks it. */
  fromSummary(run: LoadedRun, agg: string): number | null;
  /** Per-sample values (the test's input, and aggregations the summary lacks); null without samples. Counts have none. */
  fromSamples?(run: LoadedRun): number[] | null;
  /** Why there is no noise test, when the figure never has samples (default: a count, or no samples to test). */
  noTest?: string;
}

/** The metrics compare reads from the sample files (every other line is skipped undecoded). */
export const SAMPLE_METRICS = [
  'queue_batch_size',
  'queue_admission_wait',
  'queue_wait_estimate_error',
  'queue_socket_connect',
  'queue_admitted_immediately',
  'queue_queued',
  'http_req_duration',
] as const;

/** Metrics whose sample tags compare needs (the login calls are told apart by their op tag). */
export const SAMPLE_TAGS = ['http_req_duration'] as const;

function num(x: unknown): number | null {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x !== 'string' || x.trim() === '') return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

function summaryValue(run: LoadedRun, key: string, agg: string): number | null {
  const v = run.file.summary.metrics[key]?.values[agg];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function points(run: LoadedRun, metric: string): number[] | null {
  if (run.samples === null) return null;
  return (run.samples.points.get(metric) ?? []).map((p) => p.v);
}

/** A trend metric of the summary, its samples the metric's points. */
function trendFigure(id: string, label: string, about: string, unit: Unit = 'ms'): FigureDef {
  return {
    id, label, about, type: 'trend', unit, defaultAgg: 'p(95)', worse: 'up',
    fromSummary: (run, agg) => summaryValue(run, id, agg),
    fromSamples: (run) => points(run, id),
  };
}

/** An error counter: absent from a summary means nothing was counted (the suite's rules keep these metrics in). */
function countFigure(id: string, label: string, about: string): FigureDef {
  return {
    id, label, about, type: 'counter', unit: 'count', defaultAgg: 'count', worse: 'up',
    fromSummary: (run, agg) => {
      const v = summaryValue(run, id, agg);
      return v !== null ? v : run.file.summary.metrics[id] === undefined && run.file.summary.hasQueueInfo ? 0 : null;
    },
  };
}

/** Per processor batch after the first: users admitted / seconds since the previous batch. */
function perBatchRates(run: LoadedRun): number[] | null {
  if (run.samples === null) return null;
  const batches = [...(run.samples.points.get('queue_batch_size') ?? [])].sort((a, b) => a.t - b.t);
  const out: number[] = [];
  for (let i = 1; i < batches.length; i++) {
    const dt = (batches[i]!.t - batches[i - 1]!.t) / 1000;
    if (dt > 0) out.push(batches[i]!.v / dt);
  }
  return out;
}

/** Per user: from the scheduled arrival (or check-race's shared check instant) to the check's answer. */
function arrivalLags(run: LoadedRun): number[] | null {
  if (run.samples === null) return null;
  const q = run.file.summary.queue;
  const startAt = q.startAt;
  const delay = num(q.params.arrivalDelayMs);
  const race = q.params.race === true;
  const raceAt = num(q.params.raceAtMs);
  if (startAt === null || (race ? raceAt === null : delay === null)) return null;
  const out: number[] = [];
  for (const metric of ['queue_admitted_immediately', 'queue_queued']) {
    for (const p of run.samples.points.get(metric) ?? []) {
      const user = num(p.meta?.user);
      if (user === null || user < 1) continue;
      const scheduled = race ? startAt + raceAt! : startAt + (user - 1) * delay!;
      out.push(Math.max(0, p.t - scheduled));
    }
  }
  return out;
}

/** The waiting room's login calls: POST /api/auth/register, and /login when the account exists. */
function loginDurations(run: LoadedRun): number[] | null {
  if (run.samples === null) return null;
  const out: number[] = [];
  for (const p of run.samples.points.get('http_req_duration') ?? []) {
    const op = p.tags?.op;
    if (op === 'register' || op === 'login') out.push(p.v);
  }
  return out;
}

export const FIGURES: FigureDef[] = [
  {
    id: 'admissions_per_second',
    label: 'admissions per second',
    about: 'users the processor admitted per second: mean batch size / mean time between batches (summary); the test compares each batch\'s size / time since the previous one',
    type: 'gauge',
    unit: 'per_s',
    defaultAgg: 'value',
    worse: 'down',
    fromSummary: (run) => {
      const batch = summaryValue(run, 'queue_batch_size', 'avg');
      const gap = summaryValue(run, 'queue_tick_interval', 'avg');
      const gaps = summaryValue(run, 'queue_tick_interval', 'count');
      if (batch === null || gap === null || gap <= 0 || gaps === 0) return null;
      return (batch * 1000) / gap;
    },
    fromSamples: perBatchRates,
  },
  trendFigure('queue_admission_wait', 'wait for admission', 'queued users: from the check answer to their own admission event'),
  trendFigure('queue_wait_estimate_error', 'estimate error', 'queued users: |estimatedWait - actual wait|'),
  trendFigure('queue_socket_connect', 'connect time', 'Socket.IO: WebSocket open to CONNECT'),
  {
    id: 'login_duration',
    label: 'login time',
    about: 'the login calls (http_req_duration of POST /api/auth/register and /login, tag op); from the samples only',
    type: 'trend',
    unit: 'ms',
    defaultAgg: 'p(95)',
    worse: 'up',
    fromSummary: () => null,
    fromSamples: loginDurations,
  },
  {
    id: 'arrival_lag',
    label: 'arrival to check answer',
    about: 'per user: from the scheduled arrival (START_AT + (n-1) x ARRIVAL_DELAY_MS) to the check answer (login, connect, join, check); from the samples only',
    type: 'trend',
    unit: 'ms',
    defaultAgg: 'p(95)',
    worse: 'up',
    fromSummary: () => null,
    fromSamples: arrivalLags,
  },
  countFigure('queue_http_errors', 'HTTP errors', 'failed calls of the waiting room\'s API'),
  countFigure('queue_socket_errors', 'Socket.IO errors', 'connection failures and unexpected disconnects'),
  countFigure('queue_protocol_errors', 'protocol errors', 'malformed Engine.IO / Socket.IO frames'),
  countFigure('queue_admission_timeouts', 'admission timeouts', 'queued users never admitted within their timeout'),
  countFigure('queue_admission_late', 'late admissions', 'queued users admitted after the starvation bound'),
  countFigure('queue_invariant_violations', 'invariant violations', 'every kind together (lib/redis/invariants.ts)'),
  {
    id: 'http_req_failed',
    label: 'failed HTTP requests',
    about: "k6's http_req_failed rate",
    type: 'rate',
    unit: 'rate',
    defaultAgg: 'rate',
    worse: 'up',
    fromSummary: (run, agg) => summaryValue(run, 'http_req_failed', agg),
  },
];

/** Figures shown only when one of the two runs measured them (a run without a server source has no server figure). */
export const MEASURED_FIGURES: FigureDef[] = [
  {
    id: 'server_cpu_seconds_per_user',
    label: 'server CPU-seconds per admitted user',
    about: 'CPU time of every sampled server process (queue_server_cpu_seconds) / users admitted (at once and from the queue); needs SERVER_METRICS_URLS (docs/server-metrics.md)',
    type: 'gauge',
    unit: 'number',
    defaultAgg: 'value',
    worse: 'up',
    fromSummary: (run) => {
      const cpu = summaryValue(run, 'queue_server_cpu_seconds', 'count');
      const users = (summaryValue(run, 'queue_admitted_immediately', 'count') ?? 0) + (summaryValue(run, 'queue_admitted_from_queue', 'count') ?? 0);
      return cpu === null || users === 0 ? null : cpu / users;
    },
  },
];

/** The id of the capacity figure in the compare section (compare/capacity.ts judges it). */
export const CAPACITY_ID = 'capacity_users';

/**
 * The capacity run's answer (queue_k6.capacity, lib/capacity/types.ts): users
 * held in the last healthy window. Only a room that broke or held has one; a
 * run whose generator fell behind, or that measured too little, claims none
 * (compare/capacity.ts says why instead). A run that broke with no healthy
 * window held nobody: 0, so a room that now breaks at once is not waved through.
 */
export const CAPACITY_FIGURE: FigureDef = {
  id: CAPACITY_ID,
  label: 'capacity: users held',
  about: 'the capacity run\'s answer: users held in the last healthy window before the first break (queue_k6.capacity.held.users), with its arrival rate',
  type: 'gauge',
  unit: 'count',
  defaultAgg: 'value',
  worse: 'down',
  noTest: 'one answer per run: no sample test',
  fromSummary: (run) => {
    const c = run.file.summary.queue.capacity;
    if (c === undefined || (c.outcome !== 'broke' && c.outcome !== 'held')) return null;
    if (c.held !== null) return c.held.users;
    return c.outcome === 'broke' ? 0 : null;
  },
};

const BY_ID = new Map([...FIGURES, ...MEASURED_FIGURES, CAPACITY_FIGURE].map((f) => [f.id, f]));

/** A figure for any other summary metric the compare section names: its type and unit from the runs' summaries. */
export function metricFigure(key: string, runs: LoadedRun[]): FigureDef | undefined {
  const known = BY_ID.get(key);
  if (known !== undefined) return known;
  const m = runs.map((r) => r.file.summary.metrics[key]).find((x) => x !== undefined);
  if (m === undefined || (m.type !== 'counter' && m.type !== 'gauge' && m.type !== 'rate' && m.type !== 'trend')) return undefined;
  const type = m.type as MetricType;
  const unit: Unit = type === 'rate' ? 'rate' : m.contains === 'time' ? 'ms' : type === 'counter' ? 'count' : 'number';
  const plain = key === parentName(key);
  const def: FigureDef = {
    id: key,
    label: key,
    about: `the ${type} ${key}`,
    type,
    unit,
    defaultAgg: type === 'trend' ? 'p(95)' : type === 'gauge' ? 'value' : type === 'rate' ? 'rate' : 'count',
    worse: 'up',
    fromSummary: (run, agg) => summaryValue(run, key, agg),
  };
  // Samples of a sub-metric would need its tag filter: only plain trends are tested.
  if (type === 'trend' && plain) def.fromSamples = (run) => points(run, key);
  return def;
}

/** The metrics whose samples compare needs for these section keys, beyond SAMPLE_METRICS. */
export function extraSampleMetrics(keys: Iterable<string>): string[] {
  return [...keys].filter((k) => !BY_ID.has(k) && k === parentName(k));
}

export interface PositionBand {
  from: number;
  to: number;
  base: number | null;
  run: number | null;
  baseCount: number;
  runCount: number;
}

/** Median wait per band of positions (at most `bands` bands of equal width over the positions seen). */
export function waitsByPosition(base: LoadedRun, run: LoadedRun, bands = 4): PositionBand[] {
  const waits = (r: LoadedRun): { position: number; wait: number }[] =>
    (r.samples?.points.get('queue_admission_wait') ?? [])
      .map((p) => ({ position: num(p.meta?.position) ?? NaN, wait: p.v }))
      .filter((w) => Number.isFinite(w.position));
  const b = waits(base);
  const r = waits(run);
  let top = 0;
  for (const w of [...b, ...r]) top = Math.max(top, w.position);
  if (top === 0) return [];
  const width = Math.ceil(top / Math.min(bands, top));
  const out: PositionBand[] = [];
  for (let from = 1; from <= top; from += width) {
    const to = Math.min(top, from + width - 1);
    const inBand = (list: { position: number; wait: number }[]): number[] => list.filter((w) => w.position >= from && w.position <= to).map((w) => w.wait);
    const bw = inBand(b);
    const rw = inBand(r);
    out.push({ from, to, base: aggregate(bw, 'med'), run: aggregate(rw, 'med'), baseCount: bw.length, runCount: rw.length });
  }
  return out;
}

export type FigureVerdict = 'ok' | 'regression' | 'improved' | 'not_compared' | 'info';

export interface FigureRow {
  id: string;
  label: string;
  agg: string;
  unit: Unit;
  base: number | null;
  run: number | null;
  /** Where each value came from. */
  baseFrom: 'summary' | 'samples' | null;
  runFrom: 'summary' | 'samples' | null;
  /** run - base, and as a percentage of base (null when base is 0). */
  change: number | null;
  changePct: number | null;
  tolerance: Tolerance | null;
  /** The change the tolerance allows the worse way, for this base. */
  allowed: number | null;
  test: MannWhitney | null;
  /** Why there is no test, or what it says. */
  testNote: string;
  /** The test found a difference in the worse direction (null: no test, or it cannot tell at this sample size). */
  significantWorse: boolean | null;
  verdict: FigureVerdict;
  /** One line: why this verdict. */
  why: string;
  bands?: PositionBand[];
  /** What the reader needs beside the two values (capacity: each run's held rate and window). */
  note?: string;
}

function valueOf(def: FigureDef, run: LoadedRun, agg: string, samples: number[] | null): { v: number | null; from: 'summary' | 'samples' | null } {
  const s = def.fromSummary(run, agg);
  if (s !== null) return { v: s, from: 'summary' };
  if (samples !== null && samples.length > 0 && def.type === 'trend') {
    const v = aggregate(samples, agg);
    if (v !== null) return { v, from: 'samples' };
  }
  return { v: null, from: null };
}

function missingWhy(def: FigureDef, run: LoadedRun, which: string): string {
  if (def.fromSamples !== undefined && def.fromSummary(run, def.defaultAgg) === null) {
    if (run.samples === null) return `${which} has no samples file (k6 --out json) to compute it from`;
    return `${which}'s samples hold no ${def.label}`;
  }
  return `${which}'s summary has no ${def.id}`;
}

/** `p=0.034`, `p=0.0021`, `p<0.0001`. */
export function fmtP(p: number): string {
  if (p < 0.0001) return 'p<0.0001';
  return `p=${p < 0.01 ? p.toPrecision(2) : String(Math.round(p * 1000) / 1000)}`;
}

/** One row of the table: the figure at one aggregation in both runs, the change, the tolerance and the test. */
export function compareFigure(def: FigureDef, tolerance: Tolerance | null, base: LoadedRun, run: LoadedRun, alpha: number, agg = tolerance?.agg ?? def.defaultAgg): FigureRow {
  const bs = def.fromSamples?.(base) ?? null;
  const rs = def.fromSamples?.(run) ?? null;
  const b = valueOf(def, base, agg, bs);
  const r = valueOf(def, run, agg, rs);
  const row: FigureRow = {
    id: def.id, label: def.label, agg, unit: def.unit, base: b.v, run: r.v, baseFrom: b.from, runFrom: r.from,
    change: null, changePct: null, tolerance, allowed: null, test: null, testNote: '', significantWorse: null, verdict: 'info', why: '',
  };
  const worseWay = tolerance?.worse ?? def.worse;
  // The noise test.
  if (def.fromSamples === undefined) row.testNote = def.noTest ?? (def.type === 'counter' ? 'a count: no sample test' : 'no samples to test');
  else if (bs === null || rs === null) row.testNote = `no samples file in ${bs === null && rs === null ? 'either run' : bs === null ? 'the base run' : 'this run'}`;
  else if (bs.length === 0 || rs.length === 0) row.testNote = `no samples in ${bs.length === 0 && rs.length === 0 ? 'either run' : bs.length === 0 ? 'the base run' : 'this run'}`;
  else {
    const t = mannWhitney(bs, rs)!;
    row.test = t;
    const upward = t.superiority > 0.5;
    if (t.minP >= alpha) {
      row.testNote = `${fmtP(t.p)}, n=${t.n1}/${t.n2}: too few distinct samples to reach α=${alpha}`;
    } else if (t.p < alpha) {
      row.significantWorse = worseWay === 'up' ? upward : !upward;
      row.testNote = `${fmtP(t.p)} < ${alpha}, n=${t.n1}/${t.n2}: ${upward ? 'higher' : 'lower'} beyond noise`;
    } else {
      row.significantWorse = false;
      row.testNote = `${fmtP(t.p)} ≥ ${alpha}, n=${t.n1}/${t.n2}: within noise`;
    }
  }
  if (b.v === null || r.v === null) {
    row.verdict = 'not_compared';
    row.why = b.v === null ? missingWhy(def, base, 'the base run') : missingWhy(def, run, 'this run');
    return row;
  }
  row.change = r.v - b.v;
  row.changePct = b.v === 0 ? null : ((r.v - b.v) / Math.abs(b.v)) * 100;
  if (tolerance === null) {
    row.verdict = 'info';
    row.why = 'no tolerance in the compare section: shown, not judged';
    return row;
  }
  row.allowed = allowedChange(tolerance, b.v);
  const testCanTell = row.significantWorse !== null;
  if (beyond(tolerance, b.v, r.v)) {
    if (!testCanTell) {
      row.verdict = 'regression';
      row.why = `worse beyond the tolerance; judged on the tolerance alone (${row.testNote})`;
    } else if (row.significantWorse === true) {
      row.verdict = 'regression';
      row.why = 'worse beyond the tolerance, and beyond noise';
    } else {
      row.verdict = 'ok';
      row.why = `beyond the tolerance but not beyond noise (${row.testNote})`;
    }
    return row;
  }
  // Better by more than the tolerance allows the other way, and not noise: an improvement.
  const better = -worsening(tolerance, b.v, r.v);
  const improvedBeyondNoise = row.test !== null && row.test.p < alpha && row.test.minP < alpha && row.significantWorse === false;
  if (better > allowedChange(tolerance, b.v) && better > 0 && (!testCanTell || improvedBeyondNoise)) {
    row.verdict = 'improved';
    row.why = 'better beyond the tolerance';
    return row;
  }
  row.verdict = 'ok';
  row.why = 'within the tolerance';
  return row;
}
