// make bench: how many waiting users one load-generator process holds, and at
// what cost, side by side for
//   (a) the suite's Socket.IO client waiting in the queue, on the suite's k6 (tools/k6.sh)
//   (b) bare k6 WebSockets holding the same connections: the floor for holding sockets
//   (c) a plain Node process with socket.io-client (what the Tiketi guide's script did)
//   (d) the fair CPU floor: (a)'s HTTP calls (login, check, leave) with plain k6/http and a
//       bare k6 WebSocket speaking the Engine.IO/Socket.IO handshake by hand, no suite code
//       (bench/k6/fair-floor.ts); (a)/(d) is what the suite's client costs over naive code
//   (e) the full mass-burst scenario (build/mass-burst.js: probes, observer, metrics, checks)
//       on the same runtime, N users arriving BENCH_FULL_ARRIVAL_DELAY_MS apart (10) against a
//       target that tells each admitted user alone; (e)/(a) per user is what the scenario
//       costs beyond its client (goal <= 1.5, CPU of the whole run and peak RSS)
// plus the reference target's RSS and admission throughput with N users in its room.
//
//   node --import tsx bench/scale.ts        (tools/bench.sh raises ulimit -n first)
//
// Environment: BENCH_USERS ("1000 5000 10000"), BENCH_USERS_PER_VU (500),
// BENCH_HOLD_MS (3000: how long all N wait before RSS is read), BENCH_DRAIN_MS
// (30000: how long (a) and (d) let the processor admit and their users hear it), BENCH_DRAIN_BATCH (200: users
// leaving in the drain, so the size of the batch admitted), BENCH_HTTP_CONCURRENCY (8, the
// suite's HTTP_CONCURRENCY default), BENCH_VARIANTS (which load generators run, in that order;
// default b d c a e; BENCH_FULL_TIMEOUT_S, 900, bounds (e)),
// BENCH_LOCAL_IPS (127.0.1.1-127.0.1.254: k6's --local-ips for (a), (b) and (d), one source
// address per VU; 'off' for none),
// BENCH_KDF_COST (1024: the target's password hashing cost; lower makes registering and logging
// in large N quicker, the load generators' work is the same), QUEUE_RUNNER_V8_FLAGS (the Node runner's V8 flags, see tools/k6.sh), K6_LEGACY (an older
// k6 binary: (a) and (b) also run on it, built with K6_COMPAT=legacy), BENCH_CPU_PROF (a
// folder: the Node runner of (a) and (d) writes V8 CPU profiles into <folder>/<a|d>-<N>/ with
// node --cpu-prof; bench/profile-top.ts prints where the time went).
//
// Per N: one throwaway redis-server and one target (threshold N/10, interval
// 1000 ms, kdfCost BENCH_KDF_COST, 1024 by default) in a child process, N accounts registered once; then
// each load generator runs in phases the bench conducts over HTTP on 127.0.0.1
// (bench/conductor.ts): log in → connect all at once → hold → [drain] → close.
// Everything it starts it stops; every wait has a timeout.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedis, freePort, type RedisServer } from '../test/support/redis.ts';
import { buildBenchScripts } from './build.ts';
import { Conductor } from './conductor.ts';
import { procSample, type ProcSample } from './proc.ts';
import type { TargetStats } from '../reference-room/server.ts';
import { serveIfChild, type ChildMessage } from './target-child.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
/** The target's password hashing cost (BENCH_KDF_COST, default 1024): registering and logging in N users costs the target N hashes each. */
const kdfCost = (): number => envInt('BENCH_KDF_COST', 1024);
const INTERVAL_MS = 1000;
/** BENCH_LOCAL_IPS's default: a source address for each of up to 254 VUs ('off': the system's one). */
const DEFAULT_LOCAL_IPS = '127.0.1.1-127.0.1.254';
const PASSWORD = 'bench-password';

// ---- the target, in a child process so its memory and CPU are its own ------



class TargetChild {
  private waiters = new Map<string, (m: ChildMessage) => void>();
  get alive(): boolean { return this.child.exitCode === null && this.child.signalCode === null; }
  private constructor(readonly child: ChildProcess, readonly url: string) {}

