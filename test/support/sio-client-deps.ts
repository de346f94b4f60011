// What the Socket.IO client's unit tests give it in place of k6: ws behind
// k6's WebSocket constructor, and Node timers behind a ledger, so a test can
// assert that nothing the client started is still pending and read every
// delay it asked for (the reconnection backoff) without timing anything.
import WebSocket from 'ws';
import type { SocketIODeps, WebSocketCtor, WebSocketParams } from '../../lib/socketio/client';

// ws's constructor is (url, protocols?, options?); k6's is (url, null, params). Adapt.
class NodeWebSocket extends WebSocket {
  constructor(url: string, _protocols: null, params: WebSocketParams) {
    super(url, params.headers ? { headers: params.headers } : {});
  }
}

export function trackedDeps(random?: () => number): { deps: SocketIODeps; live: Set<unknown>; delays: number[] } {
  const live = new Set<unknown>();
  const delays: number[] = [];
  const deps: SocketIODeps = {
    WebSocket: NodeWebSocket as unknown as WebSocketCtor,
    setTimeout(fn, ms) {
      delays.push(ms);
      const handle: NodeJS.Timeout = setTimeout(() => {
        live.delete(handle);
        fn();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      clearTimeout(handle as NodeJS.Timeout);
    },
    setInterval(fn, ms) {
      const handle = setInterval(fn, ms);
      live.add(handle);
      return handle;
    },
    clearInterval(handle) {
      live.delete(handle);
      clearInterval(handle as NodeJS.Timeout);
    },
  };
  if (random !== undefined) deps.random = random;
  return { deps, live, delays };
}

/** Every wait in these tests is bounded. */
export function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
