// A Socket.IO v4 client (Engine.IO 4 over websocket only) for one waiting user.
//
// Runs in k6 (goja) and in Node: the WebSocket constructor and the timers are
// injected (index.ts wires k6's; tests wire `ws` and Node's), so this file
// imports nothing but the codec.
//
// State machine:
//
//   idle --connect()--> opening --CONNECT--> open --close()--> closing --ws close--> closed
//                          |                 |  ^
//                          +---- failure ----|--|--- server disconnect --> closed
//                                            |  |
//            transport close/error, ping timeout|  CONNECT again (same auth): 'reconnect'
//                                            v  |
//                                        reconnecting --attempts spent, connect_error,
//                                                       close() --> closed
//
// Reconnection (on by default, as socket.io-client's Manager): after a lost
// transport or a ping timeout the client waits a backoff delay, then opens a
// new websocket and does a new Engine.IO handshake and Socket.IO CONNECT with
// the same auth. Never after close() ('io client disconnect') or the server's
// DISCONNECT ('io server disconnect'). Events: 'disconnect' (reason),
// 'reconnect_attempt' (n), 'reconnect_error' (SocketIOError), 'reconnect' (n),
// 'reconnect_failed' (SocketIOError). While reconnecting, emit() and
// emitWithAck() are buffered and sent in order after the new CONNECT, before
// 'reconnect' is emitted; waitFor() waits go on across the gap. Acks sent on the
// lost connection are rejected 'closed' (its server will never answer them).
// See docs/socketio.md.
//
// Policies:
//  - Heartbeat: the server pings (`2`), we pong (`3`) at once. The ping
//    deadline is pingInterval + pingTimeout from the handshake, reset by each
//    ping (as engine.io-client does). A silent server is found by ONE watchdog
//    interval per injected deps object (so one per VU in k6) that scans every
//    open socket; it starts with the first socket and stops with the last.
//  - Malformed frames are counted in stats.protocolErrors, reported to
//    opts.onProtocolError and dropped; the connection stays up (a load test
//    keeps measuring; the counter is the signal). A bad handshake fails connect().
//  - Frames longer than the handshake's maxPayload are refused both ways.
//  - EVENT frames for an event with no listener and no waiter are dropped
//    after reading only their header: no JSON.parse for room broadcasts
//    nobody asked for.
//  - Memory per socket: a handful of fields, three websocket handlers, and
//    a flat listener list; acks and waiters exist only once used. The URL
//    string is shared by sockets to the same server, and the caller's options
//    are let go once the handshake no longer needs them (with reconnection on,
//    the auth object and the websocket parameters stay, for the next handshake).
//    Nothing received is kept.

import {
  DEFAULT_MAX_PAYLOAD,
  ENGINE_PACKET_TYPES,
  ProtocolError,
  SOCKET_PACKET_TYPES,
  decodeFrame,
  encodeSocketFrame,
  exceedsBytes,
  parseOpen,
  peekEvent,
  type SocketPacket,
} from './codec';

// ---------------------------------------------------------------- injected world

/** Declared as a method type so k6's and ws's stricter event types both fit. */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown } | undefined> | null;
  onerror: Handler<{ error?: unknown; message?: unknown } | undefined> | null;
  onclose: Handler<{ code?: number; reason?: string } | undefined> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export interface WebSocketParams {
  headers?: Record<string, string>;
  tags?: Record<string, string>;
}

/** k6's `new WebSocket(url, null, params)`. */
export type WebSocketCtor = new (url: string, protocols: null, params: WebSocketParams) => WebSocketLike;

/** k6 timers return numbers, Node's return objects: handles are opaque here. */
export type TimerHandle = unknown;

export interface SocketIODeps {
  WebSocket: WebSocketCtor;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle): void;
  now?: () => number;
  /** For the reconnection delay's random draw; default Math.random. */
  random?: () => number;
}

export interface SocketIOOptions {
  /** Sent in the Socket.IO CONNECT packet, e.g. { token }. */
  auth?: Record<string, unknown>;
  /** Default '/socket.io/'. */
  path?: string;
  /** Extra handshake query parameters (EIO and transport are the client's). */
  query?: Record<string, string>;
  /** Default '/'. */
  namespace?: string;
  /** From connect() to CONNECT, default 10000 ms. */
  timeoutMs?: number;
  headers?: Record<string, string>;
  tags?: Record<string, string>;
  onProtocolError?: (err: ProtocolError, frame: string) => void;
  /**
   * Cheap pre-filters for room broadcasts: event name → a string the raw frame
   * must contain for the event to be decoded and delivered. A frame without it
   * is dropped before JSON.parse (e.g. { 'queue-entry-allowed': myId }: a room
   * hears one such event per admitted user, and only its own one matters).
   * Listeners must still check the payload: containing the string is necessary,
   * not sufficient.
   */
  mustContain?: Record<string, string>;
  /** Reconnect after a lost transport or a ping timeout. Default true (socket.io-client's default). */
  reconnection?: boolean;
  /** Reconnection attempts after one loss before 'reconnect_failed'. Default 10 (socket.io-client: Infinity); Infinity allowed. */
  reconnectionAttempts?: number;
  /** The first attempt's delay, doubled per attempt. Default 1000 ms. */
  reconnectionDelay?: number;
  /** The cap on the delay. Default 5000 ms. */
  reconnectionDelayMax?: number;
  /** The delay is moved by up to this fraction, up or down at random. Default 0.5; 0 to 1. */
  randomizationFactor?: number;
  /** Frames emit() may buffer while reconnecting; one more throws SocketIOError('closed'). Default 1000. */
  maxBufferedEmits?: number;
}

