// The Socket.IO layer: JWT handshake, join-queue rooms, session restore, and the
// room broadcasts of the processor and the admin clear. No per-socket timers and
// no per-socket Redis subscriptions: a socket costs only what Socket.IO needs.
import type { Server as HttpServer } from 'node:http';
import { Server, type ServerOptions, type Socket } from 'socket.io';
import { verifyToken, type Claims } from './auth.ts';
import type { TargetConfig } from './config.ts';
import type { Faults } from './faults.ts';
import type { AdmissionNotifier } from './processor.ts';
import { errorMessage } from './processor.ts';
import { isUuid, roomName, type QueueStore } from './store.ts';

export interface ServerToClient {
  'queue-entry-allowed': (p: { eventId: string; userId: string; message: string }) => void;
  'queue-updated': (p: { eventId: string; queueSize: number; currentUsers: number; threshold: number }) => void;
  'queue-cleared': (p: { eventId: string; message: string }) => void;
  'session-restored': (p: { eventId: string | null; queueEventId: string; seatEventId: string | null; selectedSeats: string[] }) => void;
}

export interface ClientToServer {
  'join-queue': (p: unknown, ack?: (r: { ok: boolean; error?: string }) => void) => void;
}

interface SocketData {
  user: Claims;
}

type QueueSocket = Socket<ClientToServer, ServerToClient, Record<string, never>, SocketData>;

export interface SocketLayer extends AdmissionNotifier {
  io: Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>;
  queueCleared(eventId: string, message: string): void;
  connections(): number;
  close(): Promise<void>;
}

/** The room of one user's own sockets (TARGET_NOTIFY=user), joined at connect. */
export const userRoom = (userId: string): string => `user:${userId}`;

export function attachSockets(
  httpServer: HttpServer,
  deps: {
    config: TargetConfig;
    store: QueueStore;
    faults: Faults;
    log: (line: string) => void;
    /** Socket.IO's adapter; unset: the in-memory one (one process). */
    adapter?: ServerOptions['adapter'];
  },
): SocketLayer {
  const { config, store, faults, log } = deps;
  const perUser = config.notify === 'user';
  const io = new Server<ClientToServer, ServerToClient, Record<string, never>, SocketData>(httpServer, {
    path: '/socket.io/',
    serveClient: false,
    perMessageDeflate: false,
    httpCompression: false,
    pingInterval: config.pingIntervalMs,
    pingTimeout: config.pingTimeoutMs,
    maxHttpBufferSize: 64 * 1024,
    ...(deps.adapter !== undefined ? { adapter: deps.adapter } : {}),
  });

  io.use((socket, next) => {
    const auth = socket.handshake.auth as Record<string, unknown> | undefined;
    const token = auth?.token;
    if (typeof token !== 'string' || token === '') return next(new Error('Authentication required'));
    const result = verifyToken(token.replace(/^Bearer\s+/i, ''), config.jwtSecret);
    if (!result.ok) return next(new Error('Invalid token'));
    socket.data.user = result.claims;
    next();
  });

  io.on('connection', (socket: QueueSocket) => {
    const userId = socket.data.user.id;
    if (perUser) void socket.join(userRoom(userId));

    socket.on('join-queue', (payload, ack) => {
      const reply = typeof ack === 'function' ? ack : () => undefined;
      const eventId = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).eventId : undefined;
      if (typeof eventId !== 'string' || !isUuid(eventId)) {
        reply({ ok: false, error: 'invalid eventId: expected a UUID' });
        return;
      }
      void socket.join(roomName(eventId));
      // A socket that joins again (a reconnect after a room process or the network dropped it)
      // may have missed its own admission: tell it again if the user is already in. Issue 28.
      if (!faults.has('no-reannounce')) {
        store.status(eventId, userId).then(
          (st) => {
            if (st.state === 'active' && socket.connected) socket.emit('queue-entry-allowed', { eventId, userId, message: 'Entry allowed: you may now book.' });
          },
          (err: unknown) => log(`socket: cannot read the state of ${userId} on join: ${errorMessage(err)}`),
        );
      }
      store.joinSession(userId, eventId).then(
        () => reply({ ok: true }),
        (err: unknown) => {
          log(`socket: cannot store session of ${userId}: ${errorMessage(err)}`);
          reply({ ok: false, error: 'session store unavailable' });
        },
      );
    });

    if (faults.has('no-session-restore')) return;
    store.getSession(userId).then(
      (session) => {
        if (session?.queueEventId === undefined || !socket.connected) return;
        socket.emit('session-restored', {
          eventId: session.eventId ?? null,
          queueEventId: session.queueEventId,
          seatEventId: session.seatEventId ?? null,
          selectedSeats: session.selectedSeats ?? [],
        });
      },
      (err: unknown) => log(`socket: cannot read session of ${userId}: ${errorMessage(err)}`),
    );
  });

  return {
    io,
    entryAllowed(eventId, userId) {
      // room: every socket of the event hears every admission (the contract);
      // user: only the admitted user's own sockets, wherever they are connected.
      io.to(perUser ? userRoom(userId) : roomName(eventId)).emit('queue-entry-allowed', { eventId, userId, message: 'Entry allowed: you may now book.' });
    },
    queueUpdated(eventId, queueSize, currentUsers) {
      io.to(roomName(eventId)).emit('queue-updated', { eventId, queueSize, currentUsers, threshold: config.threshold });
    },
    queueCleared(eventId, message) {
      io.to(roomName(eventId)).emit('queue-cleared', { eventId, message });
    },
    connections: () => io.engine.clientsCount,
    close: () =>
      new Promise<void>((resolve) => {
        // local: with the Redis adapter a plain disconnectSockets reaches every process.
        io.local.disconnectSockets(true);
        // io.close() also closes the HTTP server; the caller does that itself.
        io.engine.close();
        void io.of('/').adapter.close();
        resolve();
      }),
  };
}
