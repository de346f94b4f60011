// The percentile bounds against the exact percentile of the pooled samples:
// seeded random sample sets in many distributions, dealt to 1–8 instances in
// many ways, each instance summarised as k6 summarises it (linear
// interpolation between closest ranks, shared/k6-reference/README.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SUMMARY_TREND_STATS, SUMMARY_TREND_STATS } from '../lib/rules/trend-stats.ts';
import { levelOf, percentileBounder, percentileBounds, type InstanceDistribution } from './quantiles.ts';
import { DISTRIBUTIONS, SPLITS, k6Percentile, k6TrendValues, rng, splitRun } from '../test/support/sample-sets.ts';

const LEVELS = [0, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.8, 0.9, 0.925, 0.95, 0.953, 0.975, 0.99, 0.995, 0.999, 1];
const SIZES = [1, 2, 3, 5, 17, 100, 401, 1000, 3000];

function instancesOf(parts: number[][], stats: string[]): InstanceDistribution[] {
  return parts.filter((p) => p.length > 0).map((p) => ({ count: p.length, values: k6TrendValues(p, stats) }));
}

/** A random subset of the ladder, always with count (ranks need it). */
function someStats(r: () => number): string[] {
  const out = SUMMARY_TREND_STATS.filter((s) => s === 'count' || r() < 0.4);
  return out;
}

/** Percentile thresholds as k6 judged them on this instance: `p(N)<c` / `p(N)>c` with ok from its own samples. */
function ownThresholds(samples: number[], r: () => number): Record<string, { ok: boolean }> {
  const sorted = [...samples].sort((a, b) => a - b);
  const out: Record<string, { ok: boolean }> = {};
  for (let i = 0; i < 3; i++) {
    const n = [50, 90, 95, 97, 99, 99.9][Math.floor(r() * 6)]!;
    const c = Math.round(sorted[Math.floor(r() * sorted.length)]! * (0.9 + 0.2 * r()));
    const v = k6Percentile(sorted, n / 100);
    const op = ['<', '<=', '>', '>='][Math.floor(r() * 4)]!;
    const ok = op === '<' ? v < c : op === '<=' ? v <= c : op === '>' ? v > c : v >= c;
    out[`p(${n})${op}${c}`] = { ok };
  }
  return out;
}

test('the bounds hold the exact pooled percentile: every distribution, split, instance count, size, stat set and level (seeded)', () => {
  const failures: string[] = [];
  let checked = 0;
  for (let seed = 1; seed <= 360; seed++) {
    const r = rng(seed);
    const kind = DISTRIBUTIONS[seed % DISTRIBUTIONS.length]!;
    const split = SPLITS[Math.floor(seed / DISTRIBUTIONS.length) % SPLITS.length]!;
    const instances = 1 + (seed % 8);
    const size = SIZES[Math.floor(r() * SIZES.length)]!;
    const run = splitRun(r, kind, split, instances, size);
    if (run.pooled.length === 0) continue;
    const statSets: Array<[string, string[]]> = [
      ['ladder', SUMMARY_TREND_STATS],
      ['k6 default + count', [...DEFAULT_SUMMARY_TREND_STATS, 'count']],
      ['min max count', ['min', 'max', 'count']],
      ['random subset', someStats(r)],
    ];
    const withThresholds = run.parts.filter((p) => p.length > 0).map((p) => ({ count: p.length, values: k6TrendValues(p, ['count', 'p(50)']), thresholds: ownThresholds(p, r) }));
    const cases: Array<[string, InstanceDistribution[]]> = [...statSets.map(([name, stats]): [string, InstanceDistribution[]] => [name, instancesOf(run.parts, stats)]), ['own thresholds', withThresholds]];
    const levels = [...LEVELS, r(), r()];
    for (const [name, ds] of cases) {
      const bounds = percentileBounder(ds);
      for (const u of levels) {
        const exact = k6Percentile(run.pooled, u);
        const b = bounds(u);
        checked++;
        if (!(b.lower <= exact && exact <= b.upper) || b.contradictory) {
          failures.push(`seed ${seed} ${kind}/${split} ${instances} instances ${run.pooled.length} samples, ${name}, u=${u}: ${b.lower} <= ${exact} <= ${b.upper}?`);
        }
      }
    }
  }
  assert.deepEqual(failures.slice(0, 5), []);
  assert.ok(checked > 20_000, `only ${checked} cases checked`);
});

