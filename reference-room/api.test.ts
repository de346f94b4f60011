// The HTTP API: every endpoint with its exact fields, and bad input that must
// be answered (with the right status) without hurting the server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signToken } from './auth.ts';
import { api, check, checkInOrder, leave, newEventId, registerUser, registerUsers, startStack, type Stack } from './testkit.ts';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('HTTP API', () => {
  let s: Stack;
  let adminToken: string;
  before(async () => {
    s = await startStack({ threshold: 2, processorIntervalMs: 60_000, adminEmail: 'admin@test.com', adminPassword: 'admin-pass' });
    const r = await api(s.url, 'POST', '/api/auth/login', { body: { email: 'admin@test.com', password: 'admin-pass' } });
    assert.equal(r.status, 200);
    adminToken = r.body.token;
  });
  after(() => s.stop());

  async function stillAnswers(): Promise<void> {
    const r = await api(s.url, 'GET', '/health');
    assert.deepEqual(r, { status: 200, body: { status: 'ok' } });
  }

  describe('auth', () => {
    it('register answers 201 {token, user:{id, userId, email, name, role}}', async () => {
      const r = await api(s.url, 'POST', '/api/auth/register', { body: { email: 'Alice@Test.com', password: 'secret1', name: 'Alice', phone: '010' } });
      assert.equal(r.status, 201);
      assert.deepEqual(Object.keys(r.body).sort(), ['token', 'user']);
      assert.deepEqual(Object.keys(r.body.user).sort(), ['email', 'id', 'name', 'role', 'userId']);
      assert.match(r.body.user.id, UUID_RE);
      assert.equal(r.body.user.userId, r.body.user.id);
      assert.equal(r.body.user.email, 'alice@test.com');
      assert.equal(r.body.user.name, 'Alice');
      assert.equal(r.body.user.role, 'user');
      assert.equal(r.body.token.split('.').length, 3);
      const keys = await s.redis.keys('target:user:*');
      assert.ok(keys.includes('target:user:alice@test.com'));
    });

    it('register: 409 when the email exists, 400 on a bad email or a short password', async () => {
      const dup = await api(s.url, 'POST', '/api/auth/register', { body: { email: 'alice@test.com', password: 'secret1', name: 'A' } });
      assert.equal(dup.status, 409);
      assert.equal(typeof dup.body.error, 'string');
      const badEmail = await api(s.url, 'POST', '/api/auth/register', { body: { email: 'not-an-email', password: 'secret1', name: 'A' } });
      assert.equal(badEmail.status, 400);
      assert.match(badEmail.body.error, /email/);
      const shortPw = await api(s.url, 'POST', '/api/auth/register', { body: { email: 'b@test.com', password: '12345', name: 'B' } });
      assert.equal(shortPw.status, 400);
      assert.match(shortPw.body.error, /password/);
      const noName = await api(s.url, 'POST', '/api/auth/register', { body: { email: 'b@test.com', password: '123456' } });
      assert.equal(noName.status, 400);
      const wrongType = await api(s.url, 'POST', '/api/auth/register', { body: { email: 5, password: '123456', name: 'x' } });
      assert.equal(wrongType.status, 400);
      await stillAnswers();
    });

    it('login answers 200 {message, token, user} and 401 on bad credentials', async () => {
      const r = await api(s.url, 'POST', '/api/auth/login', { body: { email: 'alice@test.com', password: 'secret1' } });
      assert.equal(r.status, 200);
      assert.deepEqual(Object.keys(r.body).sort(), ['message', 'token', 'user']);
      assert.equal(typeof r.body.message, 'string');
      assert.deepEqual(Object.keys(r.body.user).sort(), ['email', 'id', 'name', 'role', 'userId']);
      assert.equal(r.body.userId, undefined, 'no top-level userId');
      const wrong = await api(s.url, 'POST', '/api/auth/login', { body: { email: 'alice@test.com', password: 'nope-nope' } });
      assert.equal(wrong.status, 401);
      const unknown = await api(s.url, 'POST', '/api/auth/login', { body: { email: 'nobody@test.com', password: 'secret1' } });
      assert.equal(unknown.status, 401);
      await stillAnswers();
    });

    it('the admin account from ADMIN_EMAIL / ADMIN_PASSWORD has role admin', async () => {
      const r = await api(s.url, 'POST', '/api/auth/login', { body: { email: 'admin@test.com', password: 'admin-pass' } });
      assert.equal(r.body.user.role, 'admin');
    });
  });

  describe('queue', () => {
    it('check admits below the threshold, queues above it, and keeps the place on a repeated check', async () => {
      const ev = newEventId();
      const [a, b, c, d] = await registerUsers(s.url, 4);
      const [ra, rb, rc, rd] = await checkInOrder(s.url, [a!, b!, c!, d!], ev);
      assert.deepEqual(ra, { status: 200, body: { queued: false, currentUsers: 0, threshold: 2, eventInfo: { id: ev, title: `Event ${ev.slice(0, 8)}` } } });
      assert.deepEqual(rb!.body, { queued: false, currentUsers: 1, threshold: 2, eventInfo: { id: ev, title: `Event ${ev.slice(0, 8)}` } });
      assert.deepEqual(rc!.body, { queued: true, position: 1, estimatedWait: 60, threshold: 2, currentUsers: 2, eventInfo: { id: ev, title: `Event ${ev.slice(0, 8)}` } });
      assert.equal(rd!.body.position, 2);
      assert.equal(rd!.body.estimatedWait, 60, 'ceil(2/2) batches x 60 s');

      const score = await s.redis.zscore(`queue:${ev}`, c!.id);
      const again = await check(s.url, c!, ev);
      assert.equal(again.body.position, 1);
      assert.equal(await s.redis.zscore(`queue:${ev}`, c!.id), score, 'score unchanged');
      const activeAgain = await check(s.url, a!, ev);
      assert.equal(activeAgain.body.queued, false);

      assert.deepEqual((await s.redis.smembers(`active:${ev}`)).sort(), [a!.id, b!.id].sort());
      assert.deepEqual(await s.redis.zrange(`queue:${ev}`, 0, -1), [c!.id, d!.id]);
      const ttl = await s.redis.ttl(`active:${ev}`);
      assert.ok(ttl > 290 && ttl <= 300, `active TTL ${ttl}`);
      assert.equal(await s.redis.type(`queue:${ev}`), 'zset');
      const joinedAt = Number(score);
      assert.ok(Math.abs(joinedAt - Date.now()) < 60_000, 'score is a join time in ms');
    });

    it('status answers queued / active / not_in_queue with the contract fields', async () => {
      const ev = newEventId();
      const [a, b, c, d] = await registerUsers(s.url, 4);
      await checkInOrder(s.url, [a!, b!, c!], ev);
      const queued = await api(s.url, 'GET', `/api/queue/status/${ev}`, { token: c!.token });
      assert.deepEqual(queued, { status: 200, body: { status: 'queued', queued: true, position: 1, estimatedWait: 60, queueSize: 1, currentUsers: 2 } });
      const active = await api(s.url, 'GET', `/api/queue/status/${ev}`, { token: a!.token });
      assert.deepEqual(active.body, { status: 'active', queued: false, currentUsers: 2 });
      const none = await api(s.url, 'GET', `/api/queue/status/${ev}`, { token: d!.token });
      assert.deepEqual(none.body, { status: 'not_in_queue', queued: false, currentUsers: 2 });
    });

    it('leave removes the user from the queue and from the active set, and clears the session queue event', async () => {
      const ev = newEventId();
      const [a, b, c] = await registerUsers(s.url, 3);
      await checkInOrder(s.url, [a!, b!, c!], ev);
      await s.redis.set(`socket:session:${c!.id}`, JSON.stringify({ eventId: ev, queueEventId: ev, lastActivity: 1 }), 'EX', 3600);
      const lc = await leave(s.url, c!, ev);
      assert.equal(lc.status, 200);
      assert.equal(lc.body.wasQueued, true);
      const la = await leave(s.url, a!, ev);
      assert.equal(la.body.wasActive, true);
      assert.equal(await s.redis.zscore(`queue:${ev}`, c!.id), null);
      assert.equal(await s.redis.sismember(`active:${ev}`, a!.id), 0);
      const session = JSON.parse((await s.redis.get(`socket:session:${c!.id}`))!);
      assert.equal(session.queueEventId, undefined);
      assert.equal(session.eventId, ev);
      assert.ok((await s.redis.ttl(`socket:session:${c!.id}`)) > 3500, 'TTL kept');
    });

    it('admin: info and clear; 401 without a token, 403 for a plain user', async () => {
      const ev = newEventId();
      const [a, b, c] = await registerUsers(s.url, 3);
      await checkInOrder(s.url, [a!, b!, c!], ev);
      const info = await api(s.url, 'GET', `/api/queue/admin/${ev}`, { token: adminToken });
      assert.deepEqual(info, { status: 200, body: { eventId: ev, queueSize: 1, currentUsers: 2, threshold: 2, available: 0 } });
      assert.equal((await api(s.url, 'GET', `/api/queue/admin/${ev}`, { token: a!.token })).status, 403);
      assert.equal((await api(s.url, 'POST', `/api/queue/admin/clear/${ev}`, { token: a!.token })).status, 403);
      assert.equal((await api(s.url, 'GET', `/api/queue/admin/${ev}`)).status, 401);
      const cleared = await api(s.url, 'POST', `/api/queue/admin/clear/${ev}`, { token: adminToken });
      assert.equal(cleared.status, 200);
      assert.equal(await s.redis.exists(`queue:${ev}`, `active:${ev}`), 0);
      const after = await api(s.url, 'GET', `/api/queue/admin/${ev}`, { token: adminToken });
      assert.deepEqual(after.body, { eventId: ev, queueSize: 0, currentUsers: 0, threshold: 2, available: 2 });
    });

    it('health answers 200 {status: ok}', async () => {
      await stillAnswers();
    });
  });

  describe('bad input', () => {
    let user: Awaited<ReturnType<typeof registerUser>>;
    before(async () => {
      user = await registerUser(s.url);
    });

    it('malformed JSON → 400', async () => {
      const r = await api(s.url, 'POST', '/api/auth/login', { raw: '{"email": "a@b.c", ' });
      assert.equal(r.status, 400);
      assert.match(r.body.error, /JSON/);
      const arr = await api(s.url, 'POST', '/api/auth/login', { raw: '[1,2]' });
      assert.equal(arr.status, 400);
      await stillAnswers();
    });

    it('a body over 64 KiB → 413', async () => {
      const r = await api(s.url, 'POST', '/api/auth/register', { body: { email: 'big@test.com', password: 'x'.repeat(70 * 1024), name: 'Big' } });
      assert.equal(r.status, 413);
      assert.match(r.body.error, /too large/);
      await stillAnswers();
    });

    it('a non-UUID eventId → 400 naming what was given', async () => {
      for (const path of ['/api/queue/check/abc', '/api/queue/status/abc', '/api/queue/leave/abc']) {
        const r = await api(s.url, path.includes('status') ? 'GET' : 'POST', path, { token: user.token });
        assert.equal(r.status, 400, path);
        assert.equal(r.body.error, 'invalid eventId: expected a UUID, got "abc"');
      }
      const admin = await api(s.url, 'GET', '/api/queue/admin/1234', { token: adminToken });
      assert.equal(admin.status, 400);
      await stillAnswers();
    });

    it('missing, forged, malformed and expired tokens → 401', async () => {
      const ev = newEventId();
      const claims = { id: user.id, email: user.email, role: 'user' as const };
      const cases: Array<[string, Record<string, string>]> = [
        ['missing', {}],
        ['not bearer', { authorization: 'Basic abc' }],
        ['garbage', { authorization: 'Bearer abc.def' }],
        ['forged', { authorization: `Bearer ${signToken(claims, 'another-secret-of-16-chars')}` }],
        ['forged admin', { authorization: `Bearer ${signToken({ ...claims, role: 'admin' }, 'another-secret-of-16-chars')}` }],
        ['expired', { authorization: `Bearer ${signToken(claims, s.target.config.jwtSecret, { now: Math.floor(Date.now() / 1000) - 100_000 })}` }],
      ];
      for (const [name, headers] of cases) {
        const r = await api(s.url, 'POST', `/api/queue/check/${ev}`, { headers });
        assert.equal(r.status, 401, name);
        assert.equal(typeof r.body.error, 'string', name);
      }
      const fresh = signToken(claims, s.target.config.jwtSecret);
      assert.equal((await api(s.url, 'POST', `/api/queue/check/${ev}`, { token: fresh })).status, 200);
      await stillAnswers();
    });

    it('unknown route → 404 (wrong method too)', async () => {
      assert.equal((await api(s.url, 'GET', '/nope')).status, 404);
      assert.equal((await api(s.url, 'GET', '/api/queue/check/' + newEventId(), { token: user.token })).status, 404);
      assert.equal((await api(s.url, 'DELETE', '/health')).status, 404);
      await stillAnswers();
    });

    it('raw garbage on the socket gets a 400 and the server keeps answering', async () => {
      const { connect } = await import('node:net');
      const reply = await new Promise<string>((resolve, reject) => {
        const sock = connect(s.target.port, '127.0.0.1');
        let data = '';
        sock.setTimeout(5000, () => { sock.destroy(); reject(new Error('no answer')); });
        sock.on('data', (d) => { data += d.toString(); });
        sock.on('end', () => resolve(data));
        sock.on('error', reject);
        sock.write('THIS IS NOT HTTP\r\n\r\n');
      });
      assert.match(reply, /^HTTP\/1\.1 400/);
      await stillAnswers();
    });
  });
});

