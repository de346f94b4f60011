import { test } from 'node:test';
import assert from 'node:assert/strict';
import { accountEmail, admissionBoundMs, arrivalsOverMs, admissionTimeoutMs, expectedImmediate, expectedQueued, holdersLeaveMs, isHolder, loadConfig, runIdOf, vusFor } from './config.ts';
import { ConfigError, initParameterErrors, isUuid, randomUuid, redactUserinfo } from './env.ts';

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
});

test('init reads no secret: an empty environment loads, and the password changes nothing', () => {
  const bare = loadConfig('x', defaults, {});
  const withPassword = loadConfig('x', defaults, { USER_PASSWORD: 'secret-pw', REDIS_PASSWORD: 'r-secret' });
  assert.deepEqual(withPassword, bare);
  assert.ok(!JSON.stringify(withPassword).includes('secret'), 'no secret is kept in the run config');
});

test('holders hold across the first tick after the arrivals, and the bound counts batches at the reduced size', () => {
  const c = loadConfig('x', { ...defaults, queueThreshold: 5, processorIntervalMs: 5000, dwellMs: 2000, holders: 1 }, base);
  assert.equal(c.holders, 1);
  // Told by the room's answer: the user admitted into an empty set holds, whoever was scheduled first.
  assert.equal(isHolder(c, 0), true);
  assert.equal(isHolder(c, 1), false);
  assert.equal(isHolder(c, undefined), false, 'a room that gives no currentUsers: no holder');
  assert.equal(holdersLeaveMs(c), 3400 + 5000 + 500);
  // 4 free slots per batch while the holder stays: position 5 needs a second batch.
  assert.equal(admissionBoundMs(c, 4), 3400 + 7000 + 5000 + 2000);
  assert.equal(admissionBoundMs(c, 5), 3400 + 14000 + 5000 + 2000);
  assert.throws(() => loadConfig('x', { ...defaults, queueThreshold: 5 }, { HOLDERS: '5' }), /invalid HOLDERS; reason: expected an integer from 0 to 4/);
});

test('check-race: nobody leaves before the shared check instant plus the settle time', () => {
  const c = loadConfig('check-race', { ...defaults, users: 200, arrivalDelayMs: 0 }, { RACE_AT_MS: '8000' }, { race: true, waitForAdmission: false });
  assert.equal(c.race, true);
  assert.equal(c.waitForAdmission, false);
  assert.equal(c.raceSettleMs, 5000);
  assert.equal(arrivalsOverMs(c), 8000 + 5000);
  assert.equal(arrivalsOverMs(loadConfig('check-race', defaults, { RACE_AT_MS: '8000', RACE_SETTLE_MS: '1500' }, { race: true })), 9500);
  assert.equal(loadConfig('check-race', { ...defaults, users: 200 }, {}, { race: true }).raceAtMs, 5000 + 50 * 200);
});

test('split runs: INSTANCES and TESTID', () => {
  const c = loadConfig('x', defaults, { INSTANCES: '4', TESTID: 'nightly-42' });
  assert.equal(c.instances, 4);
  assert.equal(runIdOf(c, 'e1'), 'nightly-42');
  assert.equal(runIdOf(loadConfig('x', defaults, {}), 'e1'), 'e1');
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

test('a bad value with a password in it is echoed with the password hidden, whatever else is wrong with it', () => {
  assert.equal(redactUserinfo('redis://:pw-1@127.0.0.1:6379'), 'redis://:***@127.0.0.1:6379');
  assert.equal(redactUserinfo('http://user:pw-1@host:1/x'), 'http://user:***@host:1/x');
  assert.equal(redactUserinfo('redis://pw-only@host'), 'redis://:***@host');
  assert.equal(redactUserinfo('redis//:pw-1@host'), 'redis//:***@host');
  assert.equal(redactUserinfo('ftp://x'), 'ftp://x');
  assert.equal(redactUserinfo('someone@example.com'), ':***@example.com');
  assert.throws(() => loadConfig('x', defaults, { ...base, REDIS_URL: 'http://:pw-secret@127.0.0.1:6379' }), (e: unknown) => e instanceof ConfigError && !e.message.includes('pw-secret') && /got "http:\/\/:\*\*\*@127\.0\.0\.1:6379"/.test(e.message));
  assert.throws(() => loadConfig('x', defaults, { ...base, API_URL: 'htp://u:pw-secret@h' }), (e: unknown) => e instanceof ConfigError && !e.message.includes('pw-secret'));
});

test('at init a parameter error is thrown as its message (a string: one line on k6), anything else as it was', () => {
  assert.throws(() => initParameterErrors(() => loadConfig('x', defaults, { ...base, USERS: 'many' }), () => false), (e: unknown) => typeof e === 'string' && e.startsWith('invalid USERS; reason:'));
  class RuleMistake extends Error {}
  assert.throws(() => initParameterErrors(() => { throw new RuleMistake('thresholds.json: bad'); }, (e) => e instanceof RuleMistake), (e: unknown) => e === 'thresholds.json: bad');
  const bug = new TypeError('x is undefined');
  assert.throws(() => initParameterErrors(() => { throw bug; }, () => false), (e: unknown) => e === bug);
  assert.equal(initParameterErrors(() => 42, () => false), 42);
});