  static async start(redisUrl: string, threshold: number, notify: 'room' | 'user' = 'room'): Promise<TargetChild> {
    const port = await freePort();
    const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_PORT: String(port), BENCH_REDIS_URL: redisUrl, BENCH_THRESHOLD: String(threshold), BENCH_NOTIFY: notify },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const ready = await new Promise<ChildMessage>((res, rej) => {
      const timer = setTimeout(() => rej(new Error('the target did not start within 30 s')), 30_000);
      child.once('exit', (code) => rej(new Error(`the target exited with code ${code}`)));
      child.once('message', (m: ChildMessage) => { clearTimeout(timer); res(m); });
    });
    const t = new TargetChild(child, (ready as { url: string }).url);
    child.on('message', (m: ChildMessage) => t.waiters.get(m.type)?.(m));
    child.on('error', () => undefined); // a send to a target that died: stats() reports it
    child.on('exit', (code, signal) => t.waiters.get('exit')?.({ type: 'stats', stats: { exited: `${code ?? signal}` } as unknown as TargetStats }));
    return t;
  }

  stats(): Promise<TargetStats> {
    return new Promise((res, rej) => {
      // A target busy broadcasting a batch to a big room answers late, but it must answer.
      const timer = setTimeout(() => { this.waiters.delete('stats'); rej(new Error('the target did not answer stats within 180 s')); }, 180_000);
      const done = (m: ChildMessage) => {
        clearTimeout(timer);
        this.waiters.delete('stats');
        this.waiters.delete('exit');
        const stats = (m as { stats: TargetStats & { exited?: string } }).stats;
        if (stats.exited !== undefined) rej(new Error(`the target exited (${stats.exited}); see its output above`));
        else res(stats);
      };
      if (this.child.exitCode !== null || this.child.signalCode !== null) return done({ type: 'stats', stats: { exited: `${this.child.exitCode ?? this.child.signalCode}` } as unknown as TargetStats });
      this.waiters.set('stats', done);
      this.waiters.set('exit', done);
      this.child.send({ type: 'stats' });
    });
  }

  stop(): Promise<void> {
    const c = this.child;
    if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
    return new Promise((res) => {
      c.once('exit', () => res());
      c.kill('SIGTERM');
      setTimeout(() => c.kill('SIGKILL'), 10_000).unref();
    });
  }
}

// ---- helpers ----------------------------------------------------------------

function envInt(name: string, dflt: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) throw new Error(`invalid ${name}; reason: expected a positive integer, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/** The Node runner's V8 flags: QUEUE_RUNNER_V8_FLAGS, else tools/k6.sh's default (read from it, so the two never differ). */
function runnerV8Flags(): string {
  const own = process.env.QUEUE_RUNNER_V8_FLAGS;
  if (own !== undefined) return own;
  const m = /\$\{QUEUE_RUNNER_V8_FLAGS-([^}"]*)\}/.exec(readFileSync(join(ROOT, 'tools/k6.sh'), 'utf8'));
  if (m === null) throw new Error('BENCH_CPU_PROF: cannot find the default QUEUE_RUNNER_V8_FLAGS in tools/k6.sh; set QUEUE_RUNNER_V8_FLAGS');
  return m[1]!;
}

function userCounts(): number[] {
  const raw = (process.env.BENCH_USERS ?? '').trim() || '1000 5000 10000';
  const list = raw.split(/[\s,]+/).map((s) => {
    if (!/^\d+$/.test(s) || Number(s) < 10) throw new Error(`invalid BENCH_USERS; reason: expected user counts of at least 10 separated by spaces, e.g. "1000 5000", got ${JSON.stringify(raw)}`);
    return Number(s);
  });
  return list;
}

function openFilesLimit(): number {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? Infinity : Number(soft);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, timeoutMs: number, ok: () => boolean | Promise<boolean>, everyMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ok()) return true;
    await sleep(everyMs);
  }
  process.stderr.write(`bench: gave up waiting for ${what} after ${timeoutMs} ms\n`);
  return false;
}

async function registerAll(url: string, prefix: string, n: number): Promise<number> {
  let next = 1;
  let failed = 0;
  await Promise.all(Array.from({ length: 64 }, async () => {
    while (next <= n) {
      const i = next++;
      const res = await fetch(`${url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `${prefix}${i}@test.com`, password: PASSWORD, name: `Bench ${i}` }),
        signal: AbortSignal.timeout(60_000),
      }).catch(() => undefined);
      if (res === undefined || !res.ok) failed++;
      await res?.arrayBuffer().catch(() => undefined);
    }
  }));
  if (failed > 0) throw new Error(`${failed} of ${n} registrations failed`);
  return n;
}

// ---- one load generator -----------------------------------------------------

interface Variant { key: string; label: string; command: string[]; env: Record<string, string>; drain: boolean; profile?: string; full?: boolean }

export interface Row {
  variant: string;
  n: number;
  connected: number;
  checked: number;
  connectSeconds: number;
  peak: ProcSample;
  cpuSeconds: number;
  /** CPU seconds at the end of the logins, and once every user is connected and checked in. */
  cpuLogin?: number;
  cpuConnect?: number;
  /** CPU seconds of the whole run, drain and close included. */
  cpuTotal?: number;
  /** Peak RSS (VmHWM) of the whole run, drain and close included. */
  hwmTotalMb?: number;
  targetRss: number;
  admittedPerSecond?: number;
  admittedInDrain?: number;
  emitSeconds?: number | undefined;
  ownAdmissions?: number;
  errors: number;
  note: string;
}

