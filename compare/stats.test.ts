// The noise test: midranks, the exact distribution (checked against brute
// force), the normal approximation (checked against the exact test), and the
// aggregations computed from raw samples the way k6 computes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregate, EXACT_MAX_N, mannWhitney, mannWhitneyExact, mannWhitneyNormal, midranks, normalUpperTail } from './stats.ts';

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual}, expected ${expected} ± ${tolerance}`);
}

/** The two-sided p-value by enumerating every split of the pooled values (small samples only). */
function bruteForceP(base: number[], run: number[]): number {
  const all = [...base, ...run];
  const { ranks } = midranks(all);
  const n2 = run.length;
  const N = all.length;
  const mean = (n2 * (N + 1)) / 2;
  const observed = Math.abs(ranks.slice(base.length).reduce((a, b) => a + b, 0) - mean);
  let total = 0;
  let extreme = 0;
  const pick = (start: number, left: number, sum: number): void => {
    if (left === 0) {
      total++;
      if (Math.abs(sum - mean) >= observed - 1e-9) extreme++;
      return;
    }
    for (let i = start; i <= N - left; i++) pick(i + 1, left - 1, sum + ranks[i]!);
  };
  pick(0, n2, 0);
  return extreme / total;
}

function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return a / 2147483648;
  };
}

test('midranks: ties share the mean of their ranks', () => {
  assert.deepEqual(midranks([10, 20, 20, 5, 20]), { ranks: [2, 4, 4, 1, 4], ties: [3] });
  assert.deepEqual(midranks([3, 1, 2]).ranks, [3, 1, 2]);
});

test('exact p-values: completely separated samples give 2 / C(N, n)', () => {
  const a = mannWhitney([1, 2, 3], [4, 5, 6])!;
  assert.equal(a.method, 'exact');
  close(a.p, 2 / 20, 1e-12, 'n=3/3');
  close(a.minP, 2 / 20, 1e-12, 'minP n=3/3');
  assert.equal(a.u, 9);
  assert.equal(a.superiority, 1);
  const b = mannWhitney([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])!;
  close(b.p, 2 / 252, 1e-12, 'n=5/5');
  assert.equal(b.superiority, 0);
  // Identical samples: no evidence at all.
  assert.equal(mannWhitney([5, 5, 5], [5, 5, 5])!.p, 1);
  assert.equal(mannWhitney([], [1]), null);
});

test('exact p-values agree with brute-force enumeration, ties included', () => {
  const cases: [number[], number[]][] = [
    [[1, 2, 2, 3, 7], [2, 4, 4, 5, 9, 9]],
    [[10, 10, 10, 11], [10, 12, 12]],
    [[0.5, 1.5, 2.5, 3.5], [1, 2, 3, 4]],
    [[3, 3, 3, 3, 8, 9], [3, 4, 9, 9, 9]],
  ];
  for (const [base, run] of cases) {
    close(mannWhitneyExact(base, run)!.p, bruteForceP(base, run), 1e-12, `${base} vs ${run}`);
  }
});

test('the normal approximation with tie correction tracks the exact test', () => {
  const r = seeded(7);
  for (let trial = 0; trial < 6; trial++) {
    const shift = trial * 0.15;
    // Values rounded to a coarse grid, so there are many ties.
    const base = Array.from({ length: 25 }, () => Math.round(r() * 10));
    const run = Array.from({ length: 28 }, () => Math.round((r() + shift) * 10));
    const exact = mannWhitneyExact(base, run)!;
    const normal = mannWhitneyNormal(base, run)!;
    close(normal.p, exact.p, 0.02, `trial ${trial} (exact ${exact.p})`);
  }
  close(normalUpperTail(1.959964), 0.025, 1e-6, 'upper tail at 1.96');
  close(normalUpperTail(-1), 1 - 0.158655, 1e-6, 'upper tail at -1');
});

test('large samples use the normal approximation; a real shift is found, the same distribution is not', () => {
  const r = seeded(11);
  const base = Array.from({ length: 500 }, () => 100 + r() * 50);
  const same = Array.from({ length: 500 }, () => 100 + r() * 50);
  const shifted = Array.from({ length: 500 }, () => 110 + r() * 50);
  assert.ok(base.length + same.length > EXACT_MAX_N);
  const h0 = mannWhitney(base, same)!;
  assert.equal(h0.method, 'normal');
  assert.ok(h0.p > 0.01, `same distribution: p ${h0.p}`);
  const h1 = mannWhitney(base, shifted)!;
  assert.ok(h1.p < 1e-6, `shifted by a fifth of the spread: p ${h1.p}`);
  assert.ok(h1.superiority > 0.5);
});

test('aggregations on raw samples follow k6 (linear interpolation between ranks)', () => {
  const v = Array.from({ length: 20 }, (_, i) => i + 1);
  assert.equal(aggregate(v, 'p(95)'), 19.05);
  assert.equal(aggregate(v, 'med'), 10.5);
  assert.equal(aggregate(v, 'avg'), 10.5);
  assert.equal(aggregate(v, 'min'), 1);
  assert.equal(aggregate(v, 'max'), 20);
  assert.equal(aggregate(v, 'count'), 20);
  assert.equal(aggregate([], 'p(95)'), null);
  assert.equal(aggregate(v, 'rate'), null);
});
