// Shared by reference-room/*.test.ts: a throwaway redis + target per test, an HTTP
// helper, users, and Socket.IO clients with bounded waits (no wait without a timeout).
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { startRedis, type RedisServer } from '../test/support/redis.ts';
import { startRoom, type RoomProcess } from './room.ts';
import { startTarget, type TargetConfig, type TargetHandle } from './server.ts';

export interface Stack {
  url: string;
  target: TargetHandle;
  redisServer: RedisServer;
  /** a separate client for probes */
  redis: Redis;
  logs: string[];
  stop(): Promise<void>;
}

export async function startStack(config: Partial<TargetConfig> = {}): Promise<Stack> {
  const redisServer = await startRedis();
  const logs: string[] = [];
  let target: TargetHandle;
  try {
    target = await startTarget(
      { port: 0, kdfCost: 1024, processorIntervalMs: 300, redisUrl: redisServer.url, ...config },
      { log: (line) => logs.push(line) },
    );
  } catch (err) {
    await redisServer.stop();
    throw err;
  }
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  await redis.connect();
  const sockets = openSockets;
  return {
    url: target.url,
    target,
    redisServer,
    redis,
    logs,
    stop: async () => {
      for (const s of sockets) s.disconnect();
      sockets.clear();
      redis.disconnect();
      await target.close();
      await redisServer.stop();
    },
  };
}

export interface RoomStack {
  /** the address every room process answers on */
  url: string;
  /** each process alone; [0] runs the processor */
  processUrls: string[];
  room: RoomProcess;
  redisServer: RedisServer;
  redis: Redis;
  logs: string[];
  stop(): Promise<void>;
}

/** A throwaway redis + a room of `processes` processes in a child process (room.ts startRoom). */
export async function startRoomStack(config: Partial<TargetConfig> & { processes: number }): Promise<RoomStack> {
  const redisServer = await startRedis();
  const logs: string[] = [];
  let room: RoomProcess;
  try {
    room = await startRoom(
      { port: 0, kdfCost: 1024, processorIntervalMs: 300, redisUrl: redisServer.url, ...config },
      { log: (line) => logs.push(line) },
    );
  } catch (err) {
    await redisServer.stop();
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${logs.join('\n')}`);
  }
  const redis = new Redis(redisServer.url, { maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => null });
  redis.on('error', () => undefined);
  await redis.connect();
  return {
    url: room.url,
    processUrls: room.processUrls,
    room,
    redisServer,
    redis,
    logs,
    stop: async () => {
      for (const s of openSockets) s.disconnect();
      openSockets.clear();
      redis.disconnect();
      await room.close();
      await redisServer.stop();
    },
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ApiResponse {
  status: number;
  body: any;
}

export async function api(
  url: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url + path, { method, headers, body, signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
    throw new Error(`${method} ${path}: ${err instanceof Error ? err.message : String(err)}${cause}`);
  }
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* leave the text */
  }
  return { status: res.status, body: parsed };
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

let userCounter = 0;

export async function registerUser(url: string, prefix = 'user'): Promise<TestUser> {
  const email = `${prefix}${++userCounter}-${randomUUID().slice(0, 8)}@test.com`;
  const r = await api(url, 'POST', '/api/auth/register', { body: { email, password: 'secret123', name: 'Test User' } });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { id: r.body.user.id, email, token: r.body.token };
}

export async function registerUsers(url: string, n: number, concurrency = 50): Promise<TestUser[]> {
  const out: TestUser[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await registerUser(url);
    }
  }));
  return out;
}

export const check = (url: string, user: TestUser, eventId: string) => api(url, 'POST', `/api/queue/check/${eventId}`, { token: user.token });
export const leave = (url: string, user: TestUser, eventId: string) => api(url, 'POST', `/api/queue/leave/${eventId}`, { token: user.token });

const openSockets = new Set<Socket>();

/** A socket, not yet connected: attach listeners, then `await connect(socket)`. */
export function socketFor(url: string, token: string | undefined): Socket {
  const s = io(url, {
    transports: ['websocket'],
    auth: token === undefined ? {} : { token },
    reconnection: false,
    forceNew: true,
    autoConnect: false,
    timeout: 5000,
  });
  openSockets.add(s);
  return s;
}

export function connect(s: Socket, timeoutMs = 5000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('socket did not connect in time')), timeoutMs);
    s.once('connect', () => { clearTimeout(timer); resolve(); });
    s.once('connect_error', (err) => { clearTimeout(timer); reject(err); });
    s.connect();
  });
}

export async function connectedSocket(url: string, token: string): Promise<Socket> {
  const s = socketFor(url, token);
  await connect(s);
  return s;
}

export async function joinQueue(s: Socket, eventId: unknown): Promise<{ ok: boolean; error?: string }> {
  return s.timeout(5000).emitWithAck('join-queue', { eventId });
}

/** Resolves with the first `event` payload matching `pred`, or rejects after timeoutMs. */
export function nextEvent<T = any>(s: Socket, event: string, pred: (p: T) => boolean = () => true, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const onEvent = (p: T) => {
      if (!pred(p)) return;
      clearTimeout(timer);
      s.off(event, onEvent);
      resolve(p);
    };
    const timer = setTimeout(() => {
      s.off(event, onEvent);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on(event, onEvent);
  });
}

/** Records every event a socket receives, in order. */
export function record(s: Socket): Array<{ event: string; payload: any }> {
  const seen: Array<{ event: string; payload: any }> = [];
  s.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  return seen;
}

/** Polls `probe` until it returns true; rejects after timeoutMs. */
export async function until(probe: () => Promise<boolean> | boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const newEventId = (): string => randomUUID();

/** Queues users one by one, a few ms apart, so their scores (join times) are distinct. */
export async function checkInOrder(url: string, users: TestUser[], eventId: string): Promise<ApiResponse[]> {
  const out: ApiResponse[] = [];
  for (const u of users) {
    out.push(await check(url, u, eventId));
    await sleep(3);
  }
  return out;
}
