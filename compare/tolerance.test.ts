// Tolerances: the grammar, the aggregation names of lib/rules/expression.ts,
// placeholders, the allowed change, and the suite's own compare section.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { allowedChange, beyond, describeTolerance, parseTolerance, readCompareSection, ToleranceError } from './tolerance.ts';
import { CAPACITY_FIGURE, FIGURES, MEASURED_FIGURES } from './figures.ts';

const vars = { QUEUE_PROCESSOR_INTERVAL: 5000, USERS: 20 };

test('a percentage, an absolute change, or both (they add up)', () => {
  const t = parseTolerance('queue_admission_wait', 'p(95) +10%', 'trend', true, vars);
  assert.deepEqual({ agg: t.agg, worse: t.worse, percent: t.percent, absolute: t.absolute }, { agg: 'p(95)', worse: 'up', percent: 10, absolute: 0 });
  assert.equal(allowedChange(t, 2000), 200);
  assert.equal(beyond(t, 2000, 2200), false);
  assert.equal(beyond(t, 2000, 2201), true);

  const both = parseTolerance('queue_admission_wait', 'p( 95 ) +10% +${QUEUE_PROCESSOR_INTERVAL}ms', 'trend', true, vars);
  assert.equal(both.agg, 'p(95)');
  assert.equal(allowedChange(both, 10_000), 6000);
  assert.equal(describeTolerance(both), 'p(95) +10% +5000ms');
  assert.equal(parseTolerance('x', 'med +2s', 'trend', true, vars).absolute, 2000);

  const down = parseTolerance('admissions_per_second', 'value -25%', 'gauge', false, vars);
  assert.equal(down.worse, 'down');
  assert.equal(beyond(down, 4, 3.1), false);
  assert.equal(beyond(down, 4, 2.9), true);
  assert.equal(beyond(down, 4, 40), false, 'more admissions per second is never a regression');

  const any = parseTolerance('queue_http_errors', 'count +0', 'counter', false, vars);
  assert.equal(beyond(any, 0, 0), false);
  assert.equal(beyond(any, 0, 1), true);
  assert.equal(describeTolerance(any), 'count +0');
});

test('errors name the key and say what to write', () => {
  const bad = (key: string, text: string, type: 'trend' | 'counter' | 'gauge', time: boolean, re: RegExp): void => {
    assert.throws(() => parseTolerance(key, text, type, time, vars), (e: Error) => e instanceof ToleranceError && re.test(e.message) && e.message.includes(`compare.${key}`));
  };
  bad('queue_admission_wait', 'p95 +10%', 'trend', true, /expected an aggregation first \(avg, min, max, med, p\(N\)\)/);
  bad('queue_http_errors', 'p(95) +10%', 'counter', false, /p\(95\) does not fit a counter figure; use one of count, rate/);
  bad('queue_admission_wait', 'p(95)', 'trend', true, /expected one or two changes/);
  bad('queue_admission_wait', 'p(95) 10%', 'trend', true, /'10%' is not a change/);
  bad('queue_admission_wait', 'p(95) +10% -5', 'trend', true, /same sign/);
  bad('queue_admission_wait', 'p(95) +10% +5%', 'trend', true, /two percentages/);
  bad('queue_http_errors', 'count +1ms', 'counter', false, /not a duration/);
  bad('queue_admission_wait', 'p(95) +${NOPE}ms', 'trend', true, /\$\{NOPE\} is not among this run's threshold variables \(QUEUE_PROCESSOR_INTERVAL, USERS\)/);
});

test('the compare section: tolerances, lists, the significance level, comments', () => {
  const s = readCompareSection({ compare: { $comment: 'x', $alpha: '0.05', a: 'count +0', b: ['med +10%', 'p(95) +20%'] } });
  assert.equal(s.alpha, 0.05);
  assert.deepEqual([...s.tolerances.entries()], [['a', ['count +0']], ['b', ['med +10%', 'p(95) +20%']]]);
  assert.equal(readCompareSection({ compare: {} }).alpha, 0.01);
  assert.throws(() => readCompareSection({}), /has no "compare" section/);
  assert.throws(() => readCompareSection({ compare: { $alpha: 0.05 } }), /\$alpha must be a significance level between 0 and 0.5 as a string/);
  assert.throws(() => readCompareSection({ compare: { a: 3 } }), /compare.a must be a tolerance such as "p\(95\) \+10%"/);
});

test("the suite's thresholds.json: every tolerance parses for its figure", () => {
  const file = JSON.parse(readFileSync(new URL('../thresholds.json', import.meta.url), 'utf8')) as unknown;
  const section = readCompareSection(file);
  const allVars = { QUEUE_PROCESSOR_INTERVAL: 5000, QUEUE_THRESHOLD: 5, USERS: 20, DWELL_MS: 2000, ESTIMATE_TOLERANCE_MS: 8000 };
  for (const [key, list] of section.tolerances) {
    const def = [...FIGURES, ...MEASURED_FIGURES, CAPACITY_FIGURE].find((f) => f.id === key);
    assert.ok(def !== undefined, `compare.${key} names a key figure`);
    for (const w of list) {
      const t = parseTolerance(key, w, def.type, def.unit === 'ms', allVars);
      assert.equal(t.worse, def.worse, `compare.${key}: '${w}' says the worse way the figure means`);
    }
  }
  for (const id of ['admissions_per_second', 'queue_admission_wait', 'queue_wait_estimate_error', 'queue_socket_connect', 'login_duration', 'arrival_lag', 'queue_http_errors']) {
    assert.ok(section.tolerances.has(id), `a tolerance for ${id}`);
  }
});
