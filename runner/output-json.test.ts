// --out json (shared/k6-reference/README.md, section "--out json"),
// exec.vu.metrics.tags/.metadata, and the `count` trend stat.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { RunError } from './errors.ts';
import { Registry } from './metrics.ts';
import { JsonOutput, NanoClock, formatTime, sortedObject } from './output-json.ts';
import { parseOutputSpec } from './outputs.ts';
import { trendStatsOf } from './summary-data.ts';
import { CLI, TESTDATA, runCli } from './testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'runner-out-json-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T = { timeoutMs: 90_000 };

/** The recorded lines, verbatim from the reference. */
const RECORDED = [
  '{"type":"Metric","data":{"name":"queue_probe_depth","type":"trend","contains":"default","thresholds":[],"submetrics":null},"metric":"queue_probe_depth"}',
  '{"metric":"queue_probe_depth","type":"Point","data":{"time":"2026-11-27T03:11:10.205143029Z","value":3,"tags":{"event":"e1","group":"","scenario":"default"}}}',
  '{"type":"Metric","data":{"name":"queue_admitted_immediately","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"queue_admitted_immediately"}',
  '{"metric":"queue_admitted_immediately","type":"Point","data":{"time":"2026-11-27T03:11:10.205146622Z","value":1,"tags":{"group":"","scenario":"default"}}}',
];
const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
const anyTime = (line: string): string => line.replace(/"time":"[^"]+"/, '"time":"T"');

interface PointLine {
  metric: string;
  type: 'Point';
  data: { time: string; value: number; tags: Record<string, string>; metadata?: Record<string, string> };
}
interface MetricLine {
  type: 'Metric';
  metric: string;
  data: { name: string; type: string; contains: string; thresholds: unknown[]; submetrics: unknown };
}
type Line = PointLine | MetricLine;

function readLines(path: string): Line[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  assert.ok(text.endsWith('\n'), 'the file ends with a complete line');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}
const points = (ls: Line[], metric: string): PointLine[] => ls.filter((l): l is PointLine => l.type === 'Point' && l.metric === metric);

