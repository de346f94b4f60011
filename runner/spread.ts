// The hostile switch, QUEUE_RUNNER_SPREAD: seeded random delays that spread a
// VU's concurrent work out in time, as real k6 does (its VU's JavaScript
// thread issues requests one after another and takes answers as it gets to
// them; shared/k6-reference/README.md, "check-race on real k6 v2.2.0"). Off
// by default, and then no module calls into this file per request or event.
//
// What is delayed, each by its own draw in [0, max] ms:
// - an http.asyncRequest, before it is sent;
// - its answer, before the script sees it (metrics are the network's times);
// - each WebSocket send (and close/ping) before it goes out, per socket in order;
// - each WebSocket event (open, message, error, close, ping, pong) before its
//   listeners run, per socket in order: a connection delivers in order, so an
//   event is never handed over before the one that came before it.
// Across requests and sockets nothing is kept in order.
//
// Determinism: a delay is a hash of (seed, the VU's number in the test, what
// it delays, the request's or socket's number in its VU, the send's or
// event's number on its socket), not a draw from a shared stream, so the same
// seed gives the same schedule whatever the network does in between.
import type { Cancelable, VU } from './vu.ts';

export interface SpreadConfig {
  seed: number;
  maxMs: number;
}

export const SPREAD_ENV = 'QUEUE_RUNNER_SPREAD';
export const DEFAULT_SEED = 1;
export const DEFAULT_MAX_MS = 200;
const LIMIT_MAX_MS = 60_000;

const FORMAT = 'expected off, on, or comma-separated seed=<integer 0..4294967295> and max=<duration up to 60s, e.g. 200ms or 1s>';

function bad(raw: string, why: string): Error {
  return new Error(`invalid ${SPREAD_ENV}; reason: ${why}; ${FORMAT}, got ${JSON.stringify(raw)}`);
}

