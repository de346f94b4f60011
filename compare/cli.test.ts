// The CLI: which runs it picks, the exit codes, the files it writes, one-line errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureRun } from '../test/support/compare-fixtures.ts';
import { tempDirs } from '../test/support/tempdir.ts';
import { besideRun, main } from './cli.ts';
import { choosePair, sampleFilesOf } from './runs.ts';

const tempDir = tempDirs('compare-cli-');

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (s) => { out += s; }, err: (s) => { err += s; }, now: new Date(Date.UTC(2026, 10, 27, 5, 0, 0)) });
  return { code, out, err };
}

test('no regression: exit 0, the text, a Markdown summary and a JUnit file beside the run', async () => {
  const dir = tempDir();
  writeFixtureRun(dir, 'processing-rate-20260101T000000Z', { seed: 21 });
  const run = writeFixtureRun(dir, 'processing-rate-20260101T000500Z', { seed: 22 });
  const r = await cli(['--results', dir]);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /^compare: processing-rate: 40 users, queue threshold 5, processor interval 2000 ms\n/);
  assert.match(r.out, /\(the two newest processing-rate runs in /);
  assert.match(r.out, /noise test: Mann–Whitney U on the runs' samples, two-sided, significance level α = 0\.01/);
  assert.match(r.out, /THRESHOLDS {2}7 in either run: 7 kept passing, 0 kept failing, 0 newly failing, 0 newly passing, 0 not judged in one/);
  assert.match(r.out, /✓ wait for admission p\(95\) \.+: base=\S+ run=\S+ change=\S+ \(\S+\) tolerance=p\(95\) \+10% \+2000ms → ok/);
  assert.match(r.out, /median wait by position: 1-9: /);
  assert.match(r.out, /\ncompare: no regression beyond the tolerances\n$/);
  const md = readFileSync(besideRun(run.summary, '.md'), 'utf8');
  assert.match(md, /^### ✅ queue-k6 compare: processing-rate: no regression beyond the tolerances/);
  assert.match(md, /\| wait for admission p\(95\) \| \S+ \| \S+ \| .* \| `p\(95\) \+10% \+2000ms` \| p=.* \| ✅ ok \|/);
  assert.match(md, /<details><summary>7 thresholds kept passing<\/summary>/);
  const junit = readFileSync(besideRun(run.summary, '.junit.xml'), 'utf8');
  assert.match(junit, /<testsuite name="processing-rate \(compare\)" tests="\d+" failures="0" errors="0" skipped="0" timestamp="2026-11-27T05:00:00">/);
  assert.match(junit, /<testcase classname="compare.thresholds.queue_http_errors" name="count==0"\/>/);
});

test('a regression: exit 1, named on stderr and in both files', async () => {
  const dir = tempDir();
  const base = writeFixtureRun(dir, 'b', { seed: 23 });
  const run = writeFixtureRun(dir, 'r', { seed: 24, estimateOffsetMs: 30_000 });
  const md = join(dir, 'out', 'compare.md');
  const junit = join(dir, 'out', 'compare.xml');
  const r = await cli(['--base', base.summary, '--run', run.summary, '--markdown', md, '--junit', junit, '--no-color']);
  assert.equal(r.code, 1, r.err);
  assert.match(r.err, /compare: regression: threshold queue_wait_estimate_error p\(95\)<=4000; estimate error p\(95\)\n/);
  assert.match(r.out, /✗ queue_wait_estimate_error p\(95\)<=4000 \.+: NEWLY FAILING {2}base ✓ passed \(\d+(\.\d+)?s\) → run ✗ failed \(\d+(\.\d+)?s\)/);
  assert.match(r.out, /compare: REGRESSION: 2 things got worse\n {2}- threshold queue_wait_estimate_error p\(95\)<=4000: passed in the base, fails now\n {2}- estimate error p\(95\): /);
  assert.match(readFileSync(md, 'utf8'), /^### ❌ queue-k6 compare: processing-rate: 2 regressions/);
  assert.match(readFileSync(md, 'utf8'), /\| `queue_wait_estimate_error` \| `p\(95\)<=4000` \| ✅ passed \(3\.\d+s\) \| ❌ failed \(\d+\.\d+s\) \| newly failing \|/);
  const xml = readFileSync(junit, 'utf8');
  assert.match(xml, /failures="2"/);
  assert.match(xml, /<failure type="newly_failing" message="threshold &apos;p\(95\)&lt;=4000&apos; on queue_wait_estimate_error passed in the base run and fails now/);
  assert.match(xml, /<testcase classname="compare.figures" name="estimate error p\(95\)">\n {6}<failure type="regression"/);
});

test('refused: runs with different users exit 2 with one line; --force prints the differences first and compares', async () => {
  const dir = tempDir();
  const base = writeFixtureRun(dir, 'b', { seed: 25 });
  const run = writeFixtureRun(dir, 'r', { seed: 26, users: 30 });
  const refused = await cli(['--base', base.summary, '--run', run.summary]);
  assert.equal(refused.code, 2);
  assert.equal(refused.out, '');
  assert.equal(refused.err.trim().split('\n').length, 1);
  assert.match(refused.err, /^compare: these runs differ in users \(base 40, run 30\)/);
  assert.ok(!existsSync(besideRun(run.summary, '.md')), 'no summary for runs that were not compared');
  const forced = await cli(['--base', base.summary, '--run', run.summary, '--force', '--no-color']);
  assert.match(forced.err, /^compare: FORCE=1: comparing runs that differ in users \(base 40, run 30\)\n/);
  const lines = forced.out.split('\n');
  assert.match(lines.find((l) => l.includes('FORCED')) ?? '', /FORCED: the runs differ in users \(base 40, run 30\)/);
  assert.ok(lines.findIndex((l) => l.includes('FORCED')) < lines.findIndex((l) => l.includes('THRESHOLDS')), 'the differences come before the comparison');
});

test('usage and input errors: exit 2, one clear line', async () => {
  const dir = tempDir();
  const one = writeFixtureRun(dir, 'mass-burst-20260101T000000Z', { seed: 27, scenario: 'mass-burst' });
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^compare: unknown argument '--bogus'\n/],
    [['--base'], /^compare: --base needs a value\n/],
    [['--results', join(dir, 'nope')], /^compare: cannot read the results directory '.*nope': no such file\n$/],
    [['--results', dir], /^compare: .* holds one mass-burst run \(.*mass-burst-20260101T000000Z\.json\): run it again for a second one to compare with, or give both: make compare BASE=/],
    [['--base', one.summary, '--run', join(dir, 'missing.json')], /^compare: cannot read run '.*missing\.json': no such file\n$/],
    [['--base', one.summary, '--run', one.samples], /^compare: '.*\.ndjson\.gz' is not a k6 summary|^compare: summary '.*' is not valid JSON/],
    [['--base', one.summary, '--run', one.summary, '--thresholds', join(dir, 'none.json')], /^compare: cannot read .*none\.json \(the tolerances' file\): give --thresholds FILE\n$/],
  ];
  for (const [argv, re] of cases) {
    const r = await cli(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.match(r.err, re, argv.join(' '));
    assert.doesNotMatch(r.err, /\n\s+at /, 'no stack trace');
  }
  const bad = join(dir, 'bad-thresholds.json');
  writeFileSync(bad, JSON.stringify({ compare: { queue_admission_wait: 'p95 +10%' } }));
  const r = await cli(['--base', one.summary, '--run', one.summary, '--thresholds', bad]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^compare: compare.queue_admission_wait "p95 \+10%": expected an aggregation first/);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.out, /^usage: node --import tsx compare\/cli.ts/);
});

test('default runs: the newest run and the newest older one of its scenario; instances are parts, a verdict is a run', () => {
  const dir = tempDir();
  const touch = (name: string): void => writeFileSync(join(dir, name), '{}');
  touch('processing-rate-20260101T000000Z.json');
  touch('mass-burst-20260101T000100Z-verdict.json');
  touch('mass-burst-20260101T000100Z-i1of2.json');
  touch('processing-rate-20260101T000200Z.json');
  touch('processing-rate-20260101T000200Z.junit.xml');
  touch('mass-burst-20260101T000300Z-verdict.json');
  touch('mass-burst-20260101T000300Z-i1of2.json');
  touch('mass-burst-20260101T000300Z-i2of2.json');
  touch('processing-rate-20260101T000200Z.compare.md');
  const p = choosePair(dir);
  assert.equal(p.run, join(dir, 'mass-burst-20260101T000300Z-verdict.json'));
  assert.equal(p.base, join(dir, 'mass-burst-20260101T000100Z-verdict.json'));
  assert.equal(choosePair(dir, undefined, join(dir, 'processing-rate-20260101T000200Z.json')).base, join(dir, 'processing-rate-20260101T000000Z.json'));
  assert.equal(choosePair(dir, join(dir, 'processing-rate-20260101T000000Z.json')).run, join(dir, 'processing-rate-20260101T000200Z.json'));
  assert.throws(() => choosePair(dir, undefined, join(dir, 'processing-rate-20260101T000000Z.json')), /no processing-rate run older than/);
});

test('sample files: beside a run, every instance of a split run beside its verdict', () => {
  const dir = tempDir();
  for (const f of ['a-20260101T000000Z.json', 'a-20260101T000000Z.ndjson.gz', 's-20260101T000000Z-verdict.json', 's-20260101T000000Z-i2of2.ndjson.gz', 's-20260101T000000Z-i1of2.ndjson.gz', 's-20260101T000000Z-i1of2.json', 'lone.json']) {
    writeFileSync(join(dir, f), '');
  }
  assert.deepEqual(sampleFilesOf(join(dir, 'a-20260101T000000Z.json')), [join(dir, 'a-20260101T000000Z.ndjson.gz')]);
  assert.deepEqual(sampleFilesOf(join(dir, 's-20260101T000000Z-verdict.json')), [join(dir, 's-20260101T000000Z-i1of2.ndjson.gz'), join(dir, 's-20260101T000000Z-i2of2.ndjson.gz')]);
  assert.deepEqual(sampleFilesOf(join(dir, 's-20260101T000000Z-i1of2.json')), [join(dir, 's-20260101T000000Z-i1of2.ndjson.gz')]);
  assert.deepEqual(sampleFilesOf(join(dir, 'lone.json')), []);
});

test('a split run: its merged verdict compares like one run, its samples read from every instance', async () => {
  const dir = tempDir();
  const base = writeFixtureRun(dir, 'processing-rate-20260101T000000Z', { seed: 29 });
  const whole = writeFixtureRun(join(dir, 'parts'), 'whole', { seed: 30 });
  // The merged verdict: the same summary with queue_k6.verdict; the samples split over two instance files.
  const data = JSON.parse(readFileSync(whole.summary, 'utf8')) as { queue_k6: Record<string, unknown> };
  data.queue_k6.instances = 2;
  data.queue_k6.verdict = { passed: true, instancesExpected: 2, instancesFound: 2, missingSegments: [], parts: [], thresholds: [], approximations: [] };
  const prefix = join(dir, 'processing-rate-20260101T000500Z');
  writeFileSync(`${prefix}-verdict.json`, JSON.stringify(data));
  copyFileSync(whole.samples, `${prefix}-i1of2.ndjson.gz`);
  writeFileSync(`${prefix}-i2of2.ndjson.gz`, '');
  const r = await cli(['--results', dir, '--no-color']);
  assert.equal(r.code, 0, r.err + r.out);
  assert.match(r.out, /run {3}.*-verdict\.json \(run fixture-30, k6 v2\.2\.0, split over 2 instances \(merged verdict\), 2 samples files\)/);
  assert.match(r.err, /i2of2\.ndjson\.gz' holds no samples/);
  assert.ok(base.summary.length > 0);
});
