// A user's socket across drops: lib/socketio reconnects by itself (a new
// handshake with the same token); here the user joins its room again and,
// while it is queued, re-reads its own state, as the browser does after a
// reconnect. What it finds is counted:
//
//   still queued          its place must have survived: position no worse than
//                         it last read, same ZSET score (Redis, probes on)
//   admitted while away   told after reconnect (the room re-announced on the
//                         re-joined socket within NOTIFY_GRACE_MS), or never told
//   in neither set        its place was lost (queue_places_lost): the room forgot
//                         its queue (a Redis restart without persistence, a queue
//                         kept in process memory)
//
// A drop that comes back is not an error; a server's DISCONNECT or a
// reconnection given up is (queue_socket_errors{kind:disconnect|reconnect_failed}).
import type { QueueApi } from '../api/client';
import type { RunConfig } from '../config';
import { addWithMetadata, checked, metrics, violation } from '../metrics';
import { checkPlaceAfterReconnect, type PlaceInQueue } from '../redis/invariants';
import type { QueueProbe } from '../redis/probe';
import type { SocketIOClient } from '../socketio';
import { type Latch, sleepMs } from './time';

export interface Admission {
  at: number;
  /** Admitted while the socket was down and never told after it came back: learnt from the status API. */
  untold?: boolean;
  /** Its place was gone after a reconnect: in neither the queue nor the active set. */
  lost?: boolean;
}

/** What the reconnect handler needs of the user. */
export interface PresenceContext {
  cfg: RunConfig;
  api: QueueApi;
  probe: QueueProbe;
  eventId: string;
  n: number;
  http: { run<T>(fn: () => Promise<T>): Promise<T> };
  log: (message: string) => void;
  /** The planned disruption (epoch ms; 0: none): a socket back after it times the recovery. */
  disruptAt: number;
}

/** While queued: the place last read, to judge the place found after a reconnect. */
interface Waiting {
  token: string;
  me: string;
  place: PlaceInQueue;
  admitted: Latch<Admission>;
}

const POLL_MS = 100;
/** After a (re)join, how long the room may take to re-announce an admission (its status read, a busy room). */
const REJOIN_WINDOW_MS = 5000;
/** Admissions heard this soon after the first drop on sockets the disruption spared were sent before it. */
const IN_FLIGHT_MS = 250;
/** How often a queued user reads its place again after a planned disruption. */
const RECHECK_MS = 2000;

/** This VU's first socket lost at or after the planned disruption: when the disruption took effect here (0: not yet). */
let disruptionSeenAt = 0;

/**
 * From when an admission counts as "after the disruption": the first socket this
 * VU lost at or after the planned instant (the kill lands a little after the plan:
 * an admission announced in between is from before), else the planned instant.
 */
export function disruptionEffectiveSince(disruptAt: number): number {
  return disruptionSeenAt > 0 ? disruptionSeenAt : disruptAt;
}

export class Presence {
  /** When the socket was lost (0: connected). */
  private lostAt = 0;
  private waiting: Waiting | undefined;
  /** The user was admitted while its socket was down (its wait is not a measure of the room's pace). */
  admittedAway = false;
  /** This user's socket dropped at or after the planned disruption; when it came back (0: not yet). */
  private droppedByDisruption = false;
  private backAt = 0;
  /** When the socket last joined the event's room (connect or reconnect). */
  private joinedAt = 0;
  private failedOnce = false;

  constructor(private readonly ctx: PresenceContext) {}

  /** Wires a socket: re-join on reconnect, count drops, reconnects and failures. */
  attach(socket: SocketIOClient): void {
    this.joinedAt = Date.now();
    socket.on('disconnect', (reason: unknown) => this.onDisconnect(reason));
    socket.on('reconnect', () => {
      const now = Date.now();
      metrics.socketReconnects.add(1, { who: 'user' });
      if (this.lostAt > 0) metrics.socketDowntime.add(now - this.lostAt);
      if (this.droppedByDisruption) this.backAt = now;
      if (this.ctx.disruptAt > 0 && now >= this.ctx.disruptAt) addWithMetadata(metrics.socketBackAfterDisruption, now - this.ctx.disruptAt, { user: this.ctx.n });
      this.lostAt = 0;
      // A new Socket.IO session is in no room: join again first (sent after anything buffered).
      socket.emit('join-queue', { eventId: this.ctx.eventId });
      this.joinedAt = now;
      if (this.waiting !== undefined) void this.reread(this.waiting, now);
    });
    socket.on('reconnect_failed', (err: unknown) => {
      metrics.socketErrors.add(1, { kind: 'reconnect_failed' });
      if (!this.failedOnce) this.ctx.log(`user ${this.ctx.n}: Socket.IO gave up reconnecting: ${String(err instanceof Error ? err.message : err)}`);
      this.failedOnce = true;
    });
  }

