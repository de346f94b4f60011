import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SocketIOClient, SocketIOError, socketUrl, watchedSockets, type SocketIODeps } from './client';
import { ProtocolError } from './codec';
import { startSioServer, startBlackhole, type SioServer, type BlackholeServer } from '../../test/support/sio-server';
import { freePort } from '../../test/support/redis';
import { trackedDeps, within } from '../../test/support/sio-client-deps';


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function nextDisconnect(client: SocketIOClient, ms: number): Promise<string> {
  return within(ms, 'disconnect', new Promise<string>((resolve) => client.once('disconnect', (reason) => resolve(String(reason)))));
}

async function waitClosed(client: SocketIOClient, ms = 2000): Promise<void> {
  const until = Date.now() + ms;
  while (client.state !== 'closed') {
    if (Date.now() > until) throw new Error(`still ${client.state} after ${ms} ms`);
    await sleep(10);
  }
}

async function rejectsKind(promise: Promise<unknown>, kind: SocketIOError['kind'], message?: RegExp): Promise<SocketIOError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof SocketIOError, `expected SocketIOError(${kind}), got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

const T = { timeout: 10_000 };

let server: SioServer;
let blackhole: BlackholeServer;
const clients: SocketIOClient[] = [];

function client(opts: ConstructorParameters<typeof SocketIOClient>[1] = { auth: { token: 'good' } }, deps: SocketIODeps = trackedDeps().deps): SocketIOClient {
  const c = new SocketIOClient(server.url, opts, deps);
  clients.push(c);
  return c;
}

before(async () => {
  server = await startSioServer();
  blackhole = await startBlackhole();
});

after(async () => {
  for (const c of clients) c.close();
  await server.stop();
  await blackhole.stop();
  await sleep(50); // let socket close callbacks run
  // Nothing of ours may keep the process alive: no timers, no sockets, no servers (stdio pipes remain).
  const left = process.getActiveResourcesInfo().filter((r) => r !== 'PipeWrap' && r !== 'TTYWrap');
  assert.deepEqual(left, [], `handles left after the tests: ${left.join(', ')}`);
});

describe('socketUrl', () => {
  test('maps http(s) to ws(s) and adds the Engine.IO query', () => {
    assert.equal(socketUrl('http://127.0.0.1:3001'), 'ws://127.0.0.1:3001/socket.io/?EIO=4&transport=websocket');
    assert.equal(socketUrl('https://queue.example/'), 'wss://queue.example/socket.io/?EIO=4&transport=websocket');
    assert.equal(socketUrl('ws://h:1'), 'ws://h:1/socket.io/?EIO=4&transport=websocket');
    assert.equal(socketUrl('WSS://h'), 'wss://h/socket.io/?EIO=4&transport=websocket');
    assert.equal(socketUrl('http://h', { path: 'io', query: { a: 'b c', 'x&y': '1' } }), 'ws://h/io/?EIO=4&transport=websocket&a=b%20c&x%26y=1');
  });

  test('refuses what it cannot mean', () => {
    assert.throws(() => socketUrl('127.0.0.1:3001'), /invalid baseUrl; reason: expected/);
    assert.throws(() => socketUrl('http://h/admin'), /invalid baseUrl/);
    assert.throws(() => socketUrl('ftp://h'), /invalid baseUrl/);
    assert.throws(() => socketUrl('http://h', { query: { EIO: '3' } }), /invalid query/);
  });

  test('the constructor validates its options', () => {
    const { deps } = trackedDeps();
    assert.throws(() => new SocketIOClient('http://h', { namespace: 'admin' }, deps), /invalid namespace/);
    assert.throws(() => new SocketIOClient('http://h', { timeoutMs: 0 }, deps), /invalid timeoutMs; reason: expected a positive number of ms, got 0/);
    assert.throws(() => new SocketIOClient('http://h', { auth: [] as never }, deps), /invalid auth/);
  });
});

describe('connect', () => {
  test('resolves on CONNECT with the Socket.IO sid, and close leaves nothing behind', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ auth: { token: 'good' } }, deps);
    assert.equal(c.state, 'idle');
    const pending = c.connect();
    assert.equal(c.state, 'opening');
    const { sid, connectMs } = await within(3000, 'connect', pending);
    assert.equal(c.state, 'open');
    assert.equal(c.id, sid);
    assert.ok(server.io.sockets.sockets.has(sid), 'the server knows this sid');
    assert.ok(connectMs >= 0 && connectMs < 3000);
    assert.equal(watchedSockets(deps), 1);
    assert.equal(live.size, 1, 'only the shared watchdog interval runs once connected');

    const reasons: unknown[] = [];
    c.on('disconnect', (r) => reasons.push(r));
    c.close();
    c.close();
    assert.deepEqual(reasons, ['io client disconnect']);
    assert.equal(live.size, 0, 'close clears every timer');
    assert.equal(watchedSockets(deps), 0);
    await waitClosed(c);
    c.close();
    assert.equal(c.state, 'closed');
    assert.deepEqual(reasons, ['io client disconnect'], 'disconnect is told once');
    await rejectsKind(c.connect(), 'closed', /create a new client/);
  });

  test('rejects connect_error with the server message', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ auth: { token: 'bad' } }, deps);
    await rejectsKind(within(3000, 'connect', c.connect()), 'connect_error', /^Invalid token$/);
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
    assert.equal(watchedSockets(deps), 0);
  });

  test('times out against a server that never answers', T, async () => {
    const { deps, live } = trackedDeps();
    const c = new SocketIOClient(blackhole.url, { timeoutMs: 300 }, deps);
    clients.push(c);
    const started = Date.now();
    await rejectsKind(within(3000, 'connect', c.connect()), 'timeout', /300 ms/);
    assert.ok(Date.now() - started >= 290);
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
  });

  test('rejects transport when nothing listens', T, async () => {
    const { deps, live } = trackedDeps();
    const port = await freePort();
    const c = new SocketIOClient(`http://127.0.0.1:${port}`, {}, deps);
    clients.push(c);
    await rejectsKind(within(3000, 'connect', c.connect()), 'transport');
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
  });

  test('close() during opening rejects connect with closed', T, async () => {
    const { deps, live } = trackedDeps();
    const c = new SocketIOClient(blackhole.url, {}, deps);
    clients.push(c);
    const pending = c.connect();
    c.close();
    await rejectsKind(pending, 'closed');
    assert.equal(live.size, 0);
  });

  test('connects to a namespace', T, async () => {
    const c = client({ namespace: '/open' });
    const { sid } = await within(3000, 'connect', c.connect());
    assert.ok(server.io.of('/open').sockets.has(sid));
    assert.deepEqual(await c.emitWithAck('echo', ['ns'], 2000), ['ns']);
    c.close();
  });
});

