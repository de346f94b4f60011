// Socket.IO: handshake auth, join-queue rooms, the processor's room broadcasts,
// queue-cleared and session-restored, each with its exact fields.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from './auth.ts';
import {
  api, checkInOrder, connect, connectedSocket, joinQueue, leave, newEventId, nextEvent, record,
  registerUsers, sleep, socketFor, startStack, until, type Stack,
} from './testkit.ts';

describe('Socket.IO', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ threshold: 2, processorIntervalMs: 60_000, adminEmail: 'admin@test.com', adminPassword: 'admin-pass' });
  });
  after(() => s.stop());

  describe('handshake', () => {
    it('no token → connect_error "Authentication required"', async () => {
      await assert.rejects(connect(socketFor(s.url, undefined)), { message: 'Authentication required' });
    });

    it('a bad, forged or expired token → connect_error "Invalid token"', async () => {
      const [u] = await registerUsers(s.url, 1);
      const claims = { id: u!.id, email: u!.email, role: 'user' as const };
      for (const token of [
        'garbage',
        signToken(claims, 'another-secret-of-16-chars'),
        signToken(claims, s.target.config.jwtSecret, { now: Math.floor(Date.now() / 1000) - 100_000 }),
      ]) {
        await assert.rejects(connect(socketFor(s.url, token)), { message: 'Invalid token' });
      }
    });

    it('a good token connects', async () => {
      const [u] = await registerUsers(s.url, 1);
      const sock = await connectedSocket(s.url, u!.token);
      assert.equal(sock.connected, true);
      sock.disconnect();
    });
  });

  it('join-queue stores the session; an invalid eventId is ignored', async () => {
    const [u] = await registerUsers(s.url, 1);
    const ev = newEventId();
    const sock = await connectedSocket(s.url, u!.token);
    assert.deepEqual(await joinQueue(sock, 'abc'), { ok: false, error: 'invalid eventId: expected a UUID' });
    assert.equal(await s.redis.get(`socket:session:${u!.id}`), null);
    sock.emit('join-queue', 42); // no ack, wrong shape: ignored, no crash
    assert.deepEqual(await joinQueue(sock, ev), { ok: true });
    const session = JSON.parse((await s.redis.get(`socket:session:${u!.id}`))!);
    assert.equal(session.eventId, ev);
    assert.equal(session.queueEventId, ev);
    assert.equal(typeof session.lastActivity, 'number');
    const ttl = await s.redis.ttl(`socket:session:${u!.id}`);
    assert.ok(ttl > 3590 && ttl <= 3600, `ttl ${ttl}`);
    sock.disconnect();
  });

  it('a batch: queue-entry-allowed to the room once per admitted user (FIFO), then one queue-updated', async () => {
    const ev = newEventId();
    const [a, b, c, d, e] = await registerUsers(s.url, 5);
    await checkInOrder(s.url, [a!, b!, c!, d!, e!], ev);
    const watcher = await connectedSocket(s.url, e!.token);
    const outsider = await connectedSocket(s.url, a!.token);
    await joinQueue(watcher, ev);
    await joinQueue(outsider, newEventId());
    const seen = record(watcher);
    const outsiderSeen = record(outsider);
    await leave(s.url, a!, ev);
    await leave(s.url, b!, ev);
    const updated = nextEvent(watcher, 'queue-updated');
    await s.target.processNow();
    await updated;
    assert.deepEqual(seen, [
      { event: 'queue-entry-allowed', payload: { eventId: ev, userId: c!.id, message: seen[0]!.payload.message } },
      { event: 'queue-entry-allowed', payload: { eventId: ev, userId: d!.id, message: seen[1]!.payload.message } },
      { event: 'queue-updated', payload: { eventId: ev, queueSize: 1, currentUsers: 0, threshold: 2 } },
    ]);
    assert.equal(typeof seen[0]!.payload.message, 'string');
    assert.deepEqual((await s.redis.smembers(`active:${ev}`)).sort(), [c!.id, d!.id].sort());
    assert.deepEqual(await s.redis.zrange(`queue:${ev}`, 0, -1), [e!.id]);
    await sleep(50);
    assert.deepEqual(outsiderSeen, [], 'other rooms hear nothing');
    assert.deepEqual(s.target.stats().usersAdmitted >= 2, true);
  });

  it('no free slot: the processor admits no one and emits nothing', async () => {
    const ev = newEventId();
    const users = await registerUsers(s.url, 3);
    await checkInOrder(s.url, users, ev);
    const watcher = await connectedSocket(s.url, users[2]!.token);
    await joinQueue(watcher, ev);
    const seen = record(watcher);
    await s.target.processNow();
    await sleep(50);
    assert.deepEqual(seen, []);
    assert.equal(await s.redis.zcard(`queue:${ev}`), 1);
  });

  it('admin clear emits queue-cleared {eventId, message} to the room', async () => {
    const ev = newEventId();
    const [u] = await registerUsers(s.url, 1);
    const sock = await connectedSocket(s.url, u!.token);
    await joinQueue(sock, ev);
    const login = await api(s.url, 'POST', '/api/auth/login', { body: { email: 'admin@test.com', password: 'admin-pass' } });
    const cleared = nextEvent(sock, 'queue-cleared');
    await api(s.url, 'POST', `/api/queue/admin/clear/${ev}`, { token: login.body.token });
    const p = await cleared;
    assert.deepEqual(Object.keys(p).sort(), ['eventId', 'message']);
    assert.equal(p.eventId, ev);
  });

  it('session-restored {eventId, queueEventId, seatEventId, selectedSeats} on reconnect, admission on the new socket', async () => {
    const ev = newEventId();
    const [a, b, c] = await registerUsers(s.url, 3);
    await checkInOrder(s.url, [a!, b!, c!], ev);
    const first = await connectedSocket(s.url, c!.token);
    await joinQueue(first, ev);
    first.disconnect();

    const second = socketFor(s.url, c!.token);
    const restored = nextEvent(second, 'session-restored');
    await connect(second);
    assert.deepEqual(await restored, { eventId: ev, queueEventId: ev, seatEventId: null, selectedSeats: [] });
    await joinQueue(second, ev);
    const admitted = nextEvent(second, 'queue-entry-allowed', (p) => p.userId === c!.id);
    await leave(s.url, a!, ev);
    await s.target.processNow();
    assert.equal((await admitted).eventId, ev);
  });

  it('no session, or a session without a queue event: no session-restored', async () => {
    const [u] = await registerUsers(s.url, 1);
    const sock = socketFor(s.url, u!.token);
    const seen = record(sock);
    await connect(sock);
    await sleep(150);
    assert.deepEqual(seen, []);
  });

  it('TARGET_NOTIFY=user, one process: queue-entry-allowed only to the admitted user, queue-updated to the room', async () => {
    const t = await startStack({ threshold: 1, processorIntervalMs: 60_000, notify: 'user' });
    try {
      const ev = newEventId();
      const [a, b, c] = await registerUsers(t.url, 3);
      await checkInOrder(t.url, [a!, b!, c!], ev);
      const bs = await connectedSocket(t.url, b!.token);
      const cs = await connectedSocket(t.url, c!.token);
      await joinQueue(bs, ev);
      await joinQueue(cs, ev);
      const bSeen = record(bs);
      const cSeen = record(cs);
      await leave(t.url, a!, ev);
      const updated = Promise.all([nextEvent(bs, 'queue-updated'), nextEvent(cs, 'queue-updated')]);
      await t.target.processNow();
      await updated;
      assert.deepEqual(bSeen.map((x) => [x.event, x.payload.userId]), [['queue-entry-allowed', b!.id], ['queue-updated', undefined]]);
      assert.deepEqual(cSeen.map((x) => x.event), ['queue-updated']);
    } finally {
      await t.stop();
    }
  });

  it('the processor timer serves every queued user in order when admitted users leave', async () => {
    const t = await startStack({ threshold: 2, processorIntervalMs: 200 });
    try {
      const ev = newEventId();
      const users = await registerUsers(t.url, 8);
      const byId = new Map(users.map((u) => [u.id, u]));
      const first = await checkInOrder(t.url, users, ev);
      assert.deepEqual(first.map((r) => r.body.queued), [false, false, true, true, true, true, true, true]);
      const queueOrder = await t.redis.zrange(`queue:${ev}`, 0, -1);
      const admittedOrder: string[] = [];
      const batches: number[] = [];
      const watcher = await connectedSocket(t.url, users[7]!.token);
      let batch = 0;
      const leaving: Promise<unknown>[] = [];
      watcher.on('queue-entry-allowed', (p: { userId: string }) => {
        admittedOrder.push(p.userId);
        batch++;
        // An admitted buyer dwells, then leaves and frees the slot.
        leaving.push(sleep(20).then(() => leave(t.url, byId.get(p.userId)!, ev)));
      });
      watcher.on('queue-updated', () => { batches.push(batch); batch = 0; });
      await joinQueue(watcher, ev);
      await leave(t.url, users[0]!, ev);
      await leave(t.url, users[1]!, ev);
      await until(async () => admittedOrder.length === 6, 15_000, 'all 6 admitted');
      assert.deepEqual(admittedOrder, queueOrder, 'FIFO');
      assert.ok(batches.every((n) => n >= 1 && n <= 2), `batches ${JSON.stringify(batches)}`);
      assert.ok(t.target.stats().batchesServed >= 3);
      const left = await Promise.all(leaving);
      assert.ok(left.every((r) => (r as { status: number }).status === 200));
      assert.equal(await t.redis.scard(`active:${ev}`), 0, 'all left');
    } finally {
      await t.stop();
    }
  });
});
