// Judging the run's thresholds (queue_k6.thresholds) on the merged data, with
// k6's expression syntax (parsed by lib/rules/expression.ts, which the bundle uses too) and
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
// Percentiles over several instances cannot be computed from summaries, but
// they can be bounded (verdict/quantiles.ts: from each instance's count and
// quantile ladder, lib/rules/trend-stats.ts). A percentile rule is decided
// when it holds for every value between the bounds, or for none; otherwise
// it is reported FAILED, "inconclusive from summaries", with the bounds and
// each instance's value. When one instance alone has samples, its value is
// the run's, exactly.
import { compareMetricKeys, parentName } from '../lib/summary/names.ts';
import type { MetricType, SummaryData, SummaryMetric } from '../lib/summary/types.ts';
import { parseExpression, AGGREGATIONS as ALLOWED, OPS as COMPARE, type ParsedExpression as ParsedExpr } from '../lib/rules/expression.ts';
import { trendIsEmpty } from './merge.ts';
import { distributionOf, levelOf, percentileBounds, type PercentileBounds } from './quantiles.ts';
import { InputError, type InstanceValue, type ThresholdJudgement } from './types.ts';

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
  bounds?: ThresholdJudgement['bounds'];
  note?: string;
}

const UNITS: Record<string, string> = { time: ' ms', data: ' B' };

/** "p(95) between 812 and 905 ms over 4 instances" ("over 2 of 4 instances" when only 2 had samples); "p(95) at most …", "… at least …", "p(95) is 812 ms over 4 instances, exactly". */
export function describeBounds(agg: string, b: PercentileBounds, contains: SummaryMetric['contains'], of = b.instances): string {
  const unit = UNITS[contains] ?? '';
  const over = `over ${b.instances}${of > b.instances ? ` of ${of}` : ''} instance${of === 1 ? '' : 's'}`;
  const lo = Number.isFinite(b.lower);
  const hi = Number.isFinite(b.upper);
  if (b.exact) return `${agg} is ${formatValue(b.lower)}${unit} ${over}, exactly`;
  if (lo && hi) return `${agg} between ${formatValue(b.lower)} and ${formatValue(b.upper)}${unit} ${over}`;
  if (hi) return `${agg} at most ${formatValue(b.upper)}${unit} ${over} (no lower bound: add min to summaryTrendStats)`;
  if (lo) return `${agg} at least ${formatValue(b.lower)}${unit} ${over} (no upper bound: add max to summaryTrendStats)`;
  return `${agg} unbounded ${over} (add min and max to summaryTrendStats)`;
}

/** The rule's outcome for every value in [lower, upper], or null when it differs inside. */
function outcomeOver(p: ParsedExpr, b: PercentileBounds): boolean | null {
  const test = COMPARE[p.op];
  if (b.exact) return test(b.lower, p.value);
  if (p.op === '==' || p.op === '===' || p.op === '!=') {
    const outside = p.value < b.lower || p.value > b.upper;
    return outside ? p.op === '!=' : null;
  }
  // <, <=, >, >=: monotone, so the ends decide.
  const atLower = test(b.lower, p.value);
  return atLower === test(b.upper, p.value) ? atLower : null;
}

function judgePercentile(key: string, expr: string, p: ParsedExpr, contains: SummaryMetric['contains'], instances: JudgeInstance[]): Decision {
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
  if (per.length === 1 && per[0]!.ok !== null) {
    const only = per[0]!;
    return { ok: only.ok!, basis: 'one-instance', inconclusive: false, value: only.value, note: `only instance ${only.segment ?? '(unsplit)'} had samples: its ${p.agg} is the run's` };
  }
  const level = levelOf(p.agg);
  if (level === null) throw new InputError(`invalid threshold '${expr}' on ${key}; reason: a percentile needs 0 <= N <= 100`);
  const b = percentileBounds(withSamples.map((i) => distributionOf(i.metrics[key]!)), level);
  const bounds = { lower: Number.isFinite(b.lower) ? b.lower : null, upper: Number.isFinite(b.upper) ? b.upper : null, instances: b.instances };
  const values = per.map((x) => `${x.segment ?? '(unsplit)'} ${formatValue(x.value)}${x.value === null && x.ok !== null ? (x.ok ? ' (passed there)' : ' (failed there)') : ''}`).join(', ');
  const hints: string[] = [];
  if (b.samples === null) hints.push("a summary has no count, so only min and max bound it (add 'count' to summaryTrendStats)");
  if (per.some((x) => x.value === null)) hints.push(`${p.agg} is not in every summary (add it to summaryTrendStats for tighter bounds)`);
  const hint = hints.length > 0 ? `; ${hints.join('; ')}` : '';
  const said = describeBounds(p.agg, b, contains, instances.length);
  if (b.contradictory) {
    return { ok: false, basis: 'bounds', inconclusive: true, value: null, instances: per, bounds, note: `inconclusive from summaries: the instances' summaries contradict each other (${said}; instance values ${values})` };
  }
  const outcome = outcomeOver(p, b);
  const value = b.exact ? b.lower : null;
  if (outcome === null) {
    return { ok: false, basis: 'bounds', inconclusive: true, value, instances: per, bounds, note: `inconclusive from summaries: ${said}, which does not decide ${expr} (instance values ${values})${hint}` };
  }
  return { ok: outcome, basis: 'bounds', inconclusive: false, value, instances: per, bounds, note: said };
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
      if (isPercentile(p.agg)) return judgePercentile(key, expr, p, metric.contains, input.instances);
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
        ...(d.bounds ? { bounds: d.bounds } : {}),
        ...(d.note ? { note: d.note } : {}),
      });
      // A percentile passed on its bounds: say which bounds (failures are reported with their note).
      if (d.basis === 'bounds' && d.ok) notes.push(`threshold ${key} ${expr} passed: ${d.note}`);
    }
  }
  const crossed = [...new Set(judgements.filter((j) => !j.ok).map((j) => j.metric))].sort();
  return { data, judgements, crossed, notes };
}
