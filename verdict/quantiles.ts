// Bounds on the percentile of a run split over k6 instances, from each
// instance's summary (pure). k6 keeps every sample of a trend and reports,
// per instance, what `summaryTrendStats` asks for: count, min, max, med and
// p(N). The pooled samples are gone, so the run's p(N) cannot be computed,
// but it can be bounded, rigorously, from the instances' counts and quantile
// ladders (lib/rules/trend-stats.ts asks k6 for a ladder).
//
// k6's percentile (shared/k6-reference/README.md, "handleSummary's data":
// samples 10, 20, 30, 40 give p(90) = 37): n samples sorted x[0] <= … <=
// x[n-1], level u = N/100 (med is u = 0.5), h = u·(n-1), j = floor(h),
// c = ceil(h), f = h - j:
//   P(u) = x[j] + (x[c] - x[j])·f
// so x[j] <= P(u) <= x[c], with P(u) = x[j] exactly when h is an integer.
//
// Facts about one instance. A reported P(u) = v says
//   "at least j+1 samples are <= v"   (x[0..j] <= x[j] <= v)        a ≤-fact (v, j+1)
//   "at least n-c samples are >= v"   (x[c..n-1] >= x[c] >= v)      a ≥-fact (v, n-c)
// min = x[0] gives (min, 1) and (min, n); max = x[n-1] gives (max, n) and
// (max, 1). An instance's own result for a percentile threshold on the same
// metric is half a fact: `p(99)<1000` passed there means P(u) < 1000, so
// x[j] < 1000, a ≤-fact (1000, j+1); it failed there means P(u) >= 1000, a
// ≥-fact (1000, n-c); `>`/`>=` the other way round.
//
// The run. N = sum of the counts, pooled samples y[0] <= … <= y[N-1], and
// the run's p(N) is what one unsplit k6 would report: H = u·(N-1), k =
// floor(H), kc = ceil(H), F = H - k, P = y[k] + (y[kc] - y[k])·F. For any t
// and rank r:
//   y[r] <= t  whenever at least r+1 samples are <= t, and
//   y[r] >= t  whenever at least N-r samples are >= t (then at most r are < t).
// Counts of different instances add up. Let A_i(t) be the largest m of
// instance i's ≤-facts (v, m) with v <= t (0 if none), B_i(t) the largest m
// of its ≥-facts with v >= t. Then
//   U(r) = the least fact value t with sum A_i(t) >= r+1    (+∞ if none)
//   L(r) = the greatest fact value t with sum B_i(t) >= N-r (-∞ if none)
// satisfy L(r) <= y[r] <= U(r): each fact holds, so the pooled counts are at
// least those sums. P is a weighted mean of y[k] and y[kc] with weights 1-F
// and F, hence
//   L(k) + (L(kc) - L(k))·F  <=  P  <=  U(k) + (U(kc) - U(k))·F.
// Nothing is assumed about how samples are spread between or within
// instances: the bounds hold for any samples that could have produced those
// summaries. They are as tight as the ladder is dense around the levels the
// run's rank falls on in each instance.
//
// Floating point. k6 computes P(u) in float64: x[j] + fl(fl(x[c]-x[j])·f).
// It is never below x[j] (every operand added is >= 0), so ≤-facts are exact,
// but it can exceed x[c] by a few units in the last place, so a ≥-fact from
// an interpolated value (h not an integer) may be off by that much, and so
// may the run's own P against y[kc]. Every such error is below 8·2^-53 times
// the largest magnitude among the samples involved, which min and max bound.
// Whenever the lower bound rests on an interpolated value, or the bounds
// differ, both bounds are widened outwards by 2^-44 (about 6e-14) times the largest magnitude
// reported: far more than the error, far less than anything shown.
//
// Without the count of some instance, ranks cannot be told apart and the
// bounds fall back to the smallest min and the largest max.
import type { SummaryMetric } from '../lib/summary/types.ts';
import { parseExpression } from '../lib/rules/expression.ts';

/** What the bounds read of one instance's trend (an instance with samples). */
export interface InstanceDistribution {
  /** Samples in the instance; null when its summary has no count. */
  count: number | null;
  /** The summary's trend values (summaryTrendStats). */
  values: Record<string, number>;
  /** The instance's own threshold results on this metric, `{ expr: { ok } }`. */
  thresholds?: Record<string, { ok: boolean }>;
}

