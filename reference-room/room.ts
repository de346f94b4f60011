// The room at any TARGET_PROCESSES:
// - launchRoom(config): in this process; one process is startTarget itself,
//   several make this process their cluster primary (cluster.ts). main.ts and
//   the benchmarks' target child use it.
// - startRoom(config): in a child process (main.ts --ipc) driven over IPC, for
//   tests: the test process never becomes a cluster primary, and the room's
//   CPU and memory are its own.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { resolveConfig, type TargetConfig } from './config.ts';
import { startCluster, type Room, type RoomStats } from './cluster.ts';
import { errorMessage } from './processor.ts';
import { startTarget } from './server.ts';

export type { Room, RoomStats } from './cluster.ts';

export async function launchRoom(config: TargetConfig, log?: (line: string) => void): Promise<Room> {
  if (config.processes > 1 || config.respawn === true) return startCluster(config, log ?? ((line) => process.stderr.write(`[room] ${line}\n`)));
  const t = await startTarget(config, log ? { log } : {});
  return {
    url: t.url,
    port: t.port,
    processUrls: [t.url],
    pids: [process.pid],
    config: t.config,
    stats: () => {
      const s = t.stats();
      return Promise.resolve({ ...s, processes: [{ index: 0, pid: process.pid, url: t.url, runsProcessor: true, connections: s.connections, ticks: s.ticks }] });
    },
    processNow: () => t.processNow(),
    close: () => t.close(),
    failed: new Promise<string>(() => undefined),
  };
}

// ---- the room in a child process -------------------------------------------

/** Parent → main.ts --ipc. */
export type ToRoom =
  | { type: 'start'; config: TargetConfig }
  | { type: 'stats'; id: number }
  | { type: 'processNow'; id: number }
  | { type: 'close' };

/** main.ts --ipc → parent. */
export type FromRoom =
  | { type: 'hello' }
  | { type: 'ready'; url: string; port: number; processUrls: string[]; pids: number[]; config: TargetConfig }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; stats?: RoomStats; error?: string };

export interface RoomProcess extends Omit<Room, 'failed'> {
  /** the pid of the room's main process (the cluster primary when processes > 1) */
  mainPid: number;
  /** resolves when the room's main process exits, for whatever reason */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));
const START_TIMEOUT_MS = 90_000;
// A tick that announces a big batch to a big room (room mode) can take minutes: processNow waits for it.
const REPLY_TIMEOUT_MS = { stats: 120_000, processNow: 1_800_000 } as const;
const STOP_TIMEOUT_MS = 15_000;

/**
 * Starts the room in a child process and resolves once every room process
 * answers. The config is validated here (errors name the field) and sent over
 * IPC, never in the environment. `log` gets the room's stderr lines.
 */
export async function startRoom(partial: Partial<TargetConfig>, opts: { log?: (line: string) => void } = {}): Promise<RoomProcess> {
  const config = resolveConfig(partial);
  const child: ChildProcess = fork(MAIN, ['--ipc'], {
    execArgv: ['--import', import.meta.resolve('tsx')],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const log = opts.log ?? (() => undefined);
  const lines = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim() !== '') log(line);
  };
  child.stdout?.on('data', lines);
  child.stderr?.on('data', lines);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: FromRoom & { type: 'reply' }) => void; reject: (e: Error) => void }>();
  child.on('message', (m: FromRoom) => {
    if (m.type !== 'reply') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    p?.resolve(m);
  });
  void exited.then(({ code, signal }) => {
    for (const p of pending.values()) p.reject(new Error(`the room exited (${signal ?? `code ${code}`})`));
    pending.clear();
  });

  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  let ready: FromRoom & { type: 'ready' };
  try {
    ready = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the room did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      const onMessage = (m: FromRoom) => {
        // A message sent before the child's listener exists would be lost: it says hello first.
        if (m.type === 'hello') return void child.send({ type: 'start', config } satisfies ToRoom);
        if (m.type === 'ready') resolve(m);
        else if (m.type === 'failed') reject(new Error(m.message));
        else return;
        clearTimeout(timer);
        child.off('message', onMessage);
      };
      child.on('message', onMessage);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the room exited at start (${signal ?? `code ${code}`})`));
      });
    });
  } catch (err) {
    await kill();
    throw err;
  }

  const ask = (type: 'stats' | 'processNow'): Promise<FromRoom & { type: 'reply' }> =>
    new Promise((resolve, reject) => {
      if (child.exitCode !== null || child.signalCode !== null || !child.connected) return reject(new Error('the room is not running'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`the room did not answer ${type} within ${REPLY_TIMEOUT_MS[type] / 1000} s`));
      }, REPLY_TIMEOUT_MS[type]);
      pending.set(id, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
      child.send({ type, id } satisfies ToRoom);
    });
  let closing: Promise<void> | null = null;

  return {
    url: ready.url,
    port: ready.port,
    processUrls: ready.processUrls,
    pids: ready.pids,
    config: ready.config,
    mainPid: child.pid!,
    exited,
    stats: async () => {
      const r = await ask('stats');
      if (r.stats === undefined) throw new Error(r.error ?? 'no stats');
      return r.stats;
    },
    processNow: async () => {
      const r = await ask('processNow');
      if (r.error !== undefined) throw new Error(r.error);
    },
    close: () =>
      (closing ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const force = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        try {
          if (child.connected) child.send({ type: 'close' } satisfies ToRoom);
          else child.kill('SIGTERM');
        } catch (err) {
          log(`room: ${errorMessage(err)}`);
          child.kill('SIGTERM');
        }
        await exited;
        clearTimeout(force);
      })()),
  };
}
