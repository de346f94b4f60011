// k6/timers: setTimeout/setInterval whose pending callbacks keep the VU's
// iteration open, as in k6's event loop. A pending timer is one object (its
// Node timer calls a shared function with it as the argument): a VU with
// thousands of users waiting, each with one admission timeout, pays little.
import type { Cancelable, VU } from '../vu.ts';

export interface Timers {
  setTimeout(fn: unknown, delay?: unknown, ...args: unknown[]): number;
  clearTimeout(id: unknown): void;
  setInterval(fn: unknown, delay?: unknown, ...args: unknown[]): number;
  clearInterval(id: unknown): void;
}

const NO_ARGS: unknown[] = [];

class Timer implements Cancelable {
  handle: NodeJS.Timeout | undefined;
  constructor(
    readonly id: number,
    readonly fn: unknown,
    readonly args: unknown[],
    readonly repeat: boolean,
    readonly owner: TimerSet,
  ) {}

  cancel(): void {
    if (this.handle === undefined) return;
    if (this.repeat) clearInterval(this.handle);
    else clearTimeout(this.handle);
    this.handle = undefined;
    this.owner.forget(this);
  }
}

function fire(t: Timer): void {
  if (t.handle === undefined) return;
  if (!t.repeat) {
    t.handle = undefined;
    t.owner.forget(t);
  }
  t.owner.vu.invoke(t.fn, undefined, t.args);
}

class TimerSet {
  private readonly live = new Map<number, Timer>();
  private nextId = 1;
  constructor(readonly vu: VU) {}

  start(fn: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
    const n = Number(delay ?? 0);
    const ms = Number.isFinite(n) && n > 0 ? n : 0;
    const t = new Timer(this.nextId++, fn, args.length === 0 ? NO_ARGS : args, repeat, this);
    t.handle = repeat ? setInterval(fire, ms, t) : setTimeout(fire, ms, t);
    this.live.set(t.id, t);
    this.vu.loop.hold(t);
    return t.id;
  }

  clear(id: unknown): void {
    this.live.get(Number(id))?.cancel();
  }

  forget(t: Timer): void {
    this.live.delete(t.id);
    this.vu.loop.release(t);
  }
}

function checkFn(fn: unknown, what: string): void {
  if (typeof fn !== 'function') throw new TypeError(`${what}: the callback must be a function`);
}

export function createTimers(vu: VU): Timers {
  const set = new TimerSet(vu);
  const clear = (id: unknown): void => set.clear(id);
  return {
    setTimeout(fn, delay, ...args) {
      checkFn(fn, 'setTimeout');
      return set.start(fn, delay, args, false);
    },
    clearTimeout: clear,
    setInterval(fn, delay, ...args) {
      checkFn(fn, 'setInterval');
      return set.start(fn, delay, args, true);
    },
    clearInterval: clear,
  };
}

export function timersOf(vu: VU): Timers {
  let t = vu.modules.get('#timers') as Timers | undefined;
  if (t === undefined) {
    t = createTimers(vu);
    vu.modules.set('#timers', t);
  }
  return t;
}

export function createTimersModule(vu: VU): Record<string, unknown> {
  const t = timersOf(vu);
  return { __esModule: true, default: t, ...t };
}