export interface PercentileBounds {
  /** The run's value is >= lower (-Infinity: unbounded). */
  lower: number;
  /** The run's value is <= upper (Infinity: unbounded). */
  upper: number;
  /** lower === upper, from exact facts only: the run's value itself. */
  exact: boolean;
  /** Pooled sample count; null when some instance's count is unknown. */
  samples: number | null;
  /** Instances the bounds were computed over. */
  instances: number;
  /** The instances' summaries contradict each other (lower > upper). */
  contradictory: boolean;
}

const WIDEN = 2 ** -44;

const LEVELS = new Map<string, number | null>();

/** The level a trend stat or aggregation reads: med → 0.5, p(95) → 0.95, p(99.9) → 0.999 (as k6 computes N/100); null for others. */
export function levelOf(stat: string): number | null {
  const known = LEVELS.get(stat);
  if (known !== undefined) return known;
  let level: number | null = null;
  if (stat === 'med') level = 0.5;
  else {
    const m = /^p\(\s*(\d+(?:\.\d+)?)\s*\)$/.exec(stat);
    const n = m === null ? NaN : Number(m[1]);
    if (n >= 0 && n <= 100) level = n / 100;
  }
  if (LEVELS.size < 1000) LEVELS.set(stat, level);
  return level;
}

/** The inputs of the bounds for one instance's summary metric. */
export function distributionOf(metric: SummaryMetric): InstanceDistribution {
  const count = metric.values.count;
  return {
    count: typeof count === 'number' && Number.isFinite(count) ? count : null,
    values: metric.values,
    ...(metric.thresholds ? { thresholds: metric.thresholds } : {}),
  };
}

interface Fact {
  value: number;
  count: number;
  /** A ≥-fact resting on an interpolated value (may be off by rounding). */
  interpolated?: boolean;
}

interface Facts {
  n: number;
  le: Fact[];
  ge: Fact[];
}

/** Positions k6 reads for level u among n samples. */
function ranks(u: number, n: number): { j: number; c: number; fractional: boolean } {
  const h = u * (n - 1);
  const j = Math.floor(h);
  const c = Math.ceil(h);
  return { j, c, fractional: j !== c };
}

function factsOf(d: InstanceDistribution, n: number): Facts {
  const f: Facts = { n, le: [], ge: [] };
  const add = (le: Fact | null, ge: Fact | null, interpolated: boolean): void => {
    if (le !== null && Number.isFinite(le.value)) f.le.push(le);
    if (ge !== null && Number.isFinite(ge.value)) f.ge.push(interpolated ? { ...ge, interpolated } : ge);
  };
  const v = d.values;
  if (typeof v.min === 'number') add({ value: v.min, count: 1 }, { value: v.min, count: n }, false);
  if (typeof v.max === 'number') add({ value: v.max, count: n }, { value: v.max, count: 1 }, false);
  for (const [stat, value] of Object.entries(v)) {
    const u = levelOf(stat);
    if (u === null || typeof value !== 'number') continue;
    const r = ranks(u, n);
    add({ value, count: r.j + 1 }, { value, count: n - r.c }, r.fractional);
  }
  for (const [expr, result] of Object.entries(d.thresholds ?? {})) {
    const p = parseExpression(expr);
    const u = p === null ? null : levelOf(p.agg);
    if (p === null || u === null || !result || typeof result.ok !== 'boolean') continue;
    const r = ranks(u, n);
    const below: Fact = { value: p.value, count: r.j + 1 }; // P(u) <= value (or <)
    const above: Fact = { value: p.value, count: n - r.c }; // P(u) >= value (or >)
    // A ≥-fact from a threshold rests on P(u), rounding included: treat it as interpolated.
    if (p.op === '<' || p.op === '<=') add(result.ok ? below : null, result.ok ? null : above, true);
    else if (p.op === '>' || p.op === '>=') add(result.ok ? null : below, result.ok ? above : null, true);
    else if ((p.op === '==' || p.op === '===') && result.ok) add(below, above, true);
  }
  return f;
}

/** Facts of all instances in sweep order: ≤-facts ascending, ≥-facts descending (exact first at equal values). */
interface Sweeps {
  instances: number;
  total: number;
  le: Array<Fact & { i: number }>;
  ge: Array<Fact & { i: number }>;
}

function sweeps(all: Facts[]): Sweeps {
  const le: Array<Fact & { i: number }> = [];
  const ge: Array<Fact & { i: number }> = [];
  all.forEach((f, i) => {
    for (const x of f.le) le.push({ value: x.value, count: x.count, i });
    for (const x of f.ge) ge.push({ value: x.value, count: x.count, interpolated: x.interpolated === true, i });
  });
  le.sort((a, b) => a.value - b.value);
  ge.sort((a, b) => b.value - a.value || Number(a.interpolated) - Number(b.interpolated));
  return { instances: all.length, total: all.reduce((s, f) => s + f.n, 0), le, ge };
}

