// Waiting without blocking the VU: k6's event loop keeps running other users'
// sockets while one user sleeps.
import { clearTimeout, setTimeout } from 'k6/timers';

export function sleepMs(ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
}

export function sleepUntil(epochMs: number): Promise<void> {
  return sleepMs(epochMs - Date.now());
}

/**
 * A one-shot signal that can be awaited with a deadline: one timer and one
 * closure per wait, since a VU holds one of these per queued user.
 */
export class Latch<T> {
  private value: T | undefined = undefined;
  private done = false;
  private resolve: ((v: T | undefined) => void) | undefined = undefined;
  private timer: number | undefined = undefined;

  get fired(): boolean {
    return this.done;
  }

  get result(): T | undefined {
    return this.value;
  }

  fire(v: T): void {
    if (this.done) return;
    this.done = true;
    this.value = v;
    this.settle(v);
  }

  /** Resolves with the value, or undefined when timeoutMs passes first. One wait at a time. */
  wait(timeoutMs: number): Promise<T | undefined> {
    if (this.done) return Promise.resolve(this.value);
    if (this.resolve !== undefined) return Promise.reject(new Error('Latch.wait: already being waited for'));
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.settle(undefined);
      }, Math.max(0, timeoutMs));
    });
  }

  private settle(v: T | undefined): void {
    const resolve = this.resolve;
    if (resolve === undefined) return;
    this.resolve = undefined;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    resolve(v);
  }
}

/**
 * Bounds how many of a VU's users provision (register or log in) at once.
 * Plain promise chaining, no async function (every login and check of a VU's
 * thousands of users goes through here): a task that starts at once costs one
 * promise besides its own, one that waits its turn three. A finished task
 * hands its place to the first waiting one directly, so the bound holds at
 * every instant.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active < this.limit) return this.start(task);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push(() => this.start(task).then(resolve, reject));
    });
  }

  private start<T>(task: () => Promise<T>): Promise<T> {
    this.active++;
    let p: Promise<T>;
    try {
      p = Promise.resolve(task());
    } catch (err) {
      this.release();
      return Promise.reject(err);
    }
    return p.then(
      (v) => {
        this.release();
        return v;
      },
      (err: unknown) => {
        this.release();
        throw err;
      },
    );
  }

  private release(): void {
    this.active--;
    const next = this.waiting.shift();
    if (next) next();
  }
}