async function runVariant(v: Variant, n: number, target: TargetChild, holdMs: number, drainMs: number): Promise<Row> {
  const conductor = await Conductor.start();
  const eventId = randomUUID();
  // node --cpu-prof (not allowed in NODE_OPTIONS) writes the runner's profiles when it exits, one
  // per thread (the main thread, where the VUs run, is tid 0), into a folder per variant and N.
  const prof: Record<string, string> = v.profile === undefined ? {} : { QUEUE_RUNNER_V8_FLAGS: `${runnerV8Flags()} --cpu-prof --cpu-prof-dir=${join(v.profile, `${v.key}-${n}`)}` };
  const child = spawn(v.command[0]!, v.command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...v.env, ...prof, USERS: String(n), API_URL: target.url, EVENT_ID: eventId, CONDUCTOR_URL: conductor.url },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  let gone = false;
  void exited.then(() => { gone = true; });
  const pid = child.pid!;
  let last: ProcSample = { rssMb: 0, hwmMb: 0, cpuSeconds: 0 };
  // An exited, not yet reaped process has no VmHWM: keep the peak of the samples before.
  const sampler = setInterval(() => { const s = procSample(pid); if (s !== undefined) last = Number.isFinite(s.hwmMb) ? s : { ...s, hwmMb: last.hwmMb }; }, 100);
  const notes: string[] = [];
  const load0 = loadavg()[0]!; // the machine's 1-minute load average: CPU seconds grow with contention
  try {
    // 1. log in (or, for the floor, just start)
    if (!await until(`${v.key}: ${n} users logged in`, 180_000, () => gone || conductor.counts.loggedIn + conductor.counts.errors >= n, 100)) notes.push('login timed out');
    if (gone) throw new Error(`${v.key} exited early: ${stderr.slice(-1500)}`);
    const afterLogin = procSample(pid) ?? last;
    // 2. connect everyone at once; the target counts the connections
    const before = (await target.stats()).connections;
    const t0 = performance.now();
    conductor.phase = 'connect';
    let connectedAt = 0;
    const allConnected = await until(`${v.key}: ${n} connections`, 180_000, async () => {
      const c = (await target.stats()).connections - before;
      if (c >= n && connectedAt === 0) connectedAt = performance.now();
      return connectedAt !== 0 || gone;
    }, 20);
    if (!allConnected) notes.push('connect timed out');
    const connectSeconds = ((connectedAt || performance.now()) - t0) / 1000;
    await until(`${v.key}: ${n} users checked in`, 120_000, () => gone || conductor.counts.checked + conductor.counts.errors >= n, 50);
    const afterConnect = procSample(pid) ?? last;
    if (v.drain) notes.push(`peak ${afterLogin.hwmMb.toFixed(0)} MB after login, ${afterConnect.hwmMb.toFixed(0)} MB after connect`);
    // 3. hold: all N wait; then read the memory
    await sleep(holdMs);
    const connectedNow = (await target.stats()).connections - before;
    const held = procSample(pid) ?? last;
    const targetRss = procSample(target.child.pid!)?.rssMb ?? NaN;
    const row: Row = {
      variant: v.label, n, connected: connectedNow, checked: conductor.counts.checked, connectSeconds,
      peak: held, cpuSeconds: held.cpuSeconds, cpuLogin: afterLogin.cpuSeconds, cpuConnect: afterConnect.cpuSeconds,
      targetRss, errors: conductor.counts.errors, note: '',
    };
    // 4. drain (a) and (d): admitted users leave, the processor admits the queue batch by batch
    if (v.drain) {
      const s0 = await target.stats();
      conductor.phase = 'drain';
      const d0 = performance.now();
      await sleep(drainMs);
      const s1 = await target.stats();
      const seconds = (performance.now() - d0) / 1000; // includes waiting for a target busy announcing the batch
      row.admittedInDrain = s1.usersAdmitted - s0.usersAdmitted;
      // The target's own clock for announcing the batch, when it keeps one (stats().emitMs).
      const emitSeconds = s1.emitMs !== undefined && s0.emitMs !== undefined ? (s1.emitMs - s0.emitMs) / 1000 : undefined;
      row.admittedPerSecond = row.admittedInDrain / (emitSeconds !== undefined && emitSeconds > 0 ? emitSeconds : seconds);
      row.emitSeconds = emitSeconds;
      notes.push(`drain ${seconds.toFixed(1)} s${emitSeconds !== undefined ? `, target emit ${emitSeconds.toFixed(1)} s` : ''}`);
    }
    // 5. close
    const c0 = performance.now();
    conductor.phase = 'close';
    if (!await until(`${v.key} to exit`, 120_000, () => gone, 100)) {
      notes.push('killed after 120 s');
      child.kill('SIGKILL');
    }
    if (v.drain) {
      notes.push(`close ${((performance.now() - c0) / 1000).toFixed(1)} s`);
      row.ownAdmissions = conductor.counts.ownAdmissions;
    }
    if (conductor.counts.protocolErrors > 0) notes.push(`${conductor.counts.protocolErrors} protocol errors`);
    // Why users failed, as the load generator reported it: fail_<what> → count.
    for (const key of Object.keys(conductor.counts)) {
      if (key.startsWith('fail_') && conductor.counts[key]! > 0) notes.push(`${conductor.counts[key]} ${key.slice(5)}`);
    }
    if (conductor.counts.disconnects > 0) notes.push(`${conductor.counts.disconnects} dropped`);
    row.errors = conductor.counts.errors;
    notes.push(`load average ${load0.toFixed(1)} to ${loadavg()[0]!.toFixed(1)}`);
    row.cpuTotal = last.cpuSeconds; // the last sample before it exited (every 100 ms)
    row.hwmTotalMb = Number.isFinite(last.hwmMb) ? last.hwmMb : undefined;
    row.note = notes.join('; ');
    if (child.exitCode !== 0 && child.exitCode !== null) row.note += `${row.note ? '; ' : ''}exit ${child.exitCode}`;
    return row;
  } finally {
    clearInterval(sampler);
    if (!gone) {
      child.kill('SIGKILL');
      await Promise.race([exited, sleep(5000)]);
    }
    await conductor.stop();
    // the next load generator starts from an empty server
    await until('the target to drop the connections', 30_000, async () => (await target.stats()).connections === 0, 200);
  }
}

