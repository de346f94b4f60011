// One waiting-room user, as the browser drives it: log in, open the Socket.IO
// connection and join the event's room, ask to enter, then either go straight
// in or wait for an admission that carries its own id; hold the slot for the
// dwell time, leave, close. Every outcome feeds a metric; nothing throws out.
import exec from 'k6/execution';
import { ApiError, type CheckAnswer, type QueueApi } from '../api/client';
import { accountEmail, admissionBoundMs, admissionTimeoutMs, checkInTimeoutMs, isHolder, type RunConfig } from '../config';
import { addWithMetadata, checked, metrics, violation } from '../metrics';
import { checkFifoOnAdmission, checkHeldSlot, checkOwnState, checkReconnect, classifyBothStates, estimateErrorMs, positionError, type OwnState } from '../redis/invariants';
import type { QueueProbe } from '../redis/probe';
import { createSocketIO, SocketIOError, type SocketIOClient } from '../socketio';
import { admissionFilter, isOwnAdmission } from './admission';
import type { CheckIns } from './checkin';
import { type Admission, Presence } from './presence';
import { Latch, type Semaphore, sleepMs, sleepUntil } from './time';

export interface UserContext {
  cfg: RunConfig;
  api: QueueApi;
  probe: QueueProbe;
  eventId: string;
  /** 1-based account number: loadtest{n}@test.com */
  n: number;
  /** The load-test accounts' password, read at run time (never in init, never printed). */
  password: string;
  arriveAt: number;
  /** check-race: the shared instant every user sends check at (after logging in and joining). */
  checkAt?: number;
  /** Holders (isHolder: among the first HOLDERS admitted at once) keep their slot until then: across the first tick after the arrivals. */
  holdersLeaveAt: number;
  /** Nobody leaves before this time: the last user has arrived and checked in (check-race: the settle time is over). */
  arrivalsOverAt: number;
  /** This VU's users' check-ins: nobody of the VU leaves before all have had their answer. */
  checkIns: CheckIns;
  /** The run has more than one users VU (or instance): other VUs' check-ins are covered by time alone. */
  severalVus: boolean;
  /**
   * Bounds the VU's HTTP calls in flight: thousands of users each holding an
   * open request at once cost the load generator more memory than their sockets.
   */
  http: Semaphore;
  /** Scenario 4: a queued user refreshes its page when its position is at most this (RECONNECT_USERS; 0: nobody). */
  refreshUpTo: number;
  /**
   * Count queue_positions with a position tag, one series per position, because a
   * rule of this scenario reads them (queue_positions{position:N}); false: untagged,
   * so a scenario without such rules does not make one series per queued user.
   */
  positionSeries?: boolean;
  log: (message: string) => void;
  /** When the runner script disrupts the room (epoch ms; 0: no disruption planned): admissions and sockets back after it time the recovery. */
  disruptAt: number;
}

// Shared by every socket: a VU holds thousands, each closure is memory per user.
export function countProtocolError(): void {
  metrics.protocolErrors.add(1);
}

function connectSocket(ctx: UserContext, token: string, me: string, admitted: Latch<Admission>, presence: Presence): SocketIOClient {
  const socket = createSocketIO(ctx.cfg.socketUrl, {
    auth: { token },
    timeoutMs: ctx.cfg.connectTimeoutMs,
    onProtocolError: countProtocolError,
    mustContain: admissionFilter(me),
  });
  socket.on('queue-entry-allowed', (payload: unknown) => {
    if (!isOwnAdmission(payload, me, ctx.eventId)) return;
    // A second admission of the same user, other than the room telling a socket that just joined (again): admitted twice.
    if (admitted.fired && !presence.justJoined()) metrics.admittedTwice.add(1);
    admitted.fire({ at: Date.now() });
  });
  // A drop comes back by itself (lib/socketio reconnects); the presence re-joins and re-reads (./presence.ts).
  presence.attach(socket);
  return socket;
}

async function openSocket(socket: SocketIOClient, ctx: UserContext): Promise<void> {
  const { connectMs } = await socket.connect();
  metrics.socketConnect.add(connectMs);
  socket.emit('join-queue', { eventId: ctx.eventId });
}

/** The guide's preflight: the thresholds are computed from QUEUE_THRESHOLD, so it must be the target's. */
export class ThresholdMismatch extends Error {
  constructor(targets: number, assumed: number) {
    super(
      `the target admits ${targets} users per event but this run assumes QUEUE_THRESHOLD=${assumed}, ` +
        `so every threshold would be wrong. Either run with -e QUEUE_THRESHOLD=${targets}, or set QUEUE_THRESHOLD ` +
        `on the target (its environment, or the ticket service's ConfigMap in Kubernetes) and restart it.`,
    );
  }
}

