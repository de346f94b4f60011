// Admission capacity of the reference room against room size, for each way of
// announcing admissions (TARGET_NOTIFY=room, the contract's and the real system's,
// against user), and optionally for several room processes (TARGET_PROCESSES):
// how many admissions per second an operator gets from each design.
//
//   node --import tsx bench/target-capacity.ts [room sizes...]     (default: 1000 5000 10000)
//
// For each notify mode x process count x room size R: a room (threshold BATCH,
// interval 1 h, so only the bench's ticks run; kdfCost 16) over one throwaway
// redis, R accounts (registered once, shared by every room: same JWT key),
// R sockets in the event's room (each `check`ed first: BATCH admitted at once, the
// rest queued), all kept connected throughout. Then BATCHES times: the BATCH users
// admitted last leave, the bench asks process 0 for one processor tick, and times
// it until every newly admitted user has heard its own queue-entry-allowed and
// the room has heard queue-updated (the batch is fully announced).
// admissions/s = BATCH / that time. Frames = what the room's sockets received.
//
// The clients are raw WebSockets speaking just enough Engine.IO / Socket.IO
// (open, connect with auth, ping/pong, join-queue, events matched as text),
// so the load generator costs little next to the room's fan-out. The room runs
// in its own processes (reference-room/room.ts startRoom); their CPU seconds are
// read from /proc.
//
// Environment: BENCH_NOTIFY ("room user"), BENCH_PROCESSES ("1"; e.g. "1 2"),
// BATCH (50), BATCHES (2), CONNECT_CONCURRENCY (200).
// Everything it starts it stops; every wait has a timeout.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { startRoom, type RoomProcess } from '../reference-room/room.ts';
import { startRedis, type RedisServer } from '../test/support/redis.ts';

// Logins are not what this bench measures: the cheapest hash makes registering 10,000 accounts quick.
const KDF_COST = 16;
const JWT_SECRET = randomUUID() + randomUUID();
const PASSWORD = 'bench-password';
const STEP_TIMEOUT_MS = 900_000;

function envList(name: string, dflt: string, allowed?: readonly string[]): string[] {
  const raw = (process.env[name] ?? '').trim() || dflt;
  const items = raw.split(/[\s,]+/).filter((s) => s !== '');
  for (const item of items) {
    if (allowed ? !allowed.includes(item) : !/^\d+$/.test(item) || Number(item) < 1) {
      throw new Error(`invalid ${name}; reason: expected ${allowed ? `a list of: ${allowed.join(', ')}` : 'a list of positive integers'}, got ${JSON.stringify(raw)}`);
    }
  }
  return items;
}

function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) throw new Error(`invalid ${name}; reason: expected a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
}

const CLK_TCK = 100;
/** User + system CPU seconds of a process (0 when it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function rssMb(pid: number): number {
  try {
    return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
  } catch {
    return NaN;
  }
}

async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
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
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body ?? {}), signal: AbortSignal.timeout(60_000) });
  const json = await res.json() as any;
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: not done within ${ms / 1000} s`)), ms); }),
  ]);
}

// ---- a minimal Socket.IO client over ws --------------------------------------

interface User { id: string; email: string; token: string }

class Client {
  entries = 0;
  updates = 0;
  ownHeard = false;
  onOwn: (() => void) | null = null;
  onUpdate: (() => void) | null = null;
  private readonly needle: string;
  private ws!: WebSocket;
  private ackWaiter: (() => void) | null = null;

  constructor(readonly user: User, eventId: string) {
    // The payload is {eventId, userId, message}: this event's admission of this user.
    this.needle = `"eventId":"${eventId}","userId":"${user.id}"`;
  }

