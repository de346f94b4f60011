// Merging instance summaries. Value names and shapes as in
// shared/k6-reference/README.md, "handleSummary's data": counter count/rate,
// gauge value/min/max, rate rate/passes/fails, trend summaryTrendStats.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeData, mergeGroups, mergeMetrics } from './merge.ts';
import { counter, emptyTrend, gauge, instance, rate, trend } from '../test/support/verdict-fixtures.ts';
import { InputError } from './types.ts';

test('counters: counts are summed; the rate is the summed count over the run duration', () => {
  const m = mergeMetrics([{ c: counter(30, 3) }, { c: counter(50, 4) }], { durationMs: 20_000 });
  assert.deepEqual(m.metrics.c!.values, { count: 80, rate: 4 });
});

test('counters without a run duration: the instance rates are summed', () => {
  const m = mergeMetrics([{ c: counter(30, 3) }, { c: counter(50, 4.5) }]);
  assert.deepEqual(m.metrics.c!.values, { count: 80, rate: 7.5 });
});

test('rates: passes and fails are summed and the rate recomputed from them (not averaged)', () => {
  const m = mergeMetrics([{ r: rate(9, 1) }, { r: rate(30, 0) }]);
  assert.deepEqual(m.metrics.r!.values, { rate: 39 / 40, passes: 39, fails: 1 });
});

test('gauges: min and max are exact, value is the largest instance value', () => {
  const m = mergeMetrics([{ g: gauge(3, 1, 7) }, { g: gauge(5, 2, 6) }]);
  assert.deepEqual(m.metrics.g!.values, { value: 5, min: 1, max: 7 });
});

test('trends: min and max exact, avg weighted by count, count summed', () => {
  const m = mergeMetrics([
    { t: trend({ avg: 10, min: 2, max: 30, count: 1 }) },
    { t: trend({ avg: 20, min: 5, max: 25, count: 3 }) },
  ]);
  assert.deepEqual(m.metrics.t!.values, { avg: (10 + 60) / 4, min: 2, max: 30, count: 4 });
  assert.equal(m.trendSamples.t, 4);
  assert.deepEqual(m.approximations, []);
});

test('trends: an instance without samples (count 0, all zeros) does not pull min down to 0', () => {
  const m = mergeMetrics([{ t: emptyTrend() }, { t: trend({ avg: 5000, min: 4900, med: 5000, max: 5100, 'p(90)': 5080, 'p(95)': 5090, count: 9 }) }]);
  assert.equal(m.metrics.t!.values.min, 4900);
  assert.equal(m.metrics.t!.values.avg, 5000);
  // One instance holds every sample: its percentiles are the run's, exactly.
  assert.equal(m.metrics.t!.values['p(95)'], 5090);
  assert.deepEqual(m.approximations, []);
});

test('trends: percentiles over several instances show an upper bound from counts and quantiles, said to be one', () => {
  // 50 + 50 samples: the run's p(95) reads ranks 94 and 95, both at most b's p(95) (47 + 50 samples <= 700);
  // its med reads ranks 49 and 50: 25 + 25 samples are <= 180 (a's and b's med), 47 + 25 <= 350 (a's p(95)).
  const m = mergeMetrics([
    { t: trend({ min: 10, med: 90, 'p(95)': 350, max: 400, count: 50 }) },
    { t: trend({ min: 20, med: 180, 'p(95)': 700, max: 900, count: 50 }) },
  ]);
  assert.ok(Math.abs(m.metrics.t!.values['p(95)']! - 700) < 1e-9, String(m.metrics.t!.values['p(95)']));
  assert.ok(Math.abs(m.metrics.t!.values.med! - (180 + 0.5 * (350 - 180))) < 1e-9, String(m.metrics.t!.values.med));
  assert.equal(m.approximations.length, 1);
  assert.match(m.approximations[0]!, /med and p\(N\) of t are upper bounds of the run's percentiles, from each instance's count and quantiles/);
});

test('trends: without a max nothing caps a percentile, and the highest instance value is shown', () => {
  const m = mergeMetrics([{ t: trend({ med: 90, 'p(95)': 350, count: 50 }) }, { t: trend({ med: 180, 'p(95)': 700, count: 50 }) }]);
  assert.equal(m.metrics.t!.values['p(95)'], 700);
});

test('trends without count: avg is the mean of the averages and said to be approximate', () => {
  const m = mergeMetrics([{ t: trend({ avg: 10, min: 1, max: 20 }) }, { t: trend({ avg: 30, min: 3, max: 40 }) }]);
  assert.equal(m.metrics.t!.values.avg, 20);
  assert.equal(m.trendSamples.t, null);
  assert.ok(m.approximations.some((a) => /avg of t is the mean of the instances' averages, approximate/.test(a)), m.approximations.join('\n'));
});

test('a metric absent from an instance counts as no samples there; sub-metrics merge like metrics', () => {
  const m = mergeMetrics([
    { c: counter(2), 'v{kind:fifo}': counter(1) },
    { c: counter(3) },
  ]);
  assert.equal(m.metrics.c!.values.count, 5);
  assert.equal(m.metrics['v{kind:fifo}']!.values.count, 1);
});

test('instance threshold results are not carried into the merged metrics', () => {
  const m = mergeMetrics([{ c: { ...counter(1), thresholds: { 'count>=0': { ok: true } } } }]);
  assert.equal(m.metrics.c!.thresholds, undefined);
});

test('a metric with different types in two instances is refused', () => {
  assert.throws(() => mergeMetrics([{ x: counter(1) }, { x: rate(1, 0) }]), (e: unknown) => e instanceof InputError && /x is a counter in instance 1 but a rate in instance 2/.test(e.message));
});

test('checks are summed by path; the run lasts as long as its longest instance', () => {
  const group = (passes: number, fails: number) => ({
    name: '', path: '', id: 'r', checks: [],
    groups: [{ name: 'g1', path: '::g1', id: 'g', groups: [], checks: [{ name: 'ok', path: '::g1::ok', id: 'c', passes, fails }] }],
  });
  const merged = mergeGroups([group(2, 1), undefined, group(3, 0)])!;
  assert.deepEqual(merged.groups[0]!.checks[0], { name: 'ok', path: '::g1::ok', id: 'c', passes: 5, fails: 1 });

  const a = instance({ metrics: { c: counter(10) }, durationMs: 10_000 });
  const b = instance({ metrics: { c: counter(10) }, durationMs: 20_000 });
  const { data } = mergeData([a, b]);
  assert.equal(data.state.testRunDurationMs, 20_000);
  assert.equal(data.metrics.c!.values.rate, 1);
  assert.deepEqual(data.root_group, { name: '', path: '', id: '', groups: [], checks: [] });
});
