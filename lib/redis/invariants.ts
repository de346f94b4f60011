// The waiting room's invariants as pure functions of sampled state. No k6 and
// no Redis here: the probes feed these, and the unit tests feed crafted states.

/** Every invariant the suite checks; each has its own threshold, so the summary names the broken ones. */
export const VIOLATION_KINDS = [
  'active_over_threshold',
  'state_mismatch',
  'queued_and_active',
  'fifo',
  'batch_not_atomic',
  'silent_admission',
  'batch_over_free_slots',
  'position_changed',
  'score_changed',
  'redis_counts_mismatch',
  'admission_expired',
  'reconnect_position_worse',
  'reconnect_score_changed',
] as const;

export type ViolationKind = (typeof VIOLATION_KINDS)[number];

export interface Counts { depth: number; active: number }

/** A user's own state as Redis holds it. */
export interface OwnState { rank: number | null; score: number | null; active: boolean }

export interface QueueHead { member: string; score: number }

/** Defect 1: the active set must never exceed the threshold. */
export function checkCounts(c: Counts, threshold: number): ViolationKind[] {
  return c.active > threshold ? ['active_over_threshold'] : [];
}

/**
 * Defect 6: a user is in exactly one state, and it is the one the API reported.
 * A user the API queued may already be active when Redis is read: the processor
 * can admit it between the answer and the probe. That is not a mismatch (whether
 * it was told is judged by its admission wait: silent_admission).
 */
export function checkOwnState(expected: 'queued' | 'active', s: OwnState): ViolationKind[] {
  const inQueue = s.rank !== null;
  if (inQueue && s.active) return ['queued_and_active'];
  if (expected === 'queued' && !inQueue && !s.active) return ['state_mismatch'];
  if (expected === 'active' && !s.active) return ['state_mismatch'];
  return [];
}

/**
 * An admitted user stays in the active set until it leaves (the contract). One
 * that has not left yet and is no longer in the set was forgotten: the set has
 * one TTL for all its members, reset on every add, so when nobody is admitted
 * for that long it expires at once under users still holding their slots (or
 * the room dropped the user). The room then counts fewer users than are inside
 * and admits more than QUEUE_THRESHOLD. Read just before the user leaves.
 */
export function checkHeldSlot(stillActive: boolean): ViolationKind[] {
  return stillActive ? [] : ['admission_expired'];
}

/**
 * Defect 4: when a user is admitted from the queue, nobody who joined before it
 * may still be waiting. `head` is the queue's first member right after the
 * admission (ZRANGE 0 0 WITHSCORES) and `headActive` whether that member is
 * already in the active set; ties in score are FIFO-neutral.
 *
 * An earlier member that is already active belongs to the same batch: a
 * processor that SADDs and announces a batch before it removes it from the
 * ZSET (the real deployment does) leaves its users briefly in both sets. That
 * is a non-atomic batch, not an unfair order.
 */
export function checkFifoOnAdmission(myScore: number | null, head: QueueHead | null, headActive: boolean | undefined): ViolationKind[] {
  if (myScore === null || head === null) return [];
  if (!(head.score < myScore)) return [];
  return headActive === true ? ['batch_not_atomic'] : ['fifo'];
}

/**
 * A user told it is in and found both active and still queued: inside its own
 * batch's window (non-atomic batch) when a second read shows it has left the
 * queue, a user in two states (defect 6) when it is still in both.
 */
export function classifyBothStates(stillBoth: boolean | undefined): ViolationKind[] {
  if (stillBoth === undefined) return [];
  return stillBoth ? ['queued_and_active'] : ['batch_not_atomic'];
}

/**
 * Defect 1 in the processor: a batch may admit at most the slots that were free.
 * `currentUsersBefore` is queue-updated's currentUsers (the count before the batch).
 */
export function checkBatch(admitted: number, currentUsersBefore: number, threshold: number): ViolationKind[] {
  return admitted > Math.max(0, threshold - currentUsersBefore) ? ['batch_over_free_slots'] : [];
}

export interface PlaceInQueue { position: number; score: number | null }

/**
 * Defect 5: a refresh keeps the user's place. The position may only improve
 * (people ahead may have been admitted meanwhile); the join score must not change.
 */
export function checkReconnect(before: PlaceInQueue, after: PlaceInQueue): ViolationKind[] {
  const out: ViolationKind[] = [];
  if (after.position > before.position) out.push('position_changed');
  if (before.score !== null && after.score !== null && before.score !== after.score) out.push('score_changed');
  return out;
}

/**
 * A queued user whose socket dropped and came back (a room process restarted,
 * a proxy cut it): its place must have survived. Its position may only have
 * improved since it last read it, and its ZSET score is the one it was queued with.
 */
export function checkPlaceAfterReconnect(before: PlaceInQueue, after: PlaceInQueue): ViolationKind[] {
  const out: ViolationKind[] = [];
  if (after.position > before.position) out.push('reconnect_position_worse');
  if (before.score !== null && after.score !== null && before.score !== after.score) out.push('reconnect_score_changed');
  return out;
}

/**
 * Scenario 1: once everyone has arrived and before anyone leaves, Redis holds
 * exactly the admitted users in the active set and the rest in the queue.
 */
export function checkPeak(seen: Counts, expected: Counts): ViolationKind[] {
  return seen.active === expected.active && seen.depth === expected.depth ? [] : ['redis_counts_mismatch'];
}

/**
 * The processor's cadence from the batches the observer heard. The target
 * announces a batch (queue-updated) only when a tick admits someone, so a tick
 * that found no free slot is silent: a correct processor's batches are whole
 * multiples of the interval apart. A gap is irregular when it is shorter than
 * one interval or not within `toleranceMs` of a multiple.
 */
export function irregularTick(gapMs: number, intervalMs: number, toleranceMs: number): boolean {
  const ticks = Math.max(1, Math.round(gapMs / intervalMs));
  return Math.abs(gapMs - ticks * intervalMs) > toleranceMs;
}

/** How far a batch may drift from the processor's beat: timers, Redis and the event loop. */
export function tickToleranceMs(intervalMs: number): number {
  return Math.max(300, Math.round(intervalMs * 0.2));
}

/** The queue waits although slots are free: the processor should be serving it. */
export function looksStalled(c: Counts, threshold: number): boolean {
  return c.depth > 0 && c.active < threshold;
}

/** |reported position − (ZRANK + 1)|, or undefined when Redis could not tell. */
export function positionError(reported: number, rank: number | null): number | undefined {
  return rank === null ? undefined : Math.abs(reported - (rank + 1));
}

/** |estimatedWait (seconds) − real wait (ms)| in ms. */
export function estimateErrorMs(estimatedWaitSeconds: number, realWaitMs: number): number {
  return Math.abs(estimatedWaitSeconds * 1000 - realWaitMs);
}

/** A ZRANGE … WITHSCORES reply (flat [member, score, …]) as pairs. */
export function parseWithScores(reply: unknown): QueueHead[] {
  if (!Array.isArray(reply)) return [];
  const out: QueueHead[] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) {
    const score = Number(reply[i + 1]);
    if (Number.isFinite(score)) out.push({ member: String(reply[i]), score });
  }
  return out;
}

export function parseScore(reply: unknown): number | null {
  if (reply === null || reply === undefined) return null;
  const n = Number(reply);
  return Number.isFinite(n) ? n : null;
}

export function parseCount(reply: unknown): number {
  const n = Number(reply);
  return Number.isFinite(n) ? n : 0;
}
