// k6 wiring of the Socket.IO client: k6's browser-like WebSocket and k6's timers.
// Everything protocol-shaped lives in ./codec and ./client, which import nothing
// from k6 and are unit-tested under Node. The build maps these module names
// for older k6 (k6/experimental/websockets, k6/experimental/timers).

import { WebSocket } from 'k6/websockets';
import { setTimeout, clearTimeout, setInterval, clearInterval } from 'k6/timers';
import { SocketIOClient, type SocketIODeps, type SocketIOOptions } from './client';

/**
 * One deps object per module instance, i.e. per VU: the heartbeat watchdog is
 * keyed by it, so all of a VU's sockets share a single interval.
 */
const k6Deps: SocketIODeps = {
  WebSocket,
  setTimeout,
  clearTimeout: (handle) => clearTimeout(handle as number),
  setInterval,
  clearInterval: (handle) => clearInterval(handle as number),
  now: () => Date.now(),
};

/** A client that has not connected yet: register listeners, then `await connect()`. */
export function createSocketIO(baseUrl: string, opts: SocketIOOptions = {}): SocketIOClient {
  return new SocketIOClient(baseUrl, opts, k6Deps);
}

/** Creates and connects; rejects with SocketIOError, leaving nothing open. */
export async function connectSocketIO(baseUrl: string, opts: SocketIOOptions = {}): Promise<SocketIOClient> {
  const client = createSocketIO(baseUrl, opts);
  await client.connect();
  return client;
}

export {
  SocketIOClient,
  SocketIOError,
  socketUrl,
  watchedSockets,
  type DisconnectReason,
  type SocketIODeps,
  type SocketIOErrorKind,
  type SocketIOOptions,
  type SocketIOState,
  type SocketIOStats,
  type TimerHandle,
  type WebSocketCtor,
  type WebSocketLike,
  type WebSocketParams,
} from './client';
export * from './codec';
