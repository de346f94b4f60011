// The statistics of `make compare`: is a figure's difference between two runs
// larger than the noise of one run's samples? The Mann–Whitney U test (also
// called the Wilcoxon rank-sum test): no assumption about the distributions'
// shape, which suits latencies and waits (skewed, heavy-tailed, often tied at
// whole milliseconds). Two-sided. Exact (the permutation distribution of the
// rank sum, ties kept as midranks) up to EXACT_MAX_N samples in all, else the
// normal approximation with the tie correction and a continuity correction.

/** Up to this many samples in both runs together, the p-value is exact. */
export const EXACT_MAX_N = 60;

export interface MannWhitney {
  /** Samples in the first group (the base run) and the second (the run). */
  n1: number;
  n2: number;
  /** U of the second group: how many (base, run) pairs have the run's value higher (ties count half). */
  u: number;
  /** u / (n1 n2): the chance that a random run sample exceeds a random base sample (0.5: no difference). */
  superiority: number;
  /** Two-sided p-value. */
  p: number;
  method: 'exact' | 'normal';
  /** The smallest p-value these sample sizes and ties can give: above the level, the test cannot tell at all. */
  minP: number;
}

/** Midranks (1-based) of `values` in the sorted order of all of them, and the tie groups' sizes. */
export function midranks(values: number[]): { ranks: number[]; ties: number[] } {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  const ties: number[] = [];
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    if (j > i) ties.push(j - i + 1);
    i = j + 1;
  }
  return { ranks, ties };
}

/** The standard normal's upper tail, P(Z > z), from a Chebyshev fit of erfc (fractional error below 1.2e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  const upper = erfc / 2;
  return z >= 0 ? upper : 1 - upper;
}

/**
 * The exact two-sided p-value: every way of choosing n2 of the N midranks
 * (doubled, so they are whole numbers) counted by their sum; p is the share of
 * choices at least as far from the mean as the one observed.
 */
function exactP(doubled: number[], n2: number, observed: number): { p: number; minP: number } {
  const maxSum = doubled.reduce((a, b) => a + b, 0);
  // ways[k][s]: subsets of size k of the items seen so far with doubled rank sum s.
  const ways: Float64Array[] = [];
  for (let k = 0; k <= n2; k++) ways.push(new Float64Array(maxSum + 1));
  ways[0]![0] = 1;
  let reach = 0;
  for (const r of doubled) {
    reach += r;
    for (let k = Math.min(n2, doubled.length); k >= 1; k--) {
      const to = ways[k]!;
      const from = ways[k - 1]!;
      for (let s = reach; s >= r; s--) {
        const w = from[s - r]!;
        if (w !== 0) to[s] = to[s]! + w;
      }
    }
  }
  const dist = ways[n2]!;
  const N = doubled.length;
  const mean = n2 * (N + 1); // doubled: each midrank averages (N + 1) / 2
  let total = 0;
  let farthest = 0;
  for (let s = 0; s <= maxSum; s++) {
    if (dist[s] === 0) continue;
    total += dist[s]!;
    farthest = Math.max(farthest, Math.abs(s - mean));
  }
  const tail = (distance: number): number => {
    let count = 0;
    // Half a doubled rank of slack: sums are whole numbers, distances compare exactly.
    for (let s = 0; s <= maxSum; s++) if (dist[s] !== 0 && Math.abs(s - mean) >= distance - 0.25) count += dist[s]!;
    return Math.min(1, count / total);
  };
  return { p: tail(Math.abs(observed - mean)), minP: tail(farthest) };
}

interface Ranked {
  n1: number;
  n2: number;
  N: number;
  ranks: number[];
  ties: number[];
  runRankSum: number;
  u: number;
}

function rank(base: number[], run: number[]): Ranked | null {
  const n1 = base.length;
  const n2 = run.length;
  if (n1 === 0 || n2 === 0) return null;
  const N = n1 + n2;
  const { ranks, ties } = midranks([...base, ...run]);
  let runRankSum = 0;
  for (let i = n1; i < N; i++) runRankSum += ranks[i]!;
  return { n1, n2, N, ranks, ties, runRankSum, u: runRankSum - (n2 * (n2 + 1)) / 2 };
}

/** The test with its exact p-value (any sample sizes; the cost grows as N^3). */
export function mannWhitneyExact(base: number[], run: number[]): MannWhitney | null {
  const r = rank(base, run);
  if (r === null) return null;
  const doubled = r.ranks.map((x) => Math.round(x * 2));
  const { p, minP } = exactP(doubled, r.n2, Math.round(r.runRankSum * 2));
  return { n1: r.n1, n2: r.n2, u: r.u, superiority: r.u / (r.n1 * r.n2), p, method: 'exact', minP };
}

/** The test with the normal approximation: tie-corrected variance, continuity correction. */
export function mannWhitneyNormal(base: number[], run: number[]): MannWhitney | null {
  const r = rank(base, run);
  if (r === null) return null;
  const { n1, n2, N, u } = r;
  const superiority = u / (n1 * n2);
  const tieTerm = r.ties.reduce((acc, t) => acc + (t * t * t - t), 0) / (N * (N - 1));
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm);
  const mean = (n1 * n2) / 2;
  if (variance <= 0) return { n1, n2, u, superiority, p: 1, method: 'normal', minP: 1 };
  const sd = Math.sqrt(variance);
  const z = Math.max(0, Math.abs(u - mean) - 0.5) / sd;
  const zMax = Math.max(0, mean - 0.5) / sd;
  return { n1, n2, u, superiority, p: Math.min(1, 2 * normalUpperTail(z)), method: 'normal', minP: Math.min(1, 2 * normalUpperTail(zMax)) };
}

/**
 * Mann–Whitney U of `base` against `run`, two-sided: exact up to EXACT_MAX_N
 * samples in all, the normal approximation above. Null when either is empty.
 */
export function mannWhitney(base: number[], run: number[]): MannWhitney | null {
  return base.length + run.length <= EXACT_MAX_N ? mannWhitneyExact(base, run) : mannWhitneyNormal(base, run);
}

/** k6's percentile: linear interpolation between the closest ranks of the sorted values. */
export function percentileOf(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** One of k6's trend aggregations (avg, min, med, max, p(N), count) computed on raw values. */
export function aggregate(values: number[], agg: string): number | null {
  if (agg === 'count') return values.length;
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  if (agg === 'min') return sorted[0]!;
  if (agg === 'max') return sorted[sorted.length - 1]!;
  if (agg === 'avg') return sorted.reduce((a, b) => a + b, 0) / sorted.length;
  if (agg === 'med') return percentileOf(sorted, 50);
  const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(agg);
  if (m !== null) return percentileOf(sorted, Number(m[1]));
  return null;
}
