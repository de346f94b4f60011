// k6: check, group, sleep (what the suite and the runner's tests use).
import { unsupported } from '../errors.ts';
import { isThenable, type VU } from '../vu.ts';

/** Atomics.wait on a word nobody notifies: a blocking sleep. */
const sleeper = new Int32Array(new SharedArrayBuffer(4));

export function createK6Module(vu: VU): Record<string, unknown> {
  const rt = vu.rt;

  function check(value: unknown, sets: unknown, tags?: Record<string, unknown>): boolean {
    if (vu.phase === 'init') throw new Error('using check() in the init context is not supported');
    if (typeof sets !== 'object' || sets === null) throw new Error('check(): the second argument must be an object of name → function');
    let all = true;
    for (const [name, test] of Object.entries(sets as Record<string, unknown>)) {
      let result: unknown = test;
      if (typeof test === 'function') result = (test as (v: unknown) => unknown)(value);
      if (isThenable(result)) throw unsupported(`an async function in check('${name}')`, 'await the value first, then check it');
      const ok = Boolean(result);
      const node = rt.groups.check(vu.groupPath, name);
      if (ok) node.passes++;
      else node.fails++;
      vu.emit('checks', ok ? 1 : 0, { ...(tags ?? {}), check: name });
      if (!ok) all = false;
    }
    return all;
  }

  function group(name: unknown, fn: unknown): unknown {
    if (vu.phase === 'init') throw new Error('using group() in the init context is not supported');
    if (typeof name !== 'string' || name === '') throw new Error('group(): the name must be a non-empty string');
    if (name.includes('::')) throw new Error("group and check names may not contain '::'");
    if (typeof fn !== 'function') throw new Error('group(): the second argument must be a function');
    const parent = vu.groupPath;
    const node = rt.groups.group(parent, name);
    vu.groupPath = node.path;
    const started = performance.now();
    let result: unknown;
    try {
      result = (fn as () => unknown)();
    } finally {
      vu.emit('group_duration', performance.now() - started);
      vu.groupPath = parent;
    }
    if (isThenable(result)) throw unsupported(`an async function in group('${name}')`, 'group() measures synchronous code only, as in current k6');
    return result;
  }

  /**
   * k6's sleep blocks the VU for that many seconds, then the code after it
   * runs (shared/k6-reference/README.md: sleep.js gives 99). All VUs of the
   * runner share one thread, so this blocks every VU, not only the caller:
   * fine for plain scripts, said once, and the reason the suite uses timers.
   */
  function sleep(seconds?: unknown): void {
    const ms = Number(seconds) * 1000;
    if (!Number.isFinite(ms) || ms <= 0) return;
    if (rt.vusInitialized > 1) rt.warnOnce('sleep() blocks every VU of the queue-k6 Node runner (they share one thread), not only this one; await a timer to wait without blocking');
    Atomics.wait(sleeper, 0, 0, ms);
  }

  const api = { check, group, sleep };
  return { __esModule: true, default: api, ...api };
}
