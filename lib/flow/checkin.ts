// The arrival phase of one VU: who of its users has had the answer to check.
// Admitted users keep their slot until every user of their VU has checked in
// (and the run's arrival phase is over), so a slot freed by a fast buyer never
// turns a slower arrival of the same VU into an immediate admission. Users in
// other VUs are covered by time (ARRIVAL_GRACE_MS after this VU's last
// check-in), and whether that was enough is measured: the rules on counts and
// positions need the queue to have been settled (lib/rules/needs.ts).
import { clearTimeout, setTimeout } from 'k6/timers';

export class CheckIns {
  private left: number;
  private readonly waiting: Array<() => void> = [];

  constructor(users: number) {
    this.left = users;
  }

  /** This user's check was answered, or its flow ended before it could check. */
  done(): void {
    if (this.left <= 0) return;
    this.left--;
    if (this.left === 0) for (const resolve of this.waiting.splice(0)) resolve();
  }

  private everyone: Promise<void> | undefined;

  /**
   * Resolves once every user of the run has checked in, as Redis shows it:
   * nobody has left yet, so the queue plus the active set hold exactly the
   * users who have checked in, whichever VU or instance they ran in. One poll
   * per VU, shared by its users; at `deadline` (epoch ms) it gives up. Without
   * Redis (probes off) it resolves at once and time alone covers other VUs.
   */
  allOfRun(probe: CountsReader, users: number, deadline: number, intervalMs: number): Promise<void> {
    if (this.everyone === undefined) this.everyone = pollUntilAll(probe, users, deadline, intervalMs);
    return this.everyone;
  }

  get complete(): boolean {
    return this.left === 0;
  }

  /** Resolves when every user has checked in, or at `deadline` (epoch ms), whichever is first. */
  wait(deadline: number): Promise<void> {
    if (this.left === 0 || deadline <= Date.now()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: number | undefined;
      const finish = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        resolve();
      };
      this.waiting.push(finish);
      timer = setTimeout(() => {
        timer = undefined;
        const i = this.waiting.indexOf(finish);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve();
      }, deadline - Date.now());
    });
  }
}

/** What allOfRun reads: the queue's and the active set's sizes (lib/redis/probe.ts). */
export interface CountsReader {
  readonly enabled: boolean;
  counts(): Promise<{ depth: number; active: number } | undefined>;
}

async function pollUntilAll(probe: CountsReader, users: number, deadline: number, intervalMs: number): Promise<void> {
  if (!probe.enabled) return;
  while (Date.now() < deadline) {
    const c = await probe.counts();
    if (c !== undefined && c.depth + c.active >= users) return;
    await new Promise<void>((resolve) => {
      setTimeout(resolve, Math.max(0, Math.min(intervalMs, deadline - Date.now())));
    });
  }
}
