// Reading the results JSON (handleSummary data + queue_k6) and the verdict in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from './samples.ts';
import { loadSummary, parseSummary, thresholdOutcomes, thresholdStat } from './run-file.ts';
import { tempDirs } from '../test/support/tempdir.ts';

/** A fresh directory, removed after this file's tests. */
const tempDir = tempDirs('report-summary-');

test('the aggregation a threshold expression reads', () => {
  assert.equal(thresholdStat('count==10'), 'count');
  assert.equal(thresholdStat('p(95)<2000'), 'p(95)');
  assert.equal(thresholdStat(' p( 99.9 ) <= 3'), 'p(99.9)');
  assert.equal(thresholdStat('max<=${QUEUE_THRESHOLD}'), 'max');
  assert.equal(thresholdStat('rate==1'), 'rate');
  assert.equal(thresholdStat('nonsense'), null);
});

// shared/k6-reference/summary-data.json is what a real k6 passes to handleSummary:
// its thresholds "value>100" (failed) and "value<=10" (passed) on a gauge, "p(99)<1000" on a trend.
test('the recorded k6 summary data: failed thresholds first, each with its observed value', () => {
  const text = readFileSync(new URL('../test/fixtures/k6-reference/summary-data.json', import.meta.url), 'utf8');
  const s = parseSummary(text, 'summary-data.json');
  assert.equal(s.hasQueueInfo, false);
  const outcomes = thresholdOutcomes(s);
  const failed = outcomes.filter((o) => !o.ok);
  assert.ok(failed.length > 0);
  assert.ok(outcomes.slice(0, failed.length).every((o) => !o.ok), 'failed ones come first');
  const gauge = outcomes.find((o) => o.metric === 'ref_gauge' && o.expression === 'value>100');
  assert.deepEqual(gauge, { metric: 'ref_gauge', expression: 'value>100', ok: false, stat: 'value', observed: 3, contains: 'default' });
  const trend = outcomes.find((o) => o.metric === 'ref_time' && o.expression === 'p(99)<1000');
  assert.equal(trend?.observed, null, 'p(99) is not among the summaryTrendStats, so it is unknown');
});

test('queue_k6 is read with its parameters, notes and start', () => {
  const s = parseSummary(
    JSON.stringify({
      metrics: { queue_queued: { type: 'counter', contains: 'default', values: { count: 4, rate: 1 }, thresholds: { 'count==5': { ok: false } } } },
      state: { testRunDurationMs: 1234 },
      queue_k6: { format: 1, runId: 'r1', scenario: 'threshold-overflow', eventId: null, k6Version: 'k6 v2.2.0', instances: 1, segment: null,
        params: { users: 15, queueThreshold: 10, probes: true, apiUrl: 'http://x', nested: { no: 1 } }, vars: { USERS: 15, BAD: 'x' },
        thresholds: { queue_queued: ['count==5'] }, notes: ['users lost'], startAt: 1700000000000 },
    }),
    'r.json',
  );
  assert.equal(s.queue.scenario, 'threshold-overflow');
  assert.deepEqual(s.queue.params, { users: 15, queueThreshold: 10, probes: true, apiUrl: 'http://x' });
  assert.deepEqual(s.queue.vars, { USERS: 15 });
  assert.deepEqual(s.queue.notes, ['users lost']);
  assert.equal(s.queue.startAt, 1700000000000);
  assert.equal(s.testRunDurationMs, 1234);
  assert.deepEqual(thresholdOutcomes(s)[0], { metric: 'queue_queued', expression: 'count==5', ok: false, stat: 'count', observed: 4, contains: 'default' });
});

test('unreadable or wrong summaries are one-line InputErrors', async () => {
  const dir = tempDir();
  await assert.rejects(loadSummary(join(dir, 'missing.json')), (e: unknown) => e instanceof InputError && /cannot read summary '.*missing\.json': no such file/.test(e.message));
  writeFileSync(join(dir, 'bad.json'), '{"metrics":');
  await assert.rejects(loadSummary(join(dir, 'bad.json')), (e: unknown) => e instanceof InputError && /is not valid JSON/.test(e.message) && !e.message.includes('\n'));
  writeFileSync(join(dir, 'samples.json'), '[1]');
  await assert.rejects(loadSummary(join(dir, 'samples.json')), (e: unknown) => e instanceof InputError && /not a k6 summary/.test(e.message));
});