export function assertSameThreshold(ctx: Pick<UserContext, 'cfg'>, answer: CheckAnswer): void {
  if (typeof answer.threshold === 'number' && answer.threshold !== ctx.cfg.queueThreshold) {
    throw new ThresholdMismatch(answer.threshold, ctx.cfg.queueThreshold);
  }
}

/** How long after a read that found a user in both sets the second read comes (its batch's announcement is over by then). */
const BOTH_STATES_RECHECK_MS = 1000;

/** The user's own state checked against what the API said; a user found in both sets is read again to tell its batch's window from two states. */
async function judgeOwnState(ctx: UserContext, me: string, expected: 'queued' | 'active', state: OwnState): Promise<void> {
  checked('own_state');
  const kinds = checkOwnState(expected, state);
  for (const kind of kinds) {
    if (kind !== 'queued_and_active') {
      violation(kind);
      continue;
    }
    await sleepMs(BOTH_STATES_RECHECK_MS);
    const again = await ctx.probe.ownState(me);
    for (const k of classifyBothStates(again === undefined ? undefined : again.rank !== null && again.active)) violation(k);
  }
}

async function checkState(ctx: UserContext, me: string, expected: 'queued' | 'active'): Promise<number | null> {
  const state = await ctx.probe.ownState(me);
  if (state === undefined) return null;
  await judgeOwnState(ctx, me, expected, state);
  return state.score;
}

/** Just before an admitted user leaves: does Redis still count it in the active set? */
async function judgeHeldSlot(ctx: UserContext, me: string): Promise<void> {
  if (!ctx.probe.enabled) return;
  const active = await ctx.probe.isActive(me);
  if (active === undefined) return;
  checked('held_slot');
  for (const kind of checkHeldSlot(active)) violation(kind);
}

/** Scenario 4: drop the socket while queued, reconnect with the same token, ask again. */
async function refresh(ctx: UserContext, token: string, me: string, before: { position: number; score: number | null }, old: SocketIOClient, admitted: Latch<Admission>, presence: Presence): Promise<SocketIOClient> {
  await sleepMs(ctx.cfg.reconnectAfterMs);
  if (admitted.fired) return old;
  metrics.reconnects.add(1);
  const restored = new Latch<unknown>();
  const socket = connectSocket(ctx, token, me, admitted, presence);
  socket.on('session-restored', (payload: unknown) => restored.fire(payload));
  // The new page's socket is in the room before the old one goes, as when a browser
  // tab is reloaded: an admission announced in between reaches one of them.
  try {
    await openSocket(socket, ctx);
  } catch (err) {
    socket.close();
    throw err;
  }
  old.close();
  const again = await ctx.http.run(() => ctx.api.check(token, ctx.eventId));
  if (again.queued) {
    const state = await ctx.probe.ownState(me);
    const score = state ? state.score : null;
    if (before.score !== null && score !== null) checked('reconnect_score');
    for (const kind of checkReconnect(before, { position: again.position, score })) violation(kind);
  }
  const payload = (await restored.wait(ctx.cfg.sessionRestoreTimeoutMs)) as { queueEventId?: unknown } | undefined;
  metrics.sessionRestored.add(payload !== undefined && payload.queueEventId === ctx.eventId);
  return socket;
}

interface Waited { socket: SocketIOClient; admitted: boolean }

async function waitInQueue(ctx: UserContext, token: string, me: string, answer: Extract<CheckAnswer, { queued: true }>, checkedAt: number, socket: SocketIOClient, admitted: Latch<Admission>, checkInDone: () => void, presence: Presence): Promise<Waited> {
  addWithMetadata(metrics.queued, 1, { user: ctx.n, position: answer.position });
  if (ctx.positionSeries === false) metrics.positions.add(1);
  else metrics.positions.add(1, { position: String(answer.position) });
  const state = await ctx.probe.ownState(me);
  // The queue this user saw is now read: its VU's users may start leaving once all have.
  checkInDone();
  let score: number | null = null;
  if (state !== undefined) {
    score = state.score;
    const err = positionError(answer.position, state.rank);
    if (err !== undefined) metrics.positionError.add(err);
    await judgeOwnState(ctx, me, 'queued', state);
  }
  // Chosen by the answer, not by arrival order: whoever the room queued at the first positions refreshes.
  if (answer.position <= ctx.refreshUpTo) socket = await refresh(ctx, token, me, { position: answer.position, score }, socket, admitted, presence);
  // From here a dropped socket that comes back re-reads this user's place.
  presence.queued(token, me, { position: answer.position, score }, admitted);
  try {
    return await waitForAdmission(ctx, token, me, answer, checkedAt, socket, admitted, score, presence);
  } finally {
    presence.done();
  }
}

