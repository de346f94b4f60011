// Merging the summaries of a run's instances (pure). What a summary keeps is
// enough for most aggregations to merge exactly:
//   counter  count summed; rate = summed count / run duration (else summed rates)
//   rate     passes and fails summed; rate = passes / (passes + fails)
//   gauge    min and max exact; value = the largest instance value (a summary
//            has no timestamps, so "the last value" cannot be known)
//   trend    min and max exact; avg weighted by each instance's `count`
//            (summaryTrendStats carries 'count'); without counts, the mean of
//            the instances' averages, reported as approximate
// Percentiles (med, p(N)) cannot be merged from summaries: when one instance
// alone has samples its values are the run's; otherwise the merged data shows
// an upper bound of the run's value, computed from every instance's count and
// quantile ladder (quantiles.ts), and the judge decides percentile thresholds
// on both bounds (judge.ts).
// A metric absent from an instance's summary counts as no samples there, and
// sub-metrics (`name{tag:value}`) merge like any metric.
import type { SummaryCheck, SummaryData, SummaryGroup, SummaryMetric } from '../lib/summary/types.ts';
import { distributionOf, levelOf, percentileBounder } from './quantiles.ts';
import { InputError } from './types.ts';

/** Trend values that are not percentiles. */
const TREND_EXACT = new Set(['avg', 'min', 'max', 'count']);

export interface MergedMetrics {
  metrics: Record<string, SummaryMetric>;
  /**
   * Trend samples per metric key: the sum of counts, or null when an
   * instance's summary had no count (a rate's samples are passes + fails).
   */
  trendSamples: Record<string, number | null>;
  /** One line per kind of inexact value, naming the metrics. */
  approximations: string[];
}

export interface MergeOptions {
  /** The run's duration for counter rates; without it, instance rates are summed. */
  durationMs?: number | null;
}

interface Entry {
  metric: SummaryMetric;
  index: number;
}

