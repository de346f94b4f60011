// Judging the run's thresholds (queue_k6.thresholds) on the merged data, with
// k6's expression syntax (parsed by the Node runner's parseExpression) and
// k6's rules for which aggregation fits which metric type.
//
// Metrics without samples, as k6 judges them at the end of a run (grafana/k6
// metrics/engine/engine.go evaluates every threshold, empty sinks included;
// metrics/thresholds.go Thresholds.Run fills the values it tests):
//   counter  count and rate are 0, so `count==80` fails;
//   trend    min, max, avg, med and p(N) are 0, so `max<=20` passes and
//            `min>=4700` fails;
//   gauge    value is 0;
//   rate     has no value at all: k6 logs "Threshold error" and the
//            threshold stays passed (grafana/k6 issue 2540).
//
// Percentiles over several instances cannot be computed from summaries. The
// run's p(N) lies between the lowest and the highest instance p(N) (up to
// k6's interpolation between two ranks, negligible with many samples), so a
// rule passes when it passes in every instance, fails when it fails in every
// instance (for <, <=, >, >=), and is otherwise reported FAILED as
// "inconclusive from summaries" with each instance's value.
import { compareMetricKeys, parentName } from '../lib/summary/names.ts';
import type { MetricType, SummaryData, SummaryMetric } from '../lib/summary/types.ts';
import { parseExpression, AGGREGATIONS as ALLOWED, OPS as COMPARE, type ParsedExpression as ParsedExpr } from '../lib/rules/expression.ts';
import { trendIsEmpty } from './merge.ts';
import { InputError, type InstanceValue, type ThresholdJudgement } from './types.ts';

const MONOTONE = new Set<ParsedExpr['op']>(['<', '<=', '>', '>=']);

export interface JudgeInstance {
  segment: string | null;
  metrics: Record<string, SummaryMetric>;
}

export interface JudgeInput {
  /** Merged data (merge.ts mergeData); not modified. */
  data: SummaryData;
  instances: JudgeInstance[];
  /** The run's thresholds, k6 syntax, keyed by metric or sub-metric. */
  thresholds: Record<string, string[]>;
}

export interface JudgeResult {
  /** The merged data with `thresholds: { expr: { ok } }` on every judged metric. */
  data: SummaryData;
  judgements: ThresholdJudgement[];
  /** Metric keys with a crossed threshold, sorted: k6's "thresholds on metrics '…' have been crossed". */
  crossed: string[];
  notes: string[];
}

function isPercentile(agg: string): boolean {
  return agg === 'med' || agg.startsWith('p(');
}

/** An aggregation's value in a summary's values: `p(95.0)` finds `p(95)`, med and p(50) stand in for each other. */
export function statValue(values: Record<string, number>, agg: string): number | undefined {
  if (typeof values[agg] === 'number') return values[agg];
  const n = agg === 'med' ? 50 : Number(/^p\((.+)\)$/.exec(agg)?.[1]);
  if (!Number.isFinite(n)) return undefined;
  for (const [k, v] of Object.entries(values)) {
    const m = /^p\((.+)\)$/.exec(k);
    if (m && Number(m[1]) === n) return v;
  }
  return n === 50 && typeof values.med === 'number' ? values.med : undefined;
}

/** The type of a metric that no instance reported: its parent's, else the one its aggregation implies. */
function inferType(data: SummaryData, key: string, agg: string): Pick<SummaryMetric, 'type' | 'contains'> {
  const parent = data.metrics[parentName(key)];
  if (parent) return { type: parent.type, contains: parent.contains };
  if (agg === 'count') return { type: 'counter', contains: 'default' };
  if (agg === 'value') return { type: 'gauge', contains: 'default' };
  if (agg === 'rate') return { type: 'rate', contains: 'default' };
  return { type: 'trend', contains: 'default' };
}

function emptyValues(type: MetricType, trendStats: string[]): Record<string, number> {
  switch (type) {
    case 'counter':
      return { count: 0, rate: 0 };
    case 'gauge':
      return { value: 0, min: 0, max: 0 };
    case 'rate':
      return { rate: 0, passes: 0, fails: 0 };
    case 'trend':
      return Object.fromEntries(trendStats.map((s) => [s, 0]));
  }
}

function formatValue(v: number | null): string {
  if (v === null) return 'n/a';
  return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
}

interface Decision {
  ok: boolean;
  basis: ThresholdJudgement['basis'];
  inconclusive: boolean;
  value: number | null;
  instances?: InstanceValue[];
  note?: string;
}

