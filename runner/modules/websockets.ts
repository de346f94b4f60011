// k6/websockets: a browser-like WebSocket over the `ws` package. Each open
// socket is pending work of its VU until its close event has been
// dispatched. Kept lean: no compression, no per-socket timers (but with
// QUEUE_RUNNER_SPREAD on, ../spread.ts: two lanes per socket, one for what the
// script sends, one for the events it is told, each in order).
import WS from 'ws';
import { spreadOf, type Lane } from '../spread.ts';
import type { VU } from '../vu.ts';

type Listener = (event: Record<string, unknown>) => unknown;
const EVENTS = ['open', 'message', 'error', 'close', 'ping', 'pong'] as const;
type EventName = (typeof EVENTS)[number];

export function createWebSocketsModule(vu: VU): Record<string, unknown> {
  const spread = spreadOf(vu);
  class WebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly CONNECTING = 0;
    readonly OPEN = 1;
    readonly CLOSING = 2;
    readonly CLOSED = 3;

    readonly url: string;
    readyState = 0;
    binaryType = 'blob';
    protocol = '';
    onopen: Listener | null = null;
    onmessage: Listener | null = null;
    onerror: Listener | null = null;
    onclose: Listener | null = null;
    onping: Listener | null = null;
    onpong: Listener | null = null;
    #listeners: Map<EventName, Listener[]> | null = null;
    #ws: WS;
    #release: () => void;
    #dead = false;
    #openedAt = 0;
    #tags: Record<string, unknown>;
    /** QUEUE_RUNNER_SPREAD's lanes; null when the switch is off. */
    #out: Lane | null = null;
    #in: Lane | null = null;
    /** Switch on: the close is on its way to the script; events the socket reports after it are dropped. */
    #closing = false;

    constructor(url: unknown, protocols?: unknown, params?: unknown) {
      if (vu.phase === 'init') throw new Error('using websockets in the init context is not supported');
      this.url = String(url);
      const p = (typeof params === 'object' && params !== null ? params : {}) as { headers?: Record<string, unknown>; tags?: Record<string, unknown> };
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(p.headers ?? {})) headers[k] = String(v);
      this.#tags = { url: this.url, ...(p.tags ?? {}) };
      const protos = protocols === undefined || protocols === null ? undefined : Array.isArray(protocols) ? protocols.map(String) : String(protocols);
      const started = performance.now();
      const local = vu.localAddress;
      const ws = new WS(this.url, protos, { perMessageDeflate: false, headers, handshakeTimeout: 60_000, ...(local !== undefined ? { localAddress: local } : {}) });
      this.#ws = ws;
      if (spread !== null) {
        const lanes = spread.socket();
        this.#out = lanes.out;
        this.#in = lanes.in;
      }
      this.#release = vu.loop.ref({
        cancel: () => {
          this.#dead = true;
          this.readyState = 3;
          this.#out?.cancel();
          this.#in?.cancel();
          ws.terminate();
          this.#release();
        },
      });
      ws.on('open', () => {
        if (this.#dead) return;
        this.#openedAt = performance.now();
        vu.emit('ws_connecting', this.#openedAt - started, { ...this.#tags, status: '101' });
        vu.emit('ws_sessions', 1, this.#tags);
        this.#tell(() => {
          this.readyState = 1;
          this.protocol = ws.protocol;
          this.#dispatch('open', { type: 'open' });
        });
      });
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
        if (this.#dead) return;
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        vu.bytesReceived += buf.length;
        vu.emit('ws_msgs_received', 1, this.#tags);
        const payload = isBinary ? buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) : buf.toString('utf8');
        if (this.#in === null) this.#dispatch('message', { type: 'message', data: payload, timestamp: Date.now() });
        else this.#in.push(() => this.#dispatch('message', { type: 'message', data: payload, timestamp: Date.now() }));
      });
      ws.on('ping', () => {
        if (this.#dead) return;
        if (this.#in === null) this.#dispatch('ping', { type: 'ping' });
        else this.#tell(() => this.#dispatch('ping', { type: 'ping' }));
      });
      ws.on('pong', () => {
        if (this.#dead) return;
        if (this.#in === null) this.#dispatch('pong', { type: 'pong' });
        else this.#tell(() => this.#dispatch('pong', { type: 'pong' }));
      });
      ws.on('error', (err: Error) => {
        if (this.#dead) return;
        this.#tell(() => this.#dispatch('error', { type: 'error', error: err.message }));
      });
      ws.on('close', (code: number, reason: Buffer) => {
        if (this.#dead) return;
        if (this.#openedAt !== 0) vu.emit('ws_session_duration', performance.now() - this.#openedAt, this.#tags);
        const text = reason.toString('utf8');
        const closed = (): void => {
          this.#dead = true;
          this.readyState = 3;
          this.#out?.cancel();
          this.#dispatch('close', { type: 'close', code, reason: text });
          this.#release();
        };
        if (this.#in === null) closed();
        else {
          // Nothing after the close: later events of this socket are dropped, as without the switch.
          this.#closing = true;
          this.#in.push(closed);
        }
      });
    }

    /** Runs an event's delivery now, or (switch on) in this socket's order after its delay. */
    #tell(deliver: () => void): void {
      if (this.#in === null) deliver();
      else if (!this.#closing) this.#in.push(() => { if (!this.#dead) deliver(); });
    }

    get bufferedAmount(): number {
      return this.#ws.bufferedAmount;
    }

    send(data: unknown): void {
      if (this.readyState === 0) throw new Error('InvalidStateError: send() on a WebSocket that is still connecting');
      if (this.readyState !== 1) return;
      let payload: string | Buffer;
      if (typeof data === 'string') payload = data;
      else if (data instanceof ArrayBuffer) payload = Buffer.from(data);
      else if (ArrayBuffer.isView(data)) payload = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
      else throw new TypeError('WebSocket.send: data must be a string, an ArrayBuffer or a typed array');
      const ws = this.#ws;
      if (this.#out === null) ws.send(payload);
      else this.#out.push(() => ws.send(payload));
      vu.bytesSent += typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
      vu.emit('ws_msgs_sent', 1, this.#tags);
    }

    ping(): void {
      if (this.readyState !== 1) return;
      const ws = this.#ws;
      if (this.#out === null) ws.ping();
      else this.#out.push(() => ws.ping());
    }

    close(code?: unknown, reason?: unknown): void {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      const ws = this.#ws;
      const c = code === undefined ? 1000 : Number(code);
      const r = reason === undefined ? '' : String(reason);
      if (this.#out === null) ws.close(c, r);
      else this.#out.push(() => ws.close(c, r));
    }

    addEventListener(type: unknown, listener: unknown): void {
      const t = String(type) as EventName;
      if (!EVENTS.includes(t)) throw new Error(`WebSocket.addEventListener: unknown event type '${String(type)}'`);
      if (typeof listener !== 'function') throw new TypeError('WebSocket.addEventListener: the listener must be a function');
      this.#listeners ??= new Map();
      const list = this.#listeners.get(t) ?? [];
      list.push(listener as Listener);
      this.#listeners.set(t, list);
    }

    removeEventListener(type: unknown, listener: unknown): void {
      const list = this.#listeners?.get(String(type) as EventName);
      if (list === undefined) return;
      const i = list.indexOf(listener as Listener);
      if (i >= 0) list.splice(i, 1);
    }

    /** ev is always a fresh object: it becomes the listeners' event as it is. */
    #dispatch(type: EventName, ev: Record<string, unknown>): void {
      ev.target = this;
      const handler = this[`on${type}`];
      if (handler !== null) vu.invoke(handler, this, [ev]);
      const list = this.#listeners?.get(type);
      if (list !== undefined) for (const l of [...list]) vu.invoke(l, this, [ev]);
    }
  }

  const api = {
    WebSocket,
    Blob: class {
      constructor() {
        throw new Error('Blob is not supported by the queue-k6 Node runner');
      }
    },
  };
  return { __esModule: true, default: api, ...api };
}
