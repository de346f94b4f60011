// TARGET_PROCESSES=N above 1: this process becomes a node:cluster primary that
// serves nothing itself and runs N Socket.IO server processes (worker.ts) over
// the one Redis, as the real gateway scales out:
// - all of them share config.port (the primary accepts and hands connections
//   round-robin), so one URL spreads clients over every process;
// - process i also listens alone on config.port + 1 + i (any free port when
//   config.port is 0), so a client can choose its process, and 100,000
//   connections have more than one destination address:port;
// - room broadcasts cross processes through @socket.io/redis-adapter;
// - process 0 alone runs the queue processor and creates the admin account.
// Every process has the same config, so the same faults and the same JWT key.
// If any process dies on its own, the primary stops the others: a room with a
// missing process never keeps running half-served.
import cluster, { type Worker } from 'node:cluster';
import { renameSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TargetConfig } from './config.ts';
import { errorMessage } from './processor.ts';
import type { TargetStats } from './server.ts';

/** Primary → worker. */
export type ToWorker =
  | { type: 'start'; config: TargetConfig; index: number; ownPort: number }
  | { type: 'stats'; id: number }
  | { type: 'processNow'; id: number }
  | { type: 'close' };

/** Worker → primary. */
export type FromWorker =
  | { type: 'hello' }
  | { type: 'ready'; url: string; port: number; ownUrl: string }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; stats?: TargetStats; error?: string };

export interface ProcessStats {
  index: number;
  pid: number;
  /** the URL only this process answers on */
  url: string;
  runsProcessor: boolean;
  connections: number;
  ticks: number;
}

export interface RoomStats extends TargetStats {
  /** one entry per room process, in index order (index 0 runs the processor) */
  processes: ProcessStats[];
}

/** A running room, of one process or several: what main.ts, the tests and the benches drive. */
export interface Room {
  /** the address every process answers on (API_URL, SOCKET_URL) */
  url: string;
  port: number;
  /** the URL of each process alone; [0] runs the processor. One process: [url]. */
  processUrls: string[];
  /** the pid of each room process, same order (one process: this one) */
  pids: number[];
  config: TargetConfig;
  stats(): Promise<RoomStats>;
  /** One processor tick now, in the process that runs the processor. */
  processNow(): Promise<void>;
  close(): Promise<void>;
  /** Resolves, with the reason, when a room process died on its own (the room is then stopped). */
  failed: Promise<string>;
}

const START_TIMEOUT_MS = 60_000;
// A tick that announces a big batch to a big room (room mode) can take minutes: processNow waits for it.
const REPLY_TIMEOUT_MS = { stats: 120_000, processNow: 1_800_000 } as const;
const STOP_TIMEOUT_MS = 10_000;

/** The per-process port of process `index` (0 stays 0: any free port). */
export function ownPort(config: TargetConfig, index: number): number {
  return config.port === 0 ? 0 : config.port + 1 + index;
}

/** tsx for the workers, resolved from here, so they start whatever the working directory. */
function workerExecArgv(): string[] {
  return ['--import', import.meta.resolve('tsx')];
}

interface Member {
  index: number;
  worker: Worker;
  pid: number;
  url: string;
  /** the port all processes share (the same for all: with config.port 0, the primary picked it) */
  sharedPort: number;
}

