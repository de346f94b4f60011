// Reconnection of the Socket.IO client, against real socket.io servers: the
// backoff (checked against socket.io-client's own), bounded attempts, no retry
// after a client or server disconnect, a new handshake with the same auth, and
// what happens to emits, acks and waits while disconnected.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RECONNECTION, SocketIOClient, SocketIOError, reconnectDelayMs, watchedSockets, type SocketIODeps, type SocketIOOptions } from './client';
import { startSioServer, type SioServer } from '../../test/support/sio-server';
import { freePort } from '../../test/support/redis';
import { trackedDeps, within } from '../../test/support/sio-client-deps';

// socket.io-client's backoff, the one its Manager uses: not among the package's exports, so loaded by its path.
const { Backoff } = (await import(new URL('../../node_modules/socket.io-client/build/esm/contrib/backo2.js', import.meta.url).href)) as {
  Backoff: new (opts: { min: number; max: number; jitter: number }) => { duration(): number };
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function next(c: SocketIOClient, event: string, ms: number): Promise<unknown[]> {
  return within(ms, event, new Promise<unknown[]>((resolve) => c.once(event, (...args) => resolve(args))));
}

/** Every event of interest, in order, as "name:arg". */
function journal(c: SocketIOClient): string[] {
  const seen: string[] = [];
  for (const event of ['disconnect', 'reconnect_attempt', 'reconnect_error', 'reconnect', 'reconnect_failed']) {
    c.on(event, (arg) => seen.push(arg instanceof SocketIOError ? `${event}:${arg.kind}` : `${event}:${String(arg)}`));
  }
  return seen;
}

const T = { timeout: 15_000 };
/** Short delays so a test takes a fraction of a second; connect timeout distinct from every backoff delay. */
const FAST: SocketIOOptions = { auth: { token: 'good' }, reconnectionDelay: 40, reconnectionDelayMax: 200, randomizationFactor: 0, timeoutMs: 1500 };

let server: SioServer;
/** auth of every handshake the shared server accepted, in order. */
const handshakes: unknown[] = [];
const clients: SocketIOClient[] = [];

function client(opts: SocketIOOptions, deps: SocketIODeps, url = server.url): SocketIOClient {
  const c = new SocketIOClient(url, opts, deps);
  clients.push(c);
  return c;
}

before(async () => {
  server = await startSioServer();
  server.io.on('connection', (s) => handshakes.push(s.handshake.auth));
});

after(async () => {
  for (const c of clients) c.close();
  await server.stop();
  await sleep(50);
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
  assert.deepEqual(left, [], `handles left after the tests: ${left.join(', ')}`);
});

describe('backoff', () => {
  test("is socket.io-client's: same delays for the same random draws", () => {
    const policy = { reconnectionDelay: 1000, reconnectionDelayMax: 5000, randomizationFactor: 0.5 };
    const real = Math.random;
    try {
      for (const r of [0, 0.05, 0.15, 0.25, 0.37, 0.5, 0.61, 0.79, 0.93, 0.999]) {
        Math.random = () => r;
        const theirs = new Backoff({ min: 1000, max: 5000, jitter: 0.5 });
        for (let attempt = 0; attempt < 8; attempt++) {
          assert.equal(reconnectDelayMs(attempt, policy, () => r), theirs.duration(), `attempt ${attempt}, draw ${r}`);
        }
      }
    } finally {
      Math.random = real;
    }
  });

  test('defaults 1 s, 5 s, 0.5: doubles to the cap, each within +-50 %', () => {
    assert.equal(DEFAULT_RECONNECTION.reconnectionDelay, 1000);
    assert.equal(DEFAULT_RECONNECTION.reconnectionDelayMax, 5000);
    assert.equal(DEFAULT_RECONNECTION.randomizationFactor, 0.5);
    const exact = { ...DEFAULT_RECONNECTION, randomizationFactor: 0 };
    assert.deepEqual([0, 1, 2, 3, 4, 50, 5000].map((a) => reconnectDelayMs(a, exact)), [1000, 2000, 4000, 5000, 5000, 5000, 5000]);
    // floor(0.15 x 10) = 1, odd: up by floor(0.15 x 0.5 x 1000) = 75; floor(0.25 x 10) = 2, even: down by 125
    assert.equal(reconnectDelayMs(0, DEFAULT_RECONNECTION, () => 0.15), 1075);
    assert.equal(reconnectDelayMs(0, DEFAULT_RECONNECTION, () => 0.25), 875);
    for (let i = 0; i < 200; i++) {
      const d = reconnectDelayMs(1, DEFAULT_RECONNECTION);
      assert.ok(d >= 1000 && d <= 3000, `attempt 2 delay ${d}`);
    }
  });

  test('options are validated with a reason', () => {
    const { deps } = trackedDeps();
    assert.throws(() => new SocketIOClient('http://h', { reconnectionAttempts: 0 }, deps), /invalid reconnectionAttempts; reason: expected a whole number of at least 1, or Infinity, got 0/);
    assert.throws(() => new SocketIOClient('http://h', { reconnectionDelay: -1 }, deps), /invalid reconnectionDelay/);
    assert.throws(() => new SocketIOClient('http://h', { reconnectionDelay: 2000, reconnectionDelayMax: 1000 }, deps), /invalid reconnectionDelayMax; reason: expected at least reconnectionDelay/);
    assert.throws(() => new SocketIOClient('http://h', { randomizationFactor: 2 }, deps), /invalid randomizationFactor/);
    assert.throws(() => new SocketIOClient('http://h', { reconnection: 'yes' as never }, deps), /invalid reconnection; reason/);
    assert.throws(() => new SocketIOClient('http://h', { maxBufferedEmits: 1.5 }, deps), /invalid maxBufferedEmits/);
    // Off: none of the reconnection options is read.
    assert.doesNotThrow(() => new SocketIOClient('http://h', { reconnection: false, reconnectionAttempts: 0 }, deps));
  });
});

describe('reconnection', () => {
  test('a dropped transport: a new handshake with the same auth, a new sid, events in order', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ ...FAST, auth: { token: 'good', who: 'reconnector' } }, deps);
    const seen = journal(c);
    const { sid } = await within(3000, 'connect', c.connect());
    const before = handshakes.length;
    const reconnected = next(c, 'reconnect', 5000);
    c.emit('drop');
    await reconnected;
    assert.deepEqual(seen, ['disconnect:transport close', 'reconnect_attempt:1', 'reconnect:1']);
    assert.equal(c.state, 'open');
    assert.notEqual(c.id, sid, 'a new Socket.IO session');
    assert.ok(server.io.sockets.sockets.has(c.id!));
    assert.deepEqual(handshakes.slice(before), [{ token: 'good', who: 'reconnector' }], 'one more handshake, with the same auth');
    assert.equal(c.stats.reconnects, 1);
    assert.equal(c.stats.reconnectAttempts, 1);
    assert.deepEqual(await c.emitWithAck('echo', ['after'], 2000), ['after']);
    c.close();
    assert.equal(live.size, 0);
    assert.equal(watchedSockets(deps), 0);
  });

  test('a ping timeout reconnects too', T, async () => {
    const { deps } = trackedDeps();
    const c = client(FAST, deps);
    const seen = journal(c);
    await within(3000, 'connect', c.connect());
    const reconnected = next(c, 'reconnect', 5000);
    await c.emitWithAck('silence', [], 2000);
    await reconnected;
    assert.deepEqual(seen, ['disconnect:ping timeout', 'reconnect_attempt:1', 'reconnect:1']);
    c.close();
  });

  test('attempts back off and are bounded: reconnect_failed, then closed with nothing left', T, async () => {
    const lone = await startSioServer();
    const { deps, live, delays } = trackedDeps();
    const c = client({ ...FAST, reconnectionAttempts: 3 }, deps, lone.url);
    const seen = journal(c);
    await within(3000, 'connect', c.connect());
    const waiting = c.waitFor('never', undefined, 10_000);
    const failed = next(c, 'reconnect_failed', 8000);
    delays.length = 0;
    await lone.crash();
    const [err] = await failed;
    assert.ok(err instanceof SocketIOError && /3 attempt/.test(err.message), String(err));
    assert.deepEqual(seen, [
      'disconnect:transport close',
      'reconnect_attempt:1', 'reconnect_error:transport',
      'reconnect_attempt:2', 'reconnect_error:transport',
      'reconnect_attempt:3', 'reconnect_error:transport',
      'reconnect_failed:transport',
    ]);
    // The backoff delays asked of the timers (the 1500 ms ones are each attempt's connect deadline).
    assert.deepEqual(delays.filter((d) => d !== 1500), [40, 80, 160]);
    await assert.rejects(waiting, (e: unknown) => e instanceof SocketIOError && e.kind === 'closed');
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
    assert.equal(watchedSockets(deps), 0);
  });

  test('a server that comes back on its port is reached again, after failed attempts', T, async () => {
    const port = await freePort();
    let first = await startSioServer({ port });
    const { deps } = trackedDeps();
    const c = client({ ...FAST, reconnectionAttempts: 20 }, deps, first.url);
    const seen = journal(c);
    await within(3000, 'connect', c.connect());
    const attempt2 = next(c, 'reconnect_error', 5000);
    await first.crash();
    await attempt2;
    first = await startSioServer({ port });
    try {
      const [n] = await next(c, 'reconnect', 8000);
      assert.ok(typeof n === 'number' && n >= 2, `reconnected at attempt ${String(n)}`);
      assert.equal(seen.filter((e) => e === 'reconnect:' + String(n)).length, 1);
      assert.equal(c.state, 'open');
      assert.ok(first.io.sockets.sockets.has(c.id!));
    } finally {
      c.close();
      await first.stop();
    }
  });

  test("no retry after the server's disconnect", T, async () => {
    const { deps, live } = trackedDeps();
    const c = client(FAST, deps);
    const seen = journal(c);
    await within(3000, 'connect', c.connect());
    const gone = next(c, 'disconnect', 3000);
    c.emit('kick');
    await gone;
    await sleep(300); // several backoff delays
    assert.deepEqual(seen, ['disconnect:io server disconnect']);
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
  });

  test("no retry after the client's own close, even while reconnecting", T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ ...FAST, reconnectionDelay: 5000, reconnectionDelayMax: 5000 }, deps);
    const seen = journal(c);
    await within(3000, 'connect', c.connect());
    c.close();
    await sleep(100);
    assert.deepEqual(seen, ['disconnect:io client disconnect']);

    const d = client({ ...FAST, reconnectionDelay: 5000, reconnectionDelayMax: 5000 }, deps);
    const seenD = journal(d);
    await within(3000, 'connect', d.connect());
    const lost = next(d, 'disconnect', 3000);
    d.emit('drop');
    await lost;
    assert.equal(d.state, 'reconnecting');
    const acking = d.emitWithAck('echo', ['never sent'], 10_000);
    d.close();
    await assert.rejects(acking, (e: unknown) => e instanceof SocketIOError && e.kind === 'closed');
    assert.equal(d.state, 'closed');
    await sleep(100);
    assert.deepEqual(seenD, ['disconnect:transport close']);
    assert.equal(live.size, 0);
  });

  test('a refused CONNECT on reconnection ends it (as socket.io-client after a middleware error)', T, async () => {
    const lone = await startSioServer();
    let refuse = false;
    lone.io.use((_s, nextFn) => (refuse ? nextFn(new Error('session revoked')) : nextFn()));
    const { deps, live } = trackedDeps();
    const c = client(FAST, deps, lone.url);
    const seen = journal(c);
    try {
      await within(3000, 'connect', c.connect());
      const failed = next(c, 'reconnect_failed', 5000);
      refuse = true;
      c.emit('drop');
      const [err] = await failed;
      assert.ok(err instanceof SocketIOError && err.kind === 'connect_error' && err.message === 'session revoked', String(err));
      assert.deepEqual(seen, ['disconnect:transport close', 'reconnect_attempt:1', 'reconnect_error:connect_error', 'reconnect_failed:connect_error']);
      assert.equal(c.state, 'closed');
      assert.equal(live.size, 0);
    } finally {
      await lone.stop();
    }
  });

  test('reconnection: false ends at the first loss', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ ...FAST, reconnection: false }, deps);
    const seen = journal(c);
    await within(3000, 'connect', c.connect());
    const lost = next(c, 'disconnect', 3000);
    c.emit('drop');
    await lost;
    await sleep(200);
    assert.deepEqual(seen, ['disconnect:transport close']);
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
  });
});

