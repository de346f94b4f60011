// `k6 run build/<scenario>.js` as it stands, no make, no tools/k6.sh, no
// QUEUE_K6_VERSION, on every k6 line (issue 17; docs/k6-lines.md).
//
// 1. Every bundle, evaluated in Node with the `require` of each k6 line
//    (test/support/k6-require-table.ts: the recorded require table, then the
//    module table), asks no line for a name it lacks, except k6/x/redis on a
//    stock 2.x with the probes on.
// 2. The plain-run matrix of shared/k6-reference/README.md ("Plain `k6 run`
//    build/threshold-overflow.js", scenario 1's settings) on the Node runner
//    acting as each line: probes on and off, exit code and first error line.
// 3. make scenario-N REDIS_URL= runs without probes against the built-in room.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NO_REDIS_MODULE_HINT } from '../../lib/k6/select.ts';
import { emulateK6, REDIS_EXTENSION, requireOf, SECRETS, version, atLeast } from '../support/k6-require-table.ts';
import { ROOT, startStack, type Stack, type Summary } from '../support/scenario.ts';

const BUILD = join(ROOT, 'build');
const TSX = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
const bundleFiles = existsSync(BUILD) ? readdirSync(BUILD).filter((f) => f.endsWith('.js')) : [];

// ---- 1. what each bundle asks each line ------------------------------------

/** A k6 module that has every member: callable, constructible, each property another such stub. */
function anything(): unknown {
  const fn = function stub(): void {};
  return new Proxy(fn, {
    get: (_t, key) => (key === 'then' || typeof key === 'symbol' ? undefined : anything()),
    apply: () => anything(),
    construct: () => anything() as object,
  });
}

interface InitResult {
  lacked: string[];
  failsAfterInit: string[];
  errors: string[];
  threw: unknown;
}

/** Runs a bundle's init code (VU 0) against an emulated k6 line. */
function initOn(code: string, line: string, extensions: string[], probes: boolean): InitResult {
  const k6 = emulateK6(line, extensions);
  const { require, asked } = requireOf(k6, () => anything());
  const errors: string[] = [];
  const quiet = (): void => undefined;
  const console = { log: quiet, info: quiet, warn: quiet, debug: quiet, error: (...a: unknown[]) => errors.push(a.map(String).join(' ')) };
  const env: Record<string, string> = { API_URL: 'http://127.0.0.1:9', USER_PASSWORD: 'not-read-in-init', REDIS_URL: probes ? 'redis://127.0.0.1:9' : '' };
  const module = { exports: {} as Record<string, unknown> };
  let threw: unknown;
  try {
    new Function('require', 'module', 'exports', '__ENV', '__VU', 'console', code)(require, module, module.exports, env, 0, console);
  } catch (e) {
    threw = e;
  }
  return { lacked: asked.lacked, failsAfterInit: asked.failsAfterInit, errors, threw };
}

// The recorded lines, then lines only read in the module table.
const LINES: Array<{ line: string; ext: string[] }> = [
  ...['0.46.0', '0.48.0', '1.0.0', '1.5.0', '1.6.0', '2.2.0'].map((line) => ({ line, ext: [] })),
  { line: '2.2.0', ext: [REDIS_EXTENSION] },
  ...['0.50.0', '0.53.0', '0.54.0', '0.57.0', '1.3.0', '1.8.0', '2.0.0'].map((line) => ({ line, ext: [] })),
  { line: '2.0.0', ext: [REDIS_EXTENSION] },
];

