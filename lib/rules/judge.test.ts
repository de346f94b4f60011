import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { planRules, thresholdVars, type ThresholdFile } from './build.ts';
import { judgedView, judgeRules, type JudgedMetric } from './judge.ts';
import { rulesJUnit } from '../summary/junit.ts';
import type { SummaryData } from '../summary/types.ts';

const file = JSON.parse(readFileSync(new URL('../../thresholds.json', import.meta.url), 'utf8')) as ThresholdFile;
const defaults = JSON.parse(readFileSync(new URL('../../scenarios/defaults.json', import.meta.url), 'utf8')) as Record<string, never>;

function counter(count: number, thresholds?: Record<string, { ok: boolean }>): JudgedMetric {
  return { type: 'counter', values: { count, rate: 0 }, ...(thresholds ? { thresholds } : {}) };
}

test('an empty trend that k6 judged as 0 is not judged, whatever k6 said', () => {
  const plan = planRules({ $needs: { t: ['samples'] }, s: { t: ['p(95)<=100'] } }, 's', {}, { probes: true });
  const metrics = { t: { type: 'trend', values: { 'p(95)': 0, count: 0 }, thresholds: { 'p(95)<=100': { ok: true } } } };
  const [o] = judgeRules(plan.rules, plan.notInForce, metrics);
  assert.equal(o!.state, 'not_judged');
  assert.match(o!.reason!, /no sample of t/);
  const measured = judgeRules(plan.rules, plan.notInForce, { t: { ...metrics.t, values: { 'p(95)': 90, count: 4 } } });
  assert.equal(measured[0]!.state, 'passed');
  assert.equal(measured[0]!.observed, 90);
});

test('an empty rate (k6 passes it with a "Threshold error") is not judged', () => {
  const plan = planRules({ $needs: { r: ['samples'] }, s: { r: ['rate==1'] } }, 's', {}, { probes: true });
  const [o] = judgeRules(plan.rules, plan.notInForce, { r: { type: 'rate', values: { rate: 0, passes: 0, fails: 0 }, thresholds: { 'rate==1': { ok: true } } } });
  assert.equal(o!.state, 'not_judged');
});

test('an invariant nobody checked is not judged; once checked, its zero passes', () => {
  const plan = planRules(file, 'processing-rate', thresholdVars(loadConfig('processing-rate', defaults['processing-rate'], {})), { probes: true });
  const key = 'queue_invariant_violations{kind:fifo}';
  const fifo = (checks: number) => judgeRules(plan.rules, plan.notInForce, { [key]: counter(0, { 'count==0': { ok: true } }), 'queue_invariant_checks{kind:fifo}': counter(checks) }).find((o) => o.metric === key)!;
  assert.equal(fifo(0).state, 'not_judged');
  assert.match(fifo(0).reason!, /queue_invariant_checks\{kind:fifo\}/);
  assert.equal(fifo(12).state, 'passed');
});

test('a queue that was not settled takes the counts and positions out of judgement, over all VUs', () => {
  const plan = planRules(file, 'threshold-overflow', thresholdVars(loadConfig('threshold-overflow', defaults['threshold-overflow'], {})), { probes: true });
  const trend = (min: number, max: number, count: number): JudgedMetric => ({ type: 'trend', values: { min, max, count } });
  const base = { queue_admitted_immediately: counter(11, { 'count==10': { ok: false } }), 'queue_positions{position:1}': counter(1, { 'count==1': { ok: true } }) };
  const moving = judgeRules(plan.rules, plan.notInForce, { ...base, queue_checked_at: trend(1000, 9000, 15), queue_left_at: trend(7500, 12000, 15) });
  const immediate = moving.find((o) => o.metric === 'queue_admitted_immediately')!;
  assert.equal(immediate.state, 'not_judged');
  assert.match(immediate.reason!, /not settled: the first user left 1500 ms before the last user had checked in/);
  assert.equal(moving.find((o) => o.metric === 'queue_positions{position:1}')!.state, 'not_judged');
  const settled = judgeRules(plan.rules, plan.notInForce, { ...base, queue_checked_at: trend(1000, 9000, 15), queue_left_at: trend(9500, 12000, 15) });
  assert.equal(settled.find((o) => o.metric === 'queue_admitted_immediately')!.state, 'failed', 'settled: an eleventh immediate admission is an overshoot');
});

test('the observer never joined: what it alone measures is not judged', () => {
  const plan = planRules(file, 'processing-rate', thresholdVars(loadConfig('processing-rate', defaults['processing-rate'], {})), { probes: true });
  const out = judgeRules(plan.rules, plan.notInForce, { queue_observer_joined: counter(0), queue_tick_irregular: counter(0, { 'count==0': { ok: true } }), queue_tick_interval: { type: 'trend', values: { count: 0 } } });
  const tick = out.find((o) => o.metric === 'queue_tick_irregular')!;
  assert.equal(tick.state, 'not_judged');
  assert.match(tick.reason!, /observer/);
});

test('rules left out for want of Redis are listed not judged, and JUnit skips them with the reason', () => {
  const plan = planRules(file, 'threshold-overflow', thresholdVars(loadConfig('threshold-overflow', defaults['threshold-overflow'], { REDIS_URL: '' })), { probes: false });
  const out = judgeRules(plan.rules, plan.notInForce, { queue_http_errors: counter(0, { 'count==0': { ok: true } }) });
  const fifo = out.find((o) => o.metric === 'queue_invariant_violations{kind:fifo}')!;
  assert.equal(fifo.state, 'not_judged');
  assert.match(fifo.reason!, /Redis probes/);
  const data = { metrics: { queue_http_errors: { type: 'counter', contains: 'default', values: { count: 0 } } }, state: { testRunDurationMs: 1000 } } as unknown as SummaryData;
  const xml = rulesJUnit(out, data, { suiteName: 's' });
  assert.match(xml, /<testcase classname="queue_invariant_violations\{kind:fifo\}" name="count==0">\n\s+<skipped message="not judged: needs the Redis probes/);
  assert.match(xml, new RegExp(`skipped="${out.filter((o) => o.state === 'not_judged').length}"`));
  assert.match(xml, /<testcase classname="queue_http_errors" name="count==0"\/>/);
});

test('the text view drops the ✓ of rules not judged and of neutral rules', () => {
  const metrics = {
    a: { type: 'counter', values: { count: 0 }, thresholds: { 'count==0': { ok: true } } },
    b: { type: 'counter', values: { count: 3 }, thresholds: { 'count>=0': { ok: true } } },
  };
  const view = judgedView(metrics, [{ metric: 'a', expression: 'count==0', state: 'not_judged', needs: [] }]);
  assert.equal(view.a!.thresholds, undefined);
  assert.equal(view.b!.thresholds, undefined, 'a neutral rule is no outcome: no ✓');
  assert.equal(view.a!.values.count, 0, 'the metric itself stays');
});
