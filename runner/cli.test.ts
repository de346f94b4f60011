// End-to-end: the CLI against the scripts in testdata/ and the recorded k6 reference.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { TESTDATA, runCli } from './testing.ts';

// The recorded k6 data, copied into the repository (test/fixtures/k6-reference);
// the authority it was copied from sits beside the repository where available.
const REFERENCE_DIR = fileURLToPath(new URL('../test/fixtures/k6-reference/', import.meta.url));
const AUTHORITY_DIR = fileURLToPath(new URL('../../shared/k6-reference/', import.meta.url));

interface Summary {
  root_group: unknown;
  options: Record<string, unknown>;
  state: Record<string, unknown>;
  metrics: Record<string, { type: string; contains: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
}

const script = (name: string): string => join(TESTDATA, name);

describe('exit codes (k6 table)', { concurrency: 4 }, () => {
  // Reference "The runner's own testdata scripts on real k6 v2.2.0" (and "Exit codes"): each script → real k6's code.
  // Scripts that need a server (http, redis, ws-echo, idle-pool, unclosed-ws) are in modules.test.ts and below.
  const table: [string, number, RegExp?][] = [
    ['ok.js', 0],
    // Reference: legacy-cjs → 107 on v2.2.0, k6/experimental/timers removed with this message.
    ['legacy-cjs.js', 107, /k6\/experimental\/timers has been graduated, and it's now globally available as defined by standard WebAPIs\. You just need to remove the import\./],
    ['thresholds-fail.js', 99, /thresholds on metrics 'iterations, slow' have been crossed/],
    ['invalid-threshold.js', 104, /invalid threshold defined on latency.*'count'/],
    ['unknown-threshold-metric.js', 104, /no metric name "no_such_metric" found/],
    ['unknown-executor.js', 104, /unknown executor 'warp-speed'/],
    ['bad-duration.js', 104, /invalid duration/],
    // Reference "Exit codes": constant-vus with a duration under 1 s → 104 with k6's text.
    ['executors.js', 104, /scenario constant has configuration errors: the duration must be at least 1s, but is 300ms/],
    ['init-exception.js', 107, /boom in init/],
    ['setup-exception.js', 107, /boom in setup/],
    ['test-abort.js', 108, /test aborted: enough of this/],
    ['rejected-promise.js', 0, /Uncaught \(in promise\) Error: rejected on purpose/],
    ['remote-import.js', 107, /cannot fetch remote modules \(https:\/\/jslib\.k6\.io.*K6_SUMMARY=local/],
    // Real k6 has k6/crypto (exit 0); the runner implements a subset and refuses it by design (reference table, same row).
    ['unknown-module.js', 107, /unknown module 'k6\/crypto'/],
    ['bad-metric-name.js', 107, /invalid metric name 'bad-name'/],
    // Reference: sleep → 99, sleep(1) blocks and then the counter is added.
    ['sleep.js', 99, /thresholds on metrics 'after_sleep' have been crossed/],
    ['callback-error.js', 0, /Error: thrown in a timer/],
    ['no-such-script.js', 107, /cannot read the script/],
  ];
  for (const [file, code, stderr] of table) {
    it(`${file} → ${code}`, async () => {
      const r = await runCli(['run', '-q', script(file)]);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr.split('\n')[0]!, /^queue-k6 node runner v\S+ \(not k6: a stand-in for machines without a k6 binary\); acting as k6 v2\.2\.0 \+ k6\/x\/redis$/);
      if (stderr !== undefined) assert.match(r.stderr, stderr);
    });
  }
  it('sleep(1) blocks the iteration, then the code after it runs (after_sleep count=1, as on k6 v2.2.0)', async () => {
    const r = await runCli(['run', '-q', script('sleep.js')]);
    assert.equal(r.code, 99, r.stderr);
    // Reference: "sleep(1) blocks, then the counter is added: after_sleep count=1".
    assert.match(r.stdout, /after_sleep\.+: 1 /);
    assert.match(r.stdout, /iterations\.+: 1 /);
    const blocks = await runCli(['run', '-q', script('sleep-blocks.js')]);
    assert.equal(blocks.code, 0, `${blocks.stderr}\n${blocks.stdout}`);
  });
  it('handleSummary into a missing folder: k6 logs the failure, creates no folder, keeps the thresholds\' code', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-summary-'));
    try {
      const r = await runCli(['run', '-q', script('summary-no-folder.js')], { cwd: dir });
      // Reference "Exit codes": the exit code stays the thresholds' (99 here), nothing is written to results/.
      assert.equal(r.code, 99, r.stderr);
      assert.match(
        r.stderr,
        /ERRO\[\d{4}\] failed to handle the end-of-test summary {2}error="Could not save some summary information:\\n\\t- could not open 'results\/x\.json': open results\/x\.json: no such file or directory"/,
      );
      assert.equal(existsSync(join(dir, 'results')), false, 'k6 creates no folder');
      assert.equal(readFileSync(join(dir, 'here.json'), 'utf8'), '{"written":true}', 'the other outputs are still written');
      assert.equal(r.stdout, 'summary on stdout\n', 'no default summary when only a file failed');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('abortOnFail stops the test early with 99', async () => {
    const r = await runCli(['run', script('abort-on-fail.js')]);
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, /thresholds on metrics 'errors' were crossed; at least one has abortOnFail enabled/);
    const took = /run finished after (\d+\.\d)s:/.exec(r.stderr);
    assert.ok(took !== null && Number(took[1]) < 10, `not stopped early: ${r.stderr}`);
  });
  it('an unknown flag is a usage error', async () => {
    const r = await runCli(['run', '--vus', '3', script('ok.js')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown flag: --vus/);
  });
  it('many VUs waiting at once: no listener-leak warning from Node', async () => {
    const r = await runCli(['run', '-q', script('many-vus.js')]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /MaxListenersExceeded|memory leak/);
    assert.match(r.stdout, /iterations\.+: 15 /);
  });
  it('version: k6 version\'s shape for the emulated line, saying it is not k6', async () => {
    const r = await runCli(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout.split('\n')[0]!, /^k6 v2\.2\.0 \(queue-k6 Node runner \S+, not k6\)$/);
    assert.match(r.stdout, /extensions: k6\/x\/redis/);
    const old = await runCli(['version'], { env: { QUEUE_RUNNER_K6_VERSION: '0.48', QUEUE_RUNNER_EXTENSIONS: '' } });
    assert.match(old.stdout.split('\n')[0]!, /^k6 v0\.48\.0 \(queue-k6 Node runner \S+, not k6\)$/);
    assert.match(old.stdout, /extensions: none \(stock k6\)/);
  });
  it('QUEUE_RUNNER_K6_VERSION other than the recorded lines → exit 2 naming the allowed values', async () => {
    const r = await runCli(['run', '-q', script('ok.js')], { env: { QUEUE_RUNNER_K6_VERSION: '1.8' } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid QUEUE_RUNNER_K6_VERSION; reason: expected one of 0\.46, 0\.48, 1\.0, 1\.5, 1\.6, 2\.2, got "1\.8"/);
    const ext = await runCli(['run', '-q', script('ok.js')], { env: { QUEUE_RUNNER_EXTENSIONS: 'k6/x/faker' } });
    assert.equal(ext.code, 2);
    assert.match(ext.stderr, /invalid QUEUE_RUNNER_EXTENSIONS; reason: the Node runner implements only k6\/x\/redis/);
  });
  it('the run header names the k6 it acts as', async () => {
    const r = await runCli(['run', '-q', script('ok.js')], { env: { QUEUE_RUNNER_K6_VERSION: '1.6', QUEUE_RUNNER_EXTENSIONS: '' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr.split('\n')[0]!, /; acting as k6 v1\.6\.0 \(stock, no extensions\)$/);
  });
  it('-e sets __ENV, on top of the process environment', async () => {
    const r = await runCli(['run', '-q', '-e', 'GREETING=hi there', '--env=N=3', script('env.js')], { env: { FROM_PROCESS: 'yes' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /INFO\[\d{4}\] env hi there 3 yes frozen=true  source=console/);
  });
});

describe('the recorded k6 reference (shared/k6-reference)', () => {
  it('the fixtures are the recorded files (where shared/k6-reference is present)', (t) => {
    if (!existsSync(AUTHORITY_DIR)) {
      t.skip(`no ${AUTHORITY_DIR} beside this clone to compare the fixtures with`);
      return;
    }
    for (const f of ['summary-data.json', 'summary-data.script.js']) {
      assert.equal(readFileSync(join(REFERENCE_DIR, f), 'utf8'), readFileSync(join(AUTHORITY_DIR, f), 'utf8'), f);
    }
  });
  it('summary data matches summary-data.json', async () => {
    const scriptPath = join(REFERENCE_DIR, 'summary-data.script.js');
    const expected = JSON.parse(readFileSync(join(REFERENCE_DIR, 'summary-data.json'), 'utf8')) as Summary;
    const dir = mkdtempSync(join(tmpdir(), 'runner-ref-'));
    try {
      const r = await runCli(['run', '-q', scriptPath], { cwd: dir });
      assert.equal(r.code, 99, r.stderr); // the reference has failing thresholds on purpose
      assert.match(r.stderr, /thresholds on metrics 'ref_gauge, ref_trend' have been crossed/);
      const got = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as Summary;
      assert.deepEqual(Object.keys(got).sort(), Object.keys(expected).sort());
      assert.deepEqual(Object.keys(got.metrics).sort(), Object.keys(expected.metrics).sort());
      assert.deepEqual(Object.keys(got.options).sort(), Object.keys(expected.options).sort());
      assert.deepEqual(got.options.summaryTrendStats, expected.options.summaryTrendStats);
      assert.deepEqual(Object.keys(got.state).sort(), Object.keys(expected.state).sort());
      assert.deepEqual(got.root_group, expected.root_group);
      for (const [name, want] of Object.entries(expected.metrics)) {
        const have = got.metrics[name]!;
        assert.equal(have.type, want.type, name);
        assert.equal(have.contains, want.contains, name);
        assert.deepEqual(Object.keys(have.values).sort(), Object.keys(want.values).sort(), name);
        assert.deepEqual(have.thresholds, want.thresholds, name);
        const deterministic = name.startsWith('ref_') || name === 'checks';
        if (deterministic) {
          for (const [k, v] of Object.entries(want.values)) {
            if (want.type === 'counter' && k === 'rate') continue; // depends on the run's duration
            assert.equal(have.values[k], v, `${name}.${k}`);
          }
        }
      }
      assert.equal(got.metrics.iterations!.values.count, 5);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('executors', { concurrency: true }, () => {
  let wss: WebSocketServer;
  let wsUrl = '';
  before(async () => {
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wsUrl = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
  });
  after(async () => {
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  it('per-vu-iterations, shared-iterations and constant-vus counts; unique VU ids', async () => {
    const r = await runCli(['run', script('executors-1s.js')]);
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as Summary;
    assert.equal(data.metrics['runs{scenario:pervu}']!.values.count, 6);
    assert.equal(data.metrics['runs{scenario:shared}']!.values.count, 5);
    assert.ok(data.metrics['runs{kind:paced}']!.values.count! >= 2);
    const lines = [...r.stderr.matchAll(/vu=(\d+) scenario=(\w+) iter=(\d+) __VU=(\d+)/g)].map((m) => ({ vu: Number(m[1]), scenario: m[2]!, iter: Number(m[3]), env: Number(m[4]) }));
    const vusOf = (s: string): Set<number> => new Set(lines.filter((l) => l.scenario === s).map((l) => l.vu));
    const all = [...vusOf('pervu'), ...vusOf('shared'), ...vusOf('constant')];
    assert.equal(new Set(all).size, all.length, 'a VU id is used by two scenarios');
    assert.deepEqual([...vusOf('pervu')].sort(), [1, 2, 3]);
    for (const l of lines) assert.equal(l.vu, l.env, '__VU equals exec.vu.idInTest');
    const shared = lines.filter((l) => l.scenario === 'shared').map((l) => l.iter).sort();
    assert.deepEqual(shared, [0, 1, 2, 3, 4]);
    assert.match(r.stderr, /scenario constant: done in .*, \d+ complete and 0 interrupted iterations/);
  });

  it('an unclosed WebSocket keeps the iteration open until maxDuration + gracefulStop, then it is interrupted', async () => {
    const r = await runCli(['run', script('unclosed-ws.js')], { env: { WS_URL: wsUrl } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /opened and never closed/);
    assert.match(r.stderr, /scenario s: done in .*, 0 complete and 1 interrupted iterations/);
    const took = /scenario s: done in (\d+\.\d)s/.exec(r.stderr);
    assert.ok(took !== null && Number(took[1]) >= 1.4 && Number(took[1]) < 4, `maxDuration 1s + gracefulStop 0.5s: ${r.stderr}`);
    const data = JSON.parse(r.stdout) as Summary;
    assert.equal(data.metrics.iterations, undefined, 'an interrupted iteration is not counted');
    assert.equal(data.metrics.ws_sessions!.values.count, 1);
  });
});
