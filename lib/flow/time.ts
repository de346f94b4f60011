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

/** A one-shot signal that can be awaited with a deadline; one timer per wait. */
export class Latch<T> {
  private value: T | undefined;
  private done = false;
  private waiter: ((v: T | undefined) => void) | undefined;

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
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(v);
  }

  /** Resolves with the value, or undefined when timeoutMs passes first. */
  wait(timeoutMs: number): Promise<T | undefined> {
    if (this.done) return Promise.resolve(this.value);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(undefined);
      }, Math.max(0, timeoutMs));
      this.waiter = (v) => {
        clearTimeout(timer);
        resolve(v);
      };
    });
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