export type SocketIOState = 'idle' | 'opening' | 'open' | 'reconnecting' | 'closing' | 'closed';

export type SocketIOErrorKind = 'connect_error' | 'timeout' | 'transport' | 'protocol' | 'closed';

export class SocketIOError extends Error {
  readonly kind: SocketIOErrorKind;
  /** The codec's error, when kind is 'protocol'. */
  readonly protocolError?: ProtocolError;
  constructor(kind: SocketIOErrorKind, message: string, protocolError?: ProtocolError) {
    super(message);
    this.name = 'SocketIOError';
    this.kind = kind;
    if (protocolError !== undefined) this.protocolError = protocolError;
  }
}

/** Reasons given to 'disconnect' listeners (socket.io-client's words). */
export type DisconnectReason = 'io server disconnect' | 'io client disconnect' | 'transport close' | 'transport error' | 'ping timeout';

export interface SocketIOStats {
  /** Websocket frames received (pings included). */
  messagesIn: number;
  /** Websocket frames sent (pongs included). */
  messagesOut: number;
  /** Frames that failed to decode or made no sense in the current state. */
  protocolErrors: number;
  /** Successful reconnections ('reconnect' events). */
  reconnects: number;
  /** Reconnection attempts started ('reconnect_attempt' events). */
  reconnectAttempts: number;
}

export interface ReconnectionPolicy {
  reconnectionDelay: number;
  reconnectionDelayMax: number;
  randomizationFactor: number;
}

export const DEFAULT_RECONNECTION: Readonly<ReconnectionPolicy & { reconnectionAttempts: number; maxBufferedEmits: number }> = {
  reconnectionDelay: 1000,
  reconnectionDelayMax: 5000,
  randomizationFactor: 0.5,
  reconnectionAttempts: 10,
  maxBufferedEmits: 1000,
};

/**
 * The delay before reconnection attempt `attempt` (0 for the first), as
 * socket.io-client's backoff computes it: delay x 2^attempt; then one random
 * draw r in [0, 1) moves it by floor(r x factor x that), down when floor(r x 10)
 * is even and up when it is odd; the result is capped at the max and truncated
 * to an integer. Defaults: 1000, 2000, 4000, 5000, 5000 ... ms, each +-50 %.
 */
export function reconnectDelayMs(attempt: number, policy: ReconnectionPolicy, random: () => number = Math.random): number {
  // Past 2^30 the cap has long been reached; a larger power would become Infinity and then NaN.
  let ms = policy.reconnectionDelay * Math.pow(2, Math.min(attempt, 30));
  if (policy.randomizationFactor > 0) {
    const r = random();
    const deviation = Math.floor(r * policy.randomizationFactor * ms);
    ms = (Math.floor(r * 10) & 1) === 0 ? ms - deviation : ms + deviation;
  }
  return Math.min(ms, policy.reconnectionDelayMax) | 0;
}

// ---------------------------------------------------------------- URL

