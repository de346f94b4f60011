// The room at TARGET_PROCESSES=2: broadcasts cross processes through the Redis
// adapter, one process runs the processor, TARGET_NOTIFY=user reaches only the
// admitted user's sockets wherever they are, the faults hold on the process that
// does not run the processor, and no process outlives the room.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  alive, api, check, checkInOrder, connect, connectedSocket, joinQueue, leave, newEventId, nextEvent, record,
  registerUsers, sleep, socketFor, startRoomStack, until, type RoomStack,
} from './testkit.ts';

/** Room process 0 runs the processor; process 1 is "another process than the processor's". */
const P0 = 0;
const P1 = 1;

describe('two room processes, TARGET_NOTIFY=room', () => {
  let s: RoomStack;
  before(async () => {
    s = await startRoomStack({ processes: 2, threshold: 2, processorIntervalMs: 60_000, adminEmail: 'admin@test.com', adminPassword: 'admin-pass' });
  });
  after(() => s.stop());

  it('each process answers alone and on the shared port; the shared port spreads sockets over both', async () => {
    assert.equal(s.processUrls.length, 2);
    assert.notEqual(s.processUrls[P0], s.processUrls[P1]);
    for (const url of [s.url, ...s.processUrls]) assert.deepEqual((await api(url, 'GET', '/health')).body, { status: 'ok' });
    const users = await registerUsers(s.url, 8);
    for (const u of users) await connectedSocket(s.url, u.token);
    await until(async () => (await s.room.stats()).connections === 8, 5000, '8 connections');
    const per = (await s.room.stats()).processes.map((p) => p.connections);
    assert.ok(per.every((c) => c >= 1), `connections per process: ${JSON.stringify(per)}`);
  });

  it('only process 0 runs the processor', async () => {
    await s.room.processNow();
    const stats = await s.room.stats();
    assert.deepEqual(stats.processes.map((p) => p.runsProcessor), [true, false]);
    assert.ok(stats.processes[P0]!.ticks >= 1);
    assert.equal(stats.processes[P1]!.ticks, 0);
  });

  it('a socket on process 1 hears the admissions made by the processor in process 0, as one on process 0 does', async () => {
    const ev = newEventId();
    const [a, b, c, d, e] = await registerUsers(s.processUrls[P1]!, 5);
    await checkInOrder(s.processUrls[P0]!, [a!, b!, c!, d!, e!], ev);
    const far = await connectedSocket(s.processUrls[P1]!, e!.token);
    const near = await connectedSocket(s.processUrls[P0]!, e!.token);
    const outsider = await connectedSocket(s.processUrls[P1]!, a!.token);
    for (const sock of [far, near]) await joinQueue(sock, ev);
    await joinQueue(outsider, newEventId());
    const farSeen = record(far);
    const nearSeen = record(near);
    const outsiderSeen = record(outsider);
    await leave(s.processUrls[P1]!, a!, ev);
    await leave(s.processUrls[P1]!, b!, ev);
    const updated = Promise.all([nextEvent(far, 'queue-updated'), nextEvent(near, 'queue-updated')]);
    await s.room.processNow();
    await updated;
    const expected = [
      { event: 'queue-entry-allowed', payload: { eventId: ev, userId: c!.id, message: 'Entry allowed: you may now book.' } },
      { event: 'queue-entry-allowed', payload: { eventId: ev, userId: d!.id, message: 'Entry allowed: you may now book.' } },
      { event: 'queue-updated', payload: { eventId: ev, queueSize: 1, currentUsers: 0, threshold: 2 } },
    ];
    assert.deepEqual(farSeen, expected);
    assert.deepEqual(nearSeen, expected);
    await sleep(50);
    assert.deepEqual(outsiderSeen, [], 'other rooms hear nothing');
    assert.deepEqual((await s.redis.smembers(`active:${ev}`)).sort(), [c!.id, d!.id].sort());
  });

  it('an admin clear on process 1 reaches a socket on process 0', async () => {
    const ev = newEventId();
    const [u] = await registerUsers(s.url, 1);
    const sock = await connectedSocket(s.processUrls[P0]!, u!.token);
    await joinQueue(sock, ev);
    const login = await api(s.processUrls[P1]!, 'POST', '/api/auth/login', { body: { email: 'admin@test.com', password: 'admin-pass' } });
    assert.equal(login.status, 200, 'the admin account made by process 0 logs in on process 1');
    const cleared = nextEvent(sock, 'queue-cleared');
    assert.equal((await api(s.processUrls[P1]!, 'POST', `/api/queue/admin/clear/${ev}`, { token: login.body.token })).status, 200);
    assert.equal((await cleared).eventId, ev);
  });

  it('a session joined on process 0 is restored on process 1', async () => {
    const ev = newEventId();
    const [a, b] = await registerUsers(s.url, 2);
    await checkInOrder(s.url, [a!, b!], ev);
    const first = await connectedSocket(s.processUrls[P0]!, b!.token);
    await joinQueue(first, ev);
    first.disconnect();
    const second = socketFor(s.processUrls[P1]!, b!.token);
    const restored = nextEvent(second, 'session-restored');
    await connect(second);
    assert.deepEqual(await restored, { eventId: ev, queueEventId: ev, seatEventId: null, selectedSeats: [] });
  });
});