  /** Engine.IO open, Socket.IO connect with the token; rejects on connect_error. */
  open(url: string): Promise<void> {
    const wsUrl = `${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
      this.ws = ws;
      const timer = setTimeout(() => { ws.terminate(); reject(new Error('socket did not connect within 60 s')); }, 60_000);
      ws.on('error', (err) => { clearTimeout(timer); reject(err); });
      ws.on('message', (data: Buffer) => {
        const m = data.toString();
        if (m === '2') return void ws.send('3');
        if (m.startsWith('42["queue-entry-allowed"')) {
          this.entries++;
          if (!this.ownHeard && m.includes(this.needle)) {
            this.ownHeard = true;
            this.onOwn?.();
          }
        } else if (m.startsWith('42["queue-updated"')) {
          this.updates++;
          this.onUpdate?.();
        } else if (m.startsWith('0{')) {
          ws.send(`40${JSON.stringify({ token: this.user.token })}`);
        } else if (m.startsWith('40')) {
          clearTimeout(timer);
          resolve();
        } else if (m.startsWith('44')) {
          clearTimeout(timer);
          reject(new Error(`connect_error ${m.slice(2)}`));
        } else if (m.startsWith('431')) {
          this.ackWaiter?.();
        }
      });
    });
  }

  join(eventId: string): Promise<void> {
    return withTimeout(new Promise<void>((resolve) => {
      this.ackWaiter = () => { this.ackWaiter = null; resolve(); };
      this.ws.send(`421${JSON.stringify(['join-queue', { eventId }])}`);
    }), 60_000, 'join-queue ack');
  }

  get open_(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.ws?.terminate();
  }
}

// ---- one measurement ---------------------------------------------------------

interface Row {
  notify: string;
  processes: number;
  room: number;
  batch: number;
  admissionsPerSecond: number[];
  batchSeconds: number[];
  framesPerBatch: number;
  roomCpuPerBatch: number;
  clientCpuPerBatch: number;
  emitMsPerBatch: number;
  roomRssMb: number;
  connectSeconds: number;
  errors: number;
}

async function measure(room: RoomProcess, redis: Redis, users: User[], size: number, batch: number, batches: number, concurrency: number, notify: string, processes: number): Promise<Row> {
  const eventId = randomUUID();
  const members = users.slice(0, size);
  const clients: Client[] = [];
  let errors = 0;
  try {
    // Checks in order, one slice at a time: the first `batch` are admitted at once.
    const t0 = performance.now();
    const admittedOrder: Client[] = [];
    for (let i = 0; i < members.length; i += concurrency) {
      const slice = members.slice(i, i + concurrency);
      const answers = await Promise.all(slice.map((u) => post(`${room.url}/api/queue/check/${eventId}`, {}, u.token)));
      answers.forEach((a, k) => {
        const c = new Client(slice[k]!, eventId);
        clients.push(c);
        if (a.queued === false) admittedOrder.push(c);
      });
    }
    // Sockets spread over the room's processes (each process's own URL in turn).
    await pool(clients, concurrency, async (c, i) => {
      await c.open(room.processUrls[i % room.processUrls.length]!);
      await c.join(eventId);
    });
    const connectSeconds = (performance.now() - t0) / 1000;
    const probe = clients[clients.length - 1]!;

    const seconds: number[] = [];
    let frames = 0;
    let roomCpu = 0;
    let clientCpu = 0;
    let emitMs = 0;
    let leaveCursor = admittedOrder.length;
    for (let b = 0; b < batches; b++) {
      // The last `batch` admitted leave: `batch` free slots.
      const leavers = admittedOrder.slice(leaveCursor - batch, leaveCursor);
      leaveCursor -= batch;
      await pool(leavers, 50, async (c) => { await post(`${room.url}/api/queue/leave/${eventId}`, {}, c.user.token); });
      const before = await room.stats();
      const framesBefore = clients.reduce((sum, c) => sum + c.entries + c.updates, 0);
      const cpuBefore = [room.mainPid, ...room.pids].reduce((s, pid) => s + cpuSeconds(pid), 0);
      const clientBefore = process.cpuUsage();
      let heard = 0;
      let updated = false;
      const start = performance.now();
      const done = new Promise<void>((resolve) => {
        const check = () => { if (updated && heard >= batch) resolve(); };
        probe.onUpdate = () => { updated = true; check(); };
        // Who is admitted is known only from Redis: every queued client listens for its own.
        for (const c of clients) {
          if (c.ownHeard) continue;
          c.onOwn = () => {
            heard++;
            admittedOrder.push(c);
            check();
          };
        }
      });
      await room.processNow();
      await withTimeout(done, STEP_TIMEOUT_MS, `batch ${b + 1} of ${batch} into a room of ${size}`);
      const elapsed = (performance.now() - start) / 1000;
      const after = await room.stats();
      if (after.usersAdmitted - before.usersAdmitted !== batch) errors++;
      seconds.push(elapsed);
      frames += clients.reduce((sum, c) => sum + c.entries + c.updates, 0) - framesBefore;
      roomCpu += [room.mainPid, ...room.pids].reduce((s, pid) => s + cpuSeconds(pid), 0) - cpuBefore;
      const cu = process.cpuUsage(clientBefore);
      clientCpu += (cu.user + cu.system) / 1e6;
      emitMs += after.emitMs - before.emitMs;
      for (const c of clients) c.onOwn = null;
      probe.onUpdate = null;
      leaveCursor = admittedOrder.length;
    }
    errors += clients.filter((c) => !c.open_).length;
    return {
      notify, processes, room: size, batch,
      batchSeconds: seconds,
      admissionsPerSecond: seconds.map((s) => batch / s),
      framesPerBatch: frames / batches,
      roomCpuPerBatch: roomCpu / batches,
      clientCpuPerBatch: clientCpu / batches,
      emitMsPerBatch: emitMs / batches,
      roomRssMb: [room.mainPid, ...room.pids].reduce((s, pid) => s + rssMb(pid), 0),
      connectSeconds,
      errors,
    };
  } finally {
    for (const c of clients) c.close();
    // The processor serves every queue:* key: a finished row's event must not be served
    // (and announced to the same users) during the next row.
    await redis.del(`queue:${eventId}`, `active:${eventId}`);
    // Let the room see the disconnects before the next size.
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ---- main --------------------------------------------------------------------

async function bench(): Promise<void> {
  const args = process.argv.slice(2);
  for (const a of args) if (!/^\d+$/.test(a) || Number(a) < 1) throw new Error(`usage: node --import tsx bench/target-capacity.ts [room sizes...]; each must be a positive integer, got ${JSON.stringify(a)}`);
  const sizes = (args.length > 0 ? args : ['1000', '5000', '10000']).map(Number).sort((a, b) => a - b);
  const notifyModes = envList('BENCH_NOTIFY', 'room user', ['room', 'user']);
  const processCounts = envList('BENCH_PROCESSES', '1').map(Number);
  const batch = envInt('BATCH', 50);
  const batches = envInt('BATCHES', 2);
  const concurrency = envInt('CONNECT_CONCURRENCY', 200);
  const largest = sizes[sizes.length - 1]!;
  if (sizes[0]! < batch * (batches + 1)) throw new Error(`a room of ${sizes[0]} is too small for ${batches} batches of ${batch} after the first ${batch} admitted at once: use larger sizes, a smaller BATCH or fewer BATCHES`);
  const limit = openFilesLimit();
  if (limit < largest + 500) {
    throw new Error(`the open-files limit is ${limit}, too low for ${largest} sockets; raise it first, e.g. \`ulimit -n ${Math.min(20_000, largest + 1000)}\` (at most \`ulimit -Hn\`), or use smaller room sizes`);
  }

  let redis: RedisServer | null = null;
  let room: RoomProcess | null = null;
  let probe: Redis | null = null;
  const onSignal = () => void (async () => { await room?.close(); await redis?.stop(); })().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const rows: Row[] = [];
  try {
    redis = await startRedis();
    probe = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    // Accounts, once, through a first room: every later room shares the key and the Redis.
    const config = { port: 0, redisUrl: redis.url, kdfCost: KDF_COST, jwtSecret: JWT_SECRET, threshold: batch, processorIntervalMs: 3_600_000 };
    room = await startRoom({ ...config, processes: 1 });
    const runId = randomUUID().slice(0, 8);
    const users: User[] = new Array(largest);
    const t0 = performance.now();
    await pool(Array.from({ length: largest }, (_, i) => i), 64, async (i) => {
      const email = `cap${i}-${runId}@test.com`;
      const r = await post(`${room!.url}/api/auth/register`, { email, password: PASSWORD, name: `Bench ${i}` });
      users[i] = { id: r.user.id, email, token: r.token };
    });
    process.stderr.write(`registered ${largest} accounts in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    await room.close();
    room = null;

    for (const processes of processCounts) {
      for (const notify of notifyModes) {
        room = await startRoom({ ...config, processes, notify: notify as 'room' | 'user' });
        try {
          for (const size of sizes) {
            process.stderr.write(`notify=${notify} processes=${processes} room=${size}: `);
            const row = await measure(room, probe!, users, size, batch, batches, concurrency, notify, processes);
            rows.push(row);
            process.stderr.write(`${row.admissionsPerSecond.map((x) => x.toFixed(0)).join(', ')} admissions/s\n`);
          }
        } finally {
          await room.close();
          room = null;
        }
      }
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await room?.close();
    probe?.disconnect();
    await redis?.stop();
    // What was measured, also when a later row failed.
    printTable(rows, batch, batches);
  }

}

function printTable(rows: Row[], batch: number, batches: number): void {
  if (rows.length === 0) return;
  const fmt = (xs: number[], d = 0) => xs.map((x) => x.toFixed(d)).join(' / ');
  console.log(`\nreference room: admissions per second against room size; batches of ${batch}, ${batches} per row; ${cpus().length} CPUs; the client and the room share them`);
  const header = ['notify', 'processes', 'sockets in room', 'admissions/s (each batch)', 'batch time s', 'frames per batch', 'room CPU-s per batch', 'client CPU-s per batch', 'emit ms per batch (process 0)', 'room RSS MB', 'errors'];
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const r of rows) {
    console.log(`| ${[r.notify, r.processes, r.room, fmt(r.admissionsPerSecond), fmt(r.batchSeconds, 2), Math.round(r.framesPerBatch), r.roomCpuPerBatch.toFixed(2),
      r.clientCpuPerBatch.toFixed(2), r.emitMsPerBatch.toFixed(0), r.roomRssMb.toFixed(0), r.errors].join(' | ')} |`);
  }
}

bench().catch((err: unknown) => {
  const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
  process.stderr.write(`target-capacity: ${err instanceof Error ? err.message : String(err)}${cause}\n`);
  process.exitCode = 1;
});
