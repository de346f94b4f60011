// k6/timers: setTimeout/setInterval whose pending callbacks keep the VU's
// iteration open, as in k6's event loop.
import type { VU } from '../vu.ts';

export interface Timers {
  setTimeout(fn: unknown, delay?: unknown, ...args: unknown[]): number;
  clearTimeout(id: unknown): void;
  setInterval(fn: unknown, delay?: unknown, ...args: unknown[]): number;
  clearInterval(id: unknown): void;
}

export function createTimers(vu: VU): Timers {
  const live = new Map<number, () => void>(); // id → cancel
  let nextId = 1;
  const delayOf = (d: unknown): number => {
    const n = Number(d ?? 0);
    return Number.isFinite(n) && n > 0 ? n : 0;
  };
  const checkFn = (fn: unknown, what: string): void => {
    if (typeof fn !== 'function') throw new TypeError(`${what}: the callback must be a function`);
  };

  function start(fn: unknown, delay: unknown, args: unknown[], repeat: boolean): number {
    const id = nextId++;
    const cancel = (): void => {
      clearTimeout(handle);
      clearInterval(handle);
      live.delete(id);
      release();
    };
    const release = vu.loop.ref({ cancel });
    const ms = delayOf(delay);
    const handle: NodeJS.Timeout = repeat
      ? setInterval(() => vu.invoke(fn, undefined, args), ms)
      : setTimeout(() => {
          live.delete(id);
          release();
          vu.invoke(fn, undefined, args);
        }, ms);
    live.set(id, cancel);
    return id;
  }

  const clear = (id: unknown): void => {
    live.get(Number(id))?.();
  };

  return {
    setTimeout(fn, delay, ...args) {
      checkFn(fn, 'setTimeout');
      return start(fn, delay, args, false);
    },
    clearTimeout: clear,
    setInterval(fn, delay, ...args) {
      checkFn(fn, 'setInterval');
      return start(fn, delay, args, true);
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
