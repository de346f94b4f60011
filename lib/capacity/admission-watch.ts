// The capacity scenario's view of the room's admissions while its users wait,
// one per VU, when probes are on (REDIS_URL). Every NOTIFY_POLL_MS it asks
// Redis whether the VU's waiting users are in the active set, in the order
// they checked, stopping at the first one that is not: a fair room admits in
// that order, so a poll costs about one SISMEMBER per VU. When a user shows in
// the active set before its own queue-entry-allowed arrives, the time from
// that poll to the event is its notification delay; an event that comes first
// counts as 0 (under the poll's resolution). A user that is in the active set
// and still untold NOTIFY_GRACE_MS after the poll saw it is "not told" then,
// not when its wait bound passes. Pure: Redis, the clock and the timers come in.

export interface Waiter {
  readonly me: string;
  /** When a poll first found the user in the active set (epoch ms). */
  seenAt: number | undefined;
  /** Grace passed after seenAt with no event of its own. */
  notTold: boolean;
}

export interface WatchDeps {
  /** SISMEMBER on the event's active set: undefined when Redis did not answer. */
  isActive(me: string): Promise<boolean | undefined>;
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

interface Entry extends Waiter {
  grace: unknown;
}

export class AdmissionWatch {
  private readonly waiting: Entry[] = [];
  private timer: unknown = undefined;
  private polling = false;

  constructor(
    private readonly deps: WatchDeps,
    private readonly everyMs: number,
    private readonly graceMs: number,
    /** Called once per user found admitted and left untold for graceMs. */
    private readonly onNotTold: (w: Waiter) => void,
  ) {}

  /** Users being watched now. */
  get size(): number {
    return this.waiting.length;
  }

  /** A user starts waiting in the queue (in check order). */
  add(me: string): Waiter {
    const w: Entry = { me, seenAt: undefined, notTold: false, grace: undefined };
    this.waiting.push(w);
    this.schedule();
    return w;
  }

  /**
   * The user's own event arrived at `at`: its notification delay in ms (0 when
   * no poll saw the admission first), and it is no longer watched.
   */
  told(w: Waiter, at: number): number {
    this.remove(w);
    return w.seenAt === undefined ? 0 : Math.max(0, at - w.seenAt);
  }

  /** The user stopped waiting without its event (the load ended, it gave up). */
  drop(w: Waiter): void {
    this.remove(w);
  }

  private remove(w: Waiter): void {
    const i = this.waiting.indexOf(w as Entry);
    if (i < 0) return;
    const e = this.waiting[i]!;
    if (e.grace !== undefined) this.deps.clearTimeout(e.grace);
    e.grace = undefined;
    this.waiting.splice(i, 1);
    if (this.waiting.length === 0 && this.timer !== undefined) {
      this.deps.clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    if (this.timer !== undefined || this.polling || this.waiting.length === 0) return;
    this.timer = this.deps.setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, this.everyMs);
  }

  private async poll(): Promise<void> {
    this.polling = true;
    try {
      for (const w of [...this.waiting]) {
        if (w.seenAt !== undefined) continue;
        if (!this.waiting.includes(w)) continue;
        const active = await this.deps.isActive(w.me);
        if (active !== true) break;
        // Told while the reply was on its way: its event came first.
        if (!this.waiting.includes(w)) continue;
        w.seenAt = this.deps.now();
        w.grace = this.deps.setTimeout(() => {
          w.grace = undefined;
          if (!this.waiting.includes(w) || w.notTold) return;
          w.notTold = true;
          this.onNotTold(w);
        }, this.graceMs);
      }
    } finally {
      this.polling = false;
      this.schedule();
    }
  }
}
