// Capacity of the reference target: how many concurrently waiting Socket.IO users
// it holds, and whether the processor still serves batches while it holds them.
//
//   node --import tsx bench/target-capacity.ts [N]        (default N = 10000)
//
// Starts a throwaway redis and the target (threshold 1000, interval 2000 ms) in a
// child process, registers N users over HTTP, has each `check` and connect a
// websocket-only socket.io-client socket that sends `join-queue`, keeps them all
// connected, then frees slots (admitted users leave, LEAVERS_PER_TICK per tick) so
// the processor serves TICKS batches. Prints a table; stops everything it started.
// Environment: LEAVERS_PER_TICK (10), TICKS (3), CONNECT_CONCURRENCY (200).
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { startRedis, freePort, type RedisServer } from '../test/support/redis.ts';
import type { TargetStats } from '../reference-room/server.ts';
import { serveIfChild, type ChildMessage } from './target-child.ts';

const THRESHOLD = 1000;
const INTERVAL_MS = 2000;
const KDF_COST = 1024;

type Stats = TargetStats;


// ---- server mode: the child process that runs the target -------------------


// ---- bench mode -------------------------------------------------------------

function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
}

function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  }));
}

async function post(url: string, body: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}), signal: AbortSignal.timeout(30_000) });
  const json = await res.json() as any;
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`invalid ${name}; reason: expected a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

interface User {
  id: string;
  token: string;
  socket?: Socket;
  admittedAtOnce?: boolean;
  sawOwnAdmission?: boolean;
}

async function bench(): Promise<void> {
  const arg = process.argv[2];
  if (arg !== undefined && !/^\d+$/.test(arg)) throw new Error(`usage: node --import tsx bench/target-capacity.ts [N]; N must be a positive integer, got ${JSON.stringify(arg)}`);
  const n = arg === undefined ? 10_000 : Number(arg);
  const leaversPerTick = envInt('LEAVERS_PER_TICK', 10);
  const ticksWanted = envInt('TICKS', 3);
  const connectConcurrency = envInt('CONNECT_CONCURRENCY', 200);

  const limit = openFilesLimit();
  if (limit < n + 500) {
    throw new Error(`the open-files limit is ${limit}, too low for ${n} sockets (each side needs one descriptor per connection); raise it first, e.g. \`ulimit -n ${Math.max(n + 1000, 4096)}\` (at most the hard limit, \`ulimit -Hn\`), or run with a smaller N`);
  }

  let redis: RedisServer | null = null;
  let child: ChildProcess | null = null;
  const users: User[] = [];
  const cleanup = async () => {
    for (const u of users) u.socket?.disconnect();
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const c = child;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
        const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
        c.once('exit', () => clearTimeout(force));
      });
    }
    await redis?.stop();
  };
  const onSignal = () => void cleanup().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    redis = await startRedis();
    const port = await freePort();
    child = fork(fileURLToPath(import.meta.url), ['--serve'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_PORT: String(port), BENCH_REDIS_URL: redis.url },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const c = child;
    const pending = new Map<string, (m: ChildMessage) => void>();
    c.on('message', (m: ChildMessage) => pending.get(m.type)?.(m));
    const waitFor = <T extends ChildMessage['type']>(type: T, timeoutMs: number) =>
      new Promise<Extract<ChildMessage, { type: T }>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`target child: no ${type} within ${timeoutMs} ms`)), timeoutMs);
        const onExit = (code: number | null) => reject(new Error(`target child exited with code ${code}`));
        c.once('exit', onExit);
        pending.set(type, (m) => {
          clearTimeout(timer);
          c.off('exit', onExit);
          pending.delete(type);
          resolve(m as Extract<ChildMessage, { type: T }>);
        });
      });
    const stats = async (): Promise<Stats> => {
      const p = waitFor('stats', 120_000);
      c.send({ type: 'stats' });
      return (await p).stats;
    };
    const { url } = await waitFor('ready', 30_000);
    const eventId = randomUUID();
    const runId = randomUUID().slice(0, 8);
    process.stderr.write(`target ${url} (pid ${c.pid}); ${n} users, event ${eventId}\n`);

    // 1. Register.
    let t0 = performance.now();
    users.length = n;
    await pool(Array.from({ length: n }, (_, i) => i), 64, async (i) => {
      const r = await post(`${url}/api/auth/register`, { email: `bench${i}-${runId}@test.com`, password: 'bench-pass', name: `Bench ${i}` });
      users[i] = { id: r.user.id, token: r.token };
    });
    const registerSeconds = (performance.now() - t0) / 1000;
    process.stderr.write(`registered ${n} in ${registerSeconds.toFixed(1)} s\n`);

    // 2. check, then connect and join-queue, as the browser does.
    let received = 0;
    let disconnects = 0;
    let connectErrors = 0;
    const admittedOrder: User[] = [];
    const byId = new Map<string, User>();
    let lastUpdate: (() => void) | null = null;
    t0 = performance.now();
    await pool(users, connectConcurrency, async (u, i) => {
      byId.set(u.id, u);
      const r = await post(`${url}/api/queue/check/${eventId}`, {}, u.token);
      u.admittedAtOnce = r.queued === false;
      if (u.admittedAtOnce) admittedOrder.push(u);
      const s = io(url, { transports: ['websocket'], auth: { token: u.token }, reconnection: false, forceNew: true, timeout: 60_000 });
      u.socket = s;
      s.on('queue-entry-allowed', (p: { userId: string }) => {
        received++;
        if (p.userId === u.id && !u.sawOwnAdmission) {
          u.sawOwnAdmission = true;
          admittedOrder.push(u);
        }
      });
      s.on('queue-updated', () => {
        received++;
        if (i === 0) lastUpdate?.();
      });
      s.on('disconnect', () => { disconnects++; });
      await new Promise<void>((resolve, reject) => {
        s.once('connect', () => resolve());
        s.once('connect_error', (err) => { connectErrors++; reject(new Error(`socket ${i}: ${err.message}`)); });
      });
      await s.timeout(60_000).emitWithAck('join-queue', { eventId });
    });
    const connectSeconds = (performance.now() - t0) / 1000;
    const afterConnect = rssMb(c.pid!);
    process.stderr.write(`connected ${n} in ${connectSeconds.toFixed(1)} s; target RSS ${afterConnect.rss.toFixed(0)} MB\n`);
    const admittedAtOnce = users.filter((u) => u.admittedAtOnce).length;

    // 3. Serve: admitted users leave (LEAVERS_PER_TICK per tick); wait for each batch's queue-updated.
    const before = await stats();
    let leaveCursor = 0;
    const batchSeconds: number[] = [];
    const ticksToServe = admittedAtOnce < n ? ticksWanted : 0;
    if (ticksToServe === 0) process.stderr.write(`N <= threshold (${THRESHOLD}): nobody is queued, so no batch to serve\n`);
    for (let tick = 0; tick < ticksToServe; tick++) {
      process.stderr.write(`tick ${tick + 1}: target RSS ${rssMb(c.pid!).rss.toFixed(0)} MB, room messages received so far ${received}\n`);
      const leavers = admittedOrder.slice(leaveCursor, leaveCursor + leaversPerTick);
      leaveCursor += leavers.length;
      await pool(leavers, 50, async (u) => { await post(`${url}/api/queue/leave/${eventId}`, {}, u.token); });
      const tb = performance.now();
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no queue-updated within ${INTERVAL_MS * 10} ms of tick ${tick + 1}`)), INTERVAL_MS * 10);
        lastUpdate = () => { clearTimeout(timer); lastUpdate = null; resolve(); };
      });
      batchSeconds.push((performance.now() - tb) / 1000);
    }
    await new Promise((r) => setTimeout(r, 1000)); // let the last broadcasts drain
    const after = await stats();
    const mem = rssMb(c.pid!);
    const held = users.filter((u) => u.socket?.connected).length;
    const ownSeen = users.filter((u) => u.sawOwnAdmission).length;

    const rows: Array<[string, string]> = [
      ['N (users)', String(n)],
      ['connections held (clients / server)', `${held} / ${after.connections}`],
      ['connect errors / disconnects', `${connectErrors} / ${disconnects}`],
      ['admitted at once / queued', `${admittedAtOnce} / ${n - admittedAtOnce}`],
      ['batches served during the run', String(after.batchesServed - before.batchesServed)],
      ['users admitted by the processor', String(after.usersAdmitted - before.usersAdmitted)],
      ['admissions seen on the user\'s own socket', String(ownSeen)],
      ['room messages received by all clients', String(received)],
      ['processor ticks (skipped, errors)', `${after.ticks} (${after.skippedTicks}, ${after.errors})`],
      ['server time emitting batch broadcasts (ms)', (after.emitMs - before.emitMs).toFixed(0)],
      ['  per message per socket (µs)', received === 0 ? '-' : ((after.emitMs - before.emitMs) * 1000 / received).toFixed(1)],
      ['target RSS after connect / end / peak (MB)', `${afterConnect.rss.toFixed(0)} / ${mem.rss.toFixed(0)} / ${mem.peak.toFixed(0)}`],
      ['time to register all (s)', registerSeconds.toFixed(1)],
      ['time to check + connect + join all (s)', connectSeconds.toFixed(1)],
      ['leave → queue-updated per tick (s)', batchSeconds.map((x) => x.toFixed(1)).join(', ')],
    ];
    const w = Math.max(...rows.map(([k]) => k.length));
    console.log(`\nreference target capacity: threshold ${THRESHOLD}, interval ${INTERVAL_MS} ms, ${leaversPerTick} leavers per tick, ${cpus().length} CPUs`);
    console.log(`| ${'metric'.padEnd(w)} | value`);
    console.log(`| ${'-'.repeat(w)} | -----`);
    for (const [k, v] of rows) console.log(`| ${k.padEnd(w)} | ${v}`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await cleanup();
  }
}

const isChild = serveIfChild(() => ({
  port: Number(process.env.BENCH_PORT),
  redisUrl: process.env.BENCH_REDIS_URL!,
  threshold: THRESHOLD,
  processorIntervalMs: INTERVAL_MS,
  kdfCost: KDF_COST,
}));
if (!isChild) {
  bench().catch((err: unknown) => {
    const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
    process.stderr.write(`target-capacity: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
    process.exitCode = 1;
  });
}