async function waitForAdmission(ctx: UserContext, token: string, me: string, answer: Extract<CheckAnswer, { queued: true }>, checkedAt: number, socket: SocketIOClient, admitted: Latch<Admission>, score: number | null, presence: Presence): Promise<Waited> {
  // check-race: the race is judged at the check; queued users keep their place until
  // the queue has settled (every check answered), then leave.
  if (!ctx.cfg.waitForAdmission) {
    await holdUntilSettled(ctx, 0, true);
    return { socket, admitted: false };
  }

  const timeout = admissionTimeoutMs(ctx.cfg, answer.position);
  const bound = admissionBoundMs(ctx.cfg, answer.position);
  const got = await admitted.wait(checkedAt + timeout - Date.now());
  checked('silent_admission');
  if (got === undefined) {
    addWithMetadata(metrics.admissionTimeouts, 1, { user: ctx.n, position: answer.position, bound_ms: bound });
    // Was it admitted without being told? (defect 2: the client's view and Redis differ)
    const status = await ctx.http.run(() => ctx.api.status(token, ctx.eventId));
    if (status.status === 'active') {
      // Admitted, but is the announcement missing or only slow (a room-wide fan-out
      // of thousands of frames per batch)? Only one that never comes is silent.
      const late = await admitted.wait(ctx.cfg.notifyGraceMs);
      if (late === undefined) violation('silent_admission');
      else addWithMetadata(metrics.admissionToldLate, 1, { user: ctx.n, position: answer.position, late_ms: late.at - (checkedAt + timeout) });
    }
    return { socket, admitted: false };
  }
  // Its place was gone after a reconnect (counted in queue_places_lost): never admitted, nothing more to wait for.
  if (got.lost === true) return { socket, admitted: false };
  metrics.admittedFromQueue.add(1);
  if (presence.admittedAfterDisruption(got.at)) addWithMetadata(metrics.admissionAfterDisruption, got.at - ctx.disruptAt, { user: ctx.n, position: answer.position });
  // Admitted while its socket was down: counted in queue_admitted_while_away (told or not); its wait measures the outage, not the room's pace.
  if (presence.admittedAway) {
    await checkState(ctx, me, 'active');
    return { socket, admitted: true };
  }
  const waited = got.at - checkedAt;
  addWithMetadata(metrics.admissionWait, waited, { user: ctx.n, position: answer.position, estimate_ms: answer.estimatedWait * 1000, bound_ms: bound });
  metrics.waitEstimateError.add(estimateErrorMs(answer.estimatedWait, waited));
  if (waited > bound) metrics.admissionLate.add(1);
  const head = await ctx.probe.head();
  if (head !== undefined) {
    checked('fifo');
    // An earlier member still queued but already active is in this user's own batch.
    const headActive = head !== null && score !== null && head.score < score ? await ctx.probe.isActive(head.member) : undefined;
    for (const kind of checkFifoOnAdmission(score, head, headActive)) violation(kind);
  }
  await checkState(ctx, me, 'active');
  return { socket, admitted: true };
}

/** Counts a failed flow's error by kind and logs it (a VU's log is limited). */
export function record(ctx: Pick<UserContext, 'cfg' | 'n' | 'log'>, err: unknown): void {
  if (err instanceof ThresholdMismatch) return;
  if (err instanceof ApiError) {
    metrics.httpErrors.add(1, { op: err.op, kind: err.kind });
    ctx.log(err.message);
  } else if (err instanceof SocketIOError) {
    metrics.socketErrors.add(1, { kind: err.kind });
    ctx.log(`user ${accountEmail(ctx.cfg, ctx.n)}: Socket.IO ${err.kind}: ${err.message}`);
  } else {
    metrics.socketErrors.add(1, { kind: 'unexpected' });
    ctx.log(`user ${accountEmail(ctx.cfg, ctx.n)}: ${String(err instanceof Error ? err.message : err)}`);
  }
}

/**
 * Nobody leaves before the arrival phase is over and every user of this VU has
 * checked in (or the check-in wait timed out); in a run of several VUs, the
 * other VUs get ARRIVAL_GRACE_MS more after this one's last check-in. Whether
 * the queue really was settled is measured, not assumed: the last check-in
 * (queue_checked_at, max) must come before the first leave (queue_left_at, min),
 * over all VUs and instances, or the counts and positions are not judged.
 */
