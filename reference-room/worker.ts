// One Socket.IO server process of a room of several (cluster.ts forks it): it
// waits for its config from the primary, serves HTTP and Socket.IO on the shared
// port and on its own, broadcasts through the Redis adapter, runs the processor
// only as process 0, answers the primary's stats / processNow, and stops when
// told or when the primary is gone (so no process outlives its room).
import type { FromWorker, ToWorker } from './cluster.ts';
import { errorMessage } from './processor.ts';
import { startTarget, type TargetHandle } from './server.ts';

const FORCED_EXIT_MS = 8000;
const label = `room ${process.env.QUEUE_ROOM_PROCESS ?? '?'}`;
const send = (m: FromWorker): void => {
  if (process.connected) process.send?.(m);
};

let target: TargetHandle | null = null;
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  const force = setTimeout(() => process.exit(code === 0 ? 1 : code), FORCED_EXIT_MS);
  force.unref();
  (target?.close() ?? Promise.resolve()).then(
    () => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`[${label}] shutdown failed: ${errorMessage(err)}\n`);
      process.exit(1);
    },
  );
}

process.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'start': {
      const log = (line: string) => process.stderr.write(`[room ${m.index}] ${line}\n`);
      startTarget(m.config, {
        log,
        processor: m.index === 0,
        ensureAdmin: m.index === 0,
        redisAdapter: true,
        ownPort: m.ownPort,
        processIndex: m.index,
      }).then(
        (t) => {
          target = t;
          if (stopping) return void t.close();
          send({ type: 'ready', url: t.url, port: t.port, ownUrl: t.ownUrl! });
        },
        (err: unknown) => {
          const why = errorMessage(err);
          send({ type: 'failed', message: m.ownPort !== 0 && /port \d+ .*in use/.test(why)
            ? `room process ${m.index}: ${why} (process i also listens on TARGET_PORT + 1 + i)`
            : `room process ${m.index}: ${why}` });
          stop(1);
        },
      );
      break;
    }
    case 'stats':
      if (target === null) send({ type: 'reply', id: m.id, error: 'not started' });
      else send({ type: 'reply', id: m.id, stats: target.stats() });
      break;
    case 'processNow':
      if (target === null) send({ type: 'reply', id: m.id, error: 'not started' });
      else target.processNow().then(() => send({ type: 'reply', id: m.id }), (err: unknown) => send({ type: 'reply', id: m.id, error: errorMessage(err) }));
      break;
    case 'close':
      stop(0);
      break;
  }
});

// The primary is gone (killed, crashed): stop too.
process.on('disconnect', () => stop(0));
// The primary orchestrates shutdown: Ctrl-C reaches the whole process group, and the primary passes it on.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => stop(0));
process.on('unhandledRejection', (reason) => {
  process.stderr.write(`[${label}] unhandled rejection (a bug): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});
send({ type: 'hello' });