describe('heartbeat', () => {
  test('answers pings and stays connected across many intervals', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    let lost: unknown;
    c.on('disconnect', (r) => (lost = r));
    await sleep(1500); // 7 ping intervals of 200 ms, each with a 300 ms pong deadline
    assert.equal(lost, undefined);
    assert.equal(c.state, 'open');
    assert.ok(c.stats.messagesOut >= 1 + 5, `pongs sent: ${c.stats.messagesOut - 1}`);
    assert.deepEqual(await c.emitWithAck('echo', ['still here'], 2000), ['still here']);
    c.close();
  });

  test('detects a server that stops pinging', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ auth: { token: 'good' }, reconnection: false }, deps);
    await within(3000, 'connect', c.connect());
    await c.emitWithAck('silence', [], 2000);
    const started = Date.now();
    const reason = await nextDisconnect(c, 3000);
    assert.equal(reason, 'ping timeout');
    // deadline pingInterval + pingTimeout = 500 ms after the last ping, plus one watchdog tick (75 ms)
    assert.ok(Date.now() - started < 1200, `noticed after ${Date.now() - started} ms`);
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
    assert.equal(watchedSockets(deps), 0);
  });

  test('one watchdog interval serves every socket of a deps object', T, async () => {
    const { deps, live } = trackedDeps();
    const many = [client(undefined, deps), client(undefined, deps), client(undefined, deps)];
    await within(3000, 'connect', Promise.all(many.map((c) => c.connect())));
    assert.equal(watchedSockets(deps), 3);
    assert.equal(live.size, 1);
    many[0].close();
    many[1].close();
    assert.equal(watchedSockets(deps), 1);
    assert.equal(live.size, 1);
    many[2].close();
    assert.equal(watchedSockets(deps), 0);
    assert.equal(live.size, 0);
  });
});