/** U(r): the least t with sum A_i(t) >= r+1 (ascending sweep over ≤-facts). */
function upperAtRank(w: Sweeps, r: number): number {
  const best = new Array<number>(w.instances).fill(0);
  let sum = 0;
  for (const e of w.le) {
    if (e.count > best[e.i]!) {
      sum += e.count - best[e.i]!;
      best[e.i] = e.count;
    }
    if (sum >= r + 1) return e.value;
  }
  return Infinity;
}

interface Lower {
  value: number;
  /** Some fact counted for it rests on an interpolated value. */
  interpolated: boolean;
}

/**
 * L(r): the greatest t with sum B_i(t) >= N-r (descending sweep over ≥-facts).
 * At equal values exact facts count first, so a bound reached on exact facts
 * alone says so.
 */
function lowerAtRank(w: Sweeps, r: number): Lower {
  const best = new Array<number>(w.instances).fill(0);
  const interpolated = new Array<boolean>(w.instances).fill(false);
  let sum = 0;
  for (const e of w.ge) {
    if (e.count > best[e.i]!) {
      sum += e.count - best[e.i]!;
      best[e.i] = e.count;
      interpolated[e.i] = e.interpolated === true;
    }
    if (sum >= w.total - r) return { value: e.value, interpolated: interpolated.includes(true) };
  }
  return { value: -Infinity, interpolated: false };
}

/** a + (b - a)·f for a <= b, either possibly infinite; k6's operation order. */
function between(a: number, b: number, f: number): number {
  if (f === 0 || a === b) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === -Infinity ? -Infinity : Infinity;
  return a + (b - a) * f;
}

function magnitude(ds: InstanceDistribution[]): number {
  let m = 0;
  for (const d of ds) {
    for (const [k, v] of Object.entries(d.values)) if (k !== 'count' && typeof v === 'number' && Number.isFinite(v)) m = Math.max(m, Math.abs(v));
    for (const expr of Object.keys(d.thresholds ?? {})) {
      const p = parseExpression(expr);
      if (p !== null && Number.isFinite(p.value)) m = Math.max(m, Math.abs(p.value));
    }
  }
  return m;
}

function finish(lower: number, upper: number, widen: boolean, scale: number, samples: number | null, instances: number): PercentileBounds {
  let lo = lower;
  let hi = upper;
  if (widen || lo !== hi) {
    const eps = WIDEN * scale;
    if (Number.isFinite(lo)) lo -= eps;
    if (Number.isFinite(hi)) hi += eps;
  }
  return { lower: lo, upper: hi, exact: lo === hi, samples, instances, contradictory: lo > hi };
}

/**
 * Bounds on the run's percentile at any level u (0..1, e.g. 0.95) over the
 * instances with samples (callers leave out instances whose trend is empty).
 * The facts are gathered once, so asking for many levels is cheap.
 */
export function percentileBounder(instances: InstanceDistribution[]): (u: number) => PercentileBounds {
  const ds = instances.filter((d) => d.count === null || d.count > 0);
  const scale = magnitude(ds);
  if (ds.length === 0) return () => ({ lower: -Infinity, upper: Infinity, exact: false, samples: 0, instances: 0, contradictory: false });
  if (ds.some((d) => d.count === null || !Number.isInteger(d.count))) {
    // No ranks: the run's value lies between its smallest and largest sample.
    const mins = ds.map((d) => (typeof d.values.min === 'number' ? d.values.min : -Infinity));
    const maxs = ds.map((d) => (typeof d.values.max === 'number' ? d.values.max : Infinity));
    const b = finish(Math.min(...mins), Math.max(...maxs), true, scale, null, ds.length);
    return () => ({ ...b });
  }
  const w = sweeps(ds.map((d) => factsOf(d, d.count!)));
  return (u) => {
    const { j: k, c: kc } = ranks(u, w.total);
    const F = u * (w.total - 1) - k;
    const lk = lowerAtRank(w, k);
    const lkc = kc === k ? lk : lowerAtRank(w, kc);
    const lower = between(lk.value, lkc.value, F);
    const uk = upperAtRank(w, k);
    const upper = between(uk, kc === k ? uk : upperAtRank(w, kc), F);
    return finish(lower, upper, lk.interpolated || lkc.interpolated, scale, w.total, ds.length);
  };
}

/** Bounds on the run's percentile at level u (0..1); see percentileBounder. */
export function percentileBounds(instances: InstanceDistribution[], u: number): PercentileBounds {
  return percentileBounder(instances)(u);
}