const DEFAULT_PATH = '/socket.io/';
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const BASE_URL = /^(https?|wss?):\/\/([^/?#\s]+)\/?$/i;
const SCHEME: Record<string, string> = { http: 'ws', ws: 'ws', https: 'wss', wss: 'wss' };

function normalisePath(path: string): string {
  let p = path.charAt(0) === '/' ? path : '/' + path;
  if (p.charAt(p.length - 1) !== '/') p += '/';
  return p;
}

/** http://host:port → ws://host:port/socket.io/?EIO=4&transport=websocket[&k=v...] */
const sharedUrls = new Map<string, string>();
const SHARED_URLS_MAX = 64;

/** socketUrl for a client: one string per server, not one per socket. */
function clientUrl(baseUrl: string, opts: { path?: string; query?: Record<string, string> }): string {
  if (opts.query !== undefined || typeof baseUrl !== 'string') return socketUrl(baseUrl, opts);
  const key = opts.path === undefined ? baseUrl : `${baseUrl} ${opts.path}`;
  let url = sharedUrls.get(key);
  if (url === undefined) {
    url = socketUrl(baseUrl, opts);
    if (sharedUrls.size >= SHARED_URLS_MAX) sharedUrls.clear();
    sharedUrls.set(key, url);
  }
  return url;
}

export function socketUrl(baseUrl: string, opts: { path?: string; query?: Record<string, string> } = {}): string {
  const m = typeof baseUrl === 'string' ? BASE_URL.exec(baseUrl) : null;
  if (m === null) {
    throw new Error(`invalid baseUrl; reason: expected http(s)://host[:port] or ws(s)://host[:port] without a path (use the namespace/path options), got ${JSON.stringify(baseUrl)}`);
  }
  let url = `${SCHEME[m[1].toLowerCase()]}://${m[2]}${normalisePath(opts.path ?? DEFAULT_PATH)}?EIO=4&transport=websocket`;
  const query = opts.query ?? {};
  for (const key of Object.keys(query)) {
    if (key === 'EIO' || key === 'transport') throw new Error(`invalid query; reason: expected no '${key}' (the client sets it), got ${JSON.stringify(query[key])}`);
    url += '&' + encodeURIComponent(key) + '=' + encodeURIComponent(query[key]);
  }
  return url;
}

// ---------------------------------------------------------------- shared watchdog

interface Watched {
  /** Absolute ms after which the server counts as gone. */
  readonly pingDeadline: number;
  readonly pingTimeoutMs: number;
  expire(): void;
}

const WATCHDOG_MIN_PERIOD_MS = 25;
const WATCHDOG_MAX_PERIOD_MS = 1000;

/** A dead server is noticed at most pingTimeout/4 (clamped to 25..1000 ms) after its deadline. */
function watchdogPeriod(pingTimeoutMs: number): number {
  return Math.min(WATCHDOG_MAX_PERIOD_MS, Math.max(WATCHDOG_MIN_PERIOD_MS, Math.floor(pingTimeoutMs / 4)));
}

class Watchdog {
  private readonly members = new Set<Watched>();
  private timer: TimerHandle = undefined;
  private period = 0;

  constructor(private readonly deps: SocketIODeps) {}

  get size(): number {
    return this.members.size;
  }

  add(member: Watched): void {
    this.members.add(member);
    const period = watchdogPeriod(member.pingTimeoutMs);
    if (this.timer === undefined || period < this.period) this.start(period);
  }

  remove(member: Watched): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.deps.clearInterval(this.timer);
    this.timer = undefined;
    this.period = 0;
  }

  private start(period: number): void {
    if (this.timer !== undefined) this.deps.clearInterval(this.timer);
    this.period = period;
    this.timer = this.deps.setInterval(() => this.scan(), period);
  }

  private scan(): void {
    const now = this.deps.now ? this.deps.now() : Date.now();
    let expired: Watched[] | undefined;
    for (const member of this.members) {
      if (now > member.pingDeadline) (expired ??= []).push(member);
    }
    if (expired !== undefined) for (const member of expired) member.expire();
  }
}

const watchdogs = new WeakMap<SocketIODeps, Watchdog>();

function watchdogFor(deps: SocketIODeps): Watchdog {
  let dog = watchdogs.get(deps);
  if (dog === undefined) {
    dog = new Watchdog(deps);
    watchdogs.set(deps, dog);
  }
  return dog;
}

/** How many sockets the deps' watchdog watches (0 means its interval is stopped). For tests and diagnostics. */
export function watchedSockets(deps: SocketIODeps): number {
  return watchdogs.get(deps)?.size ?? 0;
}

// ---------------------------------------------------------------- client

type Listener = (...args: unknown[]) => void;
type OnceListener = Listener & { listener: Listener };
/** [event, listener, event, listener, ...] in registration order; replaced, never changed in place. */
type ListenerList = Array<string | Listener>;

interface Pending {
  resolve(value: unknown): void;
  reject(err: SocketIOError): void;
  timer: TimerHandle;
  /** emitWithAck while reconnecting: not sent yet, so a lost connection does not reject it. */
  buffered?: boolean;
}

interface Waiter extends Pending {
  event: string;
  predicate: ((arg: unknown, ...rest: unknown[]) => boolean) | undefined;
}

const WS_CONNECTING = 0;
const WS_OPEN = 1;

function noop(): void {}

function closeQuietly(ws: WebSocketLike): void {
  if (ws.readyState !== WS_CONNECTING && ws.readyState !== WS_OPEN) return;
  try {
    ws.close();
  } catch {
    // already closing underneath us
  }
}

/** The DISCONNECT frame for the default namespace, encoded once. */
const DISCONNECT_ROOT = encodeSocketFrame({ type: SOCKET_PACKET_TYPES.DISCONNECT, nsp: '/' });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return Object.prototype.toString.call(v) === '[object Object]';
}

function checkTimeout(name: string, ms: unknown): string | undefined {
  return typeof ms === 'number' && ms > 0 && Number.isFinite(ms) ? undefined : `invalid ${name}; reason: expected a positive number of ms, got ${String(ms)}`;
}

/** Reconnection options checked, defaults filled; undefined when reconnection is off. */
interface Reconnection extends ReconnectionPolicy {
  attempts: number;
  maxBuffered: number;
}

function readReconnection(opts: SocketIOOptions): Reconnection | undefined {
  if (opts.reconnection !== undefined && typeof opts.reconnection !== 'boolean') {
    throw new Error(`invalid reconnection; reason: expected true or false, got ${JSON.stringify(opts.reconnection)}`);
  }
  if (opts.reconnection === false) return undefined;
  const d = DEFAULT_RECONNECTION;
  const attempts = opts.reconnectionAttempts ?? d.reconnectionAttempts;
  if (typeof attempts !== 'number' || !(attempts === Infinity || (Number.isInteger(attempts) && attempts >= 1))) {
    throw new Error(`invalid reconnectionAttempts; reason: expected a whole number of at least 1, or Infinity, got ${String(attempts)}`);
  }
  const delay = opts.reconnectionDelay ?? d.reconnectionDelay;
  const max = opts.reconnectionDelayMax ?? d.reconnectionDelayMax;
  for (const [name, v] of [['reconnectionDelay', delay], ['reconnectionDelayMax', max]] as const) {
    const bad = checkTimeout(name, v);
    if (bad !== undefined) throw new Error(bad);
  }
  if (max < delay) throw new Error(`invalid reconnectionDelayMax; reason: expected at least reconnectionDelay (${delay}), got ${max}`);
  const factor = opts.randomizationFactor ?? d.randomizationFactor;
  if (typeof factor !== 'number' || !(factor >= 0 && factor <= 1)) {
    throw new Error(`invalid randomizationFactor; reason: expected a number from 0 to 1, got ${String(factor)}`);
  }
  const maxBuffered = opts.maxBufferedEmits ?? d.maxBufferedEmits;
  if (typeof maxBuffered !== 'number' || !Number.isInteger(maxBuffered) || maxBuffered < 0) {
    throw new Error(`invalid maxBufferedEmits; reason: expected a whole number of at least 0, got ${String(maxBuffered)}`);
  }
  return { attempts, reconnectionDelay: delay, reconnectionDelayMax: max, randomizationFactor: factor, maxBuffered };
}