describe('events', () => {
  test('emitWithAck resolves with the ack arguments', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    assert.deepEqual(await c.emitWithAck('echo', ['hi', { n: 1, s: 'é😀' }], 2000), ['hi', { n: 1, s: 'é😀' }]);
    assert.deepEqual(await c.emitWithAck('echo', [], 2000), []);
    c.close();
  });

  test('emit and waitFor', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    const echoed = c.waitFor<string>('echo', undefined, 2000);
    c.emit('echo', 'x', 2);
    assert.equal(await echoed, 'x');
    c.close();
  });

  test('answers the server when it asks for an ack', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    c.on('question', (q, ack) => {
      assert.equal(q, 'how many?');
      (ack as (n: number) => void)(42);
    });
    const answer = c.waitFor('answer', undefined, 2000);
    c.emit('ask');
    assert.equal(await answer, 42);
    c.close();
  });

  test('a room broadcast for someone else does not satisfy my predicate', T, async () => {
    const me = client();
    const other = client();
    await within(3000, 'connect', Promise.all([me.connect(), other.connect()]));
    await me.emitWithAck('join', ['queue:e1'], 2000);
    await other.emitWithAck('join', ['queue:e1'], 2000);

    type Admission = { eventId: string; userId: string };
    let settled = false;
    const mine = me.waitFor<Admission>('queue-entry-allowed', (p) => p.userId === 'me', 3000).finally(() => (settled = true));
    const seenByMe: Admission[] = [];
    me.on('queue-entry-allowed', (p) => seenByMe.push(p as Admission));

    await other.emitWithAck('broadcast', ['queue:e1', 'queue-entry-allowed', { eventId: 'e1', userId: 'other' }], 2000);
    await within(2000, 'the broadcast to reach me', (async () => {
      while (seenByMe.length < 1) await sleep(5);
    })());
    assert.equal(settled, false, 'someone else\'s admission must not resolve my wait');

    await other.emitWithAck('broadcast', ['queue:e1', 'queue-entry-allowed', { eventId: 'e1', userId: 'me' }], 2000);
    assert.deepEqual(await mine, { eventId: 'e1', userId: 'me' });
    assert.deepEqual(seenByMe.map((p) => p.userId), ['other', 'me']);
    me.close();
    other.close();
  });

  test('mustContain drops broadcasts without the string before decoding them', T, async () => {
    const me = client({ auth: { token: 'good' }, mustContain: { 'queue-entry-allowed': 'u-me' } });
    const other = client();
    await within(3000, 'connect', Promise.all([me.connect(), other.connect()]));
    await me.emitWithAck('join', ['queue:e2'], 2000);
    await other.emitWithAck('join', ['queue:e2'], 2000);
    const seen: string[] = [];
    me.on('queue-entry-allowed', (p) => seen.push((p as { userId: string }).userId));
    me.on('queue-updated', (p) => seen.push(`updated ${(p as { n: number }).n}`));
    const framesBefore = me.stats.messagesIn;
    // Three admissions for others, then mine, then an event without a filter: only the last two are delivered.
    for (const userId of ['u-1', 'u-2', 'u-3', 'u-me']) {
      await other.emitWithAck('broadcast', ['queue:e2', 'queue-entry-allowed', { eventId: 'e2', userId }], 2000);
    }
    await other.emitWithAck('broadcast', ['queue:e2', 'queue-updated', { n: 1 }], 2000);
    await within(2000, 'the broadcasts to reach me', (async () => {
      while (seen.length < 2) await sleep(5);
    })());
    assert.deepEqual(seen, ['u-me', 'updated 1']);
    assert.ok(me.stats.messagesIn - framesBefore >= 5, 'the filtered frames did arrive');
    assert.equal(me.stats.protocolErrors, 0);
    assert.throws(() => client({ mustContain: { x: '' } }), /invalid mustContain\["x"\]/);
    me.close();
    other.close();
  });

  test('waitFor times out with one timer, then clears it', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client(undefined, deps);
    await within(3000, 'connect', c.connect());
    const waiting = c.waitFor('never', undefined, 150);
    assert.equal(live.size, 2, 'watchdog + this wait');
    await rejectsKind(waiting, 'timeout', /"never"/);
    assert.equal(live.size, 1);
    const matched = c.waitFor('echo', () => true, 2000);
    c.emit('echo', 1);
    await matched;
    assert.equal(live.size, 1, 'a resolved wait leaves no timer');
    c.close();
  });

  test('pending waits and acks reject closed when the socket goes', T, async () => {
    const { deps, live } = trackedDeps();
    const c = client(undefined, deps);
    await within(3000, 'connect', c.connect());
    const waiting = c.waitFor('never', undefined, 5000);
    const acking = c.emitWithAck('silence-is-not-an-event', [], 5000);
    c.close();
    await rejectsKind(waiting, 'closed');
    await rejectsKind(acking, 'closed');
    assert.equal(live.size, 0);
    assert.throws(() => c.emit('echo'), (err: unknown) => err instanceof SocketIOError && err.kind === 'closed');
    await rejectsKind(c.waitFor('x', undefined, 100), 'closed');
    await rejectsKind(c.emitWithAck('x', [], 100), 'closed');
  });

  test('a throwing predicate fails its own wait only', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    const bad = c.waitFor('echo', () => {
      throw new Error('predicate bug');
    }, 2000);
    const good = c.waitFor('echo', undefined, 2000);
    c.emit('echo', 'y');
    await assert.rejects(bad, /predicate bug/);
    assert.equal(await good, 'y');
    assert.equal(c.state, 'open');
    c.close();
  });

  test('on/off/once', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    const calls: string[] = [];
    const a = (x: unknown) => calls.push(`a${String(x)}`);
    c.on('echo', a).once('echo', (x) => calls.push(`once${String(x)}`));
    c.emit('echo', 1);
    await c.waitFor('echo', undefined, 2000);
    c.off('echo', a);
    c.emit('echo', 2);
    await c.waitFor('echo', undefined, 2000);
    assert.deepEqual(calls, ['a1', 'once1']);
    c.close();
  });

  test('listeners: order kept, changes during a dispatch apply to the next, off(event) drops them all', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    const calls: string[] = [];
    const b = (x: unknown) => calls.push(`b${String(x)}`);
    const self = (x: unknown) => {
      calls.push(`self${String(x)}`);
      c.off('echo', self);
      c.on('echo', (y) => calls.push(`late${String(y)}`));
    };
    c.on('echo', self).on('echo', b).on('other', (x) => calls.push(`other${String(x)}`)); // never heard: the server only echoes
    c.on('echo', b); // the same function twice: called twice, removed one at a time
    c.emit('echo', 1);
    await c.waitFor('echo', undefined, 2000);
    assert.deepEqual(calls, ['self1', 'b1', 'b1']);
    calls.length = 0;
    c.off('echo', b);
    c.emit('echo', 2);
    await c.waitFor('echo', undefined, 2000);
    assert.deepEqual(calls, ['b2', 'late2']);
    calls.length = 0;
    c.off('echo');
    c.on('echo', (x) => calls.push(`new${String(x)}`));
    c.emit('echo', 3);
    await c.waitFor('echo', undefined, 2000);
    assert.deepEqual(calls, ['new3']);
    c.close();
  });

  test('refuses reserved names and oversized messages before the wire', T, async () => {
    const c = client();
    await within(3000, 'connect', c.connect());
    const out = c.stats.messagesOut;
    assert.throws(() => c.emit('disconnect'), (err: unknown) => err instanceof SocketIOError && err.kind === 'protocol' && err.protocolError?.code === 'reserved_event');
    assert.throws(() => c.emit('big', 'x'.repeat(10_000)), (err: unknown) => err instanceof SocketIOError && err.kind === 'protocol' && err.protocolError?.code === 'too_large');
    assert.throws(() => c.emit('bin', new Uint8Array(1)), (err: unknown) => err instanceof SocketIOError && err.protocolError?.code === 'binary_unsupported');
    await rejectsKind(c.emitWithAck('big', ['é'.repeat(5_000)], 1000), 'protocol');
    assert.equal(c.stats.messagesOut, out, 'nothing was sent');
    assert.equal(c.state, 'open');
    c.close();
  });
});