  private onDisconnect(reason: unknown): void {
    if (reason === 'io client disconnect') return;
    const now = Date.now();
    if (disruptionSeenAt === 0 && this.ctx.disruptAt > 0 && now >= this.ctx.disruptAt) disruptionSeenAt = now;
    if (reason === 'io server disconnect') {
      // The server ended the session on purpose: no reconnection follows.
      metrics.socketErrors.add(1, { kind: 'disconnect' });
      return;
    }
    metrics.socketDrops.add(1);
    this.lostAt = now;
    if (this.ctx.disruptAt > 0 && now >= this.ctx.disruptAt) {
      this.droppedByDisruption = true;
      this.backAt = 0;
    }
  }

  /** The socket joined the room within REJOIN_WINDOW_MS: an admission told now may be the room re-announcing it, not a second one. */
  justJoined(): boolean {
    return Date.now() - this.joinedAt <= REJOIN_WINDOW_MS;
  }

  /**
   * Does an admission heard at `at` time the recovery? On a socket the disruption
   * dropped: only once it is back (a frame already on its way when the process died
   * is from before). On a socket it spared: IN_FLIGHT_MS after the first drop this
   * VU saw (a broadcast the dead process published just before, still crossing the
   * Redis adapter, is from before too).
   */
  admittedAfterDisruption(at: number): boolean {
    if (this.ctx.disruptAt <= 0) return false;
    if (this.droppedByDisruption) return this.backAt > 0 && at >= this.backAt;
    return at > disruptionEffectiveSince(this.ctx.disruptAt) + IN_FLIGHT_MS;
  }

  /** The user is queued at this place: a reconnect from now on re-reads it. */
  queued(token: string, me: string, place: PlaceInQueue, admitted: Latch<Admission>): void {
    const w: Waiting = { token, me, place: { position: place.position, score: place.score }, admitted };
    this.waiting = w;
    // A disruption that drops no socket (the room's Redis restarted) is found by reading the place again.
    if (this.ctx.disruptAt > 0) void this.recheckAfterDisruption(w);
  }

  /**
   * After the planned disruption, every RECHECK_MS while still waiting: is the
   * place still there? Only a lost place is judged here (an admission is the
   * wait's own business: told, told late or silent).
   */
  private async recheckAfterDisruption(w: Waiting): Promise<void> {
    const until = this.ctx.disruptAt + this.ctx.cfg.recoveryMaxMs + RECHECK_MS;
    await sleepMs(this.ctx.disruptAt + RECHECK_MS - Date.now());
    while (this.waiting === w && !w.admitted.fired && Date.now() < until) {
      await this.reread(w, 0);
      await sleepMs(RECHECK_MS);
    }
  }

  /** The wait is over (admitted, timed out, or left). */
  done(): void {
    this.waiting = undefined;
  }

  /** After a reconnect while queued (reconnectedAt), or a recheck after the disruption (0): where is the user now? */
  private async reread(w: Waiting, reconnectedAt: number): Promise<void> {
    if (w.admitted.fired) return;
    const ctx = this.ctx;
    let status;
    try {
      status = await ctx.http.run(() => ctx.api.status(w.token, ctx.eventId));
    } catch (err) {
      // A recheck while the room is still down tries again at the next round; after a reconnect the room answered the handshake, so a failure counts.
      if (reconnectedAt === 0) return;
      metrics.httpErrors.add(1, { op: 'status', kind: (err as { kind?: string }).kind ?? 'unexpected' });
      ctx.log(`user ${ctx.n}: status after a reconnect: ${String(err instanceof Error ? err.message : err)}`);
      return;
    }
    if (this.waiting !== w || w.admitted.fired && (w.admitted.result?.at ?? 0) < reconnectedAt) return;
    if (status.status === 'queued') {
      const state = await ctx.probe.ownState(w.me);
      const after: PlaceInQueue = { position: status.position, score: state === undefined ? null : state.score };
      if (w.place.score !== null && after.score !== null) checked('reconnect_score');
      checked('reconnect_place');
      for (const kind of checkPlaceAfterReconnect(w.place, after)) violation(kind);
      w.place.position = Math.min(w.place.position, after.position);
      return;
    }
    if (status.status === 'active') {
      if (reconnectedAt === 0) return; // never away: its own announcement is on the way, or silent (judged by the wait)
      // Admitted while away: does the room tell the re-joined socket?
      this.admittedAway = true;
      const until = Date.now() + ctx.cfg.notifyGraceMs;
      while (!w.admitted.fired && Date.now() < until) await sleepMs(POLL_MS);
      const told = w.admitted.fired;
      addWithMetadata(metrics.admittedWhileAway, 1, { user: ctx.n, position: w.place.position }, { told: told ? 'after_reconnect' : 'never' });
      if (!told) w.admitted.fire({ at: Date.now(), untold: true });
      return;
    }
    if (w.admitted.fired) return;
    addWithMetadata(metrics.placesLost, 1, { user: ctx.n, position: w.place.position, score: w.place.score === null ? '' : w.place.score });
    ctx.log(`user ${ctx.n}: after ${reconnectedAt === 0 ? 'the disruption' : 'a reconnect'} the room has it neither queued nor active (it was at position ${w.place.position}): its place was lost`);
    w.admitted.fire({ at: Date.now(), lost: true });
  }
}
