// A k6 script that uses queue-k6's Socket.IO client on its own (docs/socketio.md).
// One VU connects with an auth token, joins a room, and keeps a conversation
// going across a dropped connection: the client reconnects by itself (backoff
// 200 ms to 1 s here), the script re-joins its room on 'reconnect', and an emit
// made while disconnected is sent once the new connection is up.
//
//   SIO_URL         the Socket.IO server, http(s)://host:port (default http://127.0.0.1:3000)
//   SIO_TOKEN       sent as auth.token in every handshake (default "good")
//   SIO_DROP_EVENT  an event that makes the server cut the transport (e.g. "drop" on the
//                   test server); unset: the script only waits for a drop to happen
//
// The server is assumed to answer `echo` with an `echo` event carrying the same
// arguments and `join` (room, ack) with an ack, as test/support/sio-server.ts does.
//
// Bundle it (k6 needs one file): node -e "import('./tools/build.mjs').then(b => b.bundleK6Scripts({ entries: ['examples/socketio-reconnect.ts'], outdir: 'build/examples', summary: 'local' }))"
// then: tools/k6.sh run -e SIO_URL=http://127.0.0.1:3000 -e SIO_DROP_EVENT=drop build/examples/socketio-reconnect.js
import { check } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout } from 'k6/timers';
import { createSocketIO, SocketIOError, type SocketIOClient } from '../lib/socketio';

const url = __ENV.SIO_URL || 'http://127.0.0.1:3000';
const token = __ENV.SIO_TOKEN || 'good';
const dropEvent = __ENV.SIO_DROP_EVENT || '';

export const options = {
  vus: 1,
  iterations: 1,
  thresholds: {
    // The point of the example: the connection came back, and nothing was lost on the way.
    sio_reconnects: ['count>=1'],
    sio_reconnect_failed: ['count==0'],
    checks: ['rate==1'],
  },
};

const reconnects = new Counter('sio_reconnects');
const reconnectFailed = new Counter('sio_reconnect_failed');
const downtime = new Trend('sio_downtime', true);

/** The first argument of the socket's next `event`; undefined after `otherwise` or timeoutMs. */
function once(socket: SocketIOClient, event: string, timeoutMs: number, otherwise?: string): Promise<unknown> {
  return new Promise((resolve) => {
    const done = (arg: unknown): void => {
      clearTimeout(timer);
      socket.off(event, onEvent);
      if (otherwise !== undefined) socket.off(otherwise, onOther);
      resolve(arg);
    };
    const onEvent = (arg: unknown): void => done(arg);
    const onOther = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.on(event, onEvent);
    if (otherwise !== undefined) socket.on(otherwise, onOther);
  });
}

export default async function (): Promise<void> {
  const socket = createSocketIO(url, { auth: { token }, reconnectionDelay: 200, reconnectionDelayMax: 1000, reconnectionAttempts: 5 });
  let lostAt = 0;
  // The re-join after a reconnect; the script waits for its answer before it closes the socket.
  let rejoined: Promise<unknown> = Promise.resolve();
  socket.on('disconnect', (reason) => {
    lostAt = Date.now();
    console.log(`disconnected: ${String(reason)}`);
  });
  socket.on('reconnect_attempt', (n) => console.log(`reconnection attempt ${String(n)}`));
  socket.on('reconnect', (n) => {
    reconnects.add(1);
    downtime.add(Date.now() - lostAt);
    console.log(`reconnected after ${String(n)} attempt(s)`);
    // A new Socket.IO session is in no room: join again, as an application does on 'reconnect'.
    rejoined = socket.emitWithAck('join', ['lobby'], 2000).then(
      (a) => check(a, { 'joined the room again': (x) => x[0] === true }),
      (err: unknown) => console.error(`re-join failed: ${String(err)}`),
    );
  });
  socket.on('reconnect_failed', (err) => {
    reconnectFailed.add(1);
    console.error(`gave up reconnecting: ${err instanceof SocketIOError ? err.message : String(err)}`);
  });

  try {
    await socket.connect();
    check(await socket.emitWithAck('join', ['lobby'], 2000), { 'joined the room': (a) => a[0] === true });

    // Wait for the connection to drop (caused here, or by the server), then speak while it is down.
    const lost = once(socket, 'disconnect', 15_000);
    const back = once(socket, 'reconnect', 30_000, 'reconnect_failed');
    if (dropEvent !== '') socket.emit(dropEvent);
    await lost;
    const answer = socket.waitFor<string>('echo', (v) => v === 'said while away', 30_000);
    socket.emit('echo', 'said while away'); // buffered: sent after the new CONNECT
    const reconnected = await back;
    check(reconnected, { 'reconnected': (n) => typeof n === 'number' && n >= 1 });
    // After reconnect_failed the wait is rejected 'closed' at once; after a reconnect the answer is on its way.
    check(await answer.catch(() => undefined), { 'the emit made across the gap was answered': (v) => v === 'said while away' });
    // The buffered emit may be answered before the re-join: closing now could cut the re-join off.
    await rejoined;
    check(socket.state, { 'connected at the end': (s) => s === 'open' });
  } catch (err) {
    check(null, { 'no Socket.IO error': () => false });
    console.error(String(err instanceof Error ? err.message : err));
  } finally {
    socket.close();
  }
}