function describeFrame(frame: unknown): string {
  return typeof frame === 'string' ? frame : `[${frame === null ? 'null' : typeof frame} frame]`;
}

function connectErrorMessage(data: unknown): string {
  if (typeof data === 'string') return data;
  if (isPlainObject(data) && typeof data.message === 'string') return data.message;
  return 'connection refused';
}

export class SocketIOClient implements Watched {
  private messagesIn = 0;
  private messagesOut = 0;
  private protocolErrors = 0;
  private reconnects = 0;
  private reconnectAttempts = 0;

  private readonly url: string;
  private readonly nsp: string;
  /** The caller's options, until connect() has used them (headers, tags, timeout). */
  private opts: SocketIOOptions | undefined;
  /** Sent in CONNECT, then let go. */
  private auth: Record<string, unknown> | undefined;
  private readonly connectTimeoutMs: number;
  private readonly onProtocolError: SocketIOOptions['onProtocolError'];
  private readonly deps: SocketIODeps;
  private readonly mustContain: Record<string, string> | undefined;
  private _state: SocketIOState = 'idle';
  private _id: string | undefined;
  private ws: WebSocketLike | undefined;

  // reconnection (kept only when it is on: auth and websocket params are reused by each attempt)
  private readonly reconnection: Reconnection | undefined;
  private wsParams: WebSocketParams | undefined;
  /** Attempts since the connection was lost (socket.io-client's backoff.attempts). */
  private attempt = 0;
  private reconnectTimer: TimerHandle = undefined;
  /** A reconnection attempt's websocket is being opened (state stays 'reconnecting'). */
  private attempting = false;
  /** Frames emitted while reconnecting, sent after the next CONNECT. */
  private buffered: string[] | undefined;

  // from the Engine.IO handshake
  private handshaken = false;
  private pingIntervalMs = 0;
  private maxPayload = DEFAULT_MAX_PAYLOAD;
  /** Read by the watchdog. */
  pingTimeoutMs = 0;
  pingDeadline = Infinity;

  // connect() in flight
  private startedAt = 0;
  private connectTimer: TimerHandle = undefined;
  private connectResolve: ((v: { sid: string; connectMs: number }) => void) | undefined;
  private connectReject: ((err: SocketIOError) => void) | undefined;

  private listeners: ListenerList = [];
  // created on first use
  private acks: Map<number, Pending> | undefined;
  private waiters: Waiter[] | undefined;
  private nextAckId = 0;

  constructor(baseUrl: string, opts: SocketIOOptions, deps: SocketIODeps) {
    this.url = clientUrl(baseUrl, opts);
    const nsp = opts.namespace ?? '/';
    if (typeof nsp !== 'string' || nsp.charAt(0) !== '/' || nsp.indexOf(',') !== -1) {
      throw new Error(`invalid namespace; reason: expected '/' or '/name' without ',', got ${JSON.stringify(nsp)}`);
    }
    if (opts.auth !== undefined && !isPlainObject(opts.auth)) {
      throw new Error(`invalid auth; reason: expected a plain object, got ${Object.prototype.toString.call(opts.auth)}`);
    }
    const badTimeout = opts.timeoutMs === undefined ? undefined : checkTimeout('timeoutMs', opts.timeoutMs);
    if (badTimeout !== undefined) throw new Error(badTimeout);
    if (deps === undefined || typeof deps.WebSocket !== 'function' || typeof deps.setTimeout !== 'function' || typeof deps.setInterval !== 'function') {
      throw new Error('invalid deps; reason: expected WebSocket, setTimeout, clearTimeout, setInterval and clearInterval');
    }
    if (opts.mustContain !== undefined) {
      if (!isPlainObject(opts.mustContain)) throw new Error(`invalid mustContain; reason: expected a plain object of event name → string, got ${Object.prototype.toString.call(opts.mustContain)}`);
      for (const key of Object.keys(opts.mustContain)) {
        const v = opts.mustContain[key];
        if (typeof v !== 'string' || v === '') throw new Error(`invalid mustContain["${key}"]; reason: expected a non-empty string, got ${JSON.stringify(v)}`);
      }
      this.mustContain = opts.mustContain;
    }
    this.reconnection = readReconnection(opts);
    this.nsp = nsp;
    this.opts = opts;
    this.auth = opts.auth;
    this.connectTimeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.onProtocolError = opts.onProtocolError;
    this.deps = deps;
  }

  /** Frames in and out (pings and pongs included), and frames refused as malformed. */
  get stats(): SocketIOStats {
    return { messagesIn: this.messagesIn, messagesOut: this.messagesOut, protocolErrors: this.protocolErrors, reconnects: this.reconnects, reconnectAttempts: this.reconnectAttempts };
  }

  get state(): SocketIOState {
    return this._state;
  }

