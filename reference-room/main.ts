// CLI entry: `node --import tsx reference-room/main.ts`, configured by the environment
// (see docs/reference-room.md). TARGET_PROCESSES above 1 makes this process the
// cluster primary of that many room processes (cluster.ts). Stops cleanly on
// SIGTERM / SIGINT, with every room process; when a room process dies on its own,
// stops the rest and exits 1.
//
// `main.ts --ipc` (room.ts startRoom): the config comes in an IPC message from the
// parent, which also asks for stats and processor ticks; the room stops when the
// parent says so or goes away.
// TARGET_PIDS_FILE (tools/target-ctl.sh sets it): written once every process
// answers, one pid per line, this process first, then room process 0, 1, ...
import { renameSync, writeFileSync } from 'node:fs';
import { configFromEnv, resolveConfig } from './config.ts';
import { Faults, type FaultName } from './faults.ts';
import { errorMessage } from './processor.ts';
import { launchRoom, type FromRoom, type Room, type ToRoom } from './room.ts';
import { redactUrl } from './server.ts';

const FORCED_EXIT_MS = 20_000;
let room: Room | null = null;
let stopping = false;

function stop(why: string, code = 0): void {
  if (stopping) return;
  stopping = true;
  console.log(`reference target: ${why}, shutting down`);
  const force = setTimeout(() => {
    console.error(`reference target: shutdown took over ${FORCED_EXIT_MS / 1000} s, exiting`);
    process.exit(1);
  }, FORCED_EXIT_MS);
  force.unref();
  (room?.close() ?? Promise.resolve()).then(
    () => process.exit(code),
    (err: unknown) => {
      console.error(`reference target: shutdown failed: ${errorMessage(err)}`);
      process.exit(1);
    },
  );
}

async function run(config: ReturnType<typeof configFromEnv>): Promise<Room> {
  const r = await launchRoom(config);
  room = r;
  void r.failed.then((reason) => {
    console.error(`reference target: ${reason}`);
    stop('a room process failed', 1);
  });
  if (stopping) await r.close();
  return r;
}

function describe(r: Room): string {
  const c = r.config;
  const faults = new Faults(c.faults as FaultName[]).describe();
  const where = c.processes > 1
    ? `${r.url} (${c.processes} processes sharing it; each alone at ${r.processUrls.join(' ')}; process 0 runs the processor)`
    : r.url;
  return `reference target listening on ${where} (threshold ${c.threshold}, interval ${c.processorIntervalMs} ms, notify ${c.notify}, faults: ${faults}; redis ${redactUrl(c.redisUrl)})`;
}

async function mainFromEnv(): Promise<void> {
  const r = await run(configFromEnv(process.env));
  console.log(describe(r));
  const pidsFile = process.env.TARGET_PIDS_FILE;
  if (pidsFile !== undefined && pidsFile !== '') {
    writeFileSync(`${pidsFile}.tmp`, [process.pid, ...(r.config.processes > 1 || r.config.respawn === true ? r.pids : [])].join('\n') + '\n');
    renameSync(`${pidsFile}.tmp`, pidsFile);
  }
}

function mainFromParent(): void {
  const send = (m: FromRoom) => {
    if (process.connected) process.send!(m);
  };
  process.on('message', (m: ToRoom) => {
    switch (m.type) {
      case 'start':
        run(resolveConfig(m.config)).then(
          (r) => {
            console.log(describe(r));
            send({ type: 'ready', url: r.url, port: r.port, processUrls: r.processUrls, pids: r.pids, config: r.config });
          },
          (err: unknown) => {
            send({ type: 'failed', message: errorMessage(err) });
            stop('start failed', 1);
          },
        );
        break;
      case 'stats':
        if (room === null) send({ type: 'reply', id: m.id, error: 'not started' });
        else room.stats().then((stats) => send({ type: 'reply', id: m.id, stats }), (err: unknown) => send({ type: 'reply', id: m.id, error: errorMessage(err) }));
        break;
      case 'processNow':
        if (room === null) send({ type: 'reply', id: m.id, error: 'not started' });
        else room.processNow().then(() => send({ type: 'reply', id: m.id }), (err: unknown) => send({ type: 'reply', id: m.id, error: errorMessage(err) }));
        break;
      case 'close':
        stop('asked to stop');
        break;
    }
  });
  process.on('disconnect', () => stop('the parent process is gone'));
  send({ type: 'hello' });
}

process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
process.on('unhandledRejection', (reason) => {
  console.error(`reference target: unhandled rejection (a bug): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

if (process.argv.includes('--ipc')) {
  if (process.send === undefined) {
    console.error('reference target: --ipc needs a parent with an IPC channel (reference-room/room.ts startRoom); without it, configure by environment');
    process.exit(2);
  }
  mainFromParent();
} else {
  mainFromEnv().catch((err: unknown) => {
    console.error(`reference target: cannot start: ${errorMessage(err)}`);
    process.exit(1);
  });
}