describe('no bundle asks a k6 line for a module name it lacks', () => {
  it('the bundles are built', () => {
    assert.ok(bundleFiles.length > 0, 'no build/*.js: run make build (or K6_SUMMARY=local node tools/build.mjs) first');
  });

  for (const file of bundleFiles) {
    it(`${file}: on every line, probes on and off; the one exception is k6/x/redis on a stock 2.x with the probes on`, () => {
      const code = readFileSync(join(BUILD, file), 'utf8');
      const usesRedis = code.includes(REDIS_EXTENSION);
      for (const { line, ext } of LINES) {
        const x = version(line);
        for (const probes of [true, false]) {
          const at = `${line}${ext.length > 0 ? ' + xk6-redis' : ''}, probes ${probes ? 'on' : 'off'}`;
          const r = initOn(code, line, ext, probes);
          assert.equal(r.threw, undefined, `${at}: init threw ${String(r.threw)}`);
          const stockProbes = x.major >= 2 && ext.length === 0 && probes && usesRedis;
          // k6/secrets is asked from 0.54 on; 0.54-0.59 may lack it, and there (before 1.5) it throws catchably.
          const secretsGap = atLeast(x, 0, 54) && !atLeast(x, 1, 0) ? [SECRETS] : [];
          assert.deepEqual(r.lacked, [...secretsGap, ...(stockProbes ? [REDIS_EXTENSION] : [])], at);
          // What k6 >= 1.5 would fail after init: nothing, except that one.
          assert.deepEqual(r.failsAfterInit, stockProbes ? [REDIS_EXTENSION] : [], at);
          assert.deepEqual(r.errors, stockProbes ? [NO_REDIS_MODULE_HINT] : [], at);
        }
      }
    });
  }
});

// ---- 2. the plain-run matrix on the runner ----------------------------------

interface PlainRun {
  code: number | null;
  stderr: string;
  summary: Summary | undefined;
}

