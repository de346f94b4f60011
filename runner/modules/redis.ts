// k6/x/redis (xk6-redis): a lazily connected client whose calls are pending
// work of the VU. An unreachable server fails the call within ~2 s with a
// message naming host and port; nothing retries in the background.
import { Redis } from 'ioredis';
import type { VU } from '../vu.ts';

const CONNECT_TIMEOUT_MS = 2000;

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

function describeConnectError(err: Error & { code?: string }): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ETIMEDOUT':
      return 'connect timeout';
    case 'ENOTFOUND':
      return 'no such host';
    default:
      return err.message;
  }
}

export function createRedisModule(vu: VU): Record<string, unknown> {
  class Client {
    readonly #host: string;
    readonly #port: number;
    readonly #redis: Redis;
    #connecting: Promise<void> | null = null;
    #lastError: (Error & { code?: string }) | null = null;

    constructor(options: unknown) {
      let host = '127.0.0.1';
      let port = 6379;
      let password: string | undefined;
      let username: string | undefined;
      let db = 0;
      let tls = false;
      if (typeof options === 'string') {
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
            throw new Error(`redis ${this.#host}:${this.#port}: ${describeConnectError(this.#lastError ?? (e as Error))}`);
          }
        })();
        this.#connecting = attempt;
      }
      return this.#connecting;
    }

    sendCommand(command: unknown, ...args: unknown[]): Promise<unknown> {
      const run = async (): Promise<unknown> => {
        if (this.#redis.status !== 'ready') await this.#connect();
        try {
          return await this.#redis.call(String(command), ...args.map((a) => (typeof a === 'number' ? String(a) : (a as string))));
        } catch (e) {
          const err = e as Error;
          throw new Error(err.message);
        }
      };
      return vu.loop.track(run());
    }

    get(key: unknown) {
      return this.sendCommand('GET', key);
    }
    set(key: unknown, value: unknown, expiration?: unknown) {
      const ex = Number(expiration ?? 0);
      return ex > 0 ? this.sendCommand('SET', key, value, 'EX', ex) : this.sendCommand('SET', key, value);
    }
    del(...keys: unknown[]) {
      return this.sendCommand('DEL', ...keys);
    }
    exists(...keys: unknown[]) {
      return this.sendCommand('EXISTS', ...keys);
    }
    expire(key: unknown, seconds: unknown) {
      return this.sendCommand('EXPIRE', key, seconds).then((n) => n === 1);
    }
    ttl(key: unknown) {
      return this.sendCommand('TTL', key);
    }
    incr(key: unknown) {
      return this.sendCommand('INCR', key);
    }
    sadd(key: unknown, ...members: unknown[]) {
      return this.sendCommand('SADD', key, ...members);
    }
    srem(key: unknown, ...members: unknown[]) {
      return this.sendCommand('SREM', key, ...members);
    }
    sismember(key: unknown, member: unknown) {
      return this.sendCommand('SISMEMBER', key, member).then((n) => n === 1);
    }
    smembers(key: unknown) {
      return this.sendCommand('SMEMBERS', key);
    }
  }

  const api = { Client };
  return { __esModule: true, default: api, ...api };
}
