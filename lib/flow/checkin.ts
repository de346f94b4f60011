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