test('huge and tiny magnitudes, negative values and many ties: still inside the bounds', () => {
  const failures: string[] = [];
  for (let seed = 1; seed <= 60; seed++) {
    const r = rng(1000 + seed);
    const scale = [1e-9, 1e-3, 1, 1e6, 1e15][seed % 5]!;
    const offset = [0, -1e3, 1e12][seed % 3]!;
    const parts = Array.from({ length: 2 + (seed % 5) }, () => Array.from({ length: 1 + Math.floor(r() * 40) }, () => offset + scale * Math.round(r() * 7)));
    const pooled = parts.flat().sort((a, b) => a - b);
    const bounds = percentileBounder(instancesOf(parts, SUMMARY_TREND_STATS));
    for (const u of [...LEVELS, r()]) {
      const exact = k6Percentile(pooled, u);
      const b = bounds(u);
      if (!(b.lower <= exact && exact <= b.upper)) failures.push(`seed ${seed} u=${u}: ${b.lower} <= ${exact} <= ${b.upper}?`);
    }
  }
  assert.deepEqual(failures.slice(0, 5), []);
});

test('every instance passes p(90)<9.5 and the run fails it: the bounds know, being exact here', () => {
  // Each instance holds 0 and 10: its p(90) is 0 + 0.9·10 = 9. Pooled 0, 0, 10, 10: H = 2.7, p(90) = 10.
  const parts = [[0, 10], [0, 10]];
  const ds = instancesOf(parts, SUMMARY_TREND_STATS);
  assert.deepEqual(ds.map((d) => d.values['p(90)']), [9, 9]);
  const b = percentileBounds(ds, 0.9);
  assert.equal(k6Percentile([0, 0, 10, 10], 0.9), 10);
  assert.deepEqual([b.lower, b.upper, b.exact], [10, 10, true]);
});

test('exact where the summaries fix the value: a ladder level on an integer rank, equal samples everywhere', () => {
  // 101 samples: p(95) sits on rank 95 exactly, so the instance's p(95) is a sample and the run's.
  const samples = Array.from({ length: 101 }, (_, i) => i * 3);
  const one = percentileBounds(instancesOf([samples], SUMMARY_TREND_STATS), 0.95);
  assert.deepEqual([one.lower, one.upper, one.exact], [285, 285, true]);
  const flat = percentileBounds(instancesOf([[42, 42], [42], [42, 42, 42]], ['min', 'max', 'count']), 0.95);
  assert.deepEqual([flat.lower, flat.upper, flat.exact], [42, 42, true]);
});

test('hand-checked bounds: two instances of 50 samples with min, p(95) and max', () => {
  // N = 100, H = 0.95·99 = 94.05: the run's p(95) reads ranks 94 and 95.
  // Upper: ≤-facts 350 (47 of a's, j = floor(0.95·49) = 46), 400 (all 50 of a's), 700 (47 of b's): 97 >= 95 and 96 at 700.
  // Lower: ≥-facts 900 (1 of b's), 700 (3 of b's, n - ceil(46.55)), 400 (1 of a's), 350 (3 of a's): 6 >= N-94 at 350.
  const ds: InstanceDistribution[] = [
    { count: 50, values: { min: 10, 'p(95)': 350, max: 400, count: 50 } },
    { count: 50, values: { min: 20, 'p(95)': 700, max: 900, count: 50 } },
  ];
  const b = percentileBounds(ds, 0.95);
  assert.ok(Math.abs(b.lower - 350) < 1e-9 && Math.abs(b.upper - 700) < 1e-9, `${b.lower} ${b.upper}`);
  assert.equal(b.samples, 100);
  assert.equal(b.exact, false);
});

