// One user of the capacity scenario (scenario 6), as a buyer at an on-sale
// does it while the crowd keeps growing: arrive on the ramp's schedule, log in,
// connect, join, check, then go in at once or wait for an admission carrying
// its own id, dwell, leave. Unlike the other scenarios, nobody waits for the
// arrivals to be over: admitted users leave after their dwell while others keep
// arriving, so both the arrival rate and the waiting population grow. At the
// load's end (the requirement held for a window, or the last arrival plus a
// window) every user still in the room leaves. Each measurement also feeds the
// VU's capacity window (lib/capacity/monitor.ts).
import exec from 'k6/execution';
import type { CheckAnswer } from '../api/client';
import { accountEmail } from '../config';
import { capacityMetrics, observe } from '../capacity/monitor';
import { addWithMetadata, checked, metrics, violation } from '../metrics';
import { checkFifoOnAdmission } from '../redis/invariants';
import { createSocketIO, type SocketIOClient } from '../socketio';
import { admissionFilter, isOwnAdmission } from './admission';
import type { AdmissionWatch, Waiter } from '../capacity/admission-watch';
import { clearTimeout, setTimeout } from 'k6/timers';
import { Latch, sleepUntil } from './time';
import { assertSameThreshold, countProtocolError, record, ThresholdMismatch, type UserContext } from './user';

/** A capacity user: what every user has (./user.ts), and the load's end and bounds. */
export interface CapacityUserContext extends Pick<UserContext, 'cfg' | 'api' | 'probe' | 'eventId' | 'n' | 'password' | 'arriveAt' | 'http' | 'log'> {
  /** Every user still in the room leaves then, epoch ms. */
  loadEndAt: number;
  /** WAIT_MAX_MS: a queued user not admitted within it waited past its bound. */
  waitMaxMs: number;
  /** An arrival that cannot start within this (ARRIVAL_LAG_MAX_MS) of its instant is dropped. */
  dropAfterMs: number;
  /** ENTRY_P95_MAX_MS: a user still on its way in then is counted at once, not when (or if) it gets in. */
  entryBoundMs: number;
  /** The VU's admission watch (probes on): notification delays and silent admissions while users wait. */
  watch: AdmissionWatch | undefined;
}

/**
 * A user's way in, from its login's start to its check's answer, counted once:
 * when it gets in, or when ENTRY_P95_MAX_MS passes first (a room that cannot
 * take the arrivals keeps them at the door for many seconds; waiting for them
 * to get in would see it only after the run).
 */
class EntryClock {
  private counted = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly started = Date.now();

  constructor(boundMs: number) {
    this.timer = setTimeout(() => this.count(Math.max(Date.now() - this.started, boundMs + 1)), boundMs);
  }

  /** The check answered: the user is in. */
  done(): void {
    this.count(Date.now() - this.started);
  }

  /** The flow ended without getting in (its error is counted as one): no entry time. */
  cancel(): void {
    this.counted = true;
    clearTimeout(this.timer);
  }

  private count(ms: number): void {
    if (this.counted) return;
    this.counted = true;
    clearTimeout(this.timer);
    capacityMetrics.entryTime.add(ms);
    observe('entry', ms);
  }
}

/** One attempted call: counted, and its failure counted against it in the window. */
async function attempt<T>(call: () => Promise<T>): Promise<T> {
  capacityMetrics.calls.add(1);
  observe('op');
  try {
    return await call();
  } catch (err) {
    observe('error');
    throw err;
  }
}

/** Users in the room at this check, as the room's answer tells it: the active count, and the queue up to this user. */
function heldFrom(answer: CheckAnswer): number {
  return answer.currentUsers + (answer.queued ? answer.position : 1);
}

/** A queued user's wait: admitted (judged against WAIT_MAX_MS), or still queued when it passed, or the load ended first. */
async function waitInQueue(ctx: CapacityUserContext, token: string, me: string, answer: Extract<CheckAnswer, { queued: true }>, checkedAt: number, admitted: Latch<{ at: number }>): Promise<boolean> {
  addWithMetadata(metrics.queued, 1, { user: ctx.n, position: answer.position });
  metrics.positions.add(1);
  const watched = ctx.watch?.add(me);
  try {
    return await waitWatched(ctx, token, me, answer, checkedAt, admitted, watched);
  } finally {
    if (watched !== undefined) ctx.watch?.drop(watched);
  }
}

/** The watch already named this user not told (it may do so while the user waits on anything). */
function namedByWatch(w: Waiter | undefined): boolean {
  return w?.notTold === true;
}

function notifyDelay(ms: number): void {
  capacityMetrics.notifyDelay.add(ms);
  observe('notify_delay', ms);
}