function num(v: number | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** k6 reports an empty trend as zeros: without a count, all-zero values are read as "no samples". */
export function trendIsEmpty(metric: SummaryMetric): boolean {
  const v = metric.values;
  if (typeof v.count === 'number') return v.count === 0;
  return Object.keys(v).every((k) => v[k] === 0);
}

function mergeCounter(entries: Entry[], durationMs: number | null | undefined): Record<string, number> {
  const count = entries.reduce((s, e) => s + num(e.metric.values.count), 0);
  const rate =
    typeof durationMs === 'number' && durationMs > 0
      ? count / (durationMs / 1000)
      : entries.reduce((s, e) => s + num(e.metric.values.rate), 0);
  return { count, rate };
}

function mergeRate(entries: Entry[]): Record<string, number> {
  const passes = entries.reduce((s, e) => s + num(e.metric.values.passes), 0);
  const fails = entries.reduce((s, e) => s + num(e.metric.values.fails), 0);
  return { rate: passes + fails > 0 ? passes / (passes + fails) : 0, passes, fails };
}

function mergeGauge(entries: Entry[]): Record<string, number> {
  return {
    value: Math.max(...entries.map((e) => num(e.metric.values.value))),
    min: Math.min(...entries.map((e) => num(e.metric.values.min))),
    max: Math.max(...entries.map((e) => num(e.metric.values.max))),
  };
}

interface TrendMerge {
  values: Record<string, number>;
  samples: number | null;
  approximateAvg: boolean;
  upperBoundPercentiles: boolean;
}

function mergeTrend(entries: Entry[]): TrendMerge {
  const countsKnown = entries.every((e) => typeof e.metric.values.count === 'number');
  const full = entries.filter((e) => !trendIsEmpty(e.metric));
  // The value names to produce: those of the instances' summaries (summaryTrendStats).
  const stats: string[] = [];
  for (const e of entries) for (const k of Object.keys(e.metric.values)) if (!stats.includes(k)) stats.push(k);

  const values: Record<string, number> = {};
  if (full.length === 0) {
    for (const k of stats) values[k] = 0;
    return { values, samples: countsKnown ? 0 : null, approximateAvg: false, upperBoundPercentiles: false };
  }
  const samples = countsKnown ? full.reduce((s, e) => s + num(e.metric.values.count), 0) : null;
  let bounds: ReturnType<typeof percentileBounder> | undefined;
  for (const k of stats) {
    const present = full.filter((e) => typeof e.metric.values[k] === 'number');
    if (present.length === 0) continue;
    const xs = present.map((e) => e.metric.values[k]!);
    if (k === 'min') values[k] = Math.min(...xs);
    else if (k === 'max') values[k] = Math.max(...xs);
    else if (k === 'count') values[k] = xs.reduce((s, x) => s + x, 0);
    else if (k === 'avg') {
      values[k] = samples !== null && samples > 0
        ? present.reduce((s, e) => s + e.metric.values.avg! * num(e.metric.values.count), 0) / samples
        : xs.reduce((s, x) => s + x, 0) / xs.length;
    } else if (full.length === 1) values[k] = xs[0]!; // one instance holds every sample: exact
    else {
      // The run's value is at most the upper bound; without one (no max), the largest instance value is shown.
      const level = levelOf(k);
      bounds ??= percentileBounder(full.map((e) => distributionOf(e.metric)));
      const upper = level === null ? Infinity : bounds(level).upper;
      values[k] = Number.isFinite(upper) ? upper : Math.max(...xs);
    }
  }
  return {
    values,
    samples,
    approximateAvg: samples === null && full.length > 1 && 'avg' in values,
    upperBoundPercentiles: full.length > 1 && stats.some((k) => !TREND_EXACT.has(k)),
  };
}

/** Merges instances' `data.metrics`; throws InputError when instances disagree on a metric's type. */
export function mergeMetrics(parts: Array<Record<string, SummaryMetric>>, opts: MergeOptions = {}): MergedMetrics {
  const byKey = new Map<string, Entry[]>();
  parts.forEach((metrics, index) => {
    for (const [key, metric] of Object.entries(metrics)) {
      const list = byKey.get(key) ?? [];
      list.push({ metric, index });
      byKey.set(key, list);
    }
  });

  const metrics: Record<string, SummaryMetric> = {};
  const trendSamples: Record<string, number | null> = {};
  const avgApprox: string[] = [];
  const upperBounded: string[] = [];
  for (const [key, entries] of byKey) {
    const first = entries[0]!.metric;
    const other = entries.find((e) => e.metric.type !== first.type);
    if (other) {
      throw new InputError(`metric ${key} is a ${first.type} in instance ${entries[0]!.index + 1} but a ${other.metric.type} in instance ${other.index + 1}: these summaries are not from one script`);
    }
    let values: Record<string, number>;
    switch (first.type) {
      case 'counter':
        values = mergeCounter(entries, opts.durationMs);
        break;
      case 'rate':
        values = mergeRate(entries);
        break;
      case 'gauge':
        values = mergeGauge(entries);
        break;
      case 'trend': {
        const t = mergeTrend(entries);
        values = t.values;
        trendSamples[key] = t.samples;
        if (t.approximateAvg) avgApprox.push(key);
        if (t.upperBoundPercentiles) upperBounded.push(key);
        break;
      }
      default:
        throw new InputError(`metric ${key} has an unknown type '${String(first.type)}'`);
    }
    // Thresholds are the run's, judged later: an instance's own results do not carry over.
    metrics[key] = { type: first.type, contains: first.contains, values };
  }

  const approximations: string[] = [];
  if (upperBounded.length > 0) {
    approximations.push(`med and p(N) of ${upperBounded.sort().join(', ')} are upper bounds of the run's percentiles, from each instance's count and quantiles (percentiles cannot be merged from summaries; percentile rules are judged on both bounds)`);
  }
  if (avgApprox.length > 0) {
    approximations.push(`avg of ${avgApprox.sort().join(', ')} is the mean of the instances' averages, approximate: a summary had no count (add 'count' to summaryTrendStats)`);
  }
  return { metrics, trendSamples, approximations };
}

function mergeChecks(lists: SummaryCheck[][]): SummaryCheck[] {
  const out: SummaryCheck[] = [];
  for (const list of lists) {
    for (const c of list) {
      const same = out.find((o) => o.path === c.path && o.name === c.name);
      if (same) {
        same.passes += c.passes;
        same.fails += c.fails;
      } else out.push({ ...c });
    }
  }
  return out;
}

/** Groups and checks by path, check counts summed; undefined when no instance sent its root group. */
export function mergeGroups(groups: Array<SummaryGroup | undefined>): SummaryGroup | undefined {
  const present = groups.filter((g): g is SummaryGroup => g !== undefined);
  if (present.length === 0) return undefined;
  const first = present[0]!;
  const subPaths: string[] = [];
  for (const g of present) for (const s of g.groups || []) if (!subPaths.includes(s.path)) subPaths.push(s.path);
  return {
    name: first.name,
    path: first.path,
    id: first.id,
    checks: mergeChecks(present.map((g) => g.checks || [])),
    groups: subPaths.map((path) => mergeGroups(present.map((g) => (g.groups || []).find((s) => s.path === path)))!),
  };
}

const EMPTY_ROOT: SummaryGroup = { name: '', path: '', id: '', groups: [], checks: [] };

/**
 * The merged handleSummary data without thresholds: options from the first
 * instance, the longest instance's duration as the run's (they start
 * together), metrics and checks merged.
 */
export function mergeData(parts: Array<{ data: Pick<SummaryData, 'metrics' | 'state' | 'options'> & Partial<Pick<SummaryData, 'root_group'>> }>): { data: SummaryData } & Omit<MergedMetrics, 'metrics'> {
  if (parts.length === 0) throw new InputError('no instance summaries to merge');
  const durations = parts.map((p) => p.data.state?.testRunDurationMs).filter((d): d is number => typeof d === 'number' && Number.isFinite(d));
  const durationMs = durations.length > 0 ? Math.max(...durations) : null;
  const merged = mergeMetrics(parts.map((p) => p.data.metrics), { durationMs });
  const first = parts[0]!.data;
  return {
    data: {
      root_group: mergeGroups(parts.map((p) => p.data.root_group)) ?? { ...EMPTY_ROOT },
      options: first.options,
      state: { ...first.state, testRunDurationMs: durationMs ?? 0 },
      metrics: merged.metrics,
    },
    trendSamples: merged.trendSamples,
    approximations: merged.approximations,
  };
}