describe('line format', () => {
  it('time: RFC 3339 in UTC with nanoseconds, trailing zeros dropped as Go does', () => {
    const sec = Date.UTC(2026, 10, 27, 3, 11, 10) / 1000;
    assert.equal(formatTime(sec, 205143029), '2026-11-27T03:11:10.205143029Z');
    assert.equal(formatTime(sec, 205140000), '2026-11-27T03:11:10.20514Z');
    assert.equal(formatTime(sec, 5), '2026-11-27T03:11:10.000000005Z');
    assert.equal(formatTime(sec, 0), '2026-11-27T03:11:10Z');
    const cache = { sec: -1, text: '' };
    assert.equal(formatTime(sec, 1, cache), formatTime(sec, 1));
    assert.equal(formatTime(sec + 1, 1, cache), '2026-11-27T03:11:11.000000001Z');
  });
  it('the clock is the wall clock, with sub-millisecond digits, never going back', () => {
    const c = new NanoClock();
    const before = Date.now();
    const [s1, n1] = c.now();
    const after = Date.now();
    const ms = s1 * 1000 + n1 / 1e6;
    assert.ok(ms >= before - 1 && ms <= after + 1, `${ms} not within [${before}, ${after}]`);
    const [s2, n2] = c.now();
    assert.ok(s2 * 1e9 + n2 >= s1 * 1e9 + n1);
  });
  it('maps are written with sorted keys and proper escaping', () => {
    assert.equal(sortedObject({ scenario: 's', group: '', event: 'e1' }), '{"event":"e1","group":"","scenario":"s"}');
    assert.equal(sortedObject({}), '{}');
    const tricky = { 'a"b': 'line\nbreak', url: 'http://x/?a=1&b=2', name: 'é' };
    assert.deepEqual(JSON.parse(sortedObject(tricky)), tricky);
  });
  it('--out values: TYPE=ARG, or TYPE alone (k6 writes json to stdout then)', () => {
    assert.deepEqual(parseOutputSpec('json=out/x.json'), { type: 'json', arg: 'out/x.json' });
    assert.deepEqual(parseOutputSpec('json=a=b.json'), { type: 'json', arg: 'a=b.json' });
    assert.deepEqual(parseOutputSpec('json'), { type: 'json', arg: '' });
  });
  it('a Metric line once per metric, then Points; metadata only when non-empty; .gz readable as one file across flushes', () => {
    for (const name of ['unit.json', 'unit.json.gz']) {
      const reg = new Registry();
      const m = reg.define('m', 'counter');
      const t = reg.define('t', 'trend', 'time');
      const out = new JsonOutput({ target: join(dir, name) });
      const many = 20_000; // several 256 KiB flushes
      for (let i = 0; i < many; i++) out.sample(i % 2 === 0 ? m : t, i, { scenario: 's', group: '' }, i % 3 === 0 ? { user: String(i) } : i % 3 === 1 ? {} : undefined);
      void out.close();
      out.sample(m, 1, {}, undefined); // after close: dropped
      const ls = readLines(join(dir, name));
      assert.equal(ls.length, many + 2, name);
      assert.deepEqual(ls.filter((l) => l.type === 'Metric').map((l) => [l.metric, l.data.type, l.data.contains]), [['m', 'counter', 'default'], ['t', 'trend', 'time']]);
      assert.equal(ls[0]!.type, 'Metric');
      const ps = ls.filter((l): l is PointLine => l.type === 'Point');
      assert.deepEqual(ps.map((p) => p.data.value), Array.from({ length: many }, (_, i) => i));
      assert.equal(ps.filter((p) => p.data.metadata !== undefined).length, Math.ceil(many / 3));
      assert.deepEqual(ps[3]!.data.metadata, { user: '3' });
      for (const p of ps.slice(0, 50)) assert.match(p.data.time, RFC3339_NANO);
    }
    assert.ok(readFileSync(join(dir, 'unit.json.gz')).length < readFileSync(join(dir, 'unit.json')).length / 5, 'gzipped');
  });
});

