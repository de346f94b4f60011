// A VU: one module instance of the script plus its own event loop. k6 ends an
// iteration when the VU's event loop is empty; here every asynchronous thing
// a k6 module starts (timer, socket, request, redis call) holds a reference
// on the VU's loop, and the iteration ends once the count is back at zero and
// the microtask queue has drained.
import { TestAbort, describeError } from './errors.ts';
import { log } from './log.ts';
import type { Metric, Tags } from './metrics.ts';
import type { Runtime } from './runtime.ts';

export interface Cancelable {
  cancel(): void;
}

export class EventLoop {
  private pending = 0;
  private waiters: (() => void)[] = [];
  private scheduled = false;
  private readonly resources = new Set<Cancelable>();
  /** Bumped on interrupt: callbacks of an interrupted iteration are dropped. */
  generation = 0;

  /** Registers one unit of pending work; the returned release is idempotent. */
  ref(resource?: Cancelable): () => void {
    this.pending++;
    if (resource !== undefined) this.resources.add(resource);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pending--;
      if (resource !== undefined) this.resources.delete(resource);
      if (this.pending === 0) this.schedule();
    };
  }

  /**
   * ref() without the closure, for work that is its own handle (a timer, a
   * socket): thousands of them are held at once, so each costs one Set entry.
   * Releasing a resource that is not held does nothing.
   */
  hold(resource: Cancelable): void {
    if (this.resources.has(resource)) return;
    this.resources.add(resource);
    this.pending++;
  }

  release(resource: Cancelable): void {
    if (!this.resources.delete(resource)) return;
    this.pending--;
    if (this.pending === 0) this.schedule();
  }

  /** Wraps a promise as pending work; if the loop is interrupted first, the result never settles. */
  track<T>(p: Promise<T>, cancel?: () => void): Promise<T> {
    const gen = this.generation;
    return new Promise<T>((resolve, reject) => {
      const release = this.ref({
        cancel: () => {
          release();
          cancel?.();
        },
      });
      p.then(
        (v) => {
          if (gen !== this.generation) return;
          release();
          resolve(v);
        },
        (e: unknown) => {
          if (gen !== this.generation) return;
          release();
          reject(e);
        },
      );
    });
  }

  /** Resolves once nothing is pending after the microtasks have run. */
  idle(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.waiters.length === 0 || this.pending !== 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.pending !== 0) return;
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    });
  }

  /** Cancels all pending work: timers cleared, sockets dropped, requests abandoned. */
  interrupt(): void {
    this.generation++;
    for (const r of [...this.resources]) r.cancel();
  }
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  env: Readonly<Record<string, string>>;
  tags: Tags;
}

export type IterationResult = 'ok' | 'error' | 'interrupted';

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

export class VU {
  readonly loop = new EventLoop();
  exports: Record<string, unknown> = {};
  readonly modules = new Map<string, unknown>();
  scenario: ScenarioInfo | null = null;
  /** __ITER and exec.vu.iterationInScenario. */
  iterationInScenario = 0;
  /** exec.scenario.iterationInTest of the current iteration (unique across the instances of a split test). */
  scenarioIteration = 0;
  /** exec.scenario.iterationInInstance of the current iteration. */
  scenarioIterationInInstance = 0;
  /** exec.vu.metrics.metadata: attached to every sample this VU emits, never a tag. */
  readonly metadata: Record<string, string> = {};
  groupPath = '';
  /** 'init' while the module body runs; metrics may only be declared then. */
  phase: 'init' | 'run' = 'init';
  env: Readonly<Record<string, string>>;
  bytesSent = 0;
  bytesReceived = 0;
  /** The VU's tags (run tags, scenario tags, `scenario`, and exec.vu.metrics.tags); group is added per sample. */
  baseTags: Tags;
  private iterationFailed = false;
  private inIteration = false;
  private partFail: ((e: unknown) => void) | null = null;

  /**
   * `id` is the VU's number in this instance (__VU, exec.vu.idInInstance);
   * `idInTest` its number across every instance of a split test
   * (exec.vu.idInTest): the same unless execution segments are used.
   */
  constructor(
    readonly rt: Runtime,
    readonly id: number,
    readonly idInTest: number = id,
  ) {
    this.env = rt.env;
    this.baseTags = { ...rt.globalTags };
  }

  /** The source address of this VU's connections (--local-ips, K6_LOCAL_IPS); undefined: the system's choice. */
  get localAddress(): string | undefined {
    return this.rt.localIps?.forVu(this.id);
  }

  get idInInstance(): number {
    return this.id;
  }

  assign(scenario: ScenarioInfo): void {
    this.scenario = scenario;
    this.env = scenario.env;
    this.baseTags = { ...this.rt.globalTags, ...scenario.tags, scenario: scenario.name };
    for (const k of Object.keys(this.metadata)) delete this.metadata[k];
    this.iterationInScenario = 0;
  }

  tags(extra?: Record<string, unknown>): Tags {
    // Object.assign and for..in: with --out every sample builds one, and this
    // is several times cheaper than a spread plus Object.entries.
    const t: Tags = Object.assign({}, this.baseTags);
    t.group = this.groupPath;
    if (extra !== undefined && extra !== null) {
      for (const k in extra) {
        if (!Object.hasOwn(extra, k)) continue;
        const v = extra[k];
        t[k] = typeof v === 'string' ? v : String(v);
      }
    }
    return t;
  }

