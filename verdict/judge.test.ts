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

// Two instances of 50 samples each (verdict/quantiles.test.ts checks these bounds by hand):
// the run's p(95) reads its ranks 94 and 95, between a's p(95) and b's p(95) here.
const fast = (p95: number, max: number, min = 10): SummaryMetric => trend({ min, 'p(95)': p95, max, count: 50 });

test('a percentile rule over several instances is judged on bounds, and the verdict says which', () => {
  const r = judged([{ t: fast(350, 400) }, { t: fast(700, 900, 20) }], { t: ['p(95)<2000'] });
  const j = r.judgements[0]!;
  assert.equal(j.ok, true);
  assert.equal(j.basis, 'bounds');
  assert.equal(j.inconclusive, false);
  assert.ok(Math.abs(j.bounds!.lower! - 350) < 1e-9 && Math.abs(j.bounds!.upper! - 700) < 1e-9, JSON.stringify(j.bounds));
  assert.equal(j.bounds!.instances, 2);
  assert.equal(j.note, 'p(95) between 350 and 700 ms over 2 instances');
  assert.deepEqual(j.instances?.map((i) => i.value), [350, 700]);
  assert.deepEqual(r.notes, ['threshold t p(95)<2000 passed: p(95) between 350 and 700 ms over 2 instances']);
});

test('a threshold between the bounds is FAILED, inconclusive from summaries, with the bounds and each value', () => {
  const r = judged([{ t: fast(1500, 1600) }, { t: fast(2600, 2700) }], { t: ['p(95)<2000'] });
  const j = r.judgements[0]!;
  assert.equal(j.ok, false);
  assert.equal(j.inconclusive, true);
  assert.equal(j.note, 'inconclusive from summaries: p(95) between 1500 and 2600 ms over 2 instances, which does not decide p(95)<2000 (instance values 0:1/2 1500, 1/2:1 2600)');
  assert.deepEqual(r.crossed, ['t']);
});

test('a lower bound at or over the threshold fails the run: not inconclusive', () => {
  const r = judged([{ t: fast(2100, 2200, 2050) }, { t: fast(2600, 2700, 2300) }], { t: ['p(95)<2000', 'p(95)>1000', 'p(95)==1500', 'p(95)!=1500'] });
  const ok = Object.fromEntries(r.judgements.map((j) => [j.expression, [j.ok, j.inconclusive]]));
  assert.deepEqual(ok, { 'p(95)<2000': [false, false], 'p(95)>1000': [true, false], 'p(95)==1500': [false, false], 'p(95)!=1500': [true, false] });
  // b's 50 samples are all >= its min 2300, more than the 6 the run's ranks 94 and 95 need.
  assert.match(r.judgements[0]!.note!, /^p\(95\) between 2300 and 2600 ms over 2 instances$/);
});

test('every instance passing is not enough: each holds 0 and 10 (p(90) 9), the run holds 0, 0, 10, 10 (p(90) 10)', () => {
  const ten = (): SummaryMetric => trend({ avg: 5, min: 0, med: 5, max: 10, 'p(90)': 9, 'p(95)': 9.5, count: 2 });
  const r = judged([{ t: ten() }, { t: ten() }], { t: ['p(90)<9.5'] });
  const j = r.judgements[0]!;
  assert.deepEqual([j.ok, j.inconclusive, j.value], [false, false, 10]);
  assert.equal(j.note, 'p(90) is 10 ms over 2 instances, exactly');
});

test('bounds over some of the instances say how many had samples', () => {
  const r = judged([{ t: fast(350, 400) }, { t: fast(700, 900, 20) }, {}], { t: ['p(95)<2000'] });
  assert.equal(r.judgements[0]!.note, 'p(95) between 350 and 700 ms over 2 of 3 instances');
});

test('a percentile from a single instance with samples is exact (the probe runs in one instance)', () => {
  const r = judged([{ t: emptyTrend() }, { t: trend({ 'p(95)': 2500, count: 20 }) }], { t: ['p(95)<=2900'] });
  assert.equal(r.judgements[0]!.ok, true);
  assert.equal(r.judgements[0]!.basis, 'one-instance');
  assert.equal(r.judgements[0]!.value, 2500);
});

test('a percentile missing from the summaries: bounded by the other stats, and the note asks for it', () => {
  // The run's p(99) reads ranks 98 and 99 of 100: at most b's max 900 (all 100 samples are <= 900);
  // at least 700 + 0.01·200 = 702 (3 of b's samples are >= 700, 1 is >= 900).
  const r = judged([{ t: fast(350, 400) }, { t: fast(700, 900) }], { t: ['p(99)<1000', 'p(99)<800', 'p(99)<500'] });
  const [pass, open, fail] = r.judgements;
  assert.equal(pass!.ok, true);
  assert.deepEqual([fail!.ok, fail!.inconclusive], [false, false]);
  assert.equal(fail!.note, 'p(99) between 702 and 900 ms over 2 instances');
  assert.equal(pass!.basis, 'bounds');
  assert.equal(open!.inconclusive, true);
  assert.match(open!.note!, /p\(99\) is not in every summary \(add it to summaryTrendStats for tighter bounds\)/);
});

test('an instance\'s own result for a percentile rule counts as a fact about its samples', () => {
  const withOwn = (ok: boolean): SummaryMetric => ({ ...trend({ min: 1, max: 5000, count: 100 }), thresholds: { 'p(96)<800': { ok } } });
  // Both passed p(96)<800: 2·96 samples are below 800 (x[95] < 800 in each), as many as the run's p(95) needs
  // (ranks 189 and 190 of 200: 190 and 191 samples), so the run's p(95) is at most 800.
  assert.equal(judged([{ t: withOwn(true) }, { t: withOwn(true) }], { t: ['p(95)<850'] }).judgements[0]!.ok, true);
  const unknown = judged([{ t: withOwn(false) }, { t: withOwn(true) }], { t: ['p(95)<850'] }).judgements[0]!;
  assert.equal(unknown.ok, false);
  assert.equal(unknown.inconclusive, true);
});

test('without counts only min and max bound a percentile, and the note asks for count', () => {
  const noCount = (min: number, max: number): SummaryMetric => trend({ min, max, 'p(95)': max - 1 });
  const pass = judged([{ t: noCount(5, 60) }, { t: noCount(3, 90) }], { t: ['p(95)<100'] }).judgements[0]!;
  assert.equal(pass.ok, true);
  const open = judged([{ t: noCount(5, 60) }, { t: noCount(3, 90) }], { t: ['p(95)<80'] }).judgements[0]!;
  assert.equal(open.inconclusive, true);
  assert.match(open.note!, /a summary has no count, so only min and max bound it \(add 'count' to summaryTrendStats\)/);
});

test('contradictory summaries are inconclusive, never a pass', () => {
  // p(95) above max cannot come from one set of samples.
  const r = judged([{ t: trend({ min: 1, 'p(95)': 900, max: 100, count: 50 }) }, { t: trend({ min: 1, 'p(95)': 900, max: 100, count: 50 }) }], { t: ['p(95)<2000'] });
  assert.equal(r.judgements[0]!.ok, false);
  assert.match(r.judgements[0]!.note!, /contradict each other/);
});

test('a percentile outside 0..100 is refused', () => {
  assert.throws(() => judged([{ t: fast(1, 2) }, { t: fast(1, 2) }], { t: ['p(150)<5'] }), (e: unknown) => e instanceof InputError && /a percentile needs 0 <= N <= 100/.test(e.message));
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
