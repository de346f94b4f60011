// Loads a run's results file (`<prefix>.json`: k6's handleSummary data plus the
// suite's `queue_k6` key, see the lead's contract) or a merged verdict summary of
// a split run, which has the same shape. Only what the report shows is typed;
// the file is trusted no further than JSON.parse and a few shape checks.
import { readFile } from 'node:fs/promises';
import { InputError, describeFsError } from './samples.ts';
import { leadingAggregation } from '../lib/rules/expression.ts';
import type { CapacityResult } from '../lib/capacity/types.ts';
import { parseCapacity } from './capacity.ts';

export type ParamValue = string | number | boolean | null;

export interface QueueK6Info {
  format?: number;
  runId?: string;
  scenario?: string;
  eventId?: string | null;
  k6Version?: string | null;
  instances?: number;
  segment?: string | null;
  params: Record<string, ParamValue>;
  vars: Record<string, number>;
  thresholds: Record<string, string[]>;
  notes: string[];
  startAt: number | null;
  /** Format 2: each rule's outcome (lib/rules/judge.ts), judged or not judged with the reason. */
  rules?: RuleOutcomeLike[];
  /** The capacity scenario's answer (lib/capacity/types.ts); absent in every other run. */
  capacity?: CapacityResult;
}

export interface RuleOutcomeLike {
  metric: string;
  expression: string;
  state: 'passed' | 'failed' | 'not_judged';
  reason?: string;
}

export interface SummaryMetricLike {
  type?: string;
  contains?: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface RunSummary {
  path: string;
  metrics: Record<string, SummaryMetricLike>;
  /** Empty defaults when the file predates the queue_k6 key. */
  queue: QueueK6Info;
  hasQueueInfo: boolean;
  testRunDurationMs: number | null;
}

/** One threshold of the verdict with the number it was judged on. */
export interface ThresholdOutcome {
  /** The metric key, sub-metric selector included: `queue_positions{position:3}`. */
  metric: string;
  expression: string;
  ok: boolean;
  /** The aggregation the expression reads (`count`, `p(95)`, ...). */
  stat: string | null;
  /** The run's value of that aggregation; null when the summary lacks it. */
  observed: number | null;
  /** 'time' for millisecond trends, so the value can be shown with its unit. */
  contains: string | undefined;
  /** The rule's needs were not met: neither passed nor failed (ok is true only so it fails nothing). */
  notJudged?: boolean;
  /** Why it was not judged. */
  reason?: string;
}

/** The aggregation a k6 threshold expression reads: `p(95) < 2000` -> `p(95)` (the rule grammar's own parser). */
export function thresholdStat(expression: string): string | null {
  return leadingAggregation(expression);
}

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string') : [];
}

function parseQueueInfo(x: unknown): QueueK6Info {
  const q = asRecord(x) ?? {};
  const params: Record<string, ParamValue> = {};
  for (const [k, v] of Object.entries(asRecord(q.params) ?? {})) {
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params[k] = v;
  }
  const vars: Record<string, number> = {};
  for (const [k, v] of Object.entries(asRecord(q.vars) ?? {})) if (typeof v === 'number') vars[k] = v;
  const thresholds: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(asRecord(q.thresholds) ?? {})) thresholds[k] = stringList(v);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const info: QueueK6Info = {
    params,
    vars,
    thresholds,
    notes: stringList(q.notes),
    startAt: typeof q.startAt === 'number' && Number.isFinite(q.startAt) ? q.startAt : null,
  };
  if (typeof q.format === 'number') info.format = q.format;
  if (str(q.runId) !== undefined) info.runId = str(q.runId)!;
  if (str(q.scenario) !== undefined) info.scenario = str(q.scenario)!;
  if (q.eventId === null || typeof q.eventId === 'string') info.eventId = q.eventId;
  if (q.k6Version === null || typeof q.k6Version === 'string') info.k6Version = q.k6Version;
  if (typeof q.instances === 'number') info.instances = q.instances;
  if (q.segment === null || typeof q.segment === 'string') info.segment = q.segment;
  const capacity = parseCapacity(q.capacity);
  if (capacity !== null) info.capacity = capacity;
  if (Array.isArray(q.rules)) {
    info.rules = [];
    for (const r of q.rules) {
      const o = asRecord(r);
      if (o === undefined || typeof o.metric !== 'string' || typeof o.expression !== 'string') continue;
      if (o.state !== 'passed' && o.state !== 'failed' && o.state !== 'not_judged') continue;
      info.rules.push({ metric: o.metric, expression: o.expression, state: o.state, ...(typeof o.reason === 'string' ? { reason: o.reason } : {}) });
    }
  }
  return info;
}