  emit(metric: Metric | string, value: number, extra?: Record<string, unknown>): void {
    const m = typeof metric === 'string' ? this.rt.registry.metrics.get(metric) : metric;
    if (m === undefined) throw new Error(`internal: no metric ${String(metric)}`);
    // Tags only select submetrics (thresholds on {tag:value}) and go to the
    // outputs (--out); without either, a sample is a number added to a sink:
    // no tag set built per websocket frame.
    const reg = this.rt.registry;
    if (m.submetrics.length === 0 && reg.output === null) m.sink.add(value);
    else reg.add(m, value, this.tags(extra), this.metadata);
  }

  private logFields(): Record<string, string | undefined> {
    return { executor: this.scenario?.executor, scenario: this.scenario?.name, source: 'stacktrace' };
  }

  /** An exception escaped script code running on this VU (iteration body, promise, or callback). */
  reportError(err: unknown, inPromise: boolean): void {
    if (err instanceof TestAbort) {
      this.interruptIteration();
      return;
    }
    if (this.partFail !== null) {
      this.partFail(err);
      return;
    }
    if (this.inIteration && this.iterationFailed) return; // the first error ends the iteration
    log('error', `${inPromise ? 'Uncaught (in promise) ' : ''}${describeError(err)}`, this.logFields());
    if (this.inIteration) {
      this.iterationFailed = true;
      this.loop.interrupt();
    }
  }

  private interruptIteration(): void {
    this.iterationFailed = true;
    this.loop.interrupt();
  }

  /** Runs script code called back by a module (timer, socket event); errors end the iteration. */
  invoke(fn: unknown, thisArg: unknown, args: unknown[]): void {
    if (typeof fn !== 'function') return;
    try {
      const r: unknown = (fn as (...a: unknown[]) => unknown).apply(thisArg, args);
      if (isThenable(r)) r.then(undefined, (e: unknown) => this.reportError(e, true));
    } catch (e) {
      this.reportError(e, false);
    }
  }

  /** One iteration: call fn, then wait until the event loop is empty or `stop` fires (hard interrupt). */
  async iterate(fn: (...args: unknown[]) => unknown, args: unknown[], stop: AbortSignal): Promise<IterationResult> {
    this.iterationFailed = false;
    this.inIteration = true;
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.groupPath = '';
    const started = performance.now();
    let interrupted = false;
    try {
      const r = fn(...args);
      if (isThenable(r)) r.then(undefined, (e: unknown) => this.reportError(e, true));
    } catch (e) {
      this.reportError(e, false);
    }
    if (!this.iterationFailed) {
      await new Promise<void>((resolve) => {
        const onStop = (): void => {
          interrupted = true;
          resolve();
        };
        if (stop.aborted) return onStop();
        stop.addEventListener('abort', onStop, { once: true });
        void this.loop.idle().then(() => {
          stop.removeEventListener('abort', onStop);
          resolve();
        });
      });
    }
    this.inIteration = false;
    this.groupPath = '';
    if (interrupted) {
      this.loop.interrupt();
      return 'interrupted';
    }
    const result: IterationResult = this.iterationFailed ? 'error' : 'ok';
    if (this.rt.aborted !== null && this.iterationFailed) return 'interrupted';
    const tags = this.tags();
    const reg = this.rt.registry;
    const m = reg.metrics;
    reg.add(m.get('data_sent')!, this.bytesSent, tags, this.metadata);
    reg.add(m.get('data_received')!, this.bytesReceived, tags, this.metadata);
    reg.add(m.get('iteration_duration')!, performance.now() - started, tags, this.metadata);
    reg.add(m.get('iterations')!, 1, tags, this.metadata);
    return result;
  }

  /** Runs setup/teardown/handleSummary on the VU-0 instance: awaits the promise and the loop, with a timeout. */
  async runPart(fn: (...args: unknown[]) => unknown, args: unknown[], timeoutMs: number, what: string, abortable: boolean): Promise<unknown> {
    let timer: NodeJS.Timeout | undefined;
    let unlisten = (): void => undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PartTimeout(`${what}() execution timed out after ${timeoutMs / 1000} seconds`)), timeoutMs);
    });
    const abort = new Promise<never>((_, reject) => {
      if (abortable) unlisten = this.rt.onAbort(() => reject(new TestAbort(this.rt.aborted?.message ?? '')));
    });
    const failed = new Promise<never>((_, reject) => {
      this.partFail = reject;
    });
    timeout.catch(() => undefined);
    abort.catch(() => undefined);
    failed.catch(() => undefined);
    try {
      const r = fn(...args);
      // A promise the function returned that rejects is k6's "Uncaught (in promise)", not an exception of the call.
      const settled = isThenable(r) ? Promise.resolve(r).catch((e: unknown) => { throw e instanceof TestAbort ? e : new RejectedPromise(e); }) : undefined;
      const value = settled !== undefined ? await Promise.race([settled, timeout, abort, failed]) : r;
      await Promise.race([this.loop.idle(), timeout, abort, failed]);
      return value;
    } finally {
      clearTimeout(timer);
      unlisten();
      this.partFail = null;
      this.loop.interrupt();
    }
  }
}

export class PartTimeout extends Error {
  override name = 'PartTimeout';
}

/** The promise returned by setup/teardown/handleSummary rejected: `reason` is what it rejected with. */
export class RejectedPromise extends Error {
  override name = 'RejectedPromise';
  constructor(readonly reason: unknown) {
    super(`Uncaught (in promise) ${describeError(reason)}`);
  }
}