/** `k6 run --quiet build/threshold-overflow.js` on the runner as `line`: the runner's CLI itself, nothing around it. */
function plainRun(env: Record<string, string>): Promise<PlainRun> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-plain-'));
  mkdirSync(join(dir, 'results')); // k6 creates no folder for handleSummary's files
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'runner/cli.ts'), 'run', '--quiet', join(BUILD, 'threshold-overflow.js')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no end within 120 s\n${stderr.slice(-3000)}`)); }, 120_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const json = readdirSync(join(dir, 'results')).find((f) => f.endsWith('.json'));
      const summary = json === undefined ? undefined : (JSON.parse(readFileSync(join(dir, 'results', json), 'utf8')) as Summary);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stderr, summary });
    });
  });
}

const errorLines = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('ERRO['));
const UNKNOWN_REDIS = 'unknown modules ["k6/x/redis"] were tried to be loaded, but couldn\'t - this likely means automatic extension resolution is required or a custom k6 binary with the required extensions';

interface Cell {
  code: number;
  /** The first ERRO line and the ones after it; none when the run passes. */
  errors: string[];
  /** What the recorded table says for the bundle of that day, when it differs, and why. */
  recorded?: string;
}
const PASS: Cell = { code: 0, errors: [] };

const MATRIX: Array<{ line: string; ext: string; on: Cell; off: Cell }> = [
  {
    line: '0.46', ext: '', off: PASS,
    on: { ...PASS, recorded: '255 `GoError: unable to parse options object`: that bundle gave the Client a URL; it now gives 0.46 the options object' },
  },
  { line: '0.48', ext: '', on: PASS, off: PASS },
  { line: '1.0', ext: '', on: PASS, off: PASS },
  {
    line: '1.5', ext: '',
    on: { ...PASS, recorded: '107 `k6/websockets has no WebSocket`: that bundle asked 1.5 for k6/websockets, which it lacks; it now takes k6/experimental/websockets' },
    off: { ...PASS, recorded: '107, the same' },
  },
  { line: '1.6', ext: '', on: PASS, off: PASS },
  {
    line: '2.2', ext: '', off: PASS,
    on: { code: 107, errors: [NO_REDIS_MODULE_HINT, UNKNOWN_REDIS], recorded: '107 with the misleading "does not look like" line and a stack trace: now one line naming both ways out, then k6\'s own' },
  },
  { line: '2.2', ext: REDIS_EXTENSION, on: PASS, off: PASS },
];

describe('plain k6 run build/threshold-overflow.js on the runner acting as each line (scenario 1\'s settings)', { concurrency: 1 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({ threshold: 10, intervalMs: 1000 });
  });
  after(async () => {
    await stack?.stop();
  });

  for (const row of MATRIX) {
    for (const probes of [true, false]) {
      const cell = probes ? row.on : row.off;
      const name = `k6 ${row.line}${row.ext !== '' ? ' + xk6-redis' : row.line === '2.2' ? ' stock' : ''}, probes ${probes ? 'on' : 'off'}: exit ${cell.code}${cell.recorded ? ` (recorded: ${cell.recorded})` : ''}`;
      it(name, async () => {
        const r = await plainRun({
          QUEUE_RUNNER_K6_VERSION: row.line, QUEUE_RUNNER_EXTENSIONS: row.ext,
          API_URL: stack.target.url, REDIS_URL: probes ? stack.redis.url : '', USER_PASSWORD: 'e2e-password',
          QUEUE_THRESHOLD: '10', QUEUE_PROCESSOR_INTERVAL: '1000', DWELL_MS: '3000',
        });
        const explain = `exit ${r.code}\n${r.stderr.slice(-3000)}`;
        assert.equal(r.code, cell.code, explain);
        const errors = errorLines(r.stderr);
        assert.equal(errors.length, cell.errors.length, explain);
        cell.errors.forEach((want, i) => assert.ok(errors[i]!.includes(want), `error line ${i + 1}: ${errors[i]}`));
        // No stack trace anywhere: no "at file:line" frame.
        assert.doesNotMatch(r.stderr, /^\s+at .*:\d+/m, explain);
        if (cell.code !== 0) {
          assert.equal(r.summary, undefined, 'stopped at init: no VU ran, no summary');
          return;
        }
        const count = (m: string): number | undefined => r.summary?.metrics[m]?.values.count;
        assert.equal(count('queue_admitted_immediately'), 10, explain);
        assert.equal(count('queue_queued'), 5, explain);
        assert.equal(count('queue_users_completed'), 15, explain);
        if (probes) assert.equal(r.summary?.metrics.queue_probe_active?.values.max, 10, explain);
        else assert.equal(r.summary?.metrics.queue_probe_active, undefined, explain);
      });
    }
  }
});

// ---- 3. make scenario-N REDIS_URL= against the built-in room -------------------

/** tools/run-scenario.sh as make runs it (make scenario-1), on the Node runner, the built-in room, in a temporary folder. */
function makeScenario1(env: Record<string, string>): Promise<{ code: number | null; stderr: string; summary: Summary | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-make-'));
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'tools/run-scenario.sh'), 'threshold-overflow'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, QUEUE_K6_RUNTIME: 'node',
        RESULTS_DIR: join(dir, 'results'), RUN_DIR: join(dir, 'run'), QUEUE_PROCESSOR_INTERVAL: '1000', DWELL_MS: '3000', ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`no end within 180 s\n${stderr.slice(-3000)}`)); }, 180_000);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('close', (code) => {
      clearTimeout(timer);
      const results = join(dir, 'results');
      const json = existsSync(results) ? readdirSync(results).find((f) => f.endsWith('.json')) : undefined;
      const summary = json === undefined ? undefined : (JSON.parse(readFileSync(join(results, json), 'utf8')) as Summary);
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stderr, summary });
    });
  });
}

describe('make scenario-1 against the built-in room', { concurrency: 1 }, () => {
  it('REDIS_URL= on a stock k6 2.x: runs without probes, the room keeps its own Redis (exit 0)', async () => {
    const r = await makeScenario1({ REDIS_URL: '', QUEUE_RUNNER_K6_VERSION: '2.2', QUEUE_RUNNER_EXTENSIONS: '' });
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /Redis probes: off, REDIS_URL empty/);
    assert.equal(r.summary?.metrics.queue_admitted_immediately?.values.count, 10);
    assert.equal(r.summary?.metrics.queue_probe_active, undefined);
    assert.equal((r.summary as unknown as { queue_k6?: { params?: { probes?: boolean } } }).queue_k6?.params?.probes, false);
  });

  it('REDIS_URL unset: the probes read the room\'s Redis (exit 0)', async () => {
    const r = await makeScenario1({});
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    assert.match(r.stderr, /Redis probes: on/);
    assert.equal(r.summary?.metrics.queue_probe_active?.values.max, 10);
  });
});