async function holdUntilSettled(ctx: UserContext, dwellMs: number, wholeRun: boolean, holdUntil = 0): Promise<void> {
  const since = Date.now();
  const deadline = ctx.arrivalsOverAt + checkInTimeoutMs(ctx.cfg);
  await ctx.checkIns.wait(deadline);
  // Admitted from the queue: a slot was freed for it, so the arrivals were over before (and users have left since).
  if (ctx.severalVus && wholeRun) {
    // Other VUs and instances: Redis shows when all of the run's users are in; without it, time.
    // Redis counts a check when the room has done it; its answer, and a queued user's read of its own
    // rank, may still be on the way: ARRIVAL_GRACE_MS covers them (and, without Redis, other VUs' check-ins).
    if (ctx.probe.enabled) await ctx.checkIns.allOfRun(ctx.probe, ctx.cfg.users, deadline, ctx.cfg.probeIntervalMs);
    await sleepMs(ctx.cfg.arrivalGraceMs);
  }
  await sleepUntil(Math.max(since + dwellMs, ctx.arrivalsOverAt, holdUntil));
}

export async function runUser(ctx: UserContext): Promise<void> {
  await sleepUntil(ctx.arriveAt);
  const email = accountEmail(ctx.cfg, ctx.n);
  let socket: SocketIOClient | undefined;
  let token: string | undefined;
  let entered = false;
  let checkedIn = false;
  let mismatch: ThresholdMismatch | undefined;
  const checkInDone = (): void => {
    if (checkedIn) return;
    checkedIn = true;
    metrics.checkedAt.add(Date.now());
    ctx.checkIns.done();
  };
  try {
    const session = await ctx.http.run(() => ctx.api.registerOrLogin(email, ctx.password, `${ctx.cfg.userPrefix} ${ctx.n}`));
    const tok = session.token;
    token = tok;
    const me = String(session.user.id);
    const admitted = new Latch<Admission>();
    const presence = new Presence(ctx);
    socket = connectSocket(ctx, token, me, admitted, presence);
    await openSocket(socket, ctx);

    if (ctx.checkAt !== undefined) {
      // check-race: everyone is logged in and in the room; all checks leave together.
      if (Date.now() > ctx.checkAt) metrics.raceLate.add(1);
      await sleepUntil(ctx.checkAt);
    }
    // check is not bounded by HTTP_CONCURRENCY: a burst of arrivals must reach the
    // waiting room as one (login, the costly call, is bounded above).
    const checkedAt = Date.now();
    const answer = await ctx.api.check(tok, ctx.eventId);
    entered = true;
    assertSameThreshold(ctx, answer);
    let inside = true;
    if (answer.queued) {
      const waited = await waitInQueue(ctx, token, me, answer, checkedAt, socket, admitted, checkInDone, presence);
      socket = waited.socket;
      inside = waited.admitted;
    } else {
      checkInDone();
      addWithMetadata(metrics.admittedImmediately, 1, { user: ctx.n });
      await checkState(ctx, me, 'active');
    }
    // Hold the slot, as a buyer picking seats does; and keep it until every user has
    // checked in, so a slot freed mid-burst cannot blur the count of immediate admissions.
    if (inside) {
      await holdUntilSettled(ctx, ctx.cfg.dwellMs, !answer.queued, !answer.queued && isHolder(ctx.cfg, answer.currentUsers) ? ctx.holdersLeaveAt : 0);
      await judgeHeldSlot(ctx, me);
    }
    metrics.leftAt.add(Date.now());
    await ctx.http.run(() => ctx.api.leave(tok, ctx.eventId));
    entered = false;
    if (inside || !ctx.cfg.waitForAdmission) metrics.usersCompleted.add(1);
  } catch (err) {
    if (err instanceof ThresholdMismatch) mismatch = err;
    record(ctx, err);
  } finally {
    // A flow that ended before its check no longer holds up its VU's check-ins.
    if (!checkedIn) {
      checkedIn = true;
      ctx.checkIns.done();
    }
    if (socket !== undefined) socket.close();
    // Never leave a place behind in the target's queue: a failed flow still leaves.
    if (entered && token !== undefined) {
      const t = token;
      metrics.leftAt.add(Date.now());
      await ctx.http.run(() => ctx.api.leave(t, ctx.eventId)).catch(() => undefined);
    }
  }
  // Outside any try: k6 must see the abort, not a caught exception.
  if (mismatch !== undefined) exec.test.abort(mismatch.message);
}