/**
 * (e): the whole mass-burst scenario, as `make mass-burst` runs it, from start
 * to exit. Its CPU (user+sys of the whole run) and peak RSS per user are set
 * against (a)'s whole run: arrivals, check-ins, the queue's drain, every
 * admission and leave, with the probes, the observer and the metrics on.
 */
async function runFull(v: Variant, n: number, target: TargetChild, timeoutMs: number): Promise<Row> {
  const script = v.command[v.command.length - 1]!;
  if (!existsSync(script)) throw new Error(`${script} is missing: build the scenarios first (make build, or node tools/build.mjs)`);
  const resultsDir = mkdtempSync(join(tmpdir(), 'queue-k6-bench-full-'));
  const prof: Record<string, string> = v.profile === undefined ? {} : { QUEUE_RUNNER_V8_FLAGS: `${runnerV8Flags()} --cpu-prof --cpu-prof-dir=${join(v.profile, `${v.key}-${n}`)}` };
  const child = spawn(v.command[0]!, v.command.slice(1), {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...v.env, ...prof, USERS: String(n), API_URL: target.url, RESULTS_PREFIX: join(resultsDir, 'full') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
  const pid = child.pid!;
  let last: ProcSample = { rssMb: 0, hwmMb: 0, cpuSeconds: 0 };
  // An exited, not yet reaped process has no VmHWM: keep the last sample that had one.
  const sampler = setInterval(() => { const s = procSample(pid); if (s !== undefined && Number.isFinite(s.hwmMb)) last = s; }, 100);
  const load0 = loadavg()[0]!;
  const t0 = performance.now();
  let connected = 0;
  let firstAt = 0;
  let allAt = 0;
  let done = false;
  const watch = (async () => {
    while (!done) {
      const c = (await target.stats().catch(() => undefined))?.connections ?? 0;
      if (c > 0 && firstAt === 0) firstAt = performance.now();
      if (c > connected) connected = c;
      if (c >= n && allAt === 0) allAt = performance.now();
      await sleep(1000);
    }
  })();
  try {
    const timedOut = await Promise.race([exited.then(() => false), sleep(timeoutMs).then(() => true)]);
    if (timedOut) child.kill('SIGKILL');
    const code = await exited;
    done = true;
    await watch;
    const seconds = (performance.now() - t0) / 1000;
    let summary: { metrics?: Record<string, { values?: { count?: number } }> } = {};
    const file = readdirSync(resultsDir).find((f) => f.endsWith('.json'));
    if (file !== undefined) summary = JSON.parse(readFileSync(join(resultsDir, file), 'utf8')) as typeof summary;
    const count = (m: string) => summary.metrics?.[m]?.values?.count ?? 0;
    const errors = count('queue_http_errors') + count('queue_socket_errors') + count('queue_protocol_errors') + count('queue_admission_timeouts') + count('queue_probe_errors');
    const notes = [`exit ${timedOut ? `killed after ${timeoutMs / 1000} s` : String(code)}`, `completed ${count('queue_users_completed')} of ${n}`, `run ${seconds.toFixed(1)} s`, `load average ${load0.toFixed(1)} to ${loadavg()[0]!.toFixed(1)}`];
    if (code !== 0 && code !== 99) notes.push(stderr.trim().split('\n').slice(-2).join(' / ').slice(0, 200));
    return {
      variant: v.label, n, connected, checked: count('queue_admitted_immediately') + count('queue_queued'),
      connectSeconds: firstAt !== 0 && allAt !== 0 ? (allAt - firstAt) / 1000 : NaN,
      peak: last, cpuSeconds: last.cpuSeconds, cpuTotal: last.cpuSeconds, hwmTotalMb: last.hwmMb, targetRss: procSample(target.child.pid!)?.rssMb ?? NaN, errors, note: notes.join('; '),
    };
  } finally {
    done = true;
    clearInterval(sampler);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(resultsDir, { recursive: true, force: true });
    await until('the target to drop the connections', 30_000, async () => (await target.stats()).connections === 0, 200);
  }
}

// ---- the report -------------------------------------------------------------

/** ` (login X s, connect+check Y s, hold Z s, drain+close W s)`, CPU seconds per phase. */
function cpuPhases(r: Row): string {
  if (r.cpuLogin === undefined || r.cpuConnect === undefined) return '';
  const parts = [`login ${r.cpuLogin.toFixed(1)}`, `connect+check ${(r.cpuConnect - r.cpuLogin).toFixed(1)}`, `hold ${(r.cpuSeconds - r.cpuConnect).toFixed(1)}`];
  if (r.cpuTotal !== undefined) parts.push(`drain+close ${(r.cpuTotal - r.cpuSeconds).toFixed(1)}`);
  return ` (CPU s: ${parts.join(', ')})`;
}

function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join(' | ')} |`;
  return [line(header), `|${w.map((x, i) => (i === 0 ? ':' : '') + '-'.repeat(x + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...rows.map(line)].join('\n');
}

const kb = (mb: number, n: number) => ((mb * 1024) / n).toFixed(1);

export function report(rows: Row[], runtime: string, drainBatch: number): string {
  const out: string[] = [];
  out.push(table(
    ['load generator', 'N', 'connected', 'connect/s', 'peak RSS MB', 'KB/user', 'CPU s', 'CPU s whole run', 'errors', 'notes'],
    rows.map((r) => [r.variant, String(r.n), String(r.connected), (r.connected / Math.max(r.connectSeconds, 1e-3)).toFixed(0), r.peak.hwmMb.toFixed(0), kb(r.peak.hwmMb, r.n), r.cpuSeconds.toFixed(1),
      r.cpuTotal === undefined ? '-' : r.cpuTotal.toFixed(1), String(r.errors), r.note]),
  ));
  const ns = [...new Set(rows.map((r) => r.n))];
  const find = (key: string, n: number) => rows.find((r) => r.variant.startsWith(key) && r.n === n);
  out.push('');
  out.push(table(
    ['N', '(a)/(b) RSS per user', '(a)/(c) RSS per user', '(a) KB/user above (b)', 'target RSS MB (a held)', 'target admissions/s', 'batch', 'room frames', '(a) own admissions seen'],
    ns.map((n) => {
      const a = find('(a)', n);
      const b = find('(b)', n);
      const c = find('(c)', n);
      const ratio = (x?: Row, y?: Row) => (x && y ? (x.peak.hwmMb / y.peak.hwmMb).toFixed(2) : '-');
      return [String(n), ratio(a, b), ratio(a, c), a && b ? kb(a.peak.hwmMb - b.peak.hwmMb, n) : '-', a ? a.targetRss.toFixed(0) : '-',
        a?.admittedPerSecond !== undefined ? a.admittedPerSecond.toFixed(0) : '-', a?.admittedInDrain !== undefined ? String(a.admittedInDrain) : '-',
        a?.admittedInDrain !== undefined ? `${((a.admittedInDrain * n) / 1e6).toFixed(1)}M` : '-', a?.ownAdmissions !== undefined ? String(a.ownAdmissions) : '-'];
    }),
  ));
  const floorNs = ns.filter((n) => find('(a)', n) !== undefined && find('(d)', n) !== undefined);
  if (floorNs.length > 0) {
    // The fair floor: (a) against the same work done naively (goals: CPU <= 1.3x, RSS <= 1.2x).
    const pair = (d: number | undefined, a: number | undefined, digits: number) => (d === undefined || a === undefined ? '-' : `${d.toFixed(digits)} / ${a.toFixed(digits)}`);
    const ratio = (a: number | undefined, d: number | undefined) => (a === undefined || d === undefined ? '-' : (a / d).toFixed(2));
    const rate = (r: Row) => r.connected / Math.max(r.connectSeconds, 1e-3);
    out.push('');
    out.push(table(
      ['N', 'CPU s (d) / (a)', '(a)/(d) CPU', 'CPU s whole run (d) / (a)', '(a)/(d) whole run', 'peak RSS MB (d) / (a)', '(a)/(d) RSS', 'connect/s (d) / (a)', 'errors (d) / (a)'],
      floorNs.map((n) => {
        const a = find('(a)', n)!;
        const d = find('(d)', n)!;
        return [String(n), pair(d.cpuSeconds, a.cpuSeconds, 1), ratio(a.cpuSeconds, d.cpuSeconds), pair(d.cpuTotal, a.cpuTotal, 1), ratio(a.cpuTotal, d.cpuTotal),
          pair(d.peak.hwmMb, a.peak.hwmMb, 0), ratio(a.peak.hwmMb, d.peak.hwmMb), pair(rate(d), rate(a), 0), `${d.errors} / ${a.errors}`];
      }),
    ));
    out.push('the fair floor: goals (a)/(d) CPU <= 1.3, (a)/(d) RSS <= 1.2; CPU seconds per phase (login, connect+check, hold, drain+close) are in the progress lines on stderr.');
  }
  const fullNs = ns.filter((n) => find('(a)', n) !== undefined && find('(e)', n) !== undefined);
  if (fullNs.length > 0) {
    // The full scenario against its client alone, per user (goal: (e)/(a) <= 1.5 for CPU and RSS).
    const ms = (r: Row) => ((r.cpuTotal ?? NaN) * 1000) / r.n;
    // Peak RSS of the whole run for both: (a)'s drain (admissions announced to the whole room) counts too.
    const kbu = (r: Row) => ((r.hwmTotalMb ?? r.peak.hwmMb) * 1024) / r.n;
    out.push('');
    out.push(table(
      ['N', 'CPU ms/user whole run (a) / (e)', '(e)/(a) CPU', 'KB/user whole run (a) / (e)', '(e)/(a) RSS', 'errors (a) / (e)'],
      fullNs.map((n) => {
        const a = find('(a)', n)!;
        const e = find('(e)', n)!;
        return [String(n), `${ms(a).toFixed(1)} / ${ms(e).toFixed(1)}`, (ms(e) / ms(a)).toFixed(2), `${kbu(a).toFixed(1)} / ${kbu(e).toFixed(1)}`, (kbu(e) / kbu(a)).toFixed(2), `${a.errors} / ${e.errors}`];
      }),
    ));
    out.push(`the full scenario: (e) is build/mass-burst.js from start to exit (probes, observer, metrics on; ${fullArrivalDelayMs()} ms between arrivals, notify user); (a) is its client alone; goal (e)/(a) <= 1.5 for CPU and peak RSS per user, both of the whole run (the first table's peak RSS of (a) stops before its drain).`);
  }
  out.push('');
  out.push(`load generators: (a) ${runtime}, the suite's lib/socketio + lib/api, users waiting in the queue; (b) the same runtime, bare k6/websockets answering Engine.IO pings; (c) Node ${process.version} + socket.io-client; (d) the same runtime, the fair floor: (a)'s login, check and leave with plain k6/http and a bare k6/websockets socket doing the Socket.IO handshake, join-queue and pongs by hand.`);
  out.push(`peak RSS = VmHWM of the load-generator process through login, connect and hold (before the drain); CPU = its user+sys seconds to the same point; CPU whole run = to its exit, drain and close included. connect/s = N / (all N Socket.IO connections open on the target − connect signal), logins done before. notes: VmHWM after (a)'s logins and after every user is connected and checked in.`);
  out.push(`target: threshold N/10, processor interval ${INTERVAL_MS} ms, kdfCost ${kdfCost()} (BENCH_KDF_COST; cheap password hashing so registering 10,000 users is quick); in the drain of (a) and (d) ${drainBatch} users admitted at once leave and the processor admits one batch of that size from the queue, announcing each admitted user to the whole room (batch × N frames); target admissions/s = batch / the target's emit time for it (stats().emitMs; the drain time when absent). ${cpus().length} CPUs, shared with the target.`);
  return out.join('\n');
}

// ---- main -------------------------------------------------------------------

/** (e)'s time between arrivals (BENCH_FULL_ARRIVAL_DELAY_MS, 10 ms: 100 users a second, as the recorded real-k6 run). */
const fullArrivalDelayMs = (): number => envInt('BENCH_FULL_ARRIVAL_DELAY_MS', 10);


/** The scenario's parameters for (e): the bench target's threshold and interval, the run's Redis for the probes. */
function fullEnv(base: Record<string, string>, n: number, redisUrl: string): Record<string, string> {
  const rest = { ...base };
  delete rest.DRAIN_LEAVERS;
  return {
    ...rest, REDIS_URL: redisUrl, QUEUE_THRESHOLD: String(Math.max(1, Math.floor(n / 10))), QUEUE_PROCESSOR_INTERVAL: String(INTERVAL_MS),
    ARRIVAL_DELAY_MS: String(fullArrivalDelayMs()), DWELL_MS: '1000', ROOM_NOTIFY: 'user',
  };
}

/**
 * The runtime for the report, `k6 vX.Y.Z`, from `tools/k6.sh version`'s output
 * (header included): a k6 built with extensions may print an extension line
 * first, and the Node runner is marked as such.
 */
export function runtimeOf(versionOutput: string): string {
  const version = /k6 v\d+\.\d+\.\d+/.exec(versionOutput)?.[0] ?? 'k6 (version unknown)';
  return /Node runner/.test(versionOutput) ? `${version} (queue-k6 Node runner)` : version;
}

async function bench(): Promise<void> {
  const ns = userCounts();
  const perVu = envInt('BENCH_USERS_PER_VU', 500);
  const holdMs = envInt('BENCH_HOLD_MS', 3000);
  const drainMs = envInt('BENCH_DRAIN_MS', 30000);
  // One batch of 1,000 into a 10,000-user room is 10M frames: the reference
  // target runs out of heap buffering them (see the report). 200 keeps it alive.
  const drainBatch = envInt('BENCH_DRAIN_BATCH', 200);
  const limit = openFilesLimit();
  const maxN = Math.max(...ns);
  if (limit < maxN + 500) throw new Error(`the open-files limit is ${limit}, too low for ${maxN} sockets; raise it (tools/bench.sh does: ulimit -n) or lower BENCH_USERS`);

  const scripts = await buildBenchScripts('current');
  const k6 = join(ROOT, 'tools/k6.sh');
  const runtimeLine = (await new Promise<string>((res) => {
    const p = spawn('bash', [k6, 'version'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let s = '';
    p.stdout.on('data', (d: Buffer) => { s += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { s += d.toString(); });
    p.once('exit', () => res(runtimeOf(s)));
    setTimeout(() => { p.kill('SIGKILL'); res(runtimeOf('')); }, 30_000).unref();
  })).trim();
  // One source address per VU (k6's --local-ips), so no VU's connections share an
  // ephemeral port range with another's: towards one destination from one address,
  // Linux's port search slows past 14,116 sockets (docs/scale.md, "The limits").
  const localIps = (process.env.BENCH_LOCAL_IPS ?? DEFAULT_LOCAL_IPS).trim();
  const ipArgs = localIps === '' || localIps === 'off' ? [] : ['--local-ips', localIps];
  process.stderr.write(`bench: (a), (b) and (d) connect from ${ipArgs.length === 0 ? "the system's source address" : `--local-ips ${localIps}, one address per VU`} (BENCH_LOCAL_IPS)\n`);
  const base: Record<string, string> = { USERS_PER_VU: String(perVu), USER_PASSWORD: PASSWORD, HTTP_CONCURRENCY: String(envInt('BENCH_HTTP_CONCURRENCY', 8)), DRAIN_LEAVERS: String(drainBatch) };
  if (process.env.QUEUE_RUNNER_V8_FLAGS !== undefined) base.QUEUE_RUNNER_V8_FLAGS = process.env.QUEUE_RUNNER_V8_FLAGS;
  const variants: Variant[] = [
    { key: 'b', label: '(b) bare k6 WebSockets', command: ['bash', k6, 'run', '--quiet', ...ipArgs, scripts['bare-ws']!], env: base, drain: false },
    { key: 'd', label: '(d) fair floor', command: ['bash', k6, 'run', '--quiet', ...ipArgs, scripts['fair-floor']!], env: base, drain: true },
    { key: 'c', label: '(c) Node socket.io-client', command: ['node', '--import', 'tsx', join(ROOT, 'bench/node-client.ts')], env: base, drain: false },
    { key: 'a', label: '(a) suite client', command: ['bash', k6, 'run', '--quiet', ...ipArgs, scripts['queue-wait']!], env: base, drain: true },
    { key: 'e', label: '(e) full mass-burst', command: ['bash', k6, 'run', '--quiet', ...ipArgs, join(ROOT, 'build', 'mass-burst.js')], env: base, drain: false, full: true },
  ];
  const profDir = (process.env.BENCH_CPU_PROF ?? '').trim();
  if (profDir !== '') {
    mkdirSync(profDir, { recursive: true });
    for (const v of variants) if (v.key === 'a' || v.key === 'd' || v.key === 'e') v.profile = resolve(profDir);
  }
  const only = (process.env.BENCH_VARIANTS ?? '').trim();
  if (only !== '') {
    const keys = only.split(/[\s,]+/);
    const unknown = keys.filter((k) => !['a', 'b', 'c', 'd', 'e'].includes(k));
    if (unknown.length > 0) throw new Error(`invalid BENCH_VARIANTS; reason: expected some of a, b, c, d, e, got ${JSON.stringify(only)}`);
    // In the order given: the first load generator after the registrations meets a colder target.
    variants.splice(0, variants.length, ...[...new Set(keys)].map((k) => variants.find((v) => v.key === k)!));
  }
  const legacy = process.env.K6_LEGACY;
  if (legacy !== undefined && legacy !== '') {
    const old = await buildBenchScripts('legacy');
    const env = { ...base, K6: legacy, QUEUE_K6_RUNTIME: 'k6' };
    variants.push(
      { key: 'b-legacy', label: '(b) bare, K6_LEGACY', command: ['bash', k6, 'run', '--quiet', ...ipArgs, old['bare-ws']!], env, drain: false },
      { key: 'a-legacy', label: '(a) suite, K6_LEGACY', command: ['bash', k6, 'run', '--quiet', ...ipArgs, old['queue-wait']!], env, drain: true },
    );
  }

  const rows: Row[] = [];
  let redis: RedisServer | undefined;
  let target: TargetChild | undefined;
  const stopAll = async () => {
    await target?.stop();
    target = undefined;
    await redis?.stop();
    redis = undefined;
  };
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const started = performance.now();
  try {
    for (const n of ns) {
      redis = await startRedis();
      target = await TargetChild.start(redis.url, Math.max(1, Math.floor(n / 10)));
      const prefix = `bench${randomUUID().slice(0, 6)}-`;
      const r0 = performance.now();
      await registerAll(target.url, prefix, n);
      process.stderr.write(`bench: N=${n}: target ${target.url}, ${n} accounts registered in ${((performance.now() - r0) / 1000).toFixed(1)} s\n`);
      for (const v of variants) {
        let row: Row;
        try {
          if (v.full === true) {
            // The scenario's target tells each admitted user alone (as make scale's): announced to
            // the whole room, N users' admissions are N x N frames. Same Redis, so the same accounts.
            await target.stop();
            target = await TargetChild.start(redis.url, Math.max(1, Math.floor(n / 10)), 'user');
            row = await runFull({ ...v, env: { ...fullEnv(v.env, n, redis.url), USER_PREFIX: prefix } }, n, target, envInt('BENCH_FULL_TIMEOUT_S', 900) * 1000);
          } else {
            row = await runVariant({ ...v, env: { ...v.env, USER_PREFIX: prefix } }, n, target, holdMs, drainMs);
          }
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          process.stderr.write(`bench: N=${n} ${v.label} failed: ${message}\n`);
          if (!target.alive) process.stderr.write(`bench: N=${n}: the target died during ${v.label}\n`);
          row = { variant: v.label, n, connected: 0, checked: 0, connectSeconds: NaN, peak: { rssMb: NaN, hwmMb: NaN, cpuSeconds: NaN }, cpuSeconds: NaN, targetRss: NaN, errors: NaN, note: `failed: ${message.slice(0, 120)}` };
        }
        rows.push(row);
        if (!target.alive) break;
        process.stderr.write(`bench: N=${n} ${v.label}: ${row.connected} connected in ${row.connectSeconds.toFixed(1)} s, peak RSS ${row.peak.hwmMb.toFixed(0)} MB, CPU ${row.cpuSeconds.toFixed(1)} s${cpuPhases(row)}${row.note ? ` (${row.note})` : ''}\n`);
      }
      await stopAll();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await stopAll();
  }
  console.log(`\nqueue-k6 bench: waiting users per load-generator process (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  console.log(report(rows, runtimeLine, drainBatch));
}

const isChild = serveIfChild(() => ({
  notify: process.env.BENCH_NOTIFY === 'user' ? 'user' : 'room',
  port: Number(process.env.BENCH_PORT),
  redisUrl: process.env.BENCH_REDIS_URL!,
  threshold: Number(process.env.BENCH_THRESHOLD),
  processorIntervalMs: INTERVAL_MS,
  kdfCost: kdfCost(),
}), (line) => process.stderr.write(`[target] ${line}\n`));
if (!isChild) {
  bench().catch((err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
