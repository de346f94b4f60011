// Each scenario passes against the correct reference target at its own
// defaults (what `make scenario-N` runs), with the processor's first tick at a
// random phase, and its summary holds the numbers the guide's checklist asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explain, ROOT, runScenario, type ScenarioRun } from '../support/scenario.ts';

interface Defaults { users: number; queueThreshold: number; processorIntervalMs: number }
const defaults = JSON.parse(readFileSync(join(ROOT, 'scenarios/defaults.json'), 'utf8')) as Record<string, Defaults>;

function atDefaults(scenario: string, env: Record<string, string> = {}): ScenarioRun {
  const d = defaults[scenario]!;
  return { scenario, threshold: d.queueThreshold, intervalMs: d.processorIntervalMs, phaseMs: 'random', env, timeoutMs: 240_000 };
}

function count(r: Awaited<ReturnType<typeof runScenario>>, metric: string): number | undefined {
  return r.summary?.metrics[metric]?.values.count;
}

test('scenario 1, threshold-overflow: 10 admitted at once, 5 queued at positions 1..5, Redis agrees', async () => {
  const r = await runScenario(atDefaults('threshold-overflow'));
  assert.equal(r.code, 0, explain(r));
  assert.deepEqual(r.failed, []);
  assert.equal(count(r, 'queue_admitted_immediately'), 10);
  assert.equal(count(r, 'queue_queued'), 5);
  for (let p = 1; p <= 5; p++) assert.equal(count(r, `queue_positions{position:${p}}`), 1, `position ${p}`);
  assert.equal(r.summary?.metrics.queue_probe_active?.values.max, 10);
  assert.equal(r.summary?.metrics.queue_probe_depth?.values.max, 5);
  assert.equal(count(r, 'queue_users_completed'), 15);
  assert.equal(count(r, 'queue_probe_errors') ?? 0, 0);
  for (const kind of ['state_mismatch', 'fifo', 'silent_admission']) {
    assert.ok(r.summary?.metrics[`queue_invariant_violations{kind:${kind}}`], `the summary names ${kind}`);
  }
  assert.match(r.stdout, /queue_admitted_immediately/);
  assert.match(r.junit ?? '', /<testsuite[^>]*failures="0"/);
});

test('scenario 2, processing-rate: batches of free slots, one per tick, FIFO, everyone admitted', async () => {
  const r = await runScenario(atDefaults('processing-rate'));
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 5);
  assert.equal(count(r, 'queue_admitted_from_queue'), 15);
  const tick = r.summary?.metrics.queue_tick_interval?.values;
  assert.ok(tick && tick.min >= 4000 && tick.max <= 6000, `tick spacing ${JSON.stringify(tick)}`);
  assert.ok((r.summary?.metrics.queue_batch_size?.values.max ?? 99) <= 5);
});

test('scenario 3, mass-burst: 20 at once, 80 queued, no errors, active set within the threshold', async () => {
  const r = await runScenario(atDefaults('mass-burst', { USERS_PER_VU: '25' }));
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 20);
  assert.equal(count(r, 'queue_queued'), 80);
  assert.equal(count(r, 'queue_admitted_from_queue'), 80);
  assert.ok((r.summary?.metrics.queue_probe_active?.values.max ?? 99) <= 20);
  assert.equal(r.summary?.metrics.http_req_failed?.values.rate, 0);
});

test('scenario 4, reconnect: a refresh keeps position and score, restores the session, admission arrives', async () => {
  const r = await runScenario(atDefaults('reconnect'));
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_reconnects'), 3);
  assert.equal(r.summary?.metrics.queue_session_restored?.values.rate, 1);
  assert.equal(count(r, 'queue_admitted_from_queue'), 3);
});

test('scenario 5, check-race: 200 checks at one instant, exactly 20 admitted, positions 1..180 once each', async () => {
  const r = await runScenario(atDefaults('check-race'));
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 20);
  assert.equal(count(r, 'queue_queued'), 180);
  assert.equal(count(r, 'queue_race_late') ?? 0, 0);
  assert.equal(count(r, 'queue_positions{position:180}'), 1);
  assert.ok((r.summary?.metrics.queue_probe_active?.values.max ?? 99) <= 20);
});