describe('Redis outage', () => {
  it('answers 503 quickly while Redis is down, health 503, stays alive, and recovers when Redis returns', async () => {
    const s = await startStack({ processorIntervalMs: 200 });
    const rejections: unknown[] = [];
    const onRejection = (r: unknown) => rejections.push(r);
    process.on('unhandledRejection', onRejection);
    try {
      const u = await registerUser(s.url);
      const ev = newEventId();
      await check(s.url, u, ev);
      const port = s.redisServer.port;
      await s.redisServer.stop();

      const r = await check(s.url, u, ev);
      assert.equal(r.status, 503);
      assert.match(r.body.error, /^queue store unavailable; /);
      assert.equal((await api(s.url, 'GET', `/api/queue/status/${ev}`, { token: u.token })).status, 503);
      assert.equal((await api(s.url, 'POST', '/api/auth/login', { body: { email: u.email, password: 'secret123' } })).status, 503);
      const h = await api(s.url, 'GET', '/health');
      assert.equal(h.status, 503);
      assert.equal(h.body.status, 'unavailable');
      await new Promise((r) => setTimeout(r, 500)); // a few processor ticks against a dead store
      assert.equal((await api(s.url, 'GET', '/nope')).status, 404, 'the process still answers');

      // Redis comes back on the same port: the target reconnects by itself.
      const { spawn } = await import('node:child_process');
      const again = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'no', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
      try {
        const deadline = Date.now() + 10_000;
        let status = 0;
        while (Date.now() < deadline && status !== 200) {
          status = (await api(s.url, 'GET', '/health')).status;
          if (status !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(status, 200, 'health recovers');
      } finally {
        await new Promise<void>((resolve) => {
          again.once('exit', () => resolve());
          again.kill('SIGTERM');
        });
      }
      assert.deepEqual(rejections, [], 'no unhandled rejection');
    } finally {
      process.off('unhandledRejection', onRejection);
      await s.stop();
    }
  });
});
