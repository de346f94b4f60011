// Each defect of the contract, switched on in the reference target, makes the
// scenario meant for it fail, on the threshold meant for it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explain, runScenario, type RunResult } from '../support/scenario.ts';

function assertFailedOn(r: RunResult, ...expected: string[]): void {
  assert.equal(r.code, 99, explain(r));
  assert.match(r.stderr, /thresholds on metrics '.*' have been crossed/);
  for (const e of expected) assert.ok(r.failed.includes(e), `expected "${e}" among the failed thresholds\n${explain(r)}`);
}

const rate = { scenario: 'processing-rate', threshold: 5, intervalMs: 1500 };

test('racy-admission: the burst overshoots the threshold (mass-burst)', async () => {
  const r = await runScenario({ scenario: 'mass-burst', threshold: 10, intervalMs: 1000, faults: ['racy-admission'], env: { USERS: '40', DWELL_MS: '300' } });
  assertFailedOn(r, 'queue_admitted_immediately count==10');
  assert.ok((r.summary?.metrics.queue_admitted_immediately?.values.count ?? 0) > 10);
});

test('over-admit: a batch admits more than the free slots (processing-rate)', async () => {
  const r = await runScenario({ ...rate, faults: ['over-admit'], env: { DWELL_MS: '3000' } });
  assertFailedOn(r, 'queue_invariant_violations{kind:batch_over_free_slots} count==0', 'queue_probe_active max<=5');
});

test('silent-admission: users are admitted without being told (processing-rate)', async () => {
  const r = await runScenario({ ...rate, faults: ['silent-admission'], env: { DWELL_MS: '400', ADMISSION_TIMEOUT_MS: '5000' } });
  assertFailedOn(r, 'queue_invariant_violations{kind:silent_admission} count==0', 'queue_admission_timeouts count==0');
});

test('no-release: leaving frees no slot and the queue starves (processing-rate)', async () => {
  const r = await runScenario({ ...rate, faults: ['no-release'], env: { DWELL_MS: '400', ADMISSION_TIMEOUT_MS: '5000' } });
  assertFailedOn(r, 'queue_admission_timeouts count==0', 'queue_admitted_from_queue count==15');
  assert.match(r.stdout, /the queue starved/);
});

test('stalled-processor: nobody is admitted from the queue (processing-rate)', async () => {
  // Long enough a wait for the probe to see the queue stall with free slots for two intervals.
  const r = await runScenario({ ...rate, faults: ['stalled-processor'], env: { DWELL_MS: '400', ADMISSION_TIMEOUT_MS: '8000' } });
  assertFailedOn(r, 'queue_admission_timeouts count==0', 'queue_admitted_from_queue count==15');
  assert.match(r.stdout, /the processor looks stalled/);
});

test('lifo: later arrivals are admitted before earlier ones (processing-rate)', async () => {
  const r = await runScenario({ ...rate, faults: ['lifo'], env: { DWELL_MS: '400' } });
  assertFailedOn(r, 'queue_invariant_violations{kind:fifo} count==0');
});

test('wrong-estimate: estimatedWait is far from the real wait (processing-rate)', async () => {
  const r = await runScenario({ ...rate, faults: ['wrong-estimate'], env: { DWELL_MS: '400' } });
  assertFailedOn(r, 'queue_wait_estimate_error p(95)<=2900');
});

test('requeue-on-reconnect: a refresh sends the user to the back (reconnect)', async () => {
  const r = await runScenario({ scenario: 'reconnect', threshold: 3, intervalMs: 1000, faults: ['requeue-on-reconnect'], env: { DWELL_MS: '2000' } });
  assertFailedOn(r, 'queue_invariant_violations{kind:score_changed} count==0');
});

test('no-session-restore: a refresh gets no session-restored (reconnect)', async () => {
  const r = await runScenario({ scenario: 'reconnect', threshold: 3, intervalMs: 1000, faults: ['no-session-restore'], env: { DWELL_MS: '2000' } });
  assertFailedOn(r, 'queue_session_restored rate==1');
});
