// The reference target: HTTP + Socket.IO on one port, Redis behind, a processor.
// startTarget() is what tests, benchmarks and e2e tests use; main.ts wraps it.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { buildRouter } from './api.ts';
import { UserStore } from './auth.ts';
import { resolveConfig, type TargetConfig } from './config.ts';
import { Faults, type FaultName } from './faults.ts';
import { HttpError, readJsonBody, sendJson } from './http.ts';
import { Processor, errorMessage, type ProcessorStats } from './processor.ts';
import { blockEventLoop, METRICS_PATH, roomMetrics } from './metrics.ts';
import { attachSockets } from './sockets.ts';
import { QueueStore } from './store.ts';

export type { TargetConfig } from './config.ts';
export type { ProcessorStats } from './processor.ts';

export interface TargetStats extends ProcessorStats {
  /** Socket.IO connections open now */
  connections: number;
}

export interface TargetHandle {
  url: string;
  port: number;
  /** With StartOptions.ownPort: the URL only this process answers on. */
  ownUrl?: string;
  config: TargetConfig;
  stats(): TargetStats;
  /** Runs one processor tick now and waits for it (tests; the timer keeps running). Rejects where no processor runs. */
  processNow(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** where log lines go (default: stderr); secrets are never logged */
  log?: (line: string) => void;
  /** Run the queue processor here (default true). Of several room processes, one does. */
  processor?: boolean;
  /** Create or reset the admin account at start (default true). Of several room processes, one does. */
  ensureAdmin?: boolean;
  /** Broadcast through @socket.io/redis-adapter, so rooms span processes (default false: in memory). */
  redisAdapter?: boolean;
  /**
   * Also listen on this port, alone (0: any free port), besides `config.port`, which
   * cluster workers share: a client can then pick the process it talks to.
   */
  ownPort?: number;
  /** This process's index in a room of several (the room_process label of /metrics; default 0). */
  processIndex?: number;
}

const REDIS_CONNECT_TIMEOUT_MS = 3000;

/** Errors that mean "the store is not there" rather than "the code is wrong". */
function isStoreUnavailable(err: unknown, redis: Redis): boolean {
  if (redis.status !== 'ready') return true;
  if (!(err instanceof Error)) return false;
  const code = (err as NodeJS.ErrnoException).code;
  return err.name === 'MaxRetriesPerRequestError' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' ||
    /Stream isn't writeable|Connection is closed|Command timed out|LOADING/.test(err.message);
}

/** Rate-limits a log function to one line per key per interval (an outage must not flood the log). */
function throttled(log: (line: string) => void, intervalMs = 5000): (line: string) => void {
  const last = new Map<string, number>();
  return (line) => {
    const key = line.slice(0, 40);
    const now = Date.now();
    if ((last.get(key) ?? 0) + intervalMs > now) return;
    last.set(key, now);
    log(line);
  };
}

export async function startTarget(partial: Partial<TargetConfig>, opts: StartOptions = {}): Promise<TargetHandle> {
  const config = resolveConfig(partial);
  const log = throttled(opts.log ?? ((line) => process.stderr.write(`[target] ${line}\n`)));
  const faults = new Faults(config.faults as FaultName[]);

  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    commandTimeout: 5000,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  redis.on('error', (err: Error) => log(`redis: ${err.message}`));
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw new Error(`cannot reach Redis at ${redactUrl(config.redisUrl)}: ${errorMessage(err)}`);
  }

  const store = new QueueStore(redis, config.threshold, config.activeTtlSeconds);
  // memory-queue: the queue lived in this process's memory (Redis only mirrored it), so a (re)started process has none.
  if (faults.has('memory-queue')) {
    const forgotten = await store.forgetQueues();
    if (forgotten > 0) log(`memory-queue fault: this process starts with an empty queue; ${forgotten} queue(s) forgotten`);
  }
  const users = new UserStore(redis, config.kdfCost);
  if (opts.ensureAdmin !== false && config.adminEmail !== undefined && config.adminPassword !== undefined) {
    await users.ensureAdmin(config.adminEmail, config.adminPassword);
  }
  const adapter = opts.redisAdapter === true ? await redisAdapter(redis, log) : null;