describe('two room processes, TARGET_NOTIFY=user', () => {
  let s: RoomStack;
  before(async () => {
    s = await startRoomStack({ processes: 2, threshold: 1, processorIntervalMs: 60_000, notify: 'user' });
  });
  after(() => s.stop());

  it('queue-entry-allowed reaches only the admitted user, on every socket of theirs, on either process; queue-updated the whole room', async () => {
    const ev = newEventId();
    const [a, b, c] = await registerUsers(s.url, 3);
    await checkInOrder(s.url, [a!, b!, c!], ev);
    const bFar = await connectedSocket(s.processUrls[P1]!, b!.token);
    const bNear = await connectedSocket(s.processUrls[P0]!, b!.token);
    const cFar = await connectedSocket(s.processUrls[P1]!, c!.token);
    const cNear = await connectedSocket(s.processUrls[P0]!, c!.token);
    const all = [bFar, bNear, cFar, cNear];
    for (const sock of all) await joinQueue(sock, ev);
    const seen = all.map((sock) => record(sock));
    await leave(s.url, a!, ev);
    const updated = Promise.all(all.map((sock) => nextEvent(sock, 'queue-updated')));
    await s.room.processNow();
    await updated;
    const own = { event: 'queue-entry-allowed', payload: { eventId: ev, userId: b!.id, message: 'Entry allowed: you may now book.' } };
    const batch = { event: 'queue-updated', payload: { eventId: ev, queueSize: 1, currentUsers: 0, threshold: 1 } };
    assert.deepEqual(seen[0], [own, batch], 'b on process 1');
    assert.deepEqual(seen[1], [own, batch], 'b on process 0');
    assert.deepEqual(seen[2], [batch], 'c on process 1 hears no one else\'s admission');
    assert.deepEqual(seen[3], [batch], 'c on process 0 hears no one else\'s admission');

    // And c hears its own, later, on process 1.
    const cAdmitted = nextEvent(cFar, 'queue-entry-allowed');
    await leave(s.url, b!, ev);
    await s.room.processNow();
    assert.equal((await cAdmitted).userId, c!.id);
  });
});

