// The runner against what a real k6 does (shared/k6-reference/README.md):
// the pure pieces (error texts, durations, module lines, secret sources, log
// redaction, handleSummary files) and, through the CLI, secrets and inspect.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseArgs } from './args.ts';
import { goDuration } from './duration.ts';
import { DEFAULT_EMULATION, emulationFromEnv } from './k6-lines.ts';
import { REDACTED, clearRedactions, log, plain, redact, setLogSink } from './log.ts';
import { mapError } from './modules/http-core.ts';
import { REDIS_NIL, dialError } from './modules/redis.ts';
import { SecretStore, parseSecretFile, parseSourceSpec } from './secrets.ts';
import { SummaryWriteError, writeOutputs } from './summary-data.ts';
import { TESTDATA, runCli } from './testing.ts';

const script = (name: string): string => join(TESTDATA, name);

describe('error texts', () => {
  it("k6/http: a refused connection is k6's 'dial: connection refused' (1212); the log keeps Go's error", () => {
    const e = mapError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 1 }), new URL('http://127.0.0.1:1/'), 'GET', false);
    // Reference "The runner's own testdata scripts": on k6 v2.2.0 res.error is not Go's dial error (http.js → 99).
    assert.deepEqual(e, { error: 'dial: connection refused', errorCode: 1212, detail: 'Get "http://127.0.0.1:1/": dial tcp 127.0.0.1:1: connect: connection refused' });
    assert.equal(mapError(new Error('x'), new URL('http://h/'), 'GET', true).error, 'request timeout');
    assert.equal(mapError(new Error('x'), new URL('http://h/'), 'GET', true).errorCode, 1050);
  });
  it("k6/x/redis: Go's dial error for an unreachable server; nil is the string 'redis: nil'", () => {
    // Reference "xk6-redis replies": `dial tcp 127.0.0.1:1: connect: connection refused`.
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 1 });
    assert.equal(dialError(refused, 'localhost', 1), 'dial tcp 127.0.0.1:1: connect: connection refused');
    assert.equal(dialError(Object.assign(new Error('x'), { code: 'ECONNREFUSED', address: '::1', port: 6379 }), 'localhost', 6379), 'dial tcp [::1]:6379: connect: connection refused');
    assert.equal(REDIS_NIL, 'redis: nil');
  });
  it("durations print as Go's time.Duration does (k6's messages)", () => {
    // Reference "Exit codes": `the duration must be at least 1s, but is 300ms`.
    assert.equal(goDuration(300), '300ms');
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(90_000), '1m30s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(goDuration(0.5), '500µs');
  });
});

describe('k6 lines (QUEUE_RUNNER_K6_VERSION, QUEUE_RUNNER_EXTENSIONS)', () => {
  it('defaults to k6 2.2 with xk6-redis; an empty extension list is stock k6', () => {
    const d = emulationFromEnv({});
    assert.equal(d.line, '2.2');
    assert.deepEqual([...d.extensions], ['k6/x/redis']);
    assert.deepEqual(DEFAULT_EMULATION.line, '2.2');
    assert.deepEqual([...emulationFromEnv({ QUEUE_RUNNER_EXTENSIONS: '' }).extensions], []);
    assert.equal(emulationFromEnv({ QUEUE_RUNNER_K6_VERSION: 'v0.48' }).line, '0.48');
  });
  it('refuses any other line, naming the allowed ones', () => {
    assert.throws(() => emulationFromEnv({ QUEUE_RUNNER_K6_VERSION: '2.3' }), /expected one of 0\.46, 0\.48, 1\.0, 1\.5, 1\.6, 2\.2, got "2\.3"/);
    assert.throws(() => emulationFromEnv({ QUEUE_RUNNER_EXTENSIONS: 'k6/x/redis,k6/x/sql' }), /implements only k6\/x\/redis/);
  });
});

