// Starts a throwaway redis-server on a free loopback port for a test, and stops it.
// Nothing is persisted: no RDB, no AOF, a fresh process per call.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Socket } from 'node:net';

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') return reject(new Error('no port'));
      srv.close(() => resolve(addr.port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export interface StartRedisOptions {
  timeoutMs?: number;
  /**
   * Keep Redis's protected mode (its default): then it refuses every client
   * not at 127.0.0.1, such as a run's --local-ips addresses (127.0.1.x). Off
   * unless asked: the suite's Redis listens on 127.0.0.1 only, so turning
   * protected mode off opens it to this machine's loopback addresses and to
   * nothing else, which is what a run with local addresses needs.
   */
  protectedMode?: boolean;
}

export async function startRedis(opts: number | StartRedisOptions = {}): Promise<RedisServer> {
  const { timeoutMs = 10_000, protectedMode = false } = typeof opts === 'number' ? { timeoutMs: opts } : opts;
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', protectedMode ? 'yes' : 'no', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${bin}: ${err.message}; install it (apt-get install -y redis-server) or set REDIS_SERVER_BIN`)));
    child.once('exit', (code) => reject(new Error(`${bin} exited with code ${code} before accepting connections: ${stderr.trim()}`)));
  });
  spawnError.catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.race([canConnect(port), spawnError])) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${bin} did not accept connections on port ${port} within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}

export interface TcpProxy {
  port: number;
  /** Closes every connection and refuses new ones: the server behind it looks gone. */
  cut(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to a local port, to take a server away from one client mid-run. */
export async function tcpProxy(targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect({ port: targetPort, host: '127.0.0.1' });
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('tcpProxy: no port');
  let closed = false;
  const close = (): Promise<void> => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (closed) return Promise.resolve();
    closed = true;
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return { port: addr.port, cut: () => void close(), close };
}
