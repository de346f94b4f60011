// Each scenario passes against the correct reference target with the guide's
// numbers (processor interval and dwell shortened so CI stays quick).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, runScenario } from '../support/scenario.ts';

function count(r: Awaited<ReturnType<typeof runScenario>>, metric: string): number | undefined {
  return r.summary?.metrics[metric]?.values.count;
}

test('scenario 1, threshold-overflow: 10 admitted at once, 5 queued at positions 1..5, Redis agrees', async () => {
  const r = await runScenario({ scenario: 'threshold-overflow', threshold: 10, intervalMs: 1000, env: { DWELL_MS: '3000' } });
  assert.equal(r.code, 0, explain(r));
  assert.deepEqual(r.failed, []);
  assert.equal(count(r, 'queue_admitted_immediately'), 10);
  assert.equal(count(r, 'queue_queued'), 5);
  for (let p = 1; p <= 5; p++) assert.equal(count(r, `queue_positions{position:${p}}`), 1, `position ${p}`);
  assert.equal(r.summary?.metrics.queue_probe_active?.values.max, 10);
  assert.equal(r.summary?.metrics.queue_probe_depth?.values.max, 5);
  assert.equal(count(r, 'queue_users_completed'), 15);
  assert.match(r.stdout, /queue_admitted_immediately/);
  assert.match(r.junit ?? '', /<testsuite[^>]*failures="0"/);
});

test('scenario 2, processing-rate: batches of free slots, one per tick, FIFO, everyone admitted', async () => {
  const r = await runScenario({ scenario: 'processing-rate', threshold: 5, intervalMs: 1500, env: { DWELL_MS: '400' } });
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 5);
  assert.equal(count(r, 'queue_admitted_from_queue'), 15);
  const tick = r.summary?.metrics.queue_tick_interval?.values;
  assert.ok(tick && tick.min >= 1200 && tick.max <= 1800, `tick spacing ${JSON.stringify(tick)}`);
  assert.ok((r.summary?.metrics.queue_batch_size?.values.max ?? 99) <= 5);
});

test('scenario 3, mass-burst: 20 at once, 80 queued, no errors, active set within the threshold', async () => {
  const r = await runScenario({ scenario: 'mass-burst', threshold: 20, intervalMs: 1000, env: { DWELL_MS: '500', USERS_PER_VU: '25' } });
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 20);
  assert.equal(count(r, 'queue_queued'), 80);
  assert.equal(count(r, 'queue_admitted_from_queue'), 80);
  assert.ok((r.summary?.metrics.queue_probe_active?.values.max ?? 99) <= 20);
  assert.equal(r.summary?.metrics.http_req_failed?.values.rate, 0);
});

test('scenario 4, reconnect: a refresh keeps position and score, restores the session, admission arrives', async () => {
  const r = await runScenario({ scenario: 'reconnect', threshold: 3, intervalMs: 1000, env: { DWELL_MS: '2000' } });
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_reconnects'), 3);
  assert.equal(r.summary?.metrics.queue_session_restored?.values.rate, 1);
  assert.equal(count(r, 'queue_admitted_from_queue'), 3);
});