describe('server-side endings', () => {
  test("server disconnect is 'io server disconnect'", T, async () => {
    const { deps, live } = trackedDeps();
    const c = client(undefined, deps);
    await within(3000, 'connect', c.connect());
    const reason = nextDisconnect(c, 3000);
    c.emit('kick');
    assert.equal(await reason, 'io server disconnect');
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
  });

  test("a dropped transport is 'transport close'", T, async () => {
    const { deps, live } = trackedDeps();
    const c = client({ auth: { token: 'good' }, reconnection: false }, deps);
    await within(3000, 'connect', c.connect());
    const waiting = c.waitFor('never', undefined, 5000);
    const reason = nextDisconnect(c, 3000);
    c.emit('drop');
    assert.equal(await reason, 'transport close');
    await rejectsKind(waiting, 'closed');
    assert.equal(c.state, 'closed');
    assert.equal(live.size, 0);
  });
});

describe('malformed frames', () => {
  test('are counted, reported and dropped without crashing the socket', T, async () => {
    const reported: Array<[string, string]> = [];
    const c = client({
      auth: { token: 'good' },
      onProtocolError: (err, frame) => {
        assert.ok(err instanceof ProtocolError);
        reported.push([err.code, frame.length > 20 ? frame.slice(0, 20) + '…' : frame]);
      },
    });
    await within(3000, 'connect', c.connect());
    let xCalls = 0;
    c.on('x', () => xCalls++);
    const bad: Array<[string, string]> = [
      ['bad_type', 'x'],
      ['empty', ''],
      ['empty', '4'],
      ['bad_type', '49'],
      ['bad_json', '42["x"'],
      ['bad_json', '42["x"1]'],
      ['bad_payload', '42{"a":1}'],
      ['binary_unsupported', '451-["x",{"_placeholder":true,"num":0}]'],
      ['bad_ack_id', '43'],
      ['bad_handshake', '0{"sid":"again"}'],
    ];
    // An unlistened event is dropped after its header only (see client.ts): not counted.
    const notCounted = ['42["nobody-listens",{'];
    const inBefore = c.stats.messagesIn;
    const done = c.waitFor<number>('garbage-done', undefined, 3000);
    c.emit('garbage', [...bad.map(([, f]) => f), ...notCounted], 10_001); // + one frame over maxPayload
    const sent = await done;
    assert.equal(sent, bad.length + notCounted.length + 2);
    const expected = [...bad.map(([code]) => code), 'too_large', 'binary_unsupported'];
    assert.deepEqual(reported.map(([code]) => code), expected);
    assert.equal(c.stats.protocolErrors, expected.length);
    assert.equal(c.stats.messagesIn - inBefore, sent + 1, 'every frame was seen (+ garbage-done)');
    assert.equal(xCalls, 0);
    assert.equal(reported[expected.length - 1][1], '[object frame]');
    // still alive and well
    assert.equal(c.state, 'open');
    assert.deepEqual(await c.emitWithAck('echo', ['ok'], 2000), ['ok']);
    c.close();
  });
});