describe('while disconnected', () => {
  test('emits are buffered and sent in order after the new CONNECT, before reconnect is told; waits go on; sent acks are rejected', T, async () => {
    const { deps } = trackedDeps();
    const c = client({ ...FAST, reconnectionDelay: 150, reconnectionDelayMax: 150 }, deps);
    await within(3000, 'connect', c.connect());
    const echoes: unknown[] = [];
    c.on('echo', (v) => echoes.push(v));
    const waiting = c.waitFor<string>('echo', (v) => v === 'second', 5000);
    // An ack the lost server will never send: rejected at the loss, as socket.io-client does.
    const lostAck = c.emitWithAck('silence-is-not-an-event', [], 5000);
    const lost = next(c, 'disconnect', 3000);
    c.emit('drop');
    await lost;
    await assert.rejects(lostAck, (e: unknown) => e instanceof SocketIOError && e.kind === 'closed' && /before the ack came/.test(e.message));
    assert.equal(c.state, 'reconnecting');
    c.emit('echo', 'first');
    const acked = c.emitWithAck('echo', ['acked while away'], 5000);
    c.emit('echo', 'second');
    let echoesAtReconnect = -1;
    c.once('reconnect', () => (echoesAtReconnect = echoes.length));
    assert.equal(await within(5000, 'the buffered wait', waiting), 'second');
    assert.deepEqual(await acked, ['acked while away']);
    assert.deepEqual(echoes, ['first', 'second']);
    assert.equal(echoesAtReconnect, 0, "'reconnect' comes right after the buffer is sent, before any answer");
    c.close();
  });

  test('the buffer is bounded by maxBufferedEmits', T, async () => {
    const { deps } = trackedDeps();
    const c = client({ ...FAST, reconnectionDelay: 2000, reconnectionDelayMax: 2000, maxBufferedEmits: 2 }, deps);
    await within(3000, 'connect', c.connect());
    const lost = next(c, 'disconnect', 3000);
    c.emit('drop');
    await lost;
    c.emit('echo', 1);
    c.emit('echo', 2);
    assert.throws(() => c.emit('echo', 3), (e: unknown) => e instanceof SocketIOError && e.kind === 'closed' && /maxBufferedEmits/.test(e.message));
    await assert.rejects(c.emitWithAck('echo', [4], 1000), /maxBufferedEmits/);
    c.close();
    assert.throws(() => c.emit('echo', 5), (e: unknown) => e instanceof SocketIOError && e.kind === 'closed');
  });
});
