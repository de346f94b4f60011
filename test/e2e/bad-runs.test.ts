// Bad input ends with a clear message and the right exit code, never a hang
// or a stack trace, and never prints the password.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startRedis, tcpProxy } from '../support/redis.ts';
import { explain, ROOT, runK6, runScenario, startStack } from '../support/scenario.ts';

const PASSWORD = 'e2e-password';

test('target down: setup fails fast naming the URL (exit 108: setup stops with exec.test.abort, the same code on every k6 line)', async () => {
  const port = await freePort();
  const r = await runK6('threshold-overflow', { API_URL: `http://127.0.0.1:${port}`, REDIS_URL: '', USER_PASSWORD: PASSWORD }, 60_000);
  assert.equal(r.code, 108, explain(r));
  assert.match(r.stderr, new RegExp(`cannot reach the waiting room .*127\\.0\\.0\\.1:${port}|127\\.0\\.0\\.1:${port}.*cannot reach the waiting room`));
  assert.doesNotMatch(r.stderr + r.stdout, new RegExp(PASSWORD));
});

test('wrong password: setup names the account and the status (exit 108: setup stops with exec.test.abort, the same code on every k6 line)', async () => {
  const stack = await startStack({ threshold: 10, intervalMs: 1000 });
  try {
    const reg = await fetch(`${stack.target.url}/api/auth/register`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'loadtest1@test.com', password: 'the-real-password', name: 'one' }),
    });
    assert.equal(reg.status, 201);
    const r = await runK6('threshold-overflow', { API_URL: stack.target.url, REDIS_URL: stack.redis.url, USER_PASSWORD: PASSWORD }, 60_000);
    assert.equal(r.code, 108, explain(r));
    assert.match(r.stderr, /HTTP 401 login refused for loadtest1@test\.com/);
    assert.doesNotMatch(r.stderr + r.stdout, /e2e-password|the-real-password/);
  } finally {
    await stack.stop();
  }
});


test('Redis unreachable at the start: setup names the redacted URL and how to run without probes (exit 108: setup stops with exec.test.abort, the same code on every k6 line)', async () => {
  const port = await freePort();
  const stack = await startStack({ threshold: 10, intervalMs: 1000 });
  try {
    const r = await runK6('threshold-overflow', { API_URL: stack.target.url, REDIS_URL: `redis://:redis-secret@127.0.0.1:${port}`, USER_PASSWORD: PASSWORD }, 60_000);
    assert.equal(r.code, 108, explain(r));
    assert.match(r.stderr, new RegExp(`cannot use redis://127\\.0\\.0\\.1:${port} \\(dial tcp 127\\.0\\.0\\.1:${port}: connect: connection refused\\)`));
    assert.match(r.stderr, /REDIS_URL= \(empty\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /redis-secret|e2e-password/);
  } finally {
    await stack.stop();
  }
});

test('Redis in protected mode refuses a run with --local-ips: setup says so in one line with both ways out (exit 108)', async () => {
  // k6-reference, "At scale on real k6": k6 dials Redis from the --local-ips addresses, and a Redis
  // in protected mode (its default) refuses any client not at 127.0.0.1 (`write: broken pipe`).
  const stack = await startStack({ threshold: 10, intervalMs: 1000 });
  const guarded = await startRedis({ protectedMode: true });
  try {
    const r = await runK6('threshold-overflow', { API_URL: stack.target.url, REDIS_URL: guarded.url, USER_PASSWORD: PASSWORD, K6_LOCAL_IPS: '127.0.1.1-127.0.1.4' }, 60_000);
    assert.equal(r.code, 108, explain(r));
    const lines = r.stderr.split('\n').filter((l) => /preflight failed: Redis probes/.test(l));
    assert.equal(lines.length, 1, r.stderr);
    const line = lines[0]!;
    assert.match(line, new RegExp(`redis://127\\.0\\.0\\.1:${guarded.port} refused this client \\(write: broken pipe\\)`));
    assert.match(line, /protected mode/);
    assert.match(line, /--local-ips/);
    assert.match(line, /--protected-mode no while it is bound to loopback only/);
    assert.match(line, /drop --local-ips/);
  } finally {
    await guarded.stop();
    await stack.stop();
  }
});

test('Redis lost in the middle of a run: the probe errors are counted and fail the run (exit 99)', async () => {
  // The probes reach Redis through a proxy that is cut after a few seconds; the target keeps its own connection.
  const stack = await startStack({ threshold: 10, intervalMs: 1000 });
  const proxy = await tcpProxy(stack.redis.port);
  const cut = setTimeout(() => proxy.cut(), 4000);
  try {
    const r = await runK6('threshold-overflow', {
      API_URL: stack.target.url, REDIS_URL: `redis://127.0.0.1:${proxy.port}`, USER_PASSWORD: PASSWORD,
      QUEUE_THRESHOLD: '10', QUEUE_PROCESSOR_INTERVAL: '1000', DWELL_MS: '3000',
    }, 120_000);
    assert.equal(r.code, 99, explain(r));
    assert.ok(r.failed.includes('queue_probe_errors count==0'), explain(r));
    assert.ok((r.summary?.metrics.queue_probe_errors?.values.count ?? 0) > 0);
    assert.match(r.stdout, /the Redis probes failed \d+ time\(s\)/);
    assert.match(r.stderr, /Redis probe failed at redis:\/\/127\.0\.0\.1:\d+ \(connection: /);
  } finally {
    clearTimeout(cut);
    await proxy.close();
    await stack.stop();
  }
});

test('the target runs another threshold: the run stops at once and says how to fix it (exit 108)', async () => {
  const stack = await startStack({ threshold: 10, intervalMs: 1000 });
  try {
    const r = await runK6('threshold-overflow', { API_URL: stack.target.url, REDIS_URL: stack.redis.url, USER_PASSWORD: PASSWORD, QUEUE_THRESHOLD: '7' }, 60_000);
    assert.equal(r.code, 108, explain(r));
    assert.match(r.stderr, /the target admits 10 users per event but this run assumes QUEUE_THRESHOLD=7/);
    assert.match(r.stderr, /ConfigMap/);
  } finally {
    await stack.stop();
  }
});

test('every user admitted at once: the summary says the threshold is too high', async () => {
  const r = await runScenario({ scenario: 'mass-burst', threshold: 20, intervalMs: 1000, env: { USERS: '4', DWELL_MS: '200' } });
  assert.equal(r.code, 0, explain(r));
  assert.match(r.stdout, /every user was admitted at once: the threshold \(20\) is too high for 4 users/);
});

test('no k6 binary and QUEUE_K6_RUNTIME=k6: a clear message, exit 2', () => {
  const r = spawnSync('bash', [join(ROOT, 'tools/k6.sh'), 'version'], { env: { PATH: '/usr/bin:/bin', QUEUE_K6_RUNTIME: 'k6' }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no k6 binary: set K6=\/path\/to\/k6, run make k6, or put k6 on PATH/);
});
