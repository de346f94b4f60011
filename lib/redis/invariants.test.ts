import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkBatch, checkCounts, checkFifoOnAdmission, checkHeldSlot, checkOwnState, classifyBothStates, irregularTick, tickToleranceMs, checkPeak, checkReconnect,
  estimateErrorMs, looksStalled, parseCount, parseScore, parseWithScores, positionError,
} from './invariants.ts';

test('active set over the threshold is a violation; at the threshold it is not', () => {
  assert.deepEqual(checkCounts({ depth: 5, active: 10 }, 10), []);
  assert.deepEqual(checkCounts({ depth: 0, active: 11 }, 10), ['active_over_threshold']);
});

test('each user is in exactly one state, the one the API reported', () => {
  assert.deepEqual(checkOwnState('queued', { rank: 2, score: 100, active: false }), []);
  assert.deepEqual(checkOwnState('active', { rank: null, score: null, active: true }), []);
  assert.deepEqual(checkOwnState('queued', { rank: 0, score: 100, active: true }), ['queued_and_active']);
  assert.deepEqual(checkOwnState('active', { rank: 0, score: 100, active: true }), ['queued_and_active']);
  assert.deepEqual(checkOwnState('queued', { rank: null, score: null, active: false }), ['state_mismatch']);
  assert.deepEqual(checkOwnState('active', { rank: null, score: null, active: false }), ['state_mismatch']);
  // Admitted by the processor between the check answer and the probe: a legal move, not a mismatch.
  assert.deepEqual(checkOwnState('queued', { rank: null, score: null, active: true }), []);
});

test('an admitted user that has not left must still be in the active set', () => {
  assert.deepEqual(checkHeldSlot(true), []);
  // The set's one TTL ran out while the user held its slot (or the room dropped it).
  assert.deepEqual(checkHeldSlot(false), ['admission_expired']);
});

test('FIFO: nobody who joined earlier may still wait when I am admitted', () => {
  assert.deepEqual(checkFifoOnAdmission(1000, null, undefined), []);
  assert.deepEqual(checkFifoOnAdmission(1000, { member: 'later', score: 1500 }, false), []);
  assert.deepEqual(checkFifoOnAdmission(1000, { member: 'tie', score: 1000 }, false), []);
  assert.deepEqual(checkFifoOnAdmission(1000, { member: 'earlier', score: 999 }, false), ['fifo']);
  assert.deepEqual(checkFifoOnAdmission(1000, { member: 'earlier', score: 999 }, undefined), ['fifo'], 'Redis did not say it is active: an earlier member waits');
  assert.deepEqual(checkFifoOnAdmission(null, { member: 'x', score: 1 }, false), [], 'no score known: no verdict');
});

test('FIFO knows batches: an earlier member already active is its own batch, not an unfair order', () => {
  // The real processor SADDs and announces a batch, then ZREMRANGEBYRANKs it (queue-contract, "Seen on the real deployment").
  assert.deepEqual(checkFifoOnAdmission(1000, { member: 'same-batch', score: 999 }, true), ['batch_not_atomic']);
  assert.deepEqual(checkFifoOnAdmission(1000, { member: 'same-batch', score: 1000 }, true), [], 'ties are neutral whatever the state');
});

test('a user in both sets right after its admission: its batch window if it clears, two states if it stays', () => {
  assert.deepEqual(classifyBothStates(false), ['batch_not_atomic']);
  assert.deepEqual(classifyBothStates(true), ['queued_and_active']);
  assert.deepEqual(classifyBothStates(undefined), [], 'Redis did not answer the second read: no verdict');
});

test('ticks, not batches: a correct processor\'s batches are whole intervals apart, silent ticks included', () => {
  const tol = tickToleranceMs(5000);
  assert.equal(tol, 1000);
  for (const gap of [5000, 4100, 5900, 10_000, 15_000, 14_200, 30_800]) assert.equal(irregularTick(gap, 5000, tol), false, `${gap} ms`);
  for (const gap of [1000, 3900, 7500, 12_300, 17_600]) assert.equal(irregularTick(gap, 5000, tol), true, `${gap} ms`);
  // A dwell longer than the interval skips ticks: 12 s of dwell at a 5 s interval spaces batches 15 s apart.
  assert.equal(irregularTick(15_040, 5000, tol), false);
  assert.equal(tickToleranceMs(1000), 300, 'never under 300 ms');
});

test('a batch admits at most the slots that were free before it', () => {
  assert.deepEqual(checkBatch(5, 0, 5), []);
  assert.deepEqual(checkBatch(2, 3, 5), []);
  assert.deepEqual(checkBatch(3, 3, 5), ['batch_over_free_slots']);
  assert.deepEqual(checkBatch(1, 7, 5), ['batch_over_free_slots']);
  assert.deepEqual(checkBatch(0, 7, 5), []);
});

test('a refresh keeps the place: position may improve, the score may not change', () => {
  assert.deepEqual(checkReconnect({ position: 3, score: 10 }, { position: 3, score: 10 }), []);
  assert.deepEqual(checkReconnect({ position: 3, score: 10 }, { position: 1, score: 10 }), []);
  assert.deepEqual(checkReconnect({ position: 3, score: 10 }, { position: 4, score: 10 }), ['position_changed']);
  assert.deepEqual(checkReconnect({ position: 3, score: 10 }, { position: 3, score: 99 }), ['score_changed']);
  assert.deepEqual(checkReconnect({ position: 1, score: 10 }, { position: 3, score: 99 }), ['position_changed', 'score_changed']);
  assert.deepEqual(checkReconnect({ position: 1, score: null }, { position: 1, score: 99 }), []);
});

test('the peak must match the admitted and queued counts exactly', () => {
  assert.deepEqual(checkPeak({ active: 10, depth: 5 }, { active: 10, depth: 5 }), []);
  assert.deepEqual(checkPeak({ active: 12, depth: 3 }, { active: 10, depth: 5 }), ['redis_counts_mismatch']);
});

test('a stall is a waiting queue with free slots', () => {
  assert.equal(looksStalled({ depth: 3, active: 4 }, 5), true);
  assert.equal(looksStalled({ depth: 3, active: 5 }, 5), false);
  assert.equal(looksStalled({ depth: 0, active: 0 }, 5), false);
});

test('errors of positions and estimates', () => {
  assert.equal(positionError(3, 2), 0);
  assert.equal(positionError(3, 0), 2);
  assert.equal(positionError(3, null), undefined);
  assert.equal(estimateErrorMs(30, 5000), 25000);
  assert.equal(estimateErrorMs(5, 6500), 1500);
});

test('Redis replies are parsed defensively', () => {
  assert.deepEqual(parseWithScores(['a', '1700000000000', 'b', '1700000000001']), [
    { member: 'a', score: 1700000000000 },
    { member: 'b', score: 1700000000001 },
  ]);
  assert.deepEqual(parseWithScores(['a']), []);
  assert.deepEqual(parseWithScores(null), []);
  assert.deepEqual(parseWithScores(['a', 'not-a-number']), []);
  assert.equal(parseScore(null), null);
  assert.equal(parseScore('12.5'), 12.5);
  assert.equal(parseCount('7'), 7);
  assert.equal(parseCount(7), 7);
  assert.equal(parseCount(undefined), 0);
});
