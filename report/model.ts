// What the report shows, computed once from the summary and the samples: the
// queue's timeline, the processor's ticks, every queued user's wait, and the
// findings that say in words what the charts show (late users, out-of-order
// admissions, over-admitting batches). Rendering only draws this model.
import type { SamplePoint, SampleSet } from '../runs/samples.ts';
import { thresholdOutcomes, type RunSummary, type ThresholdOutcome } from '../runs/run-file.ts';
import { RESTART_METRICS, restartView, type RestartView } from './restart.ts';
import { capacityView, type CapacityView } from './capacity.ts';

/** The metrics the report reads; the sample reader skips every other one. */
export const REPORT_METRICS = [
  'queue_probe_depth',
  'queue_probe_active',
  'queue_batch_size',
  'queue_admission_wait',
  'queue_admission_timeouts',
  'queue_queued',
  'queue_admitted_immediately',
  // the restart section (report/restart.ts)
  ...RESTART_METRICS,
] as const;

/** A value at a time, the time in seconds since the run's origin (t0). */
export interface TimePoint {
  t: number;
  v: number;
}

export interface Tick {
  t: number;
  size: number;
  freeSlots: number | null;
  queueSize: number | null;
}

export interface UserWait {
  user: string;
  position: number;
  waitMs: number;
  estimateMs: number | null;
  boundMs: number | null;
  /** When the admission arrived, s since t0. */
  admittedT: number;
  late: boolean;
}

export interface UserTimeout {
  user: string;
  position: number;
  boundMs: number | null;
  /** From the user's check to the timeout; null when the check sample is missing. */
  waitedMs: number | null;
  t: number;
}

export interface ArrivalPhase {
  from: number;
  to: number;
  /** 'schedule': startAt + (users-1) x arrivalDelayMs; 'checks': first to last check answer. */
  source: 'schedule' | 'checks';
}

export interface Findings {
  activeMax: number | null;
  depthMax: number | null;
  /** Probe samples with the active set above the threshold. */
  activeOverThreshold: number;
  late: number;
  /** Users admitted after someone who queued behind them (LIFO or out of order). */
  outOfOrder: number;
  estimateErrorP95Ms: number | null;
  estimateErrorMaxMs: number | null;
  /** Users whose |estimate - wait| exceeds ESTIMATE_TOLERANCE_MS (when the run set it). */
  estimateOffCount: number;
  estimateToleranceMs: number | null;
  /** Ticks that admitted more users than there were free slots. */
  overAdmitTicks: number;
}

export interface SampleStats {
  files: string[];
  lines: number;
  kept: number;
  malformed: number;
  malformedAt: string[];
  warnings: string[];
}

export interface ReportModel {
  summary: RunSummary;
  passed: boolean;
  outcomes: ThresholdOutcome[];
  samples: SampleStats;
  /** Epoch ms of time 0 on every time axis. */
  t0: number | null;
  t0Source: 'startAt' | 'first-sample' | 'none';
  threshold: number | null;
  depth: TimePoint[];
  active: TimePoint[];
  ticks: Tick[];
  arrival: ArrivalPhase | null;
  waits: UserWait[];
  timeouts: UserTimeout[];
  findings: Findings;
  /** The room was disrupted in this run (scenario restart): when, the sockets over time, the recovery times. */
  restart: RestartView | null;
  /** The capacity scenario's answer (queue_k6.capacity) with its series ready to draw; null in every other run. */
  capacity: CapacityView | null;
}

function num(x: unknown): number | null {
  if (typeof x === 'number') return Number.isFinite(x) ? x : null;
  if (typeof x !== 'string' || x.trim() === '') return null;
  const n = Number(x);
  return Number.isFinite(n) ? n : null;
}

function param(summary: RunSummary, name: string): number | null {
  return num(summary.queue.params[name]);
}

/** Linear-interpolated percentile of sorted values (k6's rule, shared/k6-reference "handleSummary's data"). */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/**
 * Users admitted later than someone with a higher position, by more than
 * `slackMs` (users of one batch hear their admissions in any order).
 */
export function countOutOfOrder(waits: Pick<UserWait, 'position' | 'admittedT'>[], slackMs: number): number {
  const byTime = [...waits].sort((a, b) => a.admittedT - b.admittedT);
  let count = 0;
  let maxBefore = -Infinity;
  let j = 0;
  for (const w of byTime) {
    while (j < byTime.length && byTime[j]!.admittedT < w.admittedT - slackMs / 1000) {
      maxBefore = Math.max(maxBefore, byTime[j]!.position);
      j++;
    }
    if (maxBefore > w.position) count++;
  }
  return count;
}

function firstTime(set: SampleSet): number | null {
  let min = Infinity;
  for (const list of set.points.values()) for (const p of list) if (p.t < min) min = p.t;
  return Number.isFinite(min) ? min : null;
}

function series(list: SamplePoint[] | undefined, t0: number): TimePoint[] {
  return (list ?? []).map((p) => ({ t: (p.t - t0) / 1000, v: p.v })).sort((a, b) => a.t - b.t);
}

