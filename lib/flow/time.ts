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

/** Bounds how many of a VU's users provision (register or log in) at once. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      const next = this.waiting.shift();
      if (next) next();
    }
  }
}
