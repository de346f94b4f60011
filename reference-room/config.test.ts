// Configuration validation, fault parsing and the JWT / password primitives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashCost, hashPassword, signToken, verifyPassword, verifyToken } from './auth.ts';
import { configFromEnv, resolveConfig } from './config.ts';
import { parseFaults } from './faults.ts';
import { startTarget } from './server.ts';
import { api, registerUser, startStack } from './testkit.ts';

const env = (extra: Record<string, string>) => ({ REDIS_URL: 'redis://127.0.0.1:6379', ...extra });

describe('config', () => {
  it('defaults', () => {
    const c = configFromEnv(env({}));
    assert.equal(c.port, 3001);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.threshold, 1000);
    assert.equal(c.processorIntervalMs, 10_000);
    assert.equal(c.kdfCost, 16_384);
    assert.equal(c.pingIntervalMs, 25_000);
    assert.equal(c.pingTimeoutMs, 60_000);
    assert.equal(c.racyWindowMs, 100);
    assert.equal(c.processes, 1);
    assert.equal(c.notify, 'room');
    assert.equal(c.activeTtlSeconds, 300);
    assert.deepEqual(c.faults, []);
    assert.ok(c.jwtSecret.length >= 32, 'a random secret');
    assert.notEqual(configFromEnv(env({})).jwtSecret, c.jwtSecret);
  });

  it('reads every variable', () => {
    const c = configFromEnv(env({
      TARGET_PORT: '0', TARGET_HOST: '::1', QUEUE_THRESHOLD: '10', QUEUE_PROCESSOR_INTERVAL: '5000', TARGET_FAULTS: ' lifo, over-admit ,',
      JWT_SECRET: 'a-secret-of-enough-length', ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'secret', TARGET_KDF_COST: '1024',
      TARGET_PING_INTERVAL_MS: '1000', TARGET_PING_TIMEOUT_MS: '2000', RACY_WINDOW_MS: '0', TARGET_PROCESSES: '3', TARGET_NOTIFY: 'user',
      TARGET_ACTIVE_TTL_S: '5', BUSY_MS: '40',
    }));
    assert.deepEqual({ ...c }, {
      port: 0, host: '::1', threshold: 10, processorIntervalMs: 5000, redisUrl: 'redis://127.0.0.1:6379', faults: ['lifo', 'over-admit'],
      jwtSecret: 'a-secret-of-enough-length', adminEmail: 'a@b.co', adminPassword: 'secret', kdfCost: 1024,
      pingIntervalMs: 1000, pingTimeoutMs: 2000, racyWindowMs: 0, processes: 3, notify: 'user', activeTtlSeconds: 5, busyMs: 40,
    });
  });

  it('errors name the variable, the allowed values and what was given', () => {
    assert.throws(() => configFromEnv({}), /invalid REDIS_URL; reason: expected a redis:\/\/host:port URL/);
    assert.throws(() => configFromEnv(env({ QUEUE_THRESHOLD: 'ten' })), { message: 'invalid QUEUE_THRESHOLD; reason: expected an integer from 1 to 1000000, got "ten"' });
    assert.throws(() => configFromEnv(env({ QUEUE_THRESHOLD: '0' })), /invalid QUEUE_THRESHOLD; .*got 0/);
    assert.throws(() => configFromEnv(env({ TARGET_PORT: '70000' })), /invalid TARGET_PORT; reason: expected an integer from 0 to 65535, got 70000/);
    assert.throws(() => configFromEnv(env({ TARGET_KDF_COST: '1000' })), /invalid TARGET_KDF_COST; reason: expected a power of two/);
    assert.throws(() => configFromEnv(env({ REDIS_URL: 'localhost:6379' })), /invalid REDIS_URL; .*got "localhost:6379"/);
    assert.throws(() => configFromEnv(env({ TARGET_FAULTS: 'lifo,bogus' })),
      /invalid TARGET_FAULTS; reason: unknown fault "bogus"; expected a comma-separated list of: racy-admission, over-admit, .*wrong-estimate/);
    assert.throws(() => configFromEnv(env({ ADMIN_EMAIL: 'a@b.co' })), /ADMIN_EMAIL\/ADMIN_PASSWORD; reason: expected both set or neither/);
    assert.throws(() => configFromEnv(env({ TARGET_PROCESSES: '0' })), { message: 'invalid TARGET_PROCESSES; reason: expected an integer from 1 to 64, got 0' });
    assert.throws(() => configFromEnv(env({ TARGET_PROCESSES: 'two' })), /invalid TARGET_PROCESSES; reason: expected an integer from 1 to 64, got "two"/);
    assert.throws(() => configFromEnv(env({ TARGET_ACTIVE_TTL_S: '0' })), { message: 'invalid TARGET_ACTIVE_TTL_S; reason: expected an integer from 1 to 86400, got 0' });
    assert.throws(() => configFromEnv(env({ TARGET_NOTIFY: 'everyone' })), { message: 'invalid TARGET_NOTIFY; reason: expected one of: room, user, got "everyone"' });
    assert.throws(() => configFromEnv(env({ TARGET_PROCESSES: '8', TARGET_PORT: '65530' })),
      /invalid TARGET_PORT; reason: expected a port that leaves room for the 8 per-process ports above it \(at most 65527\), got 65530/);
  });

  it('secrets are never shown in errors', () => {
    assert.throws(() => configFromEnv(env({ JWT_SECRET: 'short-secret' })), (e: Error) => !e.message.includes('short-secret') && /JWT_SECRET/.test(e.message));
    assert.throws(() => configFromEnv(env({ ADMIN_EMAIL: 'a@b.co', ADMIN_PASSWORD: 'abc' })), (e: Error) => !e.message.includes('"abc"') && /ADMIN_PASSWORD/.test(e.message));
  });

  it('resolveConfig validates explicit values by field name', () => {
    assert.throws(() => resolveConfig({ redisUrl: 'redis://x:1', threshold: 1.5 }), /invalid threshold; reason: expected an integer/);
    assert.throws(() => resolveConfig({ redisUrl: 'redis://x:1', faults: ['nope'] }), /invalid faults; reason: unknown fault "nope"/);
    assert.throws(() => resolveConfig({}), /invalid redisUrl/);
  });

  it('parseFaults dedupes and ignores blanks', () => {
    assert.deepEqual(parseFaults('lifo,,lifo, wrong-estimate'), ['lifo', 'wrong-estimate']);
  });

  it('startTarget fails clearly when Redis is unreachable', async () => {
    await assert.rejects(startTarget({ port: 0, redisUrl: 'redis://127.0.0.1:1', kdfCost: 1024 }, { log: () => undefined }), /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});

describe('auth primitives', () => {
  const secret = 'a-test-secret-of-some-length';
  const user = { id: '6f1c2c1e-5a84-4f5e-9c3e-2b1a7f3d9e10', email: 'a@b.co', role: 'user' as const };

  it('HS256 tokens: round trip, 24 h expiry, tamper and expiry detection', () => {
    const now = 1_700_000_000;
    const token = signToken(user, secret, { now });
    const [h, p] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(h!, 'base64url').toString()), { alg: 'HS256', typ: 'JWT' });
    assert.deepEqual(JSON.parse(Buffer.from(p!, 'base64url').toString()), { ...user, iat: now, exp: now + 86_400 });
    assert.deepEqual(verifyToken(token, secret, now + 10), { ok: true, claims: { ...user, iat: now, exp: now + 86_400 } });
    assert.deepEqual(verifyToken(token, secret, now + 86_400), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyToken(token, 'another-secret-of-length', now), { ok: false, reason: 'signature' });
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...user, role: 'admin', iat: now, exp: now + 86_400 })).toString('base64url')}.${token.split('.')[2]}`;
    assert.deepEqual(verifyToken(forged, secret, now), { ok: false, reason: 'signature' });
    assert.deepEqual(verifyToken('a.b', secret, now), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyToken('', secret, now), { ok: false, reason: 'malformed' });
  });

  it('scrypt hashes: salted per call, verified', async () => {
    const h1 = await hashPassword('secret1', 1024);
    const h2 = await hashPassword('secret1', 1024);
    assert.notEqual(h1, h2);
    assert.match(h1, /^scrypt\$1024\$/);
    assert.equal(await verifyPassword('secret1', h1), true);
    assert.equal(await verifyPassword('secret2', h1), false);
    assert.equal(await verifyPassword('secret1', 'garbage'), false);
    assert.equal(hashCost(h1), 1024);
    assert.equal(hashCost('garbage'), undefined);
  });

  it('TARGET_KDF_COST governs logins: an account hashed at another cost is hashed again at this one on its next good login', async () => {
    const cheap = await startStack({ kdfCost: 1024 });
    try {
      const u = await registerUser(cheap.url);
      const stored = async () => JSON.parse((await cheap.redis.get(`target:user:${u.email}`))!).passwordHash as string;
      assert.equal(hashCost(await stored()), 1024);
      await cheap.target.close();
      // The same Redis, a costlier room.
      const costly = await startTarget({ port: 0, kdfCost: 4096, redisUrl: cheap.redisServer.url }, { log: () => undefined });
      try {
        assert.equal((await api(costly.url, 'POST', '/api/auth/login', { body: { email: u.email, password: 'wrong-password' } })).status, 401);
        assert.equal(hashCost(await stored()), 1024, 'a failed login changes nothing');
        assert.equal((await api(costly.url, 'POST', '/api/auth/login', { body: { email: u.email, password: 'secret123' } })).status, 200);
        assert.equal(hashCost(await stored()), 4096);
        assert.equal((await api(costly.url, 'POST', '/api/auth/login', { body: { email: u.email, password: 'secret123' } })).status, 200);
      } finally {
        await costly.close();
      }
    } finally {
      await cheap.stop();
    }
  });
});

it('the processor phase: random, or a number of ms below the interval', () => {
  const base = { REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PROCESSOR_INTERVAL: '5000' };
  assert.equal(configFromEnv({ ...base, TARGET_PROCESSOR_PHASE: 'random' }).processorPhaseMs, 'random');
  assert.equal(configFromEnv({ ...base, TARGET_PROCESSOR_PHASE: '1200' }).processorPhaseMs, 1200);
  assert.equal(configFromEnv(base).processorPhaseMs, undefined);
  assert.throws(() => configFromEnv({ ...base, TARGET_PROCESSOR_PHASE: '5000' }), /invalid TARGET_PROCESSOR_PHASE; reason: expected 'random' or an integer from 0 to 4999/);
  assert.throws(() => configFromEnv({ ...base, TARGET_PROCESSOR_PHASE: 'soon' }), /invalid TARGET_PROCESSOR_PHASE/);
});
