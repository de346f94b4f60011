import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountEmail, admissionBoundMs, arrivalsOverMs, admissionTimeoutMs, expectedImmediate, expectedQueued, loadConfig, vusFor } from './config.ts';
import { ConfigError, isUuid, randomUuid } from './env.ts';

const defaults = { users: 15, queueThreshold: 10, processorIntervalMs: 10_000, arrivalDelayMs: 100, dwellMs: 5000 };
const base = { USER_PASSWORD: 'secret-pw' };

test('defaults come from the scenario, the environment overrides them', () => {
  const c = loadConfig('threshold-overflow', defaults, base);
  assert.equal(c.users, 15);
  assert.equal(c.queueThreshold, 10);
  assert.equal(c.apiUrl, 'http://localhost:3001');
  assert.equal(c.socketUrl, 'http://localhost:3001');
  assert.equal(c.redisUrl, 'redis://localhost:6379');
  assert.equal(c.eventId, undefined);
  const o = loadConfig('x', defaults, { ...base, USERS: '100', API_URL: 'http://127.0.0.1:4000/', QUEUE_THRESHOLD: '20', USERS_PER_VU: '30' });
  assert.equal(o.users, 100);
  assert.equal(o.apiUrl, 'http://127.0.0.1:4000');
  assert.equal(o.socketUrl, 'http://127.0.0.1:4000');
  assert.equal(vusFor(o), 4);
  assert.equal(expectedImmediate(o), 20);
  assert.equal(expectedQueued(o), 80);
});

test('errors name the variable, what was expected and what was given', () => {
  assert.throws(() => loadConfig('x', defaults, { ...base, USERS: 'many' }), (e: unknown) => e instanceof ConfigError && /invalid USERS; reason: expected an integer from 1 to 1000000, got "many"/.test(e.message));
  assert.throws(() => loadConfig('x', defaults, { ...base, EVENT_ID: 'concert-1' }), /invalid EVENT_ID; reason: expected a UUID .* got "concert-1"/);
  assert.throws(() => loadConfig('x', defaults, { ...base, API_URL: 'localhost:3001' }), /invalid API_URL/);
  assert.throws(() => loadConfig('x', defaults, { ...base, REDIS_URL: 'localhost' }), /invalid REDIS_URL/);
  assert.throws(() => loadConfig('x', defaults, {}), /invalid USER_PASSWORD; reason: expected the password/);
});

test('a short password is refused without echoing it', () => {
  assert.throws(() => loadConfig('x', defaults, { USER_PASSWORD: 'abc' }), (e: unknown) => e instanceof Error && !e.message.includes('abc') && /at least 6/.test(e.message));
});

test('an empty REDIS_URL turns the probes off; a UUID event id is normalised', () => {
  const c = loadConfig('x', defaults, { ...base, REDIS_URL: '', EVENT_ID: '3F2B8C1E-6D1A-4C7E-9B55-0A4F2E8D9C10' });
  assert.equal(c.redisUrl, '');
  assert.equal(c.eventId, '3f2b8c1e-6d1a-4c7e-9b55-0a4f2e8d9c10');
});

test('the starvation bound grows one batch per threshold positions', () => {
  // 15 users 100 ms apart: the arrival phase is over 1400 ms + 2000 ms grace after the first arrival.
  const c = loadConfig('x', { ...defaults, queueThreshold: 5, processorIntervalMs: 5000, dwellMs: 2000 }, base);
  assert.equal(arrivalsOverMs(c), 3400);
  assert.equal(admissionBoundMs(c, 1), 3400 + 7000 + 5000 + 2000);
  assert.equal(admissionBoundMs(c, 5), 3400 + 7000 + 5000 + 2000);
  assert.equal(admissionBoundMs(c, 6), 3400 + 14000 + 5000 + 2000);
  assert.equal(admissionTimeoutMs(c, 6), Math.round((3400 + 21000) * 1.5));
  const fixed = loadConfig('x', defaults, { ...base, ADMISSION_TIMEOUT_MS: '9000' });
  assert.equal(admissionTimeoutMs(fixed, 40), 9000);
});

test('accounts follow the guide: loadtest{N}@test.com', () => {
  const c = loadConfig('x', defaults, base);
  assert.equal(accountEmail(c, 7), 'loadtest7@test.com');
  assert.equal(accountEmail(loadConfig('x', defaults, { ...base, USER_PREFIX: 'ci-' }), 1), 'ci-1@test.com');
});

test('random event ids are version-4 UUIDs', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 1000; i++) {
    const id = randomUuid();
    assert.ok(isUuid(id), id);
    assert.equal(id[14], '4');
    assert.match(id[19], /[89ab]/);
    seen.add(id);
  }
  assert.equal(seen.size, 1000);
});