/** Parses results JSON text; `path` only names the file in errors. */
export function parseSummary(text: string, path: string): RunSummary {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new InputError(`summary '${path}' is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const root = asRecord(obj);
  const metricsIn = asRecord(root?.metrics);
  if (root === undefined || metricsIn === undefined) {
    throw new InputError(`'${path}' is not a k6 summary: it has no "metrics" object (pass the <prefix>.json a run wrote, not its samples)`);
  }
  const metrics: Record<string, SummaryMetricLike> = {};
  for (const [name, m] of Object.entries(metricsIn)) {
    const rec = asRecord(m);
    if (rec === undefined) continue;
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(asRecord(rec.values) ?? {})) if (typeof v === 'number') values[k] = v;
    const out: SummaryMetricLike = { values };
    if (typeof rec.type === 'string') out.type = rec.type;
    if (typeof rec.contains === 'string') out.contains = rec.contains;
    const th = asRecord(rec.thresholds);
    if (th !== undefined) {
      out.thresholds = {};
      for (const [expr, r] of Object.entries(th)) out.thresholds[expr] = { ok: asRecord(r)?.ok === true };
    }
    metrics[name] = out;
  }
  const duration = asRecord(root.state)?.testRunDurationMs;
  return {
    path,
    metrics,
    queue: parseQueueInfo(root.queue_k6),
    hasQueueInfo: asRecord(root.queue_k6) !== undefined,
    testRunDurationMs: typeof duration === 'number' ? duration : null,
  };
}

export async function loadSummary(path: string): Promise<RunSummary> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read summary '${path}': ${describeFsError(err)}`);
  }
  return parseSummary(text, path);
}

/** Every threshold in the summary, failed ones first, each with its observed value. */
export function thresholdOutcomes(summary: RunSummary): ThresholdOutcome[] {
  const out: ThresholdOutcome[] = [];
  // Format 2 says which rules were judged: the report shows those, and lists the rest as not judged.
  if (summary.queue.rules !== undefined) {
    for (const r of summary.queue.rules) {
      const m = summary.metrics[r.metric];
      const stat = thresholdStat(r.expression);
      const observed = m !== undefined && stat !== null && typeof m.values[stat] === 'number' ? m.values[stat]! : null;
      const o: ThresholdOutcome = { metric: r.metric, expression: r.expression, ok: r.state !== 'failed', stat, observed, contains: m?.contains };
      if (r.state === 'not_judged') {
        o.notJudged = true;
        if (r.reason !== undefined) o.reason = r.reason;
      }
      out.push(o);
    }
    const rank = (o: ThresholdOutcome): number => (!o.ok ? 0 : o.notJudged ? 2 : 1);
    return out.sort((a, b) => rank(a) - rank(b) || (a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0));
  }
  for (const name of Object.keys(summary.metrics).sort()) {
    const m = summary.metrics[name]!;
    for (const [expression, r] of Object.entries(m.thresholds ?? {})) {
      const stat = thresholdStat(expression);
      const observed = stat !== null && typeof m.values[stat] === 'number' ? m.values[stat]! : null;
      out.push({ metric: name, expression, ok: r.ok, stat, observed, contains: m.contains });
    }
  }
  return out.sort((a, b) => Number(a.ok) - Number(b.ok));
}