function judgePercentile(key: string, expr: string, p: ParsedExpr, instances: JudgeInstance[]): Decision {
  const test = COMPARE[p.op];
  const withSamples = instances.filter((i) => i.metrics[key] !== undefined && !trendIsEmpty(i.metrics[key]!));
  if (withSamples.length === 0) {
    const ok = test(0, p.value);
    return { ok, basis: 'no-samples', inconclusive: false, value: 0, note: 'no samples in any instance: judged on 0, as k6 judges an empty trend' };
  }
  const per: InstanceValue[] = withSamples.map((i) => {
    const m = i.metrics[key]!;
    const v = statValue(m.values, p.agg);
    // Without the value, the instance's own judgement of the same rule still tells (split instances keep per-instance rules).
    const own = m.thresholds?.[expr];
    return { segment: i.segment, value: v ?? null, ok: v !== undefined ? test(v, p.value) : own ? own.ok : null };
  });
  const missing = per.some((x) => x.value === null && x.ok === null);
  const missingNote = missing ? `; ${p.agg} is not in every summary (add it to summaryTrendStats)` : '';
  if (per.length === 1) {
    const only = per[0]!;
    if (only.ok === null) {
      return { ok: false, basis: 'one-instance', inconclusive: true, value: null, instances: per, note: `inconclusive from summaries${missingNote}` };
    }
    return { ok: only.ok, basis: 'one-instance', inconclusive: false, value: only.value, note: `only instance ${only.segment ?? '(unsplit)'} had samples: its ${p.agg} is the run's` };
  }
  const values = per.map((x) => `${x.segment ?? '(unsplit)'} ${formatValue(x.value)}${x.value === null && x.ok !== null ? (x.ok ? ' (passed there)' : ' (failed there)') : ''}`).join(', ');
  if (per.every((x) => x.ok === true)) {
    return { ok: true, basis: 'every-instance', inconclusive: false, value: null, instances: per, note: `passes in every instance (${values})` };
  }
  if (per.every((x) => x.ok === false) && MONOTONE.has(p.op)) {
    return { ok: false, basis: 'every-instance', inconclusive: false, value: null, instances: per, note: `fails in every instance (${values})` };
  }
  return { ok: false, basis: 'every-instance', inconclusive: true, value: null, instances: per, note: `inconclusive from summaries: instance values ${values}${missingNote}` };
}

function decide(key: string, expr: string, p: ParsedExpr, metric: SummaryMetric, input: JudgeInput): Decision {
  const test = COMPARE[p.op];
  const v = metric.values;
  switch (metric.type) {
    case 'counter':
    case 'gauge': {
      const value = v[p.agg] ?? 0;
      return { ok: test(value, p.value), basis: 'merged', inconclusive: false, value };
    }
    case 'rate': {
      if ((v.passes ?? 0) + (v.fails ?? 0) === 0) {
        return { ok: true, basis: 'no-samples', inconclusive: false, value: null, note: 'no samples in any instance: k6 leaves a rate threshold without samples unevaluated (passed)' };
      }
      return { ok: test(v.rate ?? 0, p.value), basis: 'merged', inconclusive: false, value: v.rate ?? 0 };
    }
    case 'trend': {
      if (isPercentile(p.agg)) return judgePercentile(key, expr, p, input.instances);
      const empty = input.instances.every((i) => i.metrics[key] === undefined || trendIsEmpty(i.metrics[key]!));
      const value = v[p.agg] ?? 0;
      if (empty) return { ok: test(0, p.value), basis: 'no-samples', inconclusive: false, value: 0, note: 'no samples in any instance: judged on 0, as k6 judges an empty trend' };
      return { ok: test(value, p.value), basis: 'merged', inconclusive: false, value };
    }
  }
}

/** Judges `thresholds` on merged data; throws InputError on an expression k6 would refuse. */
export function judge(input: JudgeInput): JudgeResult {
  const metrics: Record<string, SummaryMetric> = {};
  for (const [k, m] of Object.entries(input.data.metrics)) metrics[k] = { ...m, values: { ...m.values } };
  const data: SummaryData = { ...input.data, metrics };
  const trendStats = data.options?.summaryTrendStats ?? ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
  const judgements: ThresholdJudgement[] = [];
  const notes: string[] = [];

  for (const key of Object.keys(input.thresholds).sort(compareMetricKeys)) {
    const exprs = input.thresholds[key];
    if (!Array.isArray(exprs)) throw new InputError(`queue_k6.thresholds['${key}'] is not a list of expressions`);
    for (const expr of exprs) {
      const parsed = typeof expr === 'string' ? parseExpression(expr) : null;
      if (parsed === null) {
        throw new InputError(`invalid threshold ${JSON.stringify(expr)} on ${key} in queue_k6.thresholds; reason: expected '<aggregation> <operator> <number>'`);
      }
      let metric = metrics[key];
      if (metric === undefined) {
        const t = inferType(data, key, parsed.agg);
        metric = { ...t, values: emptyValues(t.type, t.type === 'trend' ? trendStats : []) };
        metrics[key] = metric;
        notes.push(`metric ${key} is in no instance's summary: judged as a ${t.type} without samples`);
      }
      if (!ALLOWED[metric.type].test(parsed.agg)) {
        throw new InputError(`invalid threshold '${expr}' on ${key}; reason: the aggregation '${parsed.agg}' is not valid for the ${metric.type} metric ${parentName(key)}`);
      }
      const d = decide(key, expr, parsed, metric, input);
      metric.thresholds = { ...(metric.thresholds ?? {}), [expr]: { ok: d.ok } };
      judgements.push({
        metric: key,
        expression: expr,
        ok: d.ok,
        basis: d.basis,
        inconclusive: d.inconclusive,
        value: d.value,
        ...(d.instances ? { instances: d.instances } : {}),
        ...(d.note ? { note: d.note } : {}),
      });
    }
  }
  const crossed = [...new Set(judgements.filter((j) => !j.ok).map((j) => j.metric))].sort();
  return { data, judgements, crossed, notes };
}