describe('secret sources', () => {
  it("reads k6's file format: NAME=VALUE, the value is all after the first '='", () => {
    assert.deepEqual([...parseSecretFile('A=1\nB=x=y\r\nC=\n')], [['A', '1'], ['B', 'x=y'], ['C', '']]);
    assert.throws(() => parseSecretFile('A=1\nnot a pair\n'), /needs =/);
  });
  it("parses --secret-source like k6: file=PATH, or name=, default, filename=", () => {
    assert.deepEqual(parseSourceSpec('file=sec.txt'), { name: '', isDefault: false, filename: 'sec.txt' });
    assert.deepEqual(parseSourceSpec('file=name=main,default,filename=a.txt'), { name: 'main', isDefault: true, filename: 'a.txt' });
    assert.throws(() => parseSourceSpec('url=http://x'), /only file=PATH/);
  });
  it("k6's errors: no source, unknown source, missing key", () => {
    // Reference "Secrets, inspect and archive": with no source configured, get rejects with `no secret sources are configured`.
    assert.throws(() => SecretStore.empty().get('default', 'X'), /^Error: no secret sources are configured$/);
    const files: Record<string, string> = { 'a.txt': 'K=v1\n', 'b.txt': 'K=v2\n' };
    const one = SecretStore.fromFlags(['file=a.txt'], (p) => files[p]!);
    assert.throws(() => one.get('default', 'MISSING'), /^Error: no value$/);
    assert.throws(() => one.get('other', 'K'), /no secret source with name "other" is configured/);
    // Two sources, none marked default: get() from the default source fails as in k6.
    const two = SecretStore.fromFlags(['file=name=a,a.txt', 'file=name=b,b.txt'], (p) => files[p]!);
    assert.equal(two.get('b', 'K'), 'v2');
    assert.throws(() => two.get('default', 'K'), /no secret source with name "default" is configured/);
    assert.throws(() => SecretStore.fromFlags(['file=nope.txt'], () => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); }), /cannot read the secret file nope\.txt: ENOENT/);
  });
});

describe('log redaction', () => {
  let lines: string[] = [];
  before(() => setLogSink((l) => lines.push(l)));
  after(() => {
    setLogSink((l) => process.stderr.write(l));
    clearRedactions();
  });
  it('a secret read is replaced by ***SECRET_REDACTED*** in messages, fields and plain lines', () => {
    lines = [];
    clearRedactions();
    log('info', 'before pw-123', { source: 'console' });
    const store = SecretStore.fromFlags(['file=s.txt'], () => 'PW=pw-123\nQ=say "hi"\n');
    store.get('default', 'PW');
    store.get('default', 'Q');
    log('info', 'after pw-123', { error: 'failed with pw-123 and say "hi"' });
    plain('plain pw-123');
    assert.match(lines[0]!, /^INFO\[\d{4}\] before pw-123 {2}source=console\n$/, 'not read yet: not redacted');
    assert.match(lines[1]!, new RegExp(`after \\*\\*\\*SECRET_REDACTED\\*\\*\\*  error="failed with \\*\\*\\*SECRET_REDACTED\\*\\*\\* and \\*\\*\\*SECRET_REDACTED\\*\\*\\*"`));
    assert.equal(lines[2], `plain ${REDACTED}\n`);
    redact('');
    plain('empty values are never redacted');
    assert.equal(lines[3], 'empty values are never redacted\n');
  });
});

describe('handleSummary outputs', () => {
  it("k6 creates no folder: the file fails with k6's message, the rest is written", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-outputs-'));
    try {
      await assert.rejects(writeOutputs({ 'results/x.json': '{}', 'ok.json': 'yes' }, dir), (e: unknown) => {
        assert.ok(e instanceof SummaryWriteError);
        // Reference "Exit codes": `could not open 'results/x.json': open results/x.json: no such file or directory`.
        assert.equal(e.message, "Could not save some summary information:\n\t- could not open 'results/x.json': open results/x.json: no such file or directory");
        return true;
      });
      assert.equal(existsSync(join(dir, 'results')), false);
      assert.equal(readFileSync(join(dir, 'ok.json'), 'utf8'), 'yes');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CLI arguments', () => {
  it('--secret-source is repeatable; inspect takes only -e and a script', () => {
    const p = parseArgs(['run', '--secret-source=file=a.txt', '--secret-source', 'file=name=b,b.txt', 'x.js']);
    assert.ok(p.command === 'run');
    assert.deepEqual(p.options.secretSources, ['file=a.txt', 'file=name=b,b.txt']);
    const i = parseArgs(['inspect', '-e', 'A=1', '--env=B=2', 'x.js']);
    assert.deepEqual(i, { command: 'inspect', options: { script: 'x.js', env: { A: '1', B: '2' } } });
    assert.deepEqual(parseArgs(['inspect', '--quiet', 'x.js']), { command: 'error', message: 'unknown flag: --quiet' });
  });
});

describe('k6/secrets through the CLI', { concurrency: 2 }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'runner-secrets-'));
    writeFileSync(join(dir, 'main.txt'), 'QUEUE_TEST_SECRET=s3cr3t-value-1\n');
    writeFileSync(join(dir, 'other.txt'), 'OTHER_SECRET=0ther-value-2\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('get() in setup and VU code; values redacted in console lines and exceptions; not in __ENV', async () => {
    const r = await runCli(
      ['run', '-q', `--secret-source=file=name=mine,default,filename=${join(dir, 'main.txt')}`, '--secret-source', `file=name=main,${join(dir, 'other.txt')}`, script('secrets.js')],
    );
    assert.equal(r.code, 0, r.stderr);
    // Reference "Secrets, inspect and archive": a value printed with console.log appears as ***SECRET_REDACTED***.
    assert.match(r.stderr, /INFO\[\d{4}\] setup read \*\*\*SECRET_REDACTED\*\*\* {2}source=console/);
    assert.match(r.stderr, /vu read \*\*\*SECRET_REDACTED\*\*\* and \*\*\*SECRET_REDACTED\*\*\*/);
    assert.match(r.stderr, /Uncaught \(in promise\) Error: an exception quoting \*\*\*SECRET_REDACTED\*\*\*/);
    assert.doesNotMatch(r.stderr + r.stdout, /s3cr3t-value-1|0ther-value-2/);
    assert.match(r.stdout, /✓ checks/);
  });

  it('with no --secret-source, get() rejects with "no secret sources are configured"', async () => {
    const r = await runCli(['run', '-q', script('secrets.js')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /setup get failed: no secret sources are configured/);
  });

  it('k6/secrets does not exist before k6 1.0', async () => {
    const r = await runCli(['run', '-q', script('secrets.js')], { env: { QUEUE_RUNNER_K6_VERSION: '0.48' } });
    assert.equal(r.code, 107, r.stderr);
    assert.match(r.stderr, /unknown module: k6\/secrets/);
  });

  it('an unreadable secret file is a usage error naming it', async () => {
    const r = await runCli(['run', '-q', '--secret-source=file=/no/such/secrets.txt', script('ok.js')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--secret-source: cannot read the secret file \/no\/such\/secrets\.txt: ENOENT/);
  });
});