function arrivalPhase(summary: RunSummary, set: SampleSet, t0: number): ArrivalPhase | null {
  const startAt = summary.queue.startAt;
  const users = param(summary, 'users');
  const delay = param(summary, 'arrivalDelayMs');
  if (startAt !== null && users !== null && delay !== null && users >= 1) {
    return { from: (startAt - t0) / 1000, to: (startAt + (users - 1) * delay - t0) / 1000, source: 'schedule' };
  }
  let from = Infinity;
  let to = -Infinity;
  for (const name of ['queue_admitted_immediately', 'queue_queued']) {
    for (const p of set.points.get(name) ?? []) {
      from = Math.min(from, p.t);
      to = Math.max(to, p.t);
    }
  }
  return Number.isFinite(from) ? { from: (from - t0) / 1000, to: (to - t0) / 1000, source: 'checks' } : null;
}

function max(points: TimePoint[]): number | null {
  let m = -Infinity;
  for (const p of points) if (p.v > m) m = p.v;
  return Number.isFinite(m) ? m : null;
}

export function buildModel(summary: RunSummary, set: SampleSet): ReportModel {
  const outcomes = thresholdOutcomes(summary);
  const first = firstTime(set);
  const t0 = summary.queue.startAt ?? first;
  const t0Source = summary.queue.startAt !== null ? 'startAt' : first !== null ? 'first-sample' : 'none';
  const origin = t0 ?? 0;
  const threshold = param(summary, 'queueThreshold') ?? summary.queue.vars.QUEUE_THRESHOLD ?? null;

  const depth = series(set.points.get('queue_probe_depth'), origin);
  const active = series(set.points.get('queue_probe_active'), origin);
  const ticks: Tick[] = (set.points.get('queue_batch_size') ?? [])
    .map((p) => ({ t: (p.t - origin) / 1000, size: p.v, freeSlots: num(p.meta?.free_slots), queueSize: num(p.meta?.queue_size) }))
    .sort((a, b) => a.t - b.t);

  const waits: UserWait[] = [];
  for (const p of set.points.get('queue_admission_wait') ?? []) {
    const position = num(p.meta?.position);
    if (position === null) continue; // not attributable to a position: nothing to draw it against
    const boundMs = num(p.meta?.bound_ms);
    waits.push({
      user: p.meta?.user ?? '',
      position,
      waitMs: p.v,
      estimateMs: num(p.meta?.estimate_ms),
      boundMs,
      admittedT: (p.t - origin) / 1000,
      late: boundMs !== null && p.v > boundMs,
    });
  }
  waits.sort((a, b) => a.position - b.position);

  const queuedAt = new Map<string, number>();
  for (const p of set.points.get('queue_queued') ?? []) if (p.meta?.user !== undefined) queuedAt.set(p.meta.user, p.t);
  const timeouts: UserTimeout[] = [];
  for (const p of set.points.get('queue_admission_timeouts') ?? []) {
    const position = num(p.meta?.position);
    if (position === null) continue;
    const user = p.meta?.user ?? '';
    const checkT = queuedAt.get(user);
    timeouts.push({ user, position, boundMs: num(p.meta?.bound_ms), waitedMs: checkT === undefined ? null : p.t - checkT, t: (p.t - origin) / 1000 });
  }
  timeouts.sort((a, b) => a.position - b.position);

  const interval = param(summary, 'processorIntervalMs');
  const errors = waits.filter((w) => w.estimateMs !== null).map((w) => Math.abs(w.estimateMs! - w.waitMs)).sort((a, b) => a - b);
  const tolerance = summary.queue.vars.ESTIMATE_TOLERANCE_MS ?? null;
  const findings: Findings = {
    activeMax: max(active),
    depthMax: max(depth),
    activeOverThreshold: threshold === null ? 0 : active.filter((p) => p.v > threshold).length,
    late: waits.filter((w) => w.late).length,
    // Half an interval of slack: one batch's users hear their admissions within milliseconds.
    outOfOrder: countOutOfOrder(waits, interval === null ? 250 : Math.max(250, interval / 2)),
    estimateErrorP95Ms: percentile(errors, 95),
    estimateErrorMaxMs: errors.length === 0 ? null : errors[errors.length - 1]!,
    estimateOffCount: tolerance === null ? 0 : errors.filter((e) => e > tolerance).length,
    estimateToleranceMs: tolerance,
    overAdmitTicks: ticks.filter((k) => k.freeSlots !== null && k.size > k.freeSlots).length,
  };

  return {
    summary,
    passed: outcomes.every((o) => o.ok),
    outcomes,
    samples: { files: set.files, lines: set.lines, kept: set.kept, malformed: set.malformed, malformedAt: set.malformedAt, warnings: set.warnings },
    t0,
    t0Source,
    threshold,
    depth,
    active,
    ticks,
    arrival: t0 === null ? null : arrivalPhase(summary, set, origin),
    waits,
    timeouts,
    findings,
    restart: restartView(set, origin),
    capacity: capacityView(summary),
  };
}