  /** The Socket.IO session id from CONNECT. */
  get id(): string | undefined {
    return this._id;
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  // ------------------------------------------------------------ connect

  connect(): Promise<{ sid: string; connectMs: number }> {
    if (this._state !== 'idle') {
      return Promise.reject(new SocketIOError('closed', `connect() needs an idle client, this one is ${this._state}; create a new client`));
    }
    this._state = 'opening';
    const params: WebSocketParams = {};
    const opts = this.opts!;
    this.opts = undefined;
    if (opts.headers !== undefined) params.headers = opts.headers;
    if (opts.tags !== undefined) params.tags = opts.tags;
    if (this.reconnection !== undefined) this.wsParams = params;
    return new Promise((resolve, reject) => {
      this.connectResolve = resolve;
      this.connectReject = reject;
      this.openTransport(params);
    });
  }

  /** A connecting state: the first connect() or a reconnection attempt in flight. */
  private get connecting(): boolean {
    return this._state === 'opening' || (this._state === 'reconnecting' && this.attempting);
  }

  /** Opens a websocket and starts the connect deadline; failures go to fail(). */
  private openTransport(params: WebSocketParams): void {
    this.startedAt = this.now();
    this.handshaken = false;
    this.connectTimer = this.deps.setTimeout(() => {
      this.connectTimer = undefined;
      this.fail(new SocketIOError('timeout', `no CONNECT within ${this.timeoutMs()} ms`));
    }, this.timeoutMs());
    let ws: WebSocketLike;
    try {
      ws = new this.deps.WebSocket(this.url, null, params);
    } catch (err) {
      this.fail(new SocketIOError('transport', `cannot open websocket: ${String(err)}`));
      return;
    }
    this.ws = ws;
    ws.onopen = noop; // Engine.IO speaks first: the open packet is what counts
    ws.onmessage = (event) => this.onFrame(event === undefined ? undefined : event.data);
    ws.onerror = (event) => this.onTransportError(event);
    ws.onclose = (event) => this.onTransportClose(event);
  }

  private timeoutMs(): number {
    return this.connectTimeoutMs;
  }

  /** Ends a connect() in flight (reject it and release everything), or one reconnection attempt. */
  private fail(err: SocketIOError): void {
    if (this._state === 'reconnecting' && this.attempting) return this.attemptFailed(err);
    if (this._state !== 'opening') return;
    this.shutdown('closed', undefined, err);
  }

  // ------------------------------------------------------------ incoming

  private onFrame(frame: unknown): void {
    this.messagesIn++;
    if (typeof frame === 'string') {
      // The server's ping, every pingInterval on every socket: nothing to decode.
      if (frame === ENGINE_PACKET_TYPES.ping) return this.onPing(frame);
      // Fast path: `42["event",...` for an event nobody waits for, or without the
      // mustContain string. `4` is the Engine.IO message type.
      if (this._state === 'open' && frame.charCodeAt(0) === 52 && this.dropsUnread(frame)) return;
    }
    const decoded = decodeFrame(frame, this.maxPayload);
    if (decoded.kind === 'error') return this.protocolError(decoded.error, frame);
    if (decoded.kind === 'socket') return this.onSocketPacket(decoded.packet, frame);
    switch (decoded.packet.type) {
      case 'open':
        return this.onOpenPacket(decoded.packet.data, frame);
      case 'ping':
        return this.onPing(frame);
      case 'close':
        return this.onLost('transport close');
      default:
        return; // pong, upgrade, noop: nothing to do on a websocket-only client
    }
  }

  private onPing(frame: unknown): void {
    if (!this.handshaken) return this.protocolError(new ProtocolError('bad_type', 'ping before the open packet'), frame);
    this.pingDeadline = this.now() + this.pingIntervalMs + this.pingTimeoutMs;
    this.send(ENGINE_PACKET_TYPES.pong);
  }

  /**
   * True when an EVENT frame (`4` + Socket.IO packet) can be dropped after its
   * header: an event of this namespace nobody listens or waits for, or one
   * whose frame lacks the mustContain string. The frame in the default
   * namespace without an ack id (`42["name"`, every room broadcast) is read in
   * place, without peekEvent's result object; any other goes through
   * peekEvent. Frames it cannot read simply are kept for the full decode.
   */
  private dropsUnread(frame: string): boolean {
    let event: string;
    if (this.nsp === '/' && frame.charCodeAt(1) === 50 && frame.charCodeAt(2) === 91 && frame.charCodeAt(3) === 34) {
      const end = frame.indexOf('"', 4);
      if (end === -1) return false;
      event = frame.substring(4, end);
      if (event.indexOf('\\') !== -1) return false; // as peekEvent: an escape in the name means a full decode
    } else {
      const peeked = peekEvent(frame, 1);
      if (peeked === undefined || peeked.nsp !== this.nsp) return false;
      event = peeked.event;
    }
    if (!this.wants(event)) return true;
    const needle = this.mustContain === undefined ? undefined : this.mustContain[event];
    return needle !== undefined && frame.indexOf(needle, event.length + 4) === -1;
  }

  private onOpenPacket(data: string | undefined, frame: unknown): void {
    if (!this.connecting || this.handshaken) {
      return this.protocolError(new ProtocolError('bad_handshake', 'second open packet'), frame);
    }
    let handshake;
    try {
      handshake = parseOpen(data);
    } catch (err) {
      const perr = err as ProtocolError;
      this.protocolErrors++;
      return this.fail(new SocketIOError('protocol', perr.message, perr));
    }
    this.handshaken = true;
    this.pingIntervalMs = handshake.pingInterval;
    this.pingTimeoutMs = handshake.pingTimeout;
    this.maxPayload = handshake.maxPayload;
    this.pingDeadline = this.now() + handshake.pingInterval + handshake.pingTimeout;
    watchdogFor(this.deps).add(this);
    const connect: SocketPacket = { type: SOCKET_PACKET_TYPES.CONNECT, nsp: this.nsp };
    if (this.auth !== undefined) connect.data = this.auth;
    if (this.reconnection === undefined) this.auth = undefined;
    let out: string;
    try {
      out = encodeSocketFrame(connect);
    } catch (err) {
      const perr = err as ProtocolError;
      return this.fail(new SocketIOError('protocol', `auth cannot be sent: ${perr.message}`, perr));
    }
    this.send(out);
  }

  private onSocketPacket(packet: SocketPacket, frame: unknown): void {
    if (packet.nsp !== this.nsp) return; // another namespace multiplexed on this connection
    switch (packet.type) {
      case SOCKET_PACKET_TYPES.CONNECT: {
        const sid = isPlainObject(packet.data) ? packet.data.sid : undefined;
        if (!this.connecting || !this.handshaken || typeof sid !== 'string') {
          return this.protocolError(new ProtocolError('bad_payload', 'unexpected CONNECT'), frame);
        }
        return this.onConnected(sid);
      }
      case SOCKET_PACKET_TYPES.CONNECT_ERROR:
        if (!this.connecting) return this.protocolError(new ProtocolError('bad_payload', 'CONNECT_ERROR while connected'), frame);
        if (this._state === 'reconnecting') return this.giveUp(new SocketIOError('connect_error', connectErrorMessage(packet.data)), true);
        return this.fail(new SocketIOError('connect_error', connectErrorMessage(packet.data)));
      case SOCKET_PACKET_TYPES.DISCONNECT:
        return this.onLost('io server disconnect');
      case SOCKET_PACKET_TYPES.EVENT:
        if (this._state !== 'open') return this.protocolError(new ProtocolError('bad_payload', 'EVENT before CONNECT'), frame);
        return this.onEvent(packet.data as unknown[], packet.id);
      case SOCKET_PACKET_TYPES.ACK:
        return this.onAck(packet.id as number, packet.data as unknown[]);
      default:
        return; // binary types never get past the codec
    }
  }

  private onConnected(sid: string): void {
    if (this._state === 'reconnecting') return this.onReconnected(sid);
    const resolve = this.connectResolve;
    this.connectResolve = undefined;
    this.connectReject = undefined;
    this.clearConnectTimer();
    this._state = 'open';
    this._id = sid;
    resolve?.({ sid, connectMs: this.now() - this.startedAt });
  }

  private wants(event: string): boolean {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i += 2) if (ls[i] === event) return true;
    if (this.waiters !== undefined) for (const w of this.waiters) if (w.event === event) return true;
    return false;
  }