describe('inspect', { concurrency: 2 }, () => {
  it('runs the init context with only the -e variables and prints the options as JSON', async () => {
    // Reference "Secrets, inspect and archive": the shell's environment is not included.
    const r = await runCli(['inspect', '-e', 'USER_PASSWORD=x', '-e', 'VUS=3', script('inspect.js')], { env: { FROM_PROCESS: 'yes' } });
    assert.equal(r.code, 0, r.stderr);
    const options = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.deepEqual(options, {
      scenarios: { users: { executor: 'per-vu-iterations', vus: 3, iterations: 1 } },
      thresholds: { checks: ['rate==1'], 'queue_x{kind:a}': [{ threshold: 'count==0', abortOnFail: true }] },
      tags: { from_process: 'absent' },
      setupTimeout: '30s',
    });
  });

  it('an init exception → 107, even when the variable is in the process environment', async () => {
    const r = await runCli(['inspect', script('inspect.js')], { env: { USER_PASSWORD: 'from-the-shell' } });
    assert.equal(r.code, 107, r.stderr);
    assert.match(r.stderr, /USER_PASSWORD is required/);
    assert.equal(r.stdout, '');
  });
});

describe("handleSummary's data.setup_data", () => {
  it('is what setup() returned (k6 js/summary.go: m["setup_data"] = the setup JSON)', async () => {
    const r = await runCli(['run', '-q', script('setup-data.js')]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { setup_data: { eventId: 'e-1', startAt: 42 }, has: true });
  });
});

describe('exit codes of setup() failures (k6-reference, "Exit codes of setup() failures": the same on 0.46, 0.48, 1.0, 1.5, 1.6, 2.2)', { concurrency: 3 }, () => {
  const rows: Array<{ script: string; row: string; code: number; says: RegExp }> = [
    { script: 'setup-exception.js', row: 'export function setup() { throw new Error(…) }', code: 107, says: /Error: boom in setup/ },
    { script: 'setup-async-reject.js', row: 'async setup(): await …; throw new Error(\'x\')', code: 255, says: /ERRO\[\d{4}\] Uncaught \(in promise\) Error: x/ },
    { script: 'setup-async-abort.js', row: 'async setup(): await …; exec.test.abort(\'why\')', code: 108, says: /test aborted: why/ },
    { script: 'default-async-abort.js', row: 'async default(): await …; exec.test.abort(\'why\')', code: 108, says: /test aborted: why/ },
  ];
  for (const { script: file, row, code, says } of rows) {
    it(`${row} → ${code} on the runner as 0.46, 1.5 and 2.2`, async () => {
      for (const line of ['0.46', '1.5', '2.2']) {
        const r = await runCli(['run', '-q', script(file)], { env: { QUEUE_RUNNER_K6_VERSION: line } });
        assert.equal(r.code, code, `${line}: ${r.stderr}`);
        assert.match(r.stderr, says, line);
      }
    });
  }
});