export async function startCluster(config: TargetConfig, log: (line: string) => void): Promise<Room> {
  if (!cluster.isPrimary) throw new Error('startCluster runs in a cluster primary only');
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./worker.ts', import.meta.url)),
    execArgv: workerExecArgv(),
    args: [],
    silent: false,
  });
  const n = config.processes;
  const workers: Worker[] = [];
  let closing = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (m: FromWorker & { type: 'reply' }) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let fail: (reason: string) => void = () => undefined;
  const failed = new Promise<string>((resolve) => { fail = resolve; });

  const stopAll = async (): Promise<void> => {
    closing = true;
    await Promise.all(workers.map((w) => stopWorker(w)));
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the room stopped'));
    }
    pending.clear();
  };

  // 1. Start every process; each says ready (or why not).
  const spawn = (index: number): Promise<Member> => new Promise<Member>((resolve, reject) => {
    const worker = cluster.fork({ QUEUE_ROOM_PROCESS: String(index) });
    workers.push(worker);
    const timer = setTimeout(() => reject(new Error(`room process ${index} did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`room process ${index} exited at start (${signal ?? `code ${code}`})`));
    };
    worker.once('exit', onExit);
    worker.on('message', (m: FromWorker) => {
      // A message sent before the worker's listener exists would be lost: it says hello first.
      if (m.type === 'hello') {
        worker.send({ type: 'start', config, index, ownPort: ownPort(config, index) } satisfies ToWorker);
      } else if (m.type === 'ready') {
        clearTimeout(timer);
        worker.off('exit', onExit);
        resolve({ index, worker, pid: worker.process.pid!, url: m.ownUrl, sharedPort: m.port });
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        worker.off('exit', onExit);
        reject(new Error(m.message));
      } else if (m.type === 'reply') {
        const p = pending.get(m.id);
        if (p === undefined) return;
        pending.delete(m.id);
        clearTimeout(p.timer);
        p.resolve(m);
      }
    });
    worker.on('error', (err) => log(`room process ${index}: ${err.message}`));
  });
  let members: Member[];
  try {
    members = await Promise.all(Array.from({ length: n }, (_, index) => spawn(index)));
  } catch (err) {
    await stopAll();
    throw err;
  }

  // 2. From now on a process that dies on its own stops the room, or (respawn) is started again.
  const watchExit = (m: Member): void => {
    m.worker.on('exit', (code, signal) => {
      if (closing) return;
      const how = signal ?? `code ${code}`;
      if (config.respawn === true) {
        log(`room process ${m.index} (pid ${m.pid}) died (${how}); starting it again (TARGET_RESPAWN=1)`);
        const diedAt = Date.now();
        spawn(m.index).then(
          (again) => {
            if (closing) return void stopWorker(again.worker);
            members[m.index] = again;
            watchExit(again);
            writePidsFile(members);
            log(`room process ${m.index} is back (pid ${again.pid}) ${Date.now() - diedAt} ms after it died`);
          },
          (err: unknown) => {
            const reason = `room process ${m.index} could not be started again: ${errorMessage(err)}; stopping the room`;
            log(reason);
            void stopAll().finally(() => fail(reason));
          },
        );
        return;
      }
      const reason = `room process ${m.index} (pid ${m.pid}) exited unexpectedly (${how}); stopping the room`;
      log(reason);
      void stopAll().finally(() => fail(reason));
    });
  };
  for (const m of members) watchExit(m);

  const ask = (m: Member, type: 'stats' | 'processNow'): Promise<FromWorker & { type: 'reply' }> =>
    new Promise((resolve, reject) => {
      if (closing) return reject(new Error('the room is stopping'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`room process ${m.index}: no answer to ${type} within ${REPLY_TIMEOUT_MS[type] / 1000} s`));
      }, REPLY_TIMEOUT_MS[type]);
      pending.set(id, { resolve, reject, timer });
      m.worker.send({ type, id } satisfies ToWorker);
    });

  const port = members[0]!.sharedPort;
  let closed: Promise<void> | null = null;

  return {
    url: `http://${hostPart(config.host)}:${port}`,
    port,
    processUrls: members.map((m) => m.url),
    get pids() {
      return members.map((m) => m.pid);
    },
    config: { ...config, port },
    failed,
    stats: async () => {
      const replies = await Promise.all(members.map((m) => ask(m, 'stats')));
      const per = replies.map((r, i) => {
        if (r.stats === undefined) throw new Error(`room process ${i}: ${r.error ?? 'no stats'}`);
        return r.stats;
      });
      const processor = per[0]!;
      return {
        ...processor,
        connections: per.reduce((sum, s) => sum + s.connections, 0),
        processes: members.map((m, i) => ({ index: m.index, pid: m.pid, url: m.url, runsProcessor: i === 0, connections: per[i]!.connections, ticks: per[i]!.ticks })),
      };
    },
    processNow: async () => {
      const r = await ask(members[0]!, 'processNow');
      if (r.error !== undefined) throw new Error(r.error);
    },
    close: () => (closed ??= stopAll()),
  };
}

/**
 * A respawned process has a new pid: the file main.ts wrote (TARGET_PIDS_FILE:
 * this process, then room process 0, 1, ...) is written again, whole, so
 * tools/target-ctl.sh always finds the live ones.
 */
function writePidsFile(members: readonly Member[]): void {
  const file = process.env.TARGET_PIDS_FILE;
  if (file === undefined || file === '') return;
  try {
    writeFileSync(`${file}.tmp`, [process.pid, ...members.map((m) => m.pid)].join('\n') + '\n');
    renameSync(`${file}.tmp`, file);
  } catch {
    // the run directory is gone (the room is being stopped): nothing to keep up to date
  }
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Asks a worker to close, waits for its exit, kills it after STOP_TIMEOUT_MS. */
function stopWorker(w: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (w.isDead()) return resolve();
    const force = setTimeout(() => {
      try {
        w.process.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }, STOP_TIMEOUT_MS);
    w.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    try {
      if (w.isConnected()) w.send({ type: 'close' } satisfies ToWorker);
      else w.process.kill('SIGTERM');
    } catch (err) {
      w.process.kill('SIGTERM');
      void errorMessage(err);
    }
  });
}