  private onEvent(data: unknown[], ackId: number | undefined): void {
    const event = String(data[0]);
    if (!this.wants(event)) return;
    const args = data.slice(1);
    if (ackId !== undefined) {
      let sent = false;
      args.push((...reply: unknown[]) => {
        if (sent || this._state !== 'open') return;
        sent = true;
        this.send(encodeSocketFrame({ type: SOCKET_PACKET_TYPES.ACK, nsp: this.nsp, id: ackId, data: reply }));
      });
    }
    this.emitLocal(event, args);
    this.settleWaiters(event, args);
  }

  private onAck(id: number, data: unknown[]): void {
    const pending = this.acks?.get(id);
    if (pending === undefined) return; // late answer to a request that timed out
    this.acks!.delete(id);
    this.deps.clearTimeout(pending.timer);
    pending.resolve(data);
  }

  private protocolError(err: ProtocolError, frame: unknown): void {
    this.protocolErrors++;
    if (this.onProtocolError !== undefined) this.onProtocolError(err, describeFrame(frame));
  }

  private onTransportError(event: { error?: unknown; message?: unknown } | undefined): void {
    const detail = event === undefined ? 'unknown error' : String(event.error ?? event.message ?? 'unknown error');
    if (this.connecting) return this.fail(new SocketIOError('transport', `websocket error: ${detail}`));
    this.onLost('transport error');
  }

  private onTransportClose(event: { code?: number } | undefined): void {
    if (this.connecting) {
      return this.fail(new SocketIOError('transport', `websocket closed before CONNECT (code ${event?.code ?? 'unknown'})`));
    }
    if (this._state === 'closing') {
      this._state = 'closed';
      this.detach();
      return;
    }
    this.onLost('transport close');
  }

  /** The watchdog's verdict. */
  expire(): void {
    this.onLost('ping timeout');
  }

  private onLost(reason: DisconnectReason): void {
    if (this.connecting) return this.fail(new SocketIOError('transport', `connection lost before CONNECT: ${reason}`));
    if (this._state !== 'open') return;
    if (this.reconnection === undefined || reason === 'io server disconnect') return this.shutdown('closed', reason, undefined);
    // Lost, not ended: drop the transport, tell the listeners, try again after the backoff delay.
    this._state = 'reconnecting';
    this.dropTransport();
    this.rejectAcks(reason);
    this.attempt = 0;
    this.emitLocal('disconnect', [reason]);
    this.scheduleReconnect();
  }

  // ------------------------------------------------------------ reconnection