  // A long keep-alive: clients (undici, Go) close idle connections before the server does,
  // so a request is never sent on a connection the server is closing, even after a stall.
  const httpServer = createServer({ keepAliveTimeout: 65_000 });
  const sockets = attachSockets(httpServer, { config, store, faults, log, ...(adapter !== null ? { adapter: adapter.factory } : {}) });
  // Ready only once the subscriptions are in place: a broadcast from another process is then never missed.
  if (adapter !== null) await adapter.subscribed();
  const router = buildRouter({ config, redis, users, store, faults, queueCleared: sockets.queueCleared });
  // busy-room: every emitted batch also holds the event loop BUSY_MS.
  const busyMs = faults.has('busy-room') ? config.busyMs : 0;
  let metricsRef: ReturnType<typeof roomMetrics> | null = null;
  const processor = new Processor(store, sockets, faults, config.processorIntervalMs, log, (size) => {
    metricsRef?.batch(size);
    blockEventLoop(busyMs);
  });
  const metrics = roomMetrics({
    connections: () => sockets.connections(),
    roomSizes: () => {
      let n = 0;
      for (const [name, members] of sockets.io.of('/').adapter.rooms) if (name.startsWith('queue:')) n += members.size;
      return n;
    },
    processor: () => processor.stats(),
  }, opts.processIndex ?? 0);
  metricsRef = metrics;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && path === METRICS_PATH) {
      const text = await metrics.text();
      res.writeHead(200, { 'content-type': metrics.contentType, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    // busy-room: every request of the API holds the event loop BUSY_MS (not /metrics, which reports it).
    blockEventLoop(busyMs);
    const route = router.match(req.method ?? 'GET', path);
    if (route === null) throw new HttpError(404, `not found: ${req.method} ${path.slice(0, 200)}`);
    let bodyPromise: Promise<Record<string, unknown>> | null = null;
    const result = await route.handler({ req, params: route.params, body: () => (bodyPromise ??= readJsonBody(req)) });
    sendJson(res, result.status, result.body);
  };

  // Socket.IO answers /socket.io/ itself and hands every other request to this listener.
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      if (err instanceof HttpError) {
        if (err.status === 413) res.setHeader('connection', 'close');
        sendJson(res, err.status, { error: err.message });
      } else if (isStoreUnavailable(err, redis)) {
        sendJson(res, 503, { error: `queue store unavailable; redis is ${redis.status}: ${errorMessage(err)}` });
      } else {
        log(`http: ${req.method} ${req.url}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        sendJson(res, 500, { error: 'internal server error' });
      }
    }).catch(() => res.destroy());
  });
  httpServer.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  let own: TcpServer | null = null;
  try {
    await listen(httpServer, config.port, config.host, false);
    if (opts.ownPort !== undefined) {
      // Its connections go to the same HTTP server (requests and Socket.IO upgrades alike).
      own = createTcpServer((conn) => httpServer.emit('connection', conn));
      await listen(own, opts.ownPort, config.host, true);
    }
  } catch (err) {
    await sockets.close();
    own?.close();
    httpServer.close();
    adapter?.disconnect();
    redis.disconnect();
    throw err;
  }
  httpServer.on('error', (err) => log(`http server: ${err.message}`));
  const phase = config.processorPhaseMs === 'random' ? Math.floor(Math.random() * config.processorIntervalMs) : config.processorPhaseMs;
  const runsProcessor = opts.processor !== false;
  if (runsProcessor) processor.start(phase);
  if (runsProcessor && phase !== undefined) log(`processor: first tick ${phase} ms after start, then every ${config.processorIntervalMs} ms`);

  const port = boundPort(httpServer) ?? config.port;
  const resolved: TargetConfig = { ...config, port };
  let closing: Promise<void> | null = null;
  const hostPart = config.host.includes(':') ? `[${config.host}]` : config.host;

  return {
    url: `http://${hostPart}:${port}`,
    port,
    ...(own !== null ? { ownUrl: `http://${hostPart}:${boundPort(own)}` } : {}),
    config: resolved,
    stats: () => ({ ...processor.stats(), connections: sockets.connections() }),
    processNow: () => (runsProcessor ? processor.runNow() : Promise.reject(new Error('this room process does not run the processor'))),
    close: () =>
      (closing ??= (async () => {
        await processor.stop();
        await sockets.close();
        own?.close();
        await new Promise<void>((resolve) => {
          httpServer.close(() => resolve());
          httpServer.closeAllConnections();
        });
        await adapter?.quit();
        try {
          await redis.quit();
        } catch {
          redis.disconnect();
        }
      })()),
  };
}

function boundPort(server: { address(): ReturnType<TcpServer['address']> }): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : undefined;
}

/** listen() as a promise, with one clear line for a port in use. `exclusive`: never shared with cluster siblings. */
function listen(server: TcpServer, port: number, host: string, exclusive: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      const code = (err as NodeJS.ErrnoException).code;
      reject(new Error(code === 'EADDRINUSE'
        ? `port ${port} on ${host} is already in use; choose another with TARGET_PORT`
        : `cannot listen on ${host}:${port}: ${errorMessage(err)}`));
    };
    server.once('error', onError);
    server.listen({ port, host, exclusive }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

interface AdapterClients {
  factory: ReturnType<typeof createAdapter>;
  /** Resolves once the adapter's SUBSCRIBE / PSUBSCRIBE have been answered. */
  subscribed(): Promise<void>;
  quit(): Promise<void>;
  disconnect(): void;
}

/**
 * @socket.io/redis-adapter on two connections of its own (a subscriber cannot send
 * commands). A publish that fails (Redis down) loses that broadcast, as it would in
 * production; it is logged, never an unhandled rejection.
 */
async function redisAdapter(redis: Redis, log: (line: string) => void): Promise<AdapterClients> {
  const pub = redis.duplicate();
  const sub = redis.duplicate({ enableOfflineQueue: true });
  pub.on('error', (err: Error) => log(`redis (adapter publish): ${err.message}`));
  sub.on('error', (err: Error) => log(`redis (adapter subscribe): ${err.message}`));
  try {
    await Promise.all([pub.connect(), sub.connect()]);
  } catch (err) {
    pub.disconnect();
    sub.disconnect();
    throw new Error(`cannot connect the Socket.IO Redis adapter: ${errorMessage(err)}`);
  }
  const publisher = {
    publish: (channel: string, message: string | Buffer) =>
      pub.publish(channel, message).catch((err: unknown) => {
        log(`room broadcast not published (other room processes miss it): ${errorMessage(err)}`);
        return 0;
      }),
    on: (event: string, fn: (...args: unknown[]) => void) => pub.on(event, fn),
    off: (event: string, fn: (...args: unknown[]) => void) => pub.off(event, fn),
  };
  const quit = async (c: Redis) => {
    try {
      await c.quit();
    } catch {
      c.disconnect();
    }
  };
  return {
    factory: createAdapter(publisher, sub),
    // Commands on one connection are answered in order: this PING follows the subscriptions.
    subscribed: async () => { await sub.ping(); },
    quit: async () => { await Promise.all([quit(pub), quit(sub)]); },
    disconnect: () => { pub.disconnect(); sub.disconnect(); },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unparseable URL)';
  }
}
