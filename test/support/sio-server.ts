// A small real socket.io v4 server on a free loopback port, for the Socket.IO
// client's tests. One event per behaviour, so each test asks for exactly the
// misbehaviour it checks:
//
//   auth          root namespace: auth.token === 'good', else connect_error 'Invalid token'
//   '/open'       a namespace without auth
//   echo          (...args, ack?) → ack(...args) when asked, else emits 'echo' back
//   join          (room, ack) → joins the room, ack(true)
//   broadcast     (room, event, payload, ack?) → io.to(room).emit(event, payload)
//   ask           server emits 'question' with an ack; the answer comes back as 'answer'
//   silence       (ack) → the server stops pinging this connection (ping-timeout tests)
//   drop          the server closes the transport without a Socket.IO DISCONNECT
//   kick          the server disconnects the socket (DISCONNECT, 'io server disconnect')
//   garbage       (frames: string[], oversize?: number) → sends each as a raw websocket
//                 text frame, then (if oversize) `42["x","aaa…"]` of that many characters,
//                 then one binary frame, then emits 'garbage-done' with the count sent
//
// Heartbeat defaults are short (pingInterval 200 ms, pingTimeout 300 ms) and
// maxHttpBufferSize small (10 kB) so limits are cheap to reach.

import { createServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket as TcpSocket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Server, type Socket } from 'socket.io';

export interface SioServerOptions {
  pingInterval?: number;
  pingTimeout?: number;
  maxHttpBufferSize?: number;
  /** Listen on this port (a restarted server comes back where it was); default a free one. */
  port?: number;
}

export interface SioServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  io: Server;
  stop(): Promise<void>;
  /** A crash: every TCP connection cut without a Socket.IO DISCONNECT, then the port closed (as a SIGKILLed process). */
  crash(): Promise<void>;
}

/** engine.io's Socket, with the private heartbeat timers this server needs to silence. */
interface EngineSocketInternals {
  pingIntervalTimer: NodeJS.Timeout | null;
  pingTimeoutTimer: NodeJS.Timeout | null;
  close(discard?: boolean): void;
  transport: { socket?: { send(data: string | Buffer): void } };
}

type Ack = (...args: unknown[]) => void;

function lastAck(args: unknown[]): Ack | undefined {
  const last = args[args.length - 1];
  return typeof last === 'function' ? (args.pop() as Ack) : undefined;
}

function behaviours(io: Server, socket: Socket): void {
  const engine = socket.conn as unknown as EngineSocketInternals;

  socket.on('echo', (...args: unknown[]) => {
    const ack = lastAck(args);
    if (ack) ack(...args);
    else socket.emit('echo', ...args);
  });
  socket.on('join', (room: string, ack?: Ack) => {
    void socket.join(room);
    ack?.(true);
  });
  socket.on('broadcast', (room: string, event: string, payload: unknown, ack?: Ack) => {
    io.of(socket.nsp.name).to(room).emit(event, payload);
    ack?.(true);
  });
  socket.on('ask', () => {
    socket.emit('question', 'how many?', (answer: unknown) => socket.emit('answer', answer));
  });
  socket.on('silence', (ack?: Ack) => {
    ack?.(true);
    // No more pings: clear the pending one and the pong deadline, and make refresh() a no-op.
    if (engine.pingIntervalTimer) clearTimeout(engine.pingIntervalTimer);
    if (engine.pingTimeoutTimer) clearTimeout(engine.pingTimeoutTimer);
    engine.pingIntervalTimer = null;
    engine.pingTimeoutTimer = null;
  });
  socket.on('drop', () => engine.close(true));
  socket.on('kick', () => socket.disconnect(true));
  socket.on('garbage', (frames: string[], oversize?: number) => {
    const raw = engine.transport.socket;
    if (!raw) return;
    const all = [...frames];
    if (oversize) all.push('42["x","' + 'a'.repeat(Math.max(0, oversize - 9)) + '"]');
    for (const frame of all) raw.send(frame);
    raw.send(Buffer.from([1, 2, 3]));
    socket.emit('garbage-done', all.length + 1);
  });
}

export async function startSioServer(opts: SioServerOptions = {}): Promise<SioServer> {
  const http: HttpServer = createServer();
  const io = new Server(http, {
    transports: ['websocket'],
    pingInterval: opts.pingInterval ?? 200,
    pingTimeout: opts.pingTimeout ?? 300,
    maxHttpBufferSize: opts.maxHttpBufferSize ?? 10_000,
    serveClient: false,
  });
  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (token === 'good') next();
    else next(new Error('Invalid token'));
  });
  io.on('connection', (socket) => behaviours(io, socket));
  io.of('/open').on('connection', (socket) => behaviours(io, socket));

  const conns = new Set<TcpSocket>();
  http.on('connection', (c: TcpSocket) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    io,
    stop: () =>
      new Promise<void>((resolve) => {
        io.disconnectSockets(true);
        void io.close(() => resolve());
        http.closeAllConnections();
      }),
    crash: () =>
      new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        void io.close(() => resolve());
      }),
  };
}

export interface BlackholeServer {
  url: string;
  stop(): Promise<void>;
}

/** Accepts TCP connections and never says a word: a websocket handshake to it hangs. */
export async function startBlackhole(): Promise<BlackholeServer> {
  const sockets = new Set<TcpSocket>();
  const server = createTcpServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
