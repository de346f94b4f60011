// make scale: 100,000 waiting users in one run on one machine, one verdict.
//
//   node --import tsx bench/scale-run.ts        (make scale raises ulimit -n to its hard limit first)
//
// The mass-burst scenario with USERS (100,000) users, split over INSTANCES (6) k6
// processes by execution segments (tools/run-scenario.sh, as make mass-burst
// INSTANCES=N does), against the reference room scaled out to TARGET_PROCESSES
// (= INSTANCES) Socket.IO processes with TARGET_NOTIFY=user (tools/target-ctl.sh).
// k6 instance k's sockets go to room process k mod N alone (its own port, from
// TARGET_PROCESS_URLS, via SOCKET_URLS), so no destination address:port carries
// more than one instance's sockets and no process holds more open files than its
// limit; every HTTP call goes to the shared port (API_URL). Each VU connects from its
// own loopback address (K6_LOCAL_IPS, k6's --local-ips). Before anything starts,
// the plan is checked against the machine's limits (open files per process, the
// ephemeral port range); a plan that does not fit stops with one line saying what
// to change.
//
// While the run goes, it samples /proc (every SCALE_SAMPLE_MS) for the memory and
// CPU of every k6 process, of every room process and of Redis, and counts (with
// ss, every SCALE_CONN_SAMPLE_MS) the client sockets towards each of the room's
// ports and Redis. At the end it prints the verdict's counts and these numbers,
// and writes them to <results prefix>-scale.json beside the verdict.
// Exit code: the verdict's (0 passed, 99 failed, 2 usage or input error); 1 when
// the room does not start or the run exceeds SCALE_TIMEOUT_S.
// docs/scale.md describes every parameter, the limits arithmetic and a 100,000-user run.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSamples } from '../runs/samples.ts';
import { ACTIVE_TTL_SECONDS } from '../reference-room/store.ts';
import { procSample } from './proc.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
/** Kept from the admission timeout for the instances' summaries, the verdict and the report. */
const FINISH_RESERVE_MS = 120_000;
/**
 * A Socket.IO connect counts as failed after this long (the scenario's default is 10 s): when the
 * machine's cores are saturated a connect waits behind the CPU, and p(95)<2000 still judges its time.
 */
const CONNECT_TIMEOUT_MS = 30_000;
/** K6_LOCAL_IPS's default here: a source address for each of up to 254 VUs per instance. */
const DEFAULT_LOCAL_IPS = '127.0.1.1-127.0.1.254';
/** The active set's TTL in the room (queue-contract: one TTL for the whole set, renewed on each add; TARGET_ACTIVE_TTL_S). */
const activeTtlS = (): number => intParam(process.env, 'TARGET_ACTIVE_TTL_S', ACTIVE_TTL_SECONDS, 1, 86_400);
/** How often make scale prints a progress line during the run. */
const PROGRESS_MS = 30_000;
/** The counters a run stopped at SCALE_TIMEOUT_S is described by, summed from its samples. */
const SAMPLED_COUNTS = ['queue_admitted_immediately', 'queue_queued', 'queue_admitted_from_queue', 'queue_users_completed', 'queue_socket_connect', 'queue_http_errors', 'queue_socket_errors', 'queue_protocol_errors', 'queue_admission_timeouts', 'queue_invariant_violations', 'queue_probe_errors', 'queue_admission_late', 'queue_admission_told_late'] as const;
const SCENARIO = 'mass-burst';

// ---- parameters ---------------------------------------------------------------

class UsageError extends Error {}

