// Judging the run's thresholds on merged data. Expression syntax and the
// aggregations per metric type follow k6 (shared/k6-reference/README.md,
// "handleSummary's data" and "Exit codes": `count` on a Trend is invalid).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SummaryMetric } from '../lib/summary/types.ts';
import { judge, statValue, type JudgeInstance } from './judge.ts';
import { mergeData } from './merge.ts';
import { counter, emptyTrend, instance, rate, trend } from '../test/support/verdict-fixtures.ts';
import { InputError } from './types.ts';

function judged(parts: Array<Record<string, SummaryMetric>>, thresholds: Record<string, string[]>) {
  const summaries = parts.map((metrics, i) => instance({ meta: { segment: i === 0 ? '0:1/2' : '1/2:1' }, metrics }));
  const { data } = mergeData(summaries);
  const instances: JudgeInstance[] = summaries.map((s) => ({ segment: s.meta.segment, metrics: s.data.metrics }));
  return judge({ data, instances, thresholds });
}

test('count rules are judged on the summed count, written as { ok } like k6', () => {
  const r = judged([{ q: counter(30) }, { q: counter(50) }], { q: ['count==80', 'count<80'] });
  assert.deepEqual(r.data.metrics.q!.thresholds, { 'count==80': { ok: true }, 'count<80': { ok: false } });
  assert.deepEqual(r.crossed, ['q']);
  assert.equal(r.judgements[0]!.basis, 'merged');
  assert.equal(r.judgements[0]!.value, 80);
});

test('rate rules use the recomputed rate', () => {
  const r = judged([{ f: rate(0, 100) }, { f: rate(1, 99) }], { f: ['rate==0'] });
  assert.equal(r.data.metrics.f!.thresholds!['rate==0']!.ok, false);
  assert.equal(r.judgements[0]!.value, 1 / 200);
});

test('min and max rules are judged exactly; an instance without samples does not count', () => {
  const r = judged([{ t: emptyTrend() }, { t: trend({ avg: 5000, min: 4800, med: 5000, max: 5200, 'p(90)': 5100, 'p(95)': 5150, count: 8 }) }], {
    t: ['min>=4700', 'max<=5300'],
  });
  assert.deepEqual(r.crossed, []);
});

test('a percentile rule passes when it passes in every instance', () => {
  const r = judged([{ t: trend({ 'p(95)': 350, count: 50 }) }, { t: trend({ 'p(95)': 700, count: 50 }) }], { t: ['p(95)<2000'] });
  const j = r.judgements[0]!;
  assert.equal(j.ok, true);
  assert.equal(j.basis, 'every-instance');
  assert.deepEqual(j.instances?.map((i) => i.value), [350, 700]);
});

test('a percentile rule that fails in one instance is FAILED, inconclusive from summaries, with each value', () => {
  const r = judged([{ t: trend({ 'p(95)': 1500, count: 50 }) }, { t: trend({ 'p(95)': 2600, count: 50 }) }], { t: ['p(95)<2000'] });
  const j = r.judgements[0]!;
  assert.equal(j.ok, false);
  assert.equal(j.inconclusive, true);
  assert.match(j.note!, /inconclusive from summaries: instance values 0:1\/2 1500, 1\/2:1 2600/);
  assert.deepEqual(r.crossed, ['t']);
});

test('a percentile rule that fails in every instance fails for the run: not inconclusive', () => {
  const r = judged([{ t: trend({ 'p(95)': 2100, count: 50 }) }, { t: trend({ 'p(95)': 2600, count: 50 }) }], { t: ['p(95)<2000'] });
  assert.equal(r.judgements[0]!.ok, false);
  assert.equal(r.judgements[0]!.inconclusive, false);
  assert.match(r.judgements[0]!.note!, /fails in every instance/);
});

test('a percentile from a single instance with samples is exact (the probe runs in one instance)', () => {
  const r = judged([{ t: emptyTrend() }, { t: trend({ 'p(95)': 2500, count: 20 }) }], { t: ['p(95)<=2900'] });
  assert.equal(r.judgements[0]!.ok, true);
  assert.equal(r.judgements[0]!.basis, 'one-instance');
  assert.equal(r.judgements[0]!.value, 2500);
});

test('a percentile missing from a summary: the instance\'s own result for the same rule decides it there', () => {
  const withOwn = (ok: boolean): SummaryMetric => ({ ...trend({ 'p(95)': 1, count: 5 }), thresholds: { 'p(99)<1000': { ok } } });
  assert.equal(judged([{ t: withOwn(true) }, { t: withOwn(true) }], { t: ['p(99)<1000'] }).judgements[0]!.ok, true);
  const unknown = judged([{ t: trend({ 'p(95)': 1, count: 5 }) }, { t: trend({ 'p(95)': 1, count: 5 }) }], { t: ['p(99)<1000'] }).judgements[0]!;
  assert.equal(unknown.ok, false);
  assert.equal(unknown.inconclusive, true);
  assert.match(unknown.note!, /add it to summaryTrendStats/);
});

test('no samples anywhere: counters see 0, trends are judged on 0, rates pass (k6\'s empty-sink rules)', () => {
  const r = judged([{ c: counter(0), t: emptyTrend(), r: rate(0, 0) }, {}], {
    c: ['count==80'],
    t: ['max<=20', 'min>=4700'],
    r: ['rate==1'],
  });
  const ok = Object.fromEntries(r.judgements.map((j) => [`${j.metric} ${j.expression}`, j.ok]));
  assert.deepEqual(ok, { 'c count==80': false, 'r rate==1': true, 't max<=20': true, 't min>=4700': false });
  assert.equal(r.judgements.find((j) => j.metric === 'r')!.basis, 'no-samples');
});

test('a rule on a metric no instance reported: judged as an empty metric of the type its aggregation implies', () => {
  const r = judged([{ q: counter(1) }, {}], { 'queue_positions{position:3}': ['count==1'] });
  assert.equal(r.data.metrics['queue_positions{position:3}']!.type, 'counter');
  assert.equal(r.judgements[0]!.ok, false);
  assert.match(r.notes[0]!, /queue_positions\{position:3\} is in no instance's summary/);
});

test('invalid rules are refused as k6 refuses them', () => {
  assert.throws(() => judged([{ t: trend({ count: 1 }) }], { t: ['count==1'] }), (e: unknown) => e instanceof InputError && /aggregation 'count' is not valid for the trend metric t/.test(e.message));
  assert.throws(() => judged([{ c: counter(1) }], { c: ['count is 1'] }), (e: unknown) => e instanceof InputError && /invalid threshold "count is 1" on c/.test(e.message));
});

test('statValue finds p(95.0) as p(95), and med as p(50)', () => {
  assert.equal(statValue({ 'p(95)': 7 }, 'p(95.0)'), 7);
  assert.equal(statValue({ med: 4 }, 'p(50)'), 4);
  assert.equal(statValue({ 'p(50)': 5 }, 'med'), 5);
  assert.equal(statValue({ 'p(95)': 7 }, 'p(99)'), undefined);
});