function parseMaxMs(raw: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(v);
  if (m === null) throw bad(raw, `max must be a duration in ms or s`);
  const ms = Math.round(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
  if (ms < 1 || ms > LIMIT_MAX_MS) throw bad(raw, `max must be between 1ms and 60s`);
  return ms;
}

/** Parses the switch's value; null when it is off (unset, empty, `off`). Throws one line on a bad value. */
export function parseSpread(value: string | undefined): SpreadConfig | null {
  if (value === undefined) return null;
  const raw = value.trim();
  if (raw === '' || raw === 'off') return null;
  let seed = DEFAULT_SEED;
  let maxMs = DEFAULT_MAX_MS;
  if (raw === 'on') return { seed, maxMs };
  for (const part of raw.split(',')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const v = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (key === 'seed') {
      if (!/^\d+$/.test(v) || Number(v) > 0xffff_ffff) throw bad(raw, 'seed must be an integer from 0 to 4294967295');
      seed = Number(v);
    } else if (key === 'max') {
      maxMs = parseMaxMs(raw, v);
    } else {
      throw bad(raw, `unknown key ${JSON.stringify(key)}`);
    }
  }
  return { seed, maxMs };
}

/** The switch from an environment; throws one line on a bad value. */
export function spreadFromEnv(env: Record<string, string | undefined>): SpreadConfig | null {
  return parseSpread(env[SPREAD_ENV]);
}

/** For the run header: what the switch does in this run. */
export function describeSpread(c: SpreadConfig): string {
  return `${SPREAD_ENV}: seed=${c.seed} max=${c.maxMs}ms (each VU's requests and socket events delayed by up to ${c.maxMs} ms; not k6's timing)`;
}

/** What a delay delays: part of its hash, so the four schedules are independent. */
export const Kind = { httpSend: 1, httpAnswer: 2, wsSend: 3, wsEvent: 4 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

function mix(h: number, v: number): number {
  let x = Math.imul(h ^ (v >>> 0), 0x9e3779b1);
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The delay, in whole ms from 0 to maxMs, of item `b` of thing `a` (request
 * number, or socket number and its send/event number) of kind `kind` on VU `vu`.
 */
export function delayMs(c: SpreadConfig, vu: number, kind: Kind, a: number, b = 0): number {
  const h = mix(mix(mix(mix(mix(0x2545f491, c.seed), vu), kind), a), b);
  return Math.floor((h / 0x1_0000_0000) * (c.maxMs + 1));
}

let fromProcess: SpreadConfig | null | undefined;

/** The switch as this process was started with (read once; cli.ts has already rejected a bad value). */
export function processSpread(): SpreadConfig | null {
  if (fromProcess === undefined) fromProcess = spreadFromEnv(process.env);
  return fromProcess;
}

/**
 * A per-socket lane: callbacks run in the order they were pushed, each no
 * earlier than its own delay after its push. One Node timer per lane, armed
 * for the head only.
 */
export class Lane implements Cancelable {
  private readonly due: number[] = [];
  private readonly fns: (() => void)[] = [];
  private head = 0;
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private count = 0;

  constructor(
    private readonly c: SpreadConfig,
    private readonly vu: number,
    private readonly kind: Kind,
    private readonly socket: number,
  ) {}

  push(fn: () => void): void {
    const d = delayMs(this.c, this.vu, this.kind, this.socket, this.count++);
    // Never before the one pushed earlier: a connection keeps its order.
    const at = Math.max(performance.now() + d, this.last);
    this.last = at;
    this.due.push(at);
    this.fns.push(fn);
    if (this.timer === undefined) this.arm();
  }

  private arm(): void {
    const wait = Math.max(0, this.due[this.head]! - performance.now());
    this.timer = setTimeout(() => this.run(), wait);
  }

  private run(): void {
    this.timer = undefined;
    // Node fires a timer on its millisecond clock: take what is due within that millisecond.
    const now = performance.now() + 1;
    while (this.head < this.due.length && this.due[this.head]! <= now) {
      const fn = this.fns[this.head]!;
      this.head++;
      fn();
    }
    if (this.head === this.due.length) {
      this.due.length = 0;
      this.fns.length = 0;
      this.head = 0;
    } else if (this.timer === undefined) {
      this.arm();
    }
  }

  /** Drops whatever is still waiting (the iteration was interrupted, the socket is gone). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.due.length = 0;
    this.fns.length = 0;
    this.head = 0;
  }
}

/** One VU's share of the switch: its request and socket counters. */
export class VuSpread {
  private requests = 0;
  private sockets = 0;

  constructor(
    readonly c: SpreadConfig,
    readonly vu: number,
  ) {}

  /**
   * Runs `send` after this request's send delay and hands its answer over
   * after its answer delay. On abort, a request not yet sent is never sent and
   * the promise stays pending (the VU's loop drops it anyway).
   */
  request<T>(send: () => Promise<T>, signal: AbortSignal): Promise<T> {
    const n = this.requests++;
    const before = delayMs(this.c, this.vu, Kind.httpSend, n);
    const after = delayMs(this.c, this.vu, Kind.httpAnswer, n);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      timer = setTimeout(() => {
        timer = undefined;
        if (signal.aborted) return;
        send().then(
          (v) => {
            timer = setTimeout(resolve, after, v);
          },
          (e: unknown) => {
            timer = setTimeout(reject, after, e);
          },
        );
      }, before);
    });
  }

  /** The two lanes of a new socket: what the script sends, what the script is told. */
  socket(): { out: Lane; in: Lane } {
    const s = this.sockets++;
    return { out: new Lane(this.c, this.vu, Kind.wsSend, s), in: new Lane(this.c, this.vu, Kind.wsEvent, s) };
  }
}

/** The VU's spread, or null when the switch is off (the modules then take their direct paths). */
export function spreadOf(vu: VU): VuSpread | null {
  const c = processSpread();
  if (c === null) return null;
  let s = vu.modules.get('#spread') as VuSpread | undefined;
  if (s === undefined) {
    s = new VuSpread(c, vu.idInTest);
    vu.modules.set('#spread', s);
  }
  return s;
}