function intParam(env: NodeJS.ProcessEnv, name: string, dflt: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim();
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new UsageError(`invalid ${name}; reason: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(v);
}

export interface ScalePlan {
  users: number;
  instances: number;
  processes: number;
  notify: 'room' | 'user';
  threshold: number;
  intervalMs: number;
  dwellMs: number;
  arrivalDelayMs: number;
  arrivalGraceMs: number;
  usersPerVu: number;
  httpConcurrency: number;
  kdfCost: number;
  startDelayMs: number;
  sampleMs: number;
  connSampleMs: number;
  timeoutS: number;
  resultsDir: string;
  runDir: string;
}

/** The run's parameters: the environment over the defaults docs/scale.md explains. */
export function planFromEnv(env: NodeJS.ProcessEnv): ScalePlan {
  const users = intParam(env, 'USERS', 100_000, 1, 1_000_000);
  const instances = intParam(env, 'INSTANCES', 6, 1, 64);
  const processes = intParam(env, 'TARGET_PROCESSES', instances, 1, 64);
  const notify = (env.TARGET_NOTIFY ?? '').trim() || 'user';
  if (notify !== 'room' && notify !== 'user') throw new UsageError(`invalid TARGET_NOTIFY; reason: expected room or user, got ${JSON.stringify(env.TARGET_NOTIFY)}`);
  // A tenth of the users: the drain takes 9 batches, whatever USERS (docs/scale.md, "Why these values").
  const threshold = intParam(env, 'QUEUE_THRESHOLD', Math.max(1, Math.ceil(users / 10)), 1, 1_000_000);
  const arrivalDelayMs = intParam(env, 'ARRIVAL_DELAY_MS', 5, 0, 600_000);
  return {
    users,
    instances,
    processes,
    notify,
    threshold,
    intervalMs: intParam(env, 'QUEUE_PROCESSOR_INTERVAL', 10_000, 100, 600_000),
    dwellMs: intParam(env, 'DWELL_MS', 1000, 0, 3_600_000),
    arrivalDelayMs,
    arrivalGraceMs: intParam(env, 'ARRIVAL_GRACE_MS', 5000, 0, 3_600_000),
    usersPerVu: intParam(env, 'USERS_PER_VU', 1000, 1, 5000),
    httpConcurrency: intParam(env, 'HTTP_CONCURRENCY', 16, 1, 1000),
    kdfCost: intParam(env, 'TARGET_KDF_COST', 16, 2, 1_048_576),
    // Time for every instance to load its VUs before the first arrival: more users, more VUs to set up.
    startDelayMs: intParam(env, 'SPLIT_START_DELAY_MS', 15_000 + Math.ceil(users / 10), 1000, 600_000),
    sampleMs: intParam(env, 'SCALE_SAMPLE_MS', 250, 20, 60_000),
    connSampleMs: intParam(env, 'SCALE_CONN_SAMPLE_MS', 5000, 0, 600_000),
    timeoutS: intParam(env, 'SCALE_TIMEOUT_S', 900, 10, 86_400),
    resultsDir: (env.RESULTS_DIR ?? '').trim() || 'results',
    runDir: (env.RUN_DIR ?? '').trim() || '.run/scale',
  };
}

// ---- the machine's limits --------------------------------------------------------

export interface Limits {
  /** Soft limit of open files per process (what the k6 and room processes inherit). */
  openFiles: number;
  /** Ephemeral ports: one per client socket towards one destination address:port. */
  ephemeralPorts: number;
}

export function machineLimits(): Limits {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.split(/\s{2,}/)[1];
  const openFiles = soft === undefined || soft === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(soft);
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  return { openFiles, ephemeralPorts: hi! - lo! + 1 };
}

/** Files a process needs beside its users' sockets (Node, tsx, logs, the room's Redis connections). */
const BASE_FILES = 256;
/** Ephemeral ports left to everything else on the machine towards one destination. */
const PORTS_RESERVE = 1000;

export interface Budget {
  /** Users (sockets) of the largest instance. */
  usersPerInstance: number;
  vusPerInstance: number;
  /** Open files of the largest k6 instance: its sockets, its VUs' HTTP pools and Redis clients, the rest. */
  filesPerInstance: number;
  /** Sockets of the busiest room process (the instances sent to it), and its open files with its HTTP share. */
  socketsPerProcess: number;
  filesPerProcess: number;
  /** HTTP connections the VUs may hold open at once towards the shared port. */
  httpConnections: number;
  problems: string[];
}

/** The plan against the limits: every problem is one line saying what to change. */
export function budget(p: ScalePlan, l: Limits): Budget {
  const b = demands(p);
  const portsPerDestination = l.ephemeralPorts - PORTS_RESERVE;
  const fits = (instances: number, processes: number) => {
    const d = demands({ ...p, instances, processes });
    return d.filesPerInstance <= l.openFiles && d.socketsPerProcess <= portsPerDestination && d.filesPerProcess <= l.openFiles;
  };
  /** The fewest instances that fit, with as many room processes (or the plan's, if more). */
  const fewestInstances = () => {
    for (let n = 1; n <= 64; n++) if (fits(n, Math.max(p.processes, n))) return n;
    return undefined;
  };
  const fewestProcesses = () => {
    for (let m = 1; m <= 64; m++) if (fits(p.instances, m)) return m;
    return undefined;
  };
  const problems: string[] = [];
  if (b.filesPerInstance > l.openFiles) {
    const n = fewestInstances();
    problems.push(`INSTANCES=${p.instances} is too few for USERS=${p.users}: one k6 instance would hold ${b.usersPerInstance} users over ${b.vusPerInstance} VUs, about ${b.filesPerInstance} open files, and a process may open ${l.openFiles} (ulimit -n); ${n === undefined ? 'lower USERS' : `use INSTANCES=${n} or more`}`);
  } else if (b.socketsPerProcess > portsPerDestination || b.filesPerProcess > l.openFiles) {
    const m = fewestProcesses();
    const why = b.socketsPerProcess > portsPerDestination
      ? `one room process (one destination port) would take ${b.socketsPerProcess} sockets, over the ${l.ephemeralPorts} ephemeral ports (net.ipv4.ip_local_port_range) less ${PORTS_RESERVE} kept for the rest`
      : `one room process would hold ${b.socketsPerProcess} sockets and its share of ${b.httpConnections} HTTP connections, about ${b.filesPerProcess} open files, and a process may open ${l.openFiles} (ulimit -n)`;
    problems.push(`TARGET_PROCESSES=${p.processes} is too few for ${p.instances} instances of up to ${b.usersPerInstance} users: ${why}; ${m === undefined ? 'use more INSTANCES' : `use TARGET_PROCESSES=${m} or more`}`);
  }
  if (b.httpConnections > portsPerDestination) {
    problems.push(`the VUs may hold ${b.httpConnections} HTTP connections at once (${Math.ceil(p.users / p.usersPerVu)} VUs × 2 × HTTP_CONCURRENCY=${p.httpConcurrency}) towards the one shared port, over the ${portsPerDestination} ephemeral ports it can use; raise USERS_PER_VU or lower HTTP_CONCURRENCY`);
  }
  return { ...b, problems };
}

/**
 * What the plan asks of each process and each destination. A VU holds at most
 * HTTP_CONCURRENCY bounded calls plus the first checks of its users in flight
 * (about as many, since they follow the bounded logins): 2 × HTTP_CONCURRENCY
 * connections, and one Redis client. Instance k sends its sockets to room
 * process k mod N: the busiest process takes ceil(INSTANCES / N) instances.
 */
function demands(p: ScalePlan): Omit<Budget, 'problems'> {
  const vus = Math.ceil(p.users / p.usersPerVu);
  const vusPerInstance = Math.ceil(vus / p.instances);
  const usersPerInstance = Math.min(p.users, vusPerInstance * p.usersPerVu);
  const filesPerInstance = usersPerInstance + vusPerInstance * (2 * p.httpConcurrency + 1) + BASE_FILES;
  // + 1: the probe VU's observer socket (one instance runs it).
  const socketsPerProcess = Math.min(p.users, Math.ceil(p.instances / p.processes) * usersPerInstance) + 1;
  const httpConnections = vus * 2 * p.httpConcurrency;
  const filesPerProcess = socketsPerProcess + Math.ceil(httpConnections / p.processes) + BASE_FILES;
  return { usersPerInstance, vusPerInstance, filesPerInstance, socketsPerProcess, filesPerProcess, httpConnections };
}

// ---- processes and their costs ------------------------------------------------------

interface Tracked { rssMb: number; hwmMb: number; cpuSeconds: number }

/** Memory and CPU of a group of processes, sampled while they live. */
class Group {
  readonly seen = new Map<number, Tracked>();
  /** Largest sum of the VmRSS of the group's live processes at one sample. */
  peakRssMb = 0;
  /** Sum of VmRSS at the last sample. */
  lastRssMb = 0;
  firstSeenAt: number | undefined;
  lastSeenAt: number | undefined;

  sample(pids: Iterable<number>, now: number): number {
    let rss = 0;
    let alive = 0;
    for (const pid of pids) {
      const s = procSample(pid);
      // Gone, or a zombie (no memory lines left): its last sample stands.
      if (s === undefined || !Number.isFinite(s.rssMb) || !Number.isFinite(s.hwmMb)) continue;
      alive++;
      rss += s.rssMb;
      this.seen.set(pid, { rssMb: s.rssMb, hwmMb: s.hwmMb, cpuSeconds: s.cpuSeconds });
    }
    if (alive > 0) {
      this.firstSeenAt ??= now;
      this.lastSeenAt = now;
    }
    this.peakRssMb = Math.max(this.peakRssMb, rss);
    this.lastRssMb = rss;
    return alive;
  }

  totals(): { processes: number; peakRssMb: number; sumPeakRssMb: number; cpuSeconds: number; perProcess: Array<{ pid: number; peakRssMb: number; cpuSeconds: number }> } {
    let hwm = 0;
    let cpu = 0;
    const perProcess: Array<{ pid: number; peakRssMb: number; cpuSeconds: number }> = [];
    for (const [pid, t] of this.seen) {
      hwm += t.hwmMb;
      cpu += t.cpuSeconds;
      perProcess.push({ pid, peakRssMb: t.hwmMb, cpuSeconds: t.cpuSeconds });
    }
    return { processes: this.seen.size, peakRssMb: this.peakRssMb, sumPeakRssMb: hwm, cpuSeconds: cpu, perProcess };
  }
}

/** pid → parent pid of every process now. */
function processTable(): Map<number, number> {
  const table = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      table.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

function descendantsOf(root: number, table: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of table) {
    const list = children.get(ppid);
    if (list === undefined) children.set(ppid, [pid]);
    else list.push(pid);
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c);
      stack.push(c);
    }
  }
  return out;
}

/** A k6 process: the Node runner (runner/cli.ts) or a k6 binary running a script. */
function isK6(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.some((a) => a.endsWith('runner/cli.ts'))) return true;
    return (basename(args[0] ?? '') === 'k6' || (process.env.K6 !== undefined && args[0] === process.env.K6)) && args[1] === 'run';
  } catch {
    return false;
  }
}

/** Client sockets towards each of the given local ports, by TCP state (ss, kernel-side filter). */
function connectionCensus(ports: number[]): Promise<Map<number, Map<string, number>> | undefined> {
  return new Promise((done) => {
    const filter = `( ${ports.map((p) => `dport = :${p}`).join(' or ')} )`;
    const child = spawn('ss', ['-Htan', filter], { stdio: ['ignore', 'pipe', 'ignore'] });
    const byPort = new Map<number, Map<string, number>>();
    let rest = '';
    const take = (line: string) => {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 5) return;
      const port = Number(cols[4]!.slice(cols[4]!.lastIndexOf(':') + 1));
      let states = byPort.get(port);
      if (states === undefined) byPort.set(port, (states = new Map()));
      states.set(cols[0]!, (states.get(cols[0]!) ?? 0) + 1);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines) take(l);
    });
    child.on('error', () => done(undefined));
    child.on('close', (code) => {
      if (rest !== '') take(rest);
      done(code === 0 ? byPort : undefined);
    });
  });
}

interface PortPeak { total: number; established: number; timeWait: number }

/** The whole machine's CPU so far, in seconds (/proc/stat, all cores): busy (user, nice, system, irq, softirq, steal) and idle. */
function machineCpu(): { busy: number; idle: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busy: (user + nice + system + irq + softirq + steal) / 100, idle: (idle + iowait) / 100 };
}

// ---- running things ---------------------------------------------------------------

function freeRange(count: number): Promise<number> {
  const tryPort = (port: number) => new Promise<boolean>((ok) => {
    const s = createServer();
    s.once('error', () => ok(false));
    s.listen(port, '127.0.0.1', () => s.close(() => ok(true)));
  });
  return (async () => {
    for (let attempt = 0; attempt < 50; attempt++) {
      // Below the ephemeral range (32768 up on Linux), so no client socket takes one meanwhile.
      const base = 20_000 + Math.floor(Math.random() * (32_000 - 20_000 - count));
      let free = true;
      for (let i = 0; i < count && free; i++) free = await tryPort(base + i);
      if (free) return base;
    }
    throw new Error(`no ${count} consecutive free ports found on 127.0.0.1 between 20000 and 32000; set TARGET_PORT`);
  })();
}

/**
 * Runs a tools/ script to its exit. Its output pipes may stay open after it (the
 * redis-server target-ctl starts in the background inherits them), so the
 * result is taken at exit, after a moment for the last bytes, not at close.
 */
function runQuiet(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', (err) => done({ code: 1, stdout, stderr: stderr + err.message }));
    child.on('exit', (code) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        done({ code, stdout, stderr });
      }, 200);
    });
  });
}

function parseEnvLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(\S*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

const say = (line: string) => process.stdout.write(`scale: ${line}\n`);
const mb = (v: number) => `${Math.round(v).toLocaleString('en-US')} MB`;
const s1 = (v: number) => `${v.toFixed(1)} s`;
const n0 = (v: number) => Math.round(v).toLocaleString('en-US');

interface VerdictFile {
  metrics: Record<string, { values: Record<string, number> } | undefined>;
  /** A split run's verdict; absent from one unsplit instance's results (INSTANCES=1), judged by its exit code. */
  queue_k6?: { verdict?: { passed: boolean; instancesFound: number; instancesExpected?: number } };
}

function countOf(v: VerdictFile | undefined, metric: string): number {
  return v?.metrics[metric]?.values.count ?? 0;
}

// ---- main --------------------------------------------------------------------------

async function main(): Promise<number> {
  const t0 = Date.now();
  let plan: ScalePlan;
  try {
    plan = planFromEnv(process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`scale: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const limits = machineLimits();
  const b = budget(plan, limits);
  if (b.problems.length > 0) {
    for (const p of b.problems) process.stderr.write(`scale: ${p}\n`);
    return 2;
  }
  if (!existsSync(join(ROOT, 'build', `${SCENARIO}.js`))) {
    process.stderr.write(`scale: build/${SCENARIO}.js is missing: run make build first (make scale does)\n`);
    return 2;
  }
  const runDir = isAbsolute(plan.runDir) ? plan.runDir : join(ROOT, plan.runDir);
  const resultsDir = isAbsolute(plan.resultsDir) ? plan.resultsDir : join(ROOT, plan.resultsDir);
  mkdirSync(runDir, { recursive: true });
  mkdirSync(resultsDir, { recursive: true });

  say(`${n0(plan.users)} users over ${plan.instances} k6 instances (${n0(b.usersPerInstance)} users, ${b.vusPerInstance} VUs each at most), room of ${plan.processes} processes (notify ${plan.notify}), threshold ${plan.threshold}, interval ${plan.intervalMs} ms, dwell ${plan.dwellMs} ms, arrivals ${plan.arrivalDelayMs} ms apart`);
  const arrivalsS = ((plan.users - 1) * plan.arrivalDelayMs + plan.arrivalGraceMs) / 1000;
  const ttlS = activeTtlS();
  if (arrivalsS > ttlS) {
    // The room's active set has one TTL, renewed only on an add (queue-contract): nobody is added while
    // the admitted users hold through the arrivals, so it expires at once and is refilled from the queue.
    say(`note: the arrival phase takes ${s1(arrivalsS)}, longer than the active set's ${ttlS} s TTL: the users admitted at once hold their slot until it ends, so the whole set expires mid-run and the processor refills it from the queue; the run's counts then measure the TTL, not the threshold (arrivals under ${ttlS} s need ARRIVAL_DELAY_MS <= ${Math.floor(((ttlS * 1000) - plan.arrivalGraceMs) / Math.max(1, plan.users - 1))} or fewer USERS)`);
  }
  say(`limits: ${n0(limits.openFiles)} open files per process, ${n0(limits.ephemeralPorts)} ephemeral ports per destination; plan: about ${n0(b.filesPerInstance)} files per k6 instance, ${n0(b.socketsPerProcess)} sockets (${n0(b.filesPerProcess)} files) per room process and destination port, up to ${n0(b.httpConnections)} HTTP connections to the shared port`);

  const targetPort = process.env.TARGET_PORT?.trim() ? intParam(process.env, 'TARGET_PORT', 0, 1, 65_535 - plan.processes) : await freeRange(plan.processes + 1);
  const roomEnv: NodeJS.ProcessEnv = {
    ...process.env,
    RUN_DIR: runDir,
    TARGET_PORT: String(targetPort),
    TARGET_PROCESSES: String(plan.processes),
    TARGET_NOTIFY: plan.notify,
    TARGET_KDF_COST: String(plan.kdfCost),
    QUEUE_THRESHOLD: String(plan.threshold),
    QUEUE_PROCESSOR_INTERVAL: String(plan.intervalMs),
  };
  // The room keeps its own Redis; a REDIS_URL from outside would be shared with whatever else uses it.
  delete roomEnv.REDIS_URL;
  const down = async () => { await runQuiet('bash', ['tools/target-ctl.sh', 'down'], roomEnv); };

  let runner: ChildProcess | undefined;
  let stopping = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`scale: ${sig}: stopping the run and the room\n`);
    runner?.kill('SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const up = await runQuiet('bash', ['tools/target-ctl.sh', 'up'], roomEnv);
  if (up.code !== 0) {
    process.stderr.write(up.stderr);
    process.stderr.write(`scale: the room did not start (tools/target-ctl.sh up exited ${up.code}); its log: ${join(runDir, 'target.log')}\n`);
    await down();
    return 1;
  }
  // What target-ctl printed is also in target.env, written before it exits.
  const envFile = join(runDir, 'target.env');
  const room = parseEnvLines(existsSync(envFile) ? readFileSync(envFile, 'utf8') : up.stdout);
  const roomPids = (room.TARGET_PIDS ?? '').split(',').filter(Boolean).map(Number);
  const processUrls = (room.TARGET_PROCESS_URLS ?? '').split(',').filter(Boolean);
  const redisPid = Number(readFileSync(join(runDir, 'redis.pid'), 'utf8').trim());
  const redisPort = Number(new URL(room.REDIS_URL!).port);
  const roomPorts = processUrls.map((u) => Number(new URL(u).port));
  const tRoom = Date.now();
  say(`room up in ${s1((tRoom - t0) / 1000)}: ${room.API_URL} (HTTP, shared), processes ${processUrls.join(' ')}, Redis ${room.REDIS_URL}`);

  const eventId = randomUUID();
  const startAt = Date.now() + plan.startDelayMs;
  const runEnv: NodeJS.ProcessEnv = {
    ...process.env,
    API_URL: room.API_URL,
    REDIS_URL: room.REDIS_URL,
    SOCKET_URLS: processUrls.join(','),
    USER_PASSWORD: process.env.USER_PASSWORD || 'queue-k6-scale',
    // The scenario must know the room tells only the admitted user: the observer then hears no batch to size.
    ROOM_NOTIFY: plan.notify,
    USERS: String(plan.users),
    INSTANCES: String(plan.instances),
    USERS_PER_VU: String(plan.usersPerVu),
    HTTP_CONCURRENCY: String(plan.httpConcurrency),
    ARRIVAL_DELAY_MS: String(plan.arrivalDelayMs),
    ARRIVAL_GRACE_MS: String(plan.arrivalGraceMs),
    DWELL_MS: String(plan.dwellMs),
    QUEUE_THRESHOLD: String(plan.threshold),
    QUEUE_PROCESSOR_INTERVAL: String(plan.intervalMs),
    RESULTS_DIR: resultsDir,
    EVENT_ID: eventId,
    START_AT: String(startAt),
  };
  delete runEnv.SOCKET_URL;
  // Each VU its own source address (k6's --local-ips through K6_LOCAL_IPS, which k6 and the Node runner
  // read): towards one address:port Linux's ephemeral port search slows to milliseconds of kernel CPU
  // per connect past 14,116 sockets from one address (docs/scale.md, "The limits"). The instances'
  // sockets go to different room ports, so they may share the addresses.
  const localIps = (process.env.K6_LOCAL_IPS ?? DEFAULT_LOCAL_IPS).trim();
  if (localIps === '' || localIps === 'off') delete runEnv.K6_LOCAL_IPS;
  else runEnv.K6_LOCAL_IPS = localIps;
  say(`source addresses: ${runEnv.K6_LOCAL_IPS === undefined ? "the system's one for every VU (K6_LOCAL_IPS=off)" : `K6_LOCAL_IPS=${runEnv.K6_LOCAL_IPS}, handed out to each instance's VUs in order`}`);
  // A queued user may wait as long as the run may still last: on two shared cores the drain goes at the
  // pace of the CPU, not at the scenario's assumed one batch per dwell + interval (docs/scale.md).
  const admissionTimeoutMs = process.env.ADMISSION_TIMEOUT_MS?.trim()
    ? undefined
    : Math.max(60_000, plan.timeoutS * 1000 - (startAt - t0) - FINISH_RESERVE_MS);
  if (admissionTimeoutMs !== undefined) runEnv.ADMISSION_TIMEOUT_MS = String(admissionTimeoutMs);
  if (!process.env.CONNECT_TIMEOUT_MS?.trim()) runEnv.CONNECT_TIMEOUT_MS = String(CONNECT_TIMEOUT_MS);
  // The Node runner with V8's own heap sizing: tools/k6.sh's default trades 10-20 % more CPU in garbage
  // collection for a smaller RSS, and here CPU is the limit, not memory (docs/scale.md). Set it to keep it.
  if (process.env.QUEUE_RUNNER_V8_FLAGS === undefined) runEnv.QUEUE_RUNNER_V8_FLAGS = '';
  say(`first arrival at ${new Date(startAt).toISOString()}; arrivals over ${s1(((plan.users - 1) * plan.arrivalDelayMs) / 1000)}; a queued user times out after ${s1(Number(runEnv.ADMISSION_TIMEOUT_MS ?? 0) / 1000)}${admissionTimeoutMs !== undefined ? ' (what is left of SCALE_TIMEOUT_S)' : ''}, a connect after ${s1(Number(runEnv.CONNECT_TIMEOUT_MS) / 1000)}`);

  const k6 = new Group();
  const roomGroup = new Group();
  const redis = new Group();
  const k6Pids = new Set<number>();
  const portPeaks = new Map<number, PortPeak>();
  let censusOk = true;
  let censusRunning = false;
  let lastCensus = 0;
  /** Client sockets established towards the room processes at the last census: the users connected now. */
  let socketsNow: number | undefined;
  const census = async () => {
    censusRunning = true;
    const byPort = await connectionCensus([...roomPorts, targetPort, redisPort]);
    censusRunning = false;
    if (byPort === undefined) { censusOk = false; return; }
    socketsNow = 0;
    for (const [port, states] of byPort) if (roomPorts.includes(port)) socketsNow += states.get('ESTAB') ?? 0;
    for (const [port, states] of byPort) {
      let total = 0;
      for (const n of states.values()) total += n;
      const peak = portPeaks.get(port) ?? { total: 0, established: 0, timeWait: 0 };
      peak.total = Math.max(peak.total, total);
      peak.established = Math.max(peak.established, states.get('ESTAB') ?? 0);
      peak.timeWait = Math.max(peak.timeWait, states.get('TIME-WAIT') ?? 0);
      portPeaks.set(port, peak);
    }
  };

  let summaryPath: string | undefined;
  let reportPath: string | undefined;
  const samplePaths: string[] = [];
  const take = (line: string) => {
    const m = /^queue-k6: (summary|report|samples)\s+(\S+)$/.exec(line);
    if (m === null) return;
    if (m[1] === 'summary') summaryPath = m[2];
    else if (m[1] === 'report') reportPath = m[2];
    else samplePaths.push(m[2]!);
  };
  const forward = (stream: NodeJS.ReadableStream, to: NodeJS.WriteStream) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      to.write(chunk);
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines) take(l);
    });
    stream.on('end', () => { if (rest !== '') take(rest); });
  };

  // Every 5 s: the CPU seconds and RSS of each group so far, for the phases of the run (scale.json).
  const timeline: Array<{ t: number; k6Cpu: number; k6RssMb: number; roomCpu: number; roomRssMb: number; redisCpu: number }> = [];
  let lastTimeline = 0;
  let lastProgress = startAt;
  const sumOf = (g: Group, field: 'cpuSeconds' | 'rssMb') => { let v = 0; for (const x of g.seen.values()) v += x[field]; return v; };
  let machineAtStart: { busy: number; idle: number; ours: number } | undefined;
  let machineAtEnd: { busy: number; idle: number; ours: number } | undefined;
  const ourCpu = () => sumOf(k6, 'cpuSeconds') + sumOf(roomGroup, 'cpuSeconds') + sumOf(redis, 'cpuSeconds');
  let code: number;
  let timedOut = false;
  let tRunEnd = 0;
  try {
    runner = spawn('bash', ['tools/run-scenario.sh', SCENARIO, '--quiet'], { cwd: ROOT, env: runEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    const rootPid = runner.pid!;
    forward(runner.stdout!, process.stdout);
    forward(runner.stderr!, process.stderr);
    // Its exit, once its output is read (or 2 s after the exit, should something it started hold the pipes).
    const exited = new Promise<number>((done) => runner!.on('exit', (c, sig) => {
      const result = c ?? (sig ? 128 : 1);
      const timer = setTimeout(() => { runner!.stdout!.destroy(); runner!.stderr!.destroy(); done(result); }, 2000);
      runner!.once('close', () => { clearTimeout(timer); done(result); });
    }));
    let finished = false;
    void exited.then(() => { finished = true; });
    const deadline = t0 + plan.timeoutS * 1000;
    while (!finished) {
      const now = Date.now();
      const table = processTable();
      for (const pid of descendantsOf(rootPid, table)) if (!k6Pids.has(pid) && isK6(pid)) k6Pids.add(pid);
      // A k6 process's own children (none on the Node runner) count with it.
      const k6All = new Set<number>(k6Pids);
      for (const pid of k6Pids) for (const c of descendantsOf(pid, table)) k6All.add(c);
      k6.sample(k6All, now);
      // The machine's CPU from the first arrival to the last k6 process's end: how much of it this run had.
      if (now >= startAt && machineAtStart === undefined) machineAtStart = { ...machineCpu(), ours: ourCpu() };
      if (k6.lastSeenAt === now) machineAtEnd = { ...machineCpu(), ours: ourCpu() };
      roomGroup.sample(roomPids, now);
      redis.sample([redisPid], now);
      if (now >= startAt && now - lastProgress >= PROGRESS_MS) {
        // A long run says how it goes, so an operator can tell a slow run from a stuck one.
        lastProgress = now;
        const open = socketsNow === undefined ? '' : `, ${n0(socketsNow)} Socket.IO connections open`;
        say(`+${Math.round((now - startAt) / 1000)} s: ${k6Pids.size} k6 processes${open}; CPU so far: k6 ${s1(sumOf(k6, 'cpuSeconds'))}, room ${s1(sumOf(roomGroup, 'cpuSeconds'))}, Redis ${s1(sumOf(redis, 'cpuSeconds'))}; RSS k6 ${mb(k6.lastRssMb)}, room ${mb(roomGroup.lastRssMb)}`);
      }
      if (now - lastTimeline >= 5000) {
        lastTimeline = now;
        timeline.push({ t: Math.round((now - startAt) / 100) / 10, k6Cpu: sumOf(k6, 'cpuSeconds'), k6RssMb: Math.round(k6.lastRssMb), roomCpu: sumOf(roomGroup, 'cpuSeconds'), roomRssMb: Math.round(roomGroup.lastRssMb), redisCpu: sumOf(redis, 'cpuSeconds') });
      }
      if (plan.connSampleMs > 0 && censusOk && !censusRunning && now - lastCensus >= plan.connSampleMs && k6Pids.size > 0) {
        lastCensus = now;
        void census();
      }
      if (now > deadline && !timedOut) {
        timedOut = true;
        process.stderr.write(`scale: the run passed SCALE_TIMEOUT_S=${plan.timeoutS} s: stopping it\n`);
        runner.kill('SIGTERM');
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, plan.sampleMs))]);
    }
    code = await exited;
    tRunEnd = Date.now();
    // The room's last figures, before it stops.
    roomGroup.sample(roomPids, tRunEnd);
    redis.sample([redisPid], tRunEnd);
  } finally {
    await down();
  }
  const tEnd = Date.now();
  if (stopping) return 1;

  // ---- what the run did -----------------------------------------------------
  // A run stopped at SCALE_TIMEOUT_S has no verdict: how far it got is read from its instances' samples.
  if (timedOut && samplePaths.length === 0) {
    const t0s = t0 - 1000;
    for (const f of readdirSync(resultsDir)) {
      const path = join(resultsDir, f);
      if (f.startsWith(`${SCENARIO}-`) && f.endsWith('.ndjson.gz') && statSync(path).mtimeMs >= t0s) samplePaths.push(path);
    }
  }
  let verdict: VerdictFile | undefined;
  if (!timedOut && summaryPath !== undefined && existsSync(summaryPath)) verdict = JSON.parse(readFileSync(summaryPath, 'utf8')) as VerdictFile;
  // One read of the instances' samples: the connect times always; without a verdict also the counts,
  // the queued users' waits and the invariant violations by kind.
  const sets = await readSamples(samplePaths.filter((p) => existsSync(p)), {
    metrics: verdict === undefined ? [...SAMPLED_COUNTS, 'queue_admission_wait'] : ['queue_socket_connect'],
    keepTags: ['queue_invariant_violations'],
  });
  const sampled = new Map<string, number>();
  const sampledKinds = new Map<string, number>();
  let sampledWaits: { avgS: number; maxS: number } | undefined;
  if (verdict === undefined) {
    // Counters add their values; the one trend (connect times) counts its samples.
    for (const m of SAMPLED_COUNTS) {
      const points = sets.points.get(m) ?? [];
      sampled.set(m, m === 'queue_socket_connect' ? points.length : points.reduce((a, p) => a + p.v, 0));
    }
    for (const p of sets.points.get('queue_invariant_violations') ?? []) {
      const kind = p.tags?.kind ?? '(no kind)';
      sampledKinds.set(kind, (sampledKinds.get(kind) ?? 0) + p.v);
    }
    const waits = sets.points.get('queue_admission_wait') ?? [];
    if (waits.length > 0) sampledWaits = { avgS: waits.reduce((a, p) => a + p.v, 0) / waits.length / 1000, maxS: waits.reduce((a, p) => Math.max(a, p.v), 0) / 1000 };
  }
  const c = (m: string) => (verdict !== undefined ? countOf(verdict, m) : (sampled.get(m) ?? 0));
  const immediate = c('queue_admitted_immediately');
  const queued = c('queue_queued');
  const fromQueue = c('queue_admitted_from_queue');
  const completed = c('queue_users_completed');
  const accounted = immediate + queued === plan.users && fromQueue === queued && completed === plan.users;

  // Connect rate: every Socket.IO connect sample's time, from the first arrival to the last connect.
  const connects = sets.points.get('queue_socket_connect') ?? [];
  const lastConnect = connects.length > 0 ? connects[connects.length - 1]!.t : startAt;
  const firstConnect = connects.length > 0 ? connects[0]!.t : startAt;
  const connectSpanS = Math.max(0.001, (lastConnect - startAt) / 1000);

  const errors = {
    http: c('queue_http_errors'),
    socket: c('queue_socket_errors'),
    protocol: c('queue_protocol_errors'),
    admissionTimeouts: c('queue_admission_timeouts'),
    invariantViolations: c('queue_invariant_violations'),
    /** Broken invariants by kind (queue_invariant_violations{kind:…}), only the kinds that were broken. */
    violationsByKind: Object.fromEntries(verdict !== undefined
      ? Object.entries(verdict.metrics).flatMap(([key, m]) => {
        const kind = /^queue_invariant_violations\{kind:([a-z_]+)\}$/.exec(key)?.[1];
        const n = m?.values.count ?? 0;
        return kind !== undefined && n > 0 ? [[kind, n] as const] : [];
      })
      : [...sampledKinds].filter(([, n]) => n > 0)),
    probe: c('queue_probe_errors'),
    httpReqFailedRate: verdict?.metrics.http_req_failed?.values.rate ?? 0,
  };
  const k6t = k6.totals();
  const roomT = roomGroup.totals();
  const redisT = redis.totals();
  const firstArrivalToEnd = ((k6.lastSeenAt ?? tRunEnd) - startAt) / 1000;
  const cores = cpus().length;
  let machine: { cores: number; seconds: number; busyShare: number; thisRunShare: number; othersShare: number } | undefined;
  if (machineAtStart !== undefined && machineAtEnd !== undefined && machineAtEnd.busy > machineAtStart.busy) {
    const total = machineAtEnd.busy - machineAtStart.busy + machineAtEnd.idle - machineAtStart.idle;
    const busy = (machineAtEnd.busy - machineAtStart.busy) / total;
    const ours = (machineAtEnd.ours - machineAtStart.ours) / total;
    machine = { cores, seconds: total / cores, busyShare: busy, thisRunShare: ours, othersShare: Math.max(0, busy - ours) };
  }
  // Stopped at SCALE_TIMEOUT_S: exit 1, whatever the stopped instances returned.
  if (timedOut) code = 1;
  const result = {
    plan, limits, budget: b, eventId,
    startAt: new Date(startAt).toISOString(),
    wallSeconds: (tEnd - t0) / 1000,
    phases: {
      roomStartS: (tRoom - t0) / 1000,
      toFirstArrivalS: (startAt - tRoom) / 1000,
      firstArrivalToLastInstanceS: firstArrivalToEnd,
      verdictAndReportS: (tRunEnd - (k6.lastSeenAt ?? tRunEnd)) / 1000,
      roomStopS: (tEnd - tRunEnd) / 1000,
    },
    connects: { count: connects.length, firstAt: new Date(firstConnect).toISOString(), lastAt: new Date(lastConnect).toISOString(), spanFromFirstArrivalS: connectSpanS, perSecond: connects.length / connectSpanS },
    k6: { instances: k6Pids.size, ...k6t }, room: roomT, redis: redisT,
    /** The machine from the first arrival to the last instance's end: busy, this run's processes, everything else (shares of all cores). */
    machine,
    connections: Object.fromEntries([...portPeaks].sort((a, b2) => a[0] - b2[0]).map(([port, p]) => [String(port), { ...p, role: port === targetPort ? 'http (shared)' : port === redisPort ? 'redis' : `process ${roomPorts.indexOf(port)}` }])),
    counts: { users: plan.users, admittedImmediately: immediate, queued, admittedFromQueue: fromQueue, completed, socketConnects: c('queue_socket_connect'), accounted },
    errors,
    /**
     * The queued users' waits. make scale lets a queued user wait what is left of SCALE_TIMEOUT_S
     * instead of 1.5 × its position's bound, so the bound is reported here, not failed on:
     * lateBeyondBound counts the users admitted later than it (queue_admission_late).
     */
    waits: {
      maxS: verdict !== undefined ? (verdict.metrics.queue_admission_wait?.values.max ?? 0) / 1000 : (sampledWaits?.maxS ?? 0),
      avgS: verdict !== undefined ? (verdict.metrics.queue_admission_wait?.values.avg ?? 0) / 1000 : (sampledWaits?.avgS ?? 0),
      lateBeyondBound: c('queue_admission_late'),
      toldLate: c('queue_admission_told_late'),
    },
    /** Seconds from the first arrival; CPU seconds so far and RSS now, per group. */
    timeline,
    verdict: { exitCode: code, passed: verdict === undefined ? false : (verdict.queue_k6?.verdict?.passed ?? code === 0), instancesFound: verdict === undefined ? 0 : (verdict.queue_k6?.verdict?.instancesFound ?? 1), file: summaryPath, report: reportPath },
  };

  say('---');
  say(`wall time ${s1(result.wallSeconds)}: room start ${s1(result.phases.roomStartS)}, instances starting ${s1(result.phases.toFirstArrivalS)}, first arrival to the last instance's end ${s1(firstArrivalToEnd)}, verdict and report ${s1(result.phases.verdictAndReportS)}, room stop ${s1(result.phases.roomStopS)}`);
  say(`connects: ${n0(connects.length)} Socket.IO connections in ${s1(connectSpanS)} from the first arrival: ${n0(result.connects.perSecond)} connects/s`);
  say(`k6 (${k6Pids.size} instances, ${k6t.processes} processes with their helpers, together): peak RSS ${mb(k6t.peakRssMb)} (sampled sum; each process's own peak summed ${mb(k6t.sumPeakRssMb)}), CPU ${s1(k6t.cpuSeconds)}`);
  say(`room (${roomT.processes} processes together): peak RSS ${mb(roomT.peakRssMb)} (each process's own peak summed ${mb(roomT.sumPeakRssMb)}), CPU ${s1(roomT.cpuSeconds)}; its Redis: peak RSS ${mb(redisT.sumPeakRssMb)}, CPU ${s1(redisT.cpuSeconds)}`);
  // Per user who got as far as a socket (all of them in a run that finished).
  const served = Math.max(1, Math.min(plan.users, connects.length));
  const perUserMs = (cpu: number) => (1000 * cpu) / served;
  const allCpu = k6t.cpuSeconds + roomT.cpuSeconds + redisT.cpuSeconds;
  const usersPerSecond = (cores * 1000) / perUserMs(allCpu);
  say(`CPU per user (${n0(served)} users connected): k6 ${perUserMs(k6t.cpuSeconds).toFixed(1)} ms, room ${perUserMs(roomT.cpuSeconds).toFixed(1)} ms, Redis ${perUserMs(redisT.cpuSeconds).toFixed(1)} ms: ${perUserMs(allCpu).toFixed(1)} ms, so ${cores} cores serve at most ${n0(usersPerSecond)} users a second, start to end; USERS=${n0(plan.users)} need ${s1(plan.users / usersPerSecond)} of the whole machine, against SCALE_TIMEOUT_S=${plan.timeoutS} and arrivals planned over ${s1(((plan.users - 1) * plan.arrivalDelayMs) / 1000)}`);
  if (machine !== undefined) {
    const pct = (v: number) => `${Math.round(v * 100)}%`;
    say(`machine (${machine.cores} cores) from the first arrival to the last instance's end: busy ${pct(machine.busyShare)}, this run's processes ${pct(machine.thisRunShare)}, other processes ${pct(machine.othersShare)}`);
  }
  if (portPeaks.size > 0) {
    const parts = [...portPeaks].sort((a, b2) => a[0] - b2[0]).map(([port, p]) => `:${port} ${port === targetPort ? 'http' : port === redisPort ? 'redis' : `p${roomPorts.indexOf(port)}`} ${n0(p.total)}${p.timeWait > 0 ? ` (${n0(p.timeWait)} time-wait)` : ''}`);
    say(`client sockets per destination, peak of samples every ${plan.connSampleMs / 1000} s: ${parts.join(', ')}`);
  }
  say(`errors: http ${errors.http}, socket ${errors.socket}, protocol ${errors.protocol}, admission timeouts ${errors.admissionTimeouts}, invariant violations ${errors.invariantViolations}${Object.keys(errors.violationsByKind).length > 0 ? ` (${Object.entries(errors.violationsByKind).map(([k, n]) => `${k} ${n0(n)}`).join(', ')})` : ''}, probe ${errors.probe}, http_req_failed ${(errors.httpReqFailedRate * 100).toFixed(2)}%`);
  say(`waits in the queue: avg ${s1(result.waits.avgS)}, max ${s1(result.waits.maxS)}; ${n0(result.waits.lateBeyondBound)} of ${n0(fromQueue)} admitted later than the scenario's bound for their position (reported, not failed on: make scale's queued users wait what is left of SCALE_TIMEOUT_S)${result.waits.toldLate > 0 ? `; ${n0(result.waits.toldLate)} told after their timeout` : ''}`);
  say(`users: admitted at once ${n0(immediate)} + queued ${n0(queued)} = ${n0(immediate + queued)} of USERS ${n0(plan.users)}; admitted from the queue ${n0(fromQueue)}; completed ${n0(completed)}: ${accounted ? 'every user accounted for' : 'NOT every user accounted for'}`);
  const verdictLine = timedOut ? `none: the run passed SCALE_TIMEOUT_S=${plan.timeoutS} s and was stopped; the counts above are from its samples so far` : verdict === undefined ? 'no verdict' : `${result.verdict.passed ? 'passed' : 'FAILED'} over ${result.verdict.instancesFound} of ${plan.instances} instances`;
  say(`verdict: ${verdictLine} (exit ${code})${summaryPath && !timedOut ? `: ${summaryPath}` : ''}${reportPath && !timedOut ? `, report ${reportPath}` : ''}`);
  const prefix = summaryPath !== undefined && !timedOut ? summaryPath.replace(/(-verdict)?\.json$/, '') : samplePaths[0]?.replace(/-i\d+of\d+\.ndjson\.gz$/, '');
  if (prefix !== undefined) {
    const out = `${prefix}-scale.json`;
    writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
    say(`numbers: ${out}`);
  }
  if (code === 0 && !accounted) return 99;
  return code;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code), (err: unknown) => {
    process.stderr.write(`scale: unexpected error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
