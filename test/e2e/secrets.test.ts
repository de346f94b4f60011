// Secrets the k6 way (shared/k6-reference/README.md, "Secrets, inspect and archive"):
// init reads no secret, so every bundle inspects with an empty environment and
// reports the same thresholds as with the password set; a run can take the
// password from a --secret-source file only, and it then appears nowhere in
// the output or results/; with no password anywhere setup stops the run (exit 108).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explain, ROOT, runK6, runScenario, startStack } from '../support/scenario.ts';

const SECRET = 'only-in-the-secrets-file-7c1d';

function bundles(): string[] {
  return readdirSync(join(ROOT, 'build')).filter((f) => f.endsWith('.js')).sort();
}

function inspect(bundle: string, env: string[]): { code: number | null; options: { thresholds?: Record<string, string[]> } | undefined; err: string } {
  const args = [join(ROOT, 'tools/k6.sh'), 'inspect', ...env.flatMap((e) => ['-e', e]), join(ROOT, 'build', bundle)];
  // An empty environment apart from PATH: k6 inspect sees only the -e variables anyway.
  const r = spawnSync('bash', args, { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, encoding: 'utf8', timeout: 60_000 });
  let options;
  try {
    options = JSON.parse(r.stdout) as { thresholds?: Record<string, string[]> };
  } catch {
    options = undefined;
  }
  return { code: r.status, options, err: r.stderr };
}

test('every bundle inspects with an empty environment, with the same thresholds as with the password set', () => {
  const all = bundles();
  assert.ok(all.length >= 5, `bundles: ${all.join(', ')}`);
  for (const b of all) {
    const bare = inspect(b, []);
    assert.equal(bare.code, 0, `${b}: ${bare.err}`);
    assert.ok(bare.options?.thresholds && Object.keys(bare.options.thresholds).length > 5, `${b}: no thresholds in ${JSON.stringify(bare.options)}`);
    const withSecret = inspect(b, [`USER_PASSWORD=${SECRET}`, `REDIS_PASSWORD=${SECRET}`]);
    assert.equal(withSecret.code, 0, `${b}: ${withSecret.err}`);
    assert.deepEqual(withSecret.options?.thresholds, bare.options.thresholds, `${b}: thresholds must not depend on a secret`);
  }
});

test('the password only in a --secret-source file: scenario 1 passes and the password is printed and stored nowhere', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-secret-'));
  const file = join(dir, 'secrets.txt');
  writeFileSync(file, `USER_PASSWORD=${SECRET}\n`);
  try {
    const r = await runScenario({
      scenario: 'threshold-overflow', threshold: 10, intervalMs: 10_000,
      env: { USER_PASSWORD: '' },
      args: [`--secret-source=file=${file}`],
      timeoutMs: 180_000,
    });
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.summary?.metrics.queue_admitted_immediately?.values.count, 10);
    assert.ok(!(r.stdout + r.stderr).includes(SECRET), 'the password appears in the output');
    assert.ok(!JSON.stringify(r.summary).includes(SECRET), 'the password appears in the results JSON');
    assert.ok(!(r.junit ?? '').includes(SECRET), 'the password appears in the JUnit XML');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('no password anywhere: setup stops with the clear message (exit 108: setup stops with exec.test.abort, the same code on every k6 line)', async () => {
  const stack = await startStack({ threshold: 10, intervalMs: 1000 });
  try {
    const r = await runK6('threshold-overflow', { API_URL: stack.target.url, REDIS_URL: stack.redis.url }, 60_000);
    assert.equal(r.code, 108, explain(r));
    assert.match(r.stderr, /invalid USER_PASSWORD; reason: expected the password of the load-test accounts: give it as a k6 secret/);
  } finally {
    await stack.stop();
  }
});

test('results files never hold a password given in the environment', async () => {
  const r = await runScenario({ scenario: 'threshold-overflow', threshold: 10, intervalMs: 10_000, env: { USER_PASSWORD: SECRET }, timeoutMs: 180_000 });
  assert.equal(r.code, 0, explain(r));
  assert.ok(!JSON.stringify(r.summary).includes(SECRET));
  assert.ok(!(r.stdout + r.stderr).includes(SECRET));
  // The results JSON carries the run's public parameters for the verdict and the report.
  const meta = (r.summary as unknown as { queue_k6?: { params?: Record<string, unknown> } }).queue_k6;
  assert.equal(meta?.params?.queueThreshold, 10);
});