describe('two room processes: the faults hold on the process that does not run the processor', () => {
  let s: RoomStack;
  before(async () => {
    s = await startRoomStack({
      processes: 2, threshold: 3, processorIntervalMs: 60_000, racyWindowMs: 50,
      faults: ['over-admit', 'silent-admission', 'racy-admission', 'wrong-estimate', 'no-session-restore', 'requeue-on-reconnect'],
    });
  });
  after(() => s.stop());

  it('over-admit and silent-admission: the batch ignores occupied slots, and a socket on process 1 hears queue-updated only', async () => {
    const ev = newEventId();
    const users = await registerUsers(s.url, 6);
    await checkInOrder(s.processUrls[P1]!, users, ev);
    const watcher = await connectedSocket(s.processUrls[P1]!, users[5]!.token);
    await joinQueue(watcher, ev);
    const seen = record(watcher);
    await leave(s.processUrls[P1]!, users[0]!, ev);
    const updated = nextEvent(watcher, 'queue-updated');
    await s.room.processNow();
    await updated;
    assert.equal(await s.redis.scard(`active:${ev}`), 5, 'over-admit: 2 active + all 3 queued');
    assert.equal(await s.redis.zcard(`queue:${ev}`), 0);
    await sleep(50);
    assert.deepEqual(seen.map((x) => x.event), ['queue-updated'], 'silent-admission: nobody told');
  });

  it('racy-admission: a burst of checks on process 1 overshoots the threshold', async () => {
    const ev = newEventId();
    const users = await registerUsers(s.url, 20);
    const answers = await Promise.all(users.map((u) => check(s.processUrls[P1]!, u, ev)));
    assert.ok(answers.every((r) => r.status === 200));
    assert.ok(await s.redis.scard(`active:${ev}`) > 3, 'more active than the threshold');
  });

  it('wrong-estimate and requeue-on-reconnect on process 1', async () => {
    const ev = newEventId();
    const users = await registerUsers(s.url, 6);
    const answers = await checkInOrder(s.url, users, ev);
    // racy-admission is on too: checked one at a time, 3 are admitted, 3 queued.
    assert.deepEqual(answers.map((r) => r.body.queued), [false, false, false, true, true, true]);
    const status = await api(s.processUrls[P1]!, 'GET', `/api/queue/status/${ev}`, { token: users[5]!.token });
    assert.equal(status.body.position, 3);
    assert.equal(status.body.estimatedWait, 90, '30 s x position (correct: 60 s, one batch of 3 per 60 s tick)');
    const again = await check(s.processUrls[P1]!, users[3]!, ev);
    assert.equal(again.body.position, 3, 'moved to the back');
  });

  it('no-session-restore on process 1', async () => {
    const ev = newEventId();
    const [a] = await registerUsers(s.url, 1);
    const first = await connectedSocket(s.processUrls[P0]!, a!.token);
    await joinQueue(first, ev);
    first.disconnect();
    const second = socketFor(s.processUrls[P1]!, a!.token);
    const seen = record(second);
    await connect(second);
    await sleep(200);
    assert.deepEqual(seen, []);
  });
});

describe('two room processes: stopping', () => {
  it('close() stops every room process', async () => {
    const s = await startRoomStack({ processes: 2 });
    const pids = [s.room.mainPid, ...s.room.pids];
    await s.stop();
    assert.deepEqual(pids.filter(alive), []);
  });

  it('when the main process is killed, the room processes exit by themselves', async () => {
    const s = await startRoomStack({ processes: 2 });
    try {
      process.kill(s.room.mainPid, 'SIGKILL');
      await until(() => s.room.pids.every((pid) => !alive(pid)), 15_000, 'every room process gone');
    } finally {
      await s.stop();
    }
  });

  it('when a room process dies, the others stop and the main process exits 1', async () => {
    const s = await startRoomStack({ processes: 2 });
    try {
      process.kill(s.room.pids[P1]!, 'SIGKILL');
      const exit = await s.room.exited;
      assert.equal(exit.code, 1);
      await until(() => !alive(s.room.pids[P0]!), 15_000, 'room process 0 gone');
      assert.ok(s.logs.some((l) => /room process 1 \(pid \d+\) exited unexpectedly/.test(l)), s.logs.join('\n'));
    } finally {
      await s.stop();
    }
  });
});
