// k6/x/redis (xk6-redis): a lazily connected client whose calls are pending
// work of the VU. Replies and failures take the shapes recorded from
// xk6-redis on k6 v2.2.0 (shared/k6-reference/README.md, "xk6-redis
// replies"): go-redis reports a nil reply and an error reply as Redis
// errors, which reach the script as plain strings ('redis: nil', the reply's
// text); a network failure is an Error whose message is Go's dial error.
// The client may be created in the init context or later, in VU code. On k6
// 0.46 the constructor takes only the options object { addrs, password, db }.
//
// The connection is dialled from the VU's --local-ips address, as k6 dials it
// (k6-reference, "At scale on real k6": xk6-redis uses the VU's dialer, so a
// Redis in protected mode, which accepts only clients at 127.0.0.1 and ::1,
// refuses a run with --local-ips=127.0.1.x). Such a refusal reaches the
// script as k6 reported it: an Error `write: broken pipe`.
import { createConnection, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { AbstractConnector, Redis } from 'ioredis';
import { redisClientTakesUrl } from '../k6-lines.ts';
import type { VU } from '../vu.ts';

const CONNECT_TIMEOUT_MS = 2000;

/** go-redis's redis.Nil, as a script sees it. */
export const REDIS_NIL = 'redis: nil';

interface SocketOptions {
  host?: string;
  port?: number;
}
interface ClientOptions {
  socket?: SocketOptions;
  password?: string;
  username?: string;
  database?: number;
}
/** The options object of k6 0.46-0.47's Client (xk6-redis before v0.2): the only form it takes. */
interface LegacyClientOptions {
  addrs?: unknown;
  password?: string;
  username?: string;
  db?: number;
}

/** `host:port` or `[v6]:port` of a legacy `addrs` entry. */
function splitAddr(addr: string): { host: string; port: number } | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(addr);
  if (m === null) return undefined;
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

/** k6's GoError: before 0.48 a URL string, or anything but `{ addrs: [...] }`, gives this (k6-reference, "Client on k6 0.46"). */
function optionsParseError(): Error {
  const e = new Error('unable to parse options object');
  e.name = 'GoError';
  return e;
}

interface NetError extends Error {
  code?: string;
  address?: string;
  port?: number;
}

/** Go's address form: 127.0.0.1:6379, [::1]:6379. */
function goAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Go's net.Dial error text for a failed connect, as go-redis returns it. */
export function dialError(err: NetError, host: string, port: number): string {
  const addr = goAddress(err.address ?? host, err.port ?? port);
  switch (err.code) {
    case 'ECONNREFUSED':
      return `dial tcp ${addr}: connect: connection refused`;
    case 'ETIMEDOUT':
      return `dial tcp ${addr}: i/o timeout`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${host}: no such host`;
    case 'EHOSTUNREACH':
      return `dial tcp ${addr}: connect: no route to host`;
    case 'ENETUNREACH':
      return `dial tcp ${addr}: connect: network is unreachable`;
    default:
      return `dial tcp ${addr}: ${err.message}`;
  }
}

/** An error reply (WRONGTYPE …, ERR …, WRONGPASS …) from ioredis. */
function isReplyError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'ReplyError';
}

/** What Redis in protected mode sends a client that is not at 127.0.0.1 or ::1, before it closes. */
const PROTECTED_MODE_DENIAL = /^DENIED\b/;

/** The text k6 v2.2.0 + xk6-redis gave for a client refused by protected mode (k6-reference, "At scale on real k6"). */
export const REFUSED_CLIENT_ERROR = 'write: broken pipe';

interface DialOptions { host: string; port: number; tls?: object; disconnectTimeout?: number }

/**
 * ioredis's standalone connector, dialling from a source address. The
 * address is asked for at each dial (the VU's, as xk6-redis asks the VU's
 * dialer when it first needs a connection), not when the client is made.
 */
function connectorFrom(localAddress: () => string | undefined): new (options: unknown) => AbstractConnector {
  return class LocalAddressConnector extends AbstractConnector {
    readonly #o: DialOptions;
    constructor(options: unknown) {
      const o = options as DialOptions;
      super(o.disconnectTimeout ?? 2000);
      this.#o = o;
    }
    connect(): Promise<Socket> {
      this.connecting = true;
      const local = localAddress();
      const target = { host: this.#o.host, port: this.#o.port, ...(local !== undefined ? { localAddress: local } : {}) };
      return new Promise((resolve, reject) => {
        process.nextTick(() => {
          if (!this.connecting) return reject(new Error('Connection is closed.'));
          let stream: Socket;
          try {
            stream = this.#o.tls !== undefined ? tlsConnect({ ...target, servername: this.#o.host } as ConnectionOptions) : createConnection(target);
          } catch (err) {
            return reject(err as Error);
          }
          this.stream = stream;
          stream.once('error', (err) => {
            this.firstError = err;
          });
          resolve(stream);
        });
      });
    }
  };
}

export function createRedisModule(vu: VU): Record<string, unknown> {
  class Client {
    readonly #host: string;
    readonly #port: number;
    readonly #redis: Redis;
    #connecting: Promise<void> | null = null;
    #lastError: NetError | null = null;

    constructor(options: unknown) {
      let host = '127.0.0.1';
      let port = 6379;
      let password: string | undefined;
      let username: string | undefined;
      let db = 0;
      let tls = false;
      if (!redisClientTakesUrl(vu.rt.emulation.line)) {
        const o = (typeof options === 'object' && options !== null ? options : {}) as LegacyClientOptions;
        const first = Array.isArray(o.addrs) && typeof o.addrs[0] === 'string' ? splitAddr(o.addrs[0]) : undefined;
        if (first === undefined) throw optionsParseError();
        ({ host, port } = first);
        password = o.password === '' ? undefined : o.password;
        username = o.username === '' ? undefined : o.username;
        db = o.db ?? 0;
      } else if (typeof options === 'string') {
        const u = new URL(options);
        if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`invalid redis URL '${options}'; expected redis://host:port[/db]`);
        host = u.hostname || host;
        port = u.port === '' ? 6379 : Number(u.port);
        password = u.password === '' ? undefined : decodeURIComponent(u.password);
        username = u.username === '' ? undefined : decodeURIComponent(u.username);
        db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
        tls = u.protocol === 'rediss:';
      } else if (typeof options === 'object' && options !== null) {
        const o = options as ClientOptions;
        host = o.socket?.host ?? host;
        port = o.socket?.port ?? port;
        password = o.password;
        username = o.username;
        db = o.database ?? 0;
      } else {
        throw new Error('redis Client: expected a URL string or an options object { socket: { host, port } }');
      }
      this.#host = host;
      this.#port = port;
      this.#redis = new Redis({
        host,
        port,
        db,
        ...(password !== undefined ? { password } : {}),
        ...(username !== undefined ? { username } : {}),
        Connector: connectorFrom(() => vu.localAddress),
        ...(tls ? { tls: {} } : {}),
        lazyConnect: true,
        connectTimeout: CONNECT_TIMEOUT_MS,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        retryStrategy: () => null,
        reconnectOnError: () => false,
      });
      this.#redis.on('error', (e: Error) => {
        this.#lastError = e; // surfaced through the calls
      });
      this.#redis.on('end', () => {
        this.#connecting = null;
      });
      const r = this.#redis;
      vu.rt.closers.add(() => {
        r.disconnect(false);
      });
    }

    #connect(): Promise<void> {
      if (this.#connecting === null) {
        const attempt = (async () => {
          this.#lastError = null;
          try {
            await this.#redis.connect();
          } catch (e) {
            this.#connecting = null;
            this.#redis.disconnect(false);
            const cause = (this.#lastError ?? e) as NetError;
            const reply = cause instanceof Error && cause.name === 'ReplyError'; // as isReplyError, without narrowing cause
            if (reply && !PROTECTED_MODE_DENIAL.test(cause.message)) throw cause.message; // AUTH or SELECT refused: a reply, so a string
            // Connected, then closed by the server before any reply (protected mode's DENIED and close):
            // go-redis's first write on it fails, and that is the error k6 reports.
            if (reply || (cause.code === undefined && cause.message === 'Connection is closed.') || cause.code === 'EPIPE') throw new Error(REFUSED_CLIENT_ERROR);
            if (cause.code === 'ECONNRESET') throw new Error('write: connection reset by peer');
            throw new Error(dialError(cause, this.#host, this.#port));
          }
        })();
        this.#connecting = attempt;
      }
      return this.#connecting;
    }

    sendCommand(command: unknown, ...args: unknown[]): Promise<unknown> {
      const run = async (): Promise<unknown> => {
        if (this.#redis.status !== 'ready') await this.#connect();
        let reply: unknown;
        try {
          reply = await this.#redis.call(String(command), ...args.map((a) => (typeof a === 'number' ? String(a) : (a as string))));
        } catch (e) {
          // A Redis in protected mode answers DENIED to a client not at 127.0.0.1 and closes:
          // go-redis reports the write that fails, not the reply (k6-reference, "At scale on real k6").
          if (isReplyError(e) && PROTECTED_MODE_DENIAL.test(e.message)) throw new Error(REFUSED_CLIENT_ERROR);
          if (isReplyError(e)) throw e.message; // xk6-redis: an error reply rejects with its text, a string
          throw new Error((e as Error).message);
        }
        // xk6-redis: a nil reply (GET of a missing key, ZRANK/ZSCORE of a non-member) rejects.
        if (reply === null) throw REDIS_NIL;
        return reply;
      };
      return vu.loop.track(run());
    }

    // The helpers the runner's tests use; the suite itself speaks sendCommand only.
    get(key: unknown) {
      return this.sendCommand('GET', key);
    }
    set(key: unknown, value: unknown) {
      return this.sendCommand('SET', key, value);
    }
    sadd(key: unknown, ...members: unknown[]) {
      return this.sendCommand('SADD', key, ...members);
    }
    sismember(key: unknown, member: unknown) {
      return this.sendCommand('SISMEMBER', key, member).then((n) => n === 1);
    }
  }

  const api = { Client };
  return { __esModule: true, default: api, ...api };
}