async function waitWatched(ctx: CapacityUserContext, token: string, me: string, answer: Extract<CheckAnswer, { queued: true }>, checkedAt: number, admitted: Latch<{ at: number }>, watched: Waiter | undefined): Promise<boolean> {
  const boundAt = checkedAt + ctx.waitMaxMs;
  let got = await admitted.wait(Math.min(boundAt, ctx.loadEndAt) - Date.now());
  checked('silent_admission');
  if (got === undefined && Date.now() >= ctx.loadEndAt) return false; // the load ended before its bound: not judged
  capacityMetrics.waitsJudged.add(1);
  observe('wait_judged');
  if (got === undefined) {
    // Past its bound. Admitted without being told, or still waiting?
    addWithMetadata(metrics.admissionLate, 1, { user: ctx.n, position: answer.position, bound_ms: ctx.waitMaxMs });
    observe('wait_late');
    // The watch already named it: admitted, and untold past the grace.
    if (namedByWatch(watched)) return true;
    const status = await attempt(() => ctx.http.run(() => ctx.api.status(token, ctx.eventId)));
    if (status.status === 'active') {
      const seen = Date.now();
      got = await admitted.wait(ctx.cfg.notifyGraceMs);
      if (got === undefined) {
        if (!namedByWatch(watched)) {
          violation('silent_admission');
          observe('not_told');
        }
        return true;
      }
      if (watched === undefined) notifyDelay(got.at - seen);
    } else {
      // Still queued: it keeps its place until admitted or the load ends.
      got = await admitted.wait(ctx.loadEndAt - Date.now());
      if (got === undefined) return false;
    }
  }
  if (watched !== undefined) notifyDelay(ctx.watch!.told(watched, got.at));
  metrics.admittedFromQueue.add(1);
  const waited = got.at - checkedAt;
  addWithMetadata(metrics.admissionWait, waited, { user: ctx.n, position: answer.position, bound_ms: ctx.waitMaxMs });
  const head = await ctx.probe.head();
  if (head !== undefined) {
    checked('fifo');
    const state = await ctx.probe.ownState(me);
    const score = state === undefined ? null : state.score;
    const headActive = head !== null && score !== null && head.score < score ? await ctx.probe.isActive(head.member) : undefined;
    for (const kind of checkFifoOnAdmission(score, head, headActive)) violation(kind);
  }
  return true;
}

export async function runCapacityUser(ctx: CapacityUserContext): Promise<void> {
  await sleepUntil(ctx.arriveAt);
  if (Date.now() >= ctx.loadEndAt) return;
  const email = accountEmail(ctx.cfg, ctx.n);
  let socket: SocketIOClient | undefined;
  let token: string | undefined;
  let entered = false;
  let open = false;
  let entry: EntryClock | undefined;
  let mismatch: ThresholdMismatch | undefined;
  try {
    // The arrival starts when its login does: a late timer (the generator's CPU) or a wait
    // for one of the VU's HTTP_CONCURRENCY slots both show here, as dropped iterations would in k6.
    // Like k6's arrival-rate executors, an arrival that cannot start within ARRIVAL_LAG_MAX_MS of its
    // instant is dropped (queue_arrivals_dropped), so a saturated generator shows at once and sheds its backlog.
    let dropped = false;
    const session = await ctx.http.run(async () => {
      const lag = Math.max(0, Date.now() - ctx.arriveAt);
      capacityMetrics.arrivalLag.add(lag);
      observe('arrival', lag);
      if (lag > ctx.dropAfterMs || Date.now() >= ctx.loadEndAt) {
        dropped = true;
        capacityMetrics.dropped.add(1);
        return undefined;
      }
      entry = new EntryClock(ctx.entryBoundMs);
      return attempt(() => ctx.api.registerOrLogin(email, ctx.password, `${ctx.cfg.userPrefix} ${ctx.n}`));
    });
    if (dropped || session === undefined) return;
    const tok = session.token;
    token = tok;
    const me = String(session.user.id);
    const admitted = new Latch<{ at: number }>();
    const s = createSocketIO(ctx.cfg.socketUrl, { auth: { token: tok }, timeoutMs: ctx.cfg.connectTimeoutMs, onProtocolError: countProtocolError, mustContain: admissionFilter(me) });
    socket = s;
    s.on('queue-entry-allowed', (payload: unknown) => {
      if (isOwnAdmission(payload, me, ctx.eventId)) admitted.fire({ at: Date.now() });
    });
    const { connectMs } = await attempt(() => s.connect());
    metrics.socketConnect.add(connectMs);
    observe('connect', connectMs);
    observe('sock_open');
    open = true;
    s.emit('join-queue', { eventId: ctx.eventId });
    const checkedAt = Date.now();
    const answer = await attempt(() => ctx.api.check(tok, ctx.eventId));
    entered = true;
    entry?.done();
    metrics.checkedAt.add(Date.now());
    observe('in');
    assertSameThreshold(ctx, answer);
    capacityMetrics.held.add(heldFrom(answer));
    let inside = true;
    if (answer.queued) inside = await waitInQueue(ctx, tok, me, answer, checkedAt, admitted);
    else addWithMetadata(metrics.admittedImmediately, 1, { user: ctx.n });
    // A buyer holds the slot for the dwell, unless the load ends first.
    if (inside) await sleepUntil(Math.min(Date.now() + ctx.cfg.dwellMs, ctx.loadEndAt));
    metrics.leftAt.add(Date.now());
    observe('out');
    entered = false;
    await attempt(() => ctx.http.run(() => ctx.api.leave(tok, ctx.eventId)));
    metrics.usersCompleted.add(1);
  } catch (err) {
    if (err instanceof ThresholdMismatch) mismatch = err;
    else record(ctx, err);
  } finally {
    entry?.cancel();
    if (socket !== undefined) {
      if (open) {
        capacityMetrics.socketsClosed.add(1);
        observe('sock_close');
      }
      socket.close();
    }
    // Never leave a place behind in the room: a failed flow still leaves.
    if (entered && token !== undefined) {
      const t = token;
      metrics.leftAt.add(Date.now());
      observe('out');
      await ctx.http.run(() => ctx.api.leave(t, ctx.eventId)).catch(() => undefined);
    }
  }
  if (mismatch !== undefined) exec.test.abort(mismatch.message);
}