test('an instance\'s own threshold results are facts: they tighten bounds the ladder leaves open', () => {
  const ds: InstanceDistribution[] = [
    { count: 100, values: { min: 1, max: 5000, count: 100 } },
    { count: 100, values: { min: 1, max: 5000, count: 100 } },
  ];
  assert.equal(percentileBounds(ds, 0.95).upper, 5000 + 5000 * 2 ** -44);
  // p(96)<800 passed in both: 2·(floor(0.96·99)+1) = 192 samples <= 800, and the run's p(95) needs 190 and 191.
  const told = ds.map((d) => ({ ...d, thresholds: { 'p(96)<800': { ok: true } } }));
  const b = percentileBounds(told, 0.95);
  assert.ok(b.upper <= 800 + 1e-9, String(b.upper));
});

test('without counts, only the smallest min and the largest max bound the run; without max, no upper bound', () => {
  const b = percentileBounds([{ count: null, values: { min: 5, 'p(95)': 50, max: 60 } }, { count: null, values: { min: 3, 'p(95)': 70, max: 90 } }], 0.95);
  assert.equal(b.samples, null);
  assert.ok(b.lower <= 3 && b.lower > 2.999 && b.upper >= 90 && b.upper < 90.001, `${b.lower} ${b.upper}`);
  // With counts but no max, nothing caps the top ranks. H = 0.95·19 = 18.05: rank 18 is >= 50 (each
  // instance has a sample >= its p(95)), rank 19 >= 70, so the run's p(95) >= 50 + 0.05·20 = 51.
  const open = percentileBounds([{ count: 10, values: { 'p(95)': 50, count: 10 } }, { count: 10, values: { 'p(95)': 70, count: 10 } }], 0.95);
  assert.ok(open.lower <= 51 && open.lower > 50.999, String(open.lower));
  assert.equal(open.upper, Infinity);
});

test('similar instances: the bounds stay within neighbouring pooled percentiles (the ladder\'s spacing)', () => {
  // Similar instances: the same distribution dealt round-robin, 2000 samples each.
  const spans: Record<number, [number, number]> = { 0.5: [0.4, 0.6], 0.9: [0.88, 0.92], 0.95: [0.94, 0.96], 0.99: [0.98, 0.995] };
  const failures: string[] = [];
  const inside: number[] = [];
  for (const kind of ['lognormal', 'exponential', 'uniform', 'bimodal', 'heavy-tail'] as const) {
    for (const instances of [2, 4, 6, 8]) {
      const run = splitRun(rng(instances * 7 + kind.length), kind, 'round-robin', instances, 2000 * instances);
      const ds = instancesOf(run.parts, SUMMARY_TREND_STATS);
      for (const [u, [below, above]] of Object.entries(spans).map(([k, v]) => [Number(k), v] as const)) {
        const b = percentileBounds(ds, u);
        const lo = k6Percentile(run.pooled, below);
        const hi = k6Percentile(run.pooled, above);
        if (b.lower < lo || b.upper > hi) failures.push(`${kind} ${instances} instances p(${u * 100}): [${b.lower}, ${b.upper}] not within pooled p(${below * 100})..p(${above * 100}) = [${lo}, ${hi}]`);
        if (u === 0.95) inside.push(run.pooled.filter((x) => x >= b.lower && x <= b.upper).length / run.pooled.length);
      }
    }
  }
  assert.deepEqual(failures, []);
  // On average the p(95) bounds enclose at most 1 % of the run's samples.
  const mean = inside.reduce((s, x) => s + x, 0) / inside.length;
  assert.ok(mean <= 0.01, `p(95) bounds enclose ${(mean * 100).toFixed(2)} % of the samples on average`);
});

test('levelOf reads med and p(N) as k6 does (N/100) and nothing else', () => {
  assert.equal(levelOf('med'), 0.5);
  assert.equal(levelOf('p(95)'), 0.95);
  assert.equal(levelOf('p(99.9)'), 99.9 / 100);
  assert.equal(levelOf('p(0)'), 0);
  assert.equal(levelOf('p(100)'), 1);
  assert.equal(levelOf('p(101)'), null);
  assert.equal(levelOf('avg'), null);
});