  /** The next attempt after its backoff delay, or 'reconnect_failed' when they are spent. */
  private scheduleReconnect(): void {
    if (this._state !== 'reconnecting') return; // a listener closed the client
    const policy = this.reconnection!;
    if (this.attempt >= policy.attempts) {
      return this.giveUp(new SocketIOError('transport', `could not reconnect in ${policy.attempts} attempt(s)`), false);
    }
    const delay = reconnectDelayMs(this.attempt, policy, this.deps.random);
    this.attempt++;
    this.reconnectTimer = this.deps.setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this._state !== 'reconnecting') return;
      this.reconnectAttempts++;
      this.emitLocal('reconnect_attempt', [this.attempt]);
      if (this._state !== 'reconnecting') return; // closed by a reconnect_attempt listener
      this.attempting = true;
      this.openTransport(this.wsParams ?? {});
    }, delay);
  }

  private attemptFailed(err: SocketIOError): void {
    this.attempting = false;
    this.dropTransport();
    this.emitLocal('reconnect_error', [err]);
    this.scheduleReconnect();
  }

  private onReconnected(sid: string): void {
    this.attempting = false;
    this.clearConnectTimer();
    this._state = 'open';
    this._id = sid;
    const attempts = this.attempt;
    this.attempt = 0;
    this.reconnects++;
    const buffered = this.buffered;
    this.buffered = undefined;
    if (this.acks !== undefined) for (const pending of this.acks.values()) pending.buffered = false;
    if (buffered !== undefined) for (const frame of buffered) this.send(frame);
    this.emitLocal('reconnect', [attempts]);
  }

  /** The end of reconnection: everything pending is rejected, then 'reconnect_failed' (after 'reconnect_error' for a refusal). */
  private giveUp(err: SocketIOError, refused: boolean): void {
    this.attempting = false;
    this.shutdown('closed', undefined, undefined, err);
    if (refused) this.emitLocal('reconnect_error', [err]);
    this.emitLocal('reconnect_failed', [err]);
  }

  // ------------------------------------------------------------ outgoing

  private send(frame: string): void {
    this.ws!.send(frame);
    this.messagesOut++;
  }

  /** Encodes an EVENT and checks it against maxPayload; throws SocketIOError('protocol'). */
  private encodeEvent(event: string, args: unknown[], id: number | undefined): string {
    if (typeof event !== 'string') throw new SocketIOError('protocol', `event name must be a string, got ${typeof event}`);
    let frame: string;
    try {
      const packet: SocketPacket = { type: SOCKET_PACKET_TYPES.EVENT, nsp: this.nsp, data: [event, ...args] };
      if (id !== undefined) packet.id = id;
      frame = encodeSocketFrame(packet);
    } catch (err) {
      const perr = err as ProtocolError;
      throw new SocketIOError('protocol', perr.message, perr);
    }
    if (exceedsBytes(frame, this.maxPayload)) {
      throw new SocketIOError('protocol', `"${event}" is larger than maxPayload ${this.maxPayload} bytes`, new ProtocolError('too_large', event));
    }
    return frame;
  }

  emit(event: string, ...args: unknown[]): void {
    if (this._state === 'reconnecting') return this.buffer(event, this.encodeEvent(event, args, undefined));
    if (this._state !== 'open') throw new SocketIOError('closed', `cannot emit "${event}": socket is ${this._state}`);
    this.send(this.encodeEvent(event, args, undefined));
  }

  /** Keeps a frame for the next CONNECT; throws when the buffer is full. */
  private buffer(event: string, frame: string): void {
    const buffered = (this.buffered ??= []);
    if (buffered.length >= this.reconnection!.maxBuffered) {
      throw new SocketIOError('closed', `cannot emit "${event}": reconnecting, and ${buffered.length} emit(s) are already buffered (maxBufferedEmits)`);
    }
    buffered.push(frame);
  }

  emitWithAck(event: string, args: unknown[], timeoutMs: number): Promise<unknown[]> {
    const bad = checkTimeout('timeoutMs', timeoutMs);
    if (bad !== undefined) return Promise.reject(new TypeError(bad));
    if (this._state !== 'open' && this._state !== 'reconnecting') return Promise.reject(new SocketIOError('closed', `cannot emit "${event}": socket is ${this._state}`));
    const id = this.nextAckId++;
    let frame: string;
    try {
      frame = this.encodeEvent(event, args, id);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<unknown[]>((resolve, reject) => {
      const acks = (this.acks ??= new Map());
      const timer = this.deps.setTimeout(() => {
        acks.delete(id);
        reject(new SocketIOError('timeout', `no ack for "${event}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const pending: Pending = { resolve: resolve as (v: unknown) => void, reject, timer };
      if (this._state === 'reconnecting') {
        try {
          this.buffer(event, frame);
        } catch (err) {
          this.deps.clearTimeout(timer);
          reject(err as SocketIOError);
          return;
        }
        pending.buffered = true;
      }
      acks.set(id, pending);
      if (!pending.buffered) this.send(frame);
    });
  }

  // ------------------------------------------------------------ listeners

  on(event: string, handler: (...args: unknown[]) => void): this {
    // A new array of exactly the right length: push() would reserve room for ~17.
    this.listeners = [...this.listeners, event, handler];
    return this;
  }

  /** Removes the first registration of handler for event, or every listener of event without one. */
  off(event: string, handler?: (...args: unknown[]) => void): this {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i += 2) {
      if (ls[i] !== event) continue;
      const fn = ls[i + 1] as Listener;
      if (handler !== undefined && fn !== handler && (fn as OnceListener).listener !== handler) continue;
      this.listeners = ls.slice(0, i).concat(ls.slice(i + 2));
      if (handler !== undefined) return this;
      return this.off(event);
    }
    return this;
  }

  once(event: string, handler: (...args: unknown[]) => void): this {
    const wrapper = ((...args: unknown[]) => {
      this.off(event, wrapper);
      handler(...args);
    }) as OnceListener;
    wrapper.listener = handler;
    return this.on(event, wrapper);
  }

  private emitLocal(event: string, args: unknown[]): void {
    // on() and off() replace the list, never change it: a listener that calls
    // them does not change this round.
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i += 2) if (ls[i] === event) (ls[i + 1] as Listener)(...args);
  }

  waitFor<T = unknown>(event: string, predicate: ((arg: T, ...rest: unknown[]) => boolean) | undefined, timeoutMs: number): Promise<T> {
    const bad = checkTimeout('timeoutMs', timeoutMs);
    if (bad !== undefined) return Promise.reject(new TypeError(bad));
    if (this._state !== 'open' && this._state !== 'reconnecting') return Promise.reject(new SocketIOError('closed', `cannot wait for "${event}": socket is ${this._state}`));
    return new Promise<T>((resolve, reject) => {
      const waiters = (this.waiters ??= []);
      const waiter: Waiter = {
        event,
        predicate: predicate as Waiter['predicate'],
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: this.deps.setTimeout(() => {
          this.removeWaiter(waiter);
          reject(new SocketIOError('timeout', `no "${event}"${predicate ? ' matching the predicate' : ''} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      waiters.push(waiter);
    });
  }

  private removeWaiter(waiter: Waiter): void {
    const waiters = this.waiters;
    if (waiters === undefined) return;
    const i = waiters.indexOf(waiter);
    if (i !== -1) waiters.splice(i, 1);
  }

  private settleWaiters(event: string, args: unknown[]): void {
    if (this.waiters === undefined || this.waiters.length === 0) return;
    for (const w of this.waiters.slice()) {
      if (w.event !== event) continue;
      let matched: boolean;
      try {
        matched = w.predicate === undefined || w.predicate(args[0], ...args.slice(1));
      } catch (err) {
        // A throwing predicate fails its own wait, not the socket.
        this.removeWaiter(w);
        this.deps.clearTimeout(w.timer);
        (w.reject as (e: unknown) => void)(err);
        continue;
      }
      if (!matched) continue;
      this.removeWaiter(w);
      this.deps.clearTimeout(w.timer);
      w.resolve(args[0]);
    }
  }

  // ------------------------------------------------------------ closing

  /** Sends DISCONNECT and closes the websocket. Idempotent; clears every timer this socket owns. */
  close(): void {
    switch (this._state) {
      case 'idle':
        this._state = 'closed';
        return;
      case 'opening':
        return this.fail(new SocketIOError('closed', 'closed by the client before CONNECT'));
      case 'open':
        try {
          this.send(this.nsp === '/' ? DISCONNECT_ROOT : encodeSocketFrame({ type: SOCKET_PACKET_TYPES.DISCONNECT, nsp: this.nsp }));
        } catch {
          // the transport is already going; closing it below is all that is left
        }
        return this.shutdown('closing', 'io client disconnect', undefined);
      case 'reconnecting':
        // Already disconnected (its 'disconnect' was emitted): stop trying, reject what waits.
        this.attempting = false;
        return this.shutdown('closed', undefined, undefined, new SocketIOError('closed', 'closed by the client while reconnecting'));
      default:
        return;
    }
  }

  private clearConnectTimer(): void {
    if (this.connectTimer !== undefined) {
      this.deps.clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    }
  }

  /** Stops listening to the websocket; handlers become no-ops (ws emits 'error' on abort and must find a listener). */
  private detach(): void {
    const ws = this.ws;
    if (ws === undefined) return;
    ws.onopen = noop;
    ws.onmessage = noop;
    ws.onerror = noop;
    ws.onclose = noop;
    this.ws = undefined;
  }

  /** Lets the websocket go: timers, watchdog membership, handlers; closes it if it is still up. */
  private dropTransport(): void {
    this.clearConnectTimer();
    watchdogFor(this.deps).remove(this);
    this.pingDeadline = Infinity;
    const ws = this.ws;
    this.detach();
    if (ws !== undefined) closeQuietly(ws);
  }

  /** Acks sent on a lost connection: its server will never answer them (socket.io-client does the same). Buffered ones wait on. */
  private rejectAcks(reason: DisconnectReason): void {
    const acks = this.acks;
    if (acks === undefined || acks.size === 0) return;
    let closed: SocketIOError | undefined;
    for (const [id, pending] of acks) {
      if (pending.buffered) continue;
      acks.delete(id);
      this.deps.clearTimeout(pending.timer);
      pending.reject((closed ??= new SocketIOError('closed', `socket closed (${reason}) before the ack came`)));
    }
  }

  /**
   * The one way out of opening/open: release timers, watchdog membership,
   * pending acks and waiters, close the websocket, then tell the caller
   * (reject connect, or emit 'disconnect'). In 'closing' the websocket's
   * handlers stay so its close event can finish the transition.
   */
  private shutdown(next: 'closing' | 'closed', reason: DisconnectReason | undefined, connectError: SocketIOError | undefined, endError?: SocketIOError): void {
    const wasOpen = this._state === 'open';
    this._state = next;
    if (this.reconnectTimer !== undefined) {
      this.deps.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    this.buffered = undefined;
    this.auth = undefined;
    this.wsParams = undefined;
    if (next === 'closed') this.dropTransport();
    else {
      this.clearConnectTimer();
      watchdogFor(this.deps).remove(this);
      this.pingDeadline = Infinity;
      const ws = this.ws;
      if (ws !== undefined) {
        ws.onmessage = noop;
        ws.onerror = noop;
        closeQuietly(ws);
      }
    }

    const acks = this.acks;
    const waiters = this.waiters;
    this.acks = undefined;
    this.waiters = undefined;
    // One error for every pending ack and wait, made only when there is one:
    // an Error captures a stack, costly for thousands of sockets closing.
    if ((acks !== undefined && acks.size > 0) || (waiters !== undefined && waiters.length > 0)) {
      const closed = new SocketIOError('closed', `socket closed (${reason ?? connectError?.message ?? endError?.message ?? 'closed'})`);
      if (acks !== undefined) {
        for (const pending of acks.values()) {
          this.deps.clearTimeout(pending.timer);
          pending.reject(closed);
        }
      }
      if (waiters !== undefined) {
        for (const w of waiters) {
          this.deps.clearTimeout(w.timer);
          w.reject(closed);
        }
      }
    }

    const reject = this.connectReject;
    this.connectResolve = undefined;
    this.connectReject = undefined;
    if (reject !== undefined && connectError !== undefined) reject(connectError);
    if (wasOpen && reason !== undefined) this.emitLocal('disconnect', [reason]);
  }
}