describe('k6 run --out json (CLI)', () => {
  it('the recorded example, line for line (times aside)', async () => {
    const file = join(dir, 'ref.json');
    const r = await runCli(['run', '-q', '--out', `json=${file}`, join(TESTDATA, 'out-json-reference.js')], T);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(file, 'utf8').split('\n');
    assert.deepEqual(lines.slice(0, 4).map(anyTime), RECORDED.map(anyTime));
    for (const l of lines.slice(0, 4)) {
      const time = /"time":"([^"]+)"/.exec(l)?.[1];
      if (time !== undefined) assert.match(time, RFC3339_NANO);
    }
  });

  it('metadata from exec.vu.metrics.metadata on every sample until deleted, never a tag nor a sub-metric; exec.vu.metrics.tags are tags; several --out', async () => {
    const plain = join(dir, 'meta.json');
    const gz = join(dir, 'meta.json.gz');
    const r = await runCli(['run', '--out', `json=${plain}`, '-o', `json=${gz}`, join(TESTDATA, 'out-json.js')], T);
    assert.equal(r.code, 0, r.stderr); // queue_queued{user:7} count==0 passes: metadata selects no sub-metric
    assert.match(r.stderr, /output: json \(.*meta\.json\), json \(.*meta\.json\.gz\)/);
    const ls = readLines(plain);
    assert.deepEqual(readLines(gz), ls, 'both outputs got the same lines');
    assert.deepEqual(points(ls, 'queue_probe_depth')[0]!.data.metadata, undefined);
    const q = points(ls, 'queue_queued')[0]!;
    assert.deepEqual(q.data.metadata, { position: '3', user: '7' });
    assert.equal(q.data.tags.user, undefined, 'metadata is not a tag');
    const w = points(ls, 'queue_admission_wait')[0]!;
    assert.deepEqual(w.data.metadata, { user: '7' }, 'a deleted key is gone from later samples');
    assert.deepEqual(w.data.tags, { group: '::g', region: 'eu', scenario: 'default' });
    const c = points(ls, 'checks')[0]!;
    assert.equal(c.data.metadata, undefined, 'nothing left after the last delete');
    assert.deepEqual(c.data.tags, { check: 'is one', group: '', scenario: 'default' });
    assert.match(r.stderr, /metadata now \{\} tags \{"scenario":"default"\} typeError=TypeError: invalid value for metadata 'bad': only String, Boolean and Number types/);
    const qm = ls.find((l): l is MetricLine => l.type === 'Metric' && l.metric === 'queue_admitted_immediately')!;
    assert.deepEqual(qm.data.thresholds, ['count==1']);
    // The text summary prints the count stat as a plain number (k6: count=N).
    assert.match(r.stdout, /queue_admission_wait\.+: avg=1\.50s min=1\.50s max=1\.50s count=1\b/);
  });

  it('the file is complete when thresholds fail (99) and when the test is aborted (108)', async () => {
    for (const [mode, code, last] of [['fail', 99, 'iterations'], ['abort', 108, 'checks']] as const) {
      const file = join(dir, `${mode}.json.gz`);
      const r = await runCli(['run', '-q', '-e', `MODE=${mode}`, '--out', `json=${file}`, join(TESTDATA, 'out-json.js')], T);
      assert.equal(r.code, code, r.stderr);
      const ls = readLines(file);
      assert.equal(ls[ls.length - 1]!.metric, last, mode);
    }
  });

  it('the file is complete after SIGTERM stops the test', async () => {
    const file = join(dir, 'term.json.gz');
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', tsx, CLI, 'run', '-q', '-e', 'MODE=wait', '--out', `json=${file}`, join(TESTDATA, 'out-json.js')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let signalled = false;
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no exit after SIGTERM: ${stderr}`));
      }, 90_000);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (!signalled && stderr.includes('waiting for a signal')) {
          signalled = true; // once: a second signal exits at once, as in k6
          child.kill('SIGTERM');
        }
      });
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 105, stderr);
    const ls = readLines(file);
    assert.ok(points(ls, 'checks').length === 1, 'the samples before the signal are in the file');
  });

  it('an unknown output type or a file that cannot be created stops the run as k6 does (exit 255)', async () => {
    const script = join(TESTDATA, 'out-json-reference.js');
    const unknown = await runCli(['run', '-q', '--out', 'csv=x.csv', script], T);
    assert.equal(unknown.code, 255, unknown.stderr);
    assert.match(unknown.stderr, /invalid output type 'csv', available types are: json/);
    const missing = join(dir, 'no-such-dir', 'x.json');
    const noDir = await runCli(['run', '-q', '--out', `json=${missing}`, script], T);
    assert.equal(noDir.code, 255, noDir.stderr);
    assert.match(noDir.stderr, /could not create the 'json' output: open .*x\.json: no such file or directory/);
    assert.equal(existsSync(missing), false);
  });
});

describe("summaryTrendStats with 'count'", () => {
  it('trend values include count (the number of samples); an unknown stat is an invalid config (104)', async () => {
    const r = await runCli(['run', '-q', join(TESTDATA, 'trend-count.js')], T);
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as { options: { summaryTrendStats: string[] }; metrics: Record<string, { values: Record<string, number> }> };
    assert.deepEqual(data.options.summaryTrendStats, ['avg', 'p(95)', 'count']);
    assert.deepEqual(data.metrics.wait_ms!.values, { avg: 25, 'p(95)': 38.5, count: 4 });
    assert.equal(data.metrics.iteration_duration!.values.count, 1);
    for (const bad of [['p(101)'], ['p90'], ['avg '], ['nil']]) {
      assert.throws(() => trendStatsOf({ summaryTrendStats: bad }), (e: unknown) => e instanceof RunError && e.exitCode === 104, bad[0]);
    }
    assert.deepEqual(trendStatsOf({ summaryTrendStats: ['count', 'p(99.9)', 'med'] }), ['count', 'p(99.9)', 'med']);
  });
});
