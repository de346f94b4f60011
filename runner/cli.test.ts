// End-to-end: the CLI against the scripts in testdata/ and the recorded k6 reference.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { TESTDATA, runCli } from './testing.ts';

const REFERENCE_DIR = fileURLToPath(new URL('../../shared/k6-reference/', import.meta.url));

interface Summary {
  root_group: unknown;
  options: Record<string, unknown>;
  state: Record<string, unknown>;
  metrics: Record<string, { type: string; contains: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>;
}

const script = (name: string): string => join(TESTDATA, name);

describe('exit codes (k6 table)', { concurrency: 4 }, () => {
  const table: [string, number, RegExp?][] = [
    ['ok.js', 0],
    ['legacy-cjs.js', 0],
    ['thresholds-fail.js', 99, /thresholds on metrics 'iterations, slow' have been crossed/],
    ['invalid-threshold.js', 104, /invalid threshold defined on latency.*'count'/],
    ['unknown-threshold-metric.js', 104, /no metric name "no_such_metric" found/],
    ['unknown-executor.js', 104, /unknown executor 'warp-speed'/],
    ['bad-duration.js', 104, /invalid duration/],
    ['init-exception.js', 107, /boom in init/],
    ['setup-exception.js', 107, /boom in setup/],
    ['test-abort.js', 108, /test aborted: enough of this/],
    ['rejected-promise.js', 0, /Uncaught \(in promise\) Error: rejected on purpose/],
    ['remote-import.js', 107, /cannot fetch remote modules \(https:\/\/jslib\.k6\.io.*K6_SUMMARY=local/],
    ['unknown-module.js', 107, /unknown module 'k6\/crypto'/],
    ['bad-metric-name.js', 107, /invalid metric name 'bad-name'/],
    ['sleep.js', 0, /sleep\(\) blocks the VU/],
    ['callback-error.js', 0, /Error: thrown in a timer/],
    ['no-such-script.js', 107, /cannot read the script/],
  ];
  for (const [file, code, stderr] of table) {
    it(`${file} → ${code}`, async () => {
      const r = await runCli(['run', '-q', script(file)]);
      assert.equal(r.code, code, r.stderr);
      assert.match(r.stderr.split('\n')[0]!, /^queue-k6 node runner v\S+ \(not k6: a stand-in for machines without a k6 binary\)$/);
      if (stderr !== undefined) assert.match(r.stderr, stderr);
    });
  }
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
  it('version', async () => {
    const r = await runCli(['version']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /not k6/);
  });
  it('-e sets __ENV, on top of the process environment', async () => {
    const r = await runCli(['run', '-q', '-e', 'GREETING=hi there', '--env=N=3', script('env.js')], { env: { FROM_PROCESS: 'yes' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /INFO\[\d{4}\] env hi there 3 yes frozen=true  source=console/);
  });
});

describe('the recorded k6 reference (shared/k6-reference)', () => {
  it('summary data matches summary-data.json', async (t) => {
    const scriptPath = join(REFERENCE_DIR, 'summary-data.script.js');
    if (!existsSync(scriptPath)) {
      t.skip(`reference not found at ${REFERENCE_DIR}`);
      return;
    }
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
    const r = await runCli(['run', script('executors.js')]);
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
