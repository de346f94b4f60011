// A bad parameter found at init prints one line and exits 107, on the runner
// acting as each k6 line. The bundles throw the message as a string, which k6
// 1.0 and later print alone and 0.46/0.48 print with one frame; an Error would
// bring its whole stack on every line (shared/k6-reference/README.md, "An
// exception thrown in the init context"; the runner's side: runner/init-exception.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleK6Scripts } from '../../tools/build.mjs';
import { explain, ROOT, runK6 } from '../support/scenario.ts';

const BASE = { USER_PASSWORD: 'e2e-password', API_URL: 'http://127.0.0.1:9', REDIS_URL: '' };

/** The ERRO lines and the frame lines of a run's output. */
function errorsOf(stderr: string): { errors: string[]; frames: string[] } {
  const lines = stderr.split('\n');
  return { errors: lines.filter((l) => /^ERRO\[\d{4}\]|level=error/.test(l)), frames: lines.filter((l) => /^\s+at /.test(l) || /at file:/.test(l)) };
}

const CASES: Array<{ what: string; env: Record<string, string>; says: RegExp; hidden?: string }> = [
  { what: 'USERS=abc', env: { USERS: 'abc' }, says: /invalid USERS; reason: expected an integer from 1 to \d+, got "abc"/ },
  { what: 'a number out of range (QUEUE_THRESHOLD=0)', env: { QUEUE_THRESHOLD: '0' }, says: /invalid QUEUE_THRESHOLD; reason: expected an integer .*, got "0"/ },
  { what: 'EVENT_ID=nope', env: { EVENT_ID: 'nope' }, says: /invalid EVENT_ID; reason: expected a UUID such as [0-9a-f-]{36} .*, got "nope"/ },
  { what: 'API_URL=ftp://x', env: { API_URL: 'ftp://x' }, says: /invalid API_URL; reason: expected an http:\/\/ or https:\/\/ URL .*, got "ftp:\/\/x"/ },
  {
    what: 'a bad REDIS_URL with a password in it (shown redacted)',
    env: { REDIS_URL: 'http://:hunter2-redis@127.0.0.1:6379' },
    says: /invalid REDIS_URL; reason: expected a redis:\/\/ URL .*, got "http:\/\/:\*\*\*@127\.0\.0\.1:6379"/,
    hidden: 'hunter2-redis',
  },
];

for (const line of ['1.0', '2.2']) {
  test(`k6 ${line}: every init-time bad parameter exits 107 with exactly one error line and no stack frame`, async () => {
    for (const c of CASES) {
      const r = await runK6('threshold-overflow', { ...BASE, ...c.env, QUEUE_RUNNER_K6_VERSION: line, QUEUE_K6_RUNTIME: 'node' }, 60_000);
      assert.equal(r.code, 107, `${c.what}: ${explain(r)}`);
      const { errors, frames } = errorsOf(r.stderr);
      assert.equal(errors.length, 1, `${c.what}: one error line expected:\n${r.stderr}`);
      assert.match(errors[0]!, c.says, c.what);
      assert.deepEqual(frames, [], `${c.what}: no frame expected:\n${r.stderr}`);
      if (c.hidden !== undefined) assert.ok(!(r.stderr + r.stdout).includes(c.hidden), `${c.what}: the password was printed`);
    }
  });
}

test('k6 0.46: the same line, then the one frame that line adds to a thrown string', async () => {
  const r = await runK6('mass-burst', { ...BASE, USERS: 'abc', QUEUE_RUNNER_K6_VERSION: '0.46', QUEUE_K6_RUNTIME: 'node' }, 60_000);
  assert.equal(r.code, 107, explain(r));
  const { errors, frames } = errorsOf(r.stderr);
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0]!, /invalid USERS; reason: expected an integer/);
  assert.equal(frames.length, 1, r.stderr);
});

test('a mistake in thresholds.json: exit 107 with one line naming the file, on 1.0 and 2.2', async () => {
  // A copy of the suite whose thresholds.json has a misspelt placeholder, bundled as make bundles it.
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-bad-rules-'));
  try {
    for (const d of ['lib', 'scenarios']) cpSync(join(ROOT, d), join(dir, d), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const rules = JSON.parse(readFileSync(join(ROOT, 'thresholds.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    rules['threshold-overflow']!['queue_admitted_immediately'] = ['count==${QUEUE_TRESHOLD}'];
    writeFileSync(join(dir, 'thresholds.json'), JSON.stringify(rules, null, 2));
    await bundleK6Scripts({ entries: [join(dir, 'scenarios/threshold-overflow.ts')], outdir: join(dir, 'build'), summary: 'local', sourcemap: false });
    mkdirSync(join(dir, 'results'));
    for (const line of ['1.0', '2.2']) {
      const r = await runScript(join(dir, 'build/threshold-overflow.js'), dir, { ...BASE, QUEUE_RUNNER_K6_VERSION: line, QUEUE_K6_RUNTIME: 'node' });
      assert.equal(r.code, 107, `${line}: ${r.stderr}`);
      const { errors, frames } = errorsOf(r.stderr);
      assert.equal(errors.length, 1, `${line}:\n${r.stderr}`);
      assert.match(errors[0]!, /thresholds\.json: unknown placeholder \$\{QUEUE_TRESHOLD\} in .*; known: .*QUEUE_THRESHOLD/);
      assert.deepEqual(frames, [], `${line}:\n${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

function runScript(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'tools/k6.sh'), 'run', '--quiet', script], { cwd, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwd, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${script} did not finish in 60 s\n${stderr}`)); }, 60_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, stderr }); });
  });
}
