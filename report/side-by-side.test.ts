// The side-by-side page (make report BASE=…) on crafted pairs: both runs drawn
// in every chart with their own numbers, the comparison's verdict, one file
// with no script and nothing fetched; the CLI's --base.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureRun } from '../test/support/compare-fixtures.ts';
import { tempDirs } from '../test/support/tempdir.ts';
import { main, parseArgs } from './cli.ts';
import { defaultSideBySidePath, makeSideBySideReport } from './side-by-side.ts';

const tempDir = tempDirs('report-side-by-side-');

function attr(html: string, series: string, name: string): string | undefined {
  const m = new RegExp(`data-series="${series}"[^>]*?${name}="([^"]*)"`).exec(html);
  return m?.[1];
}

test('both runs on the same axes, each with its own numbers, and the comparison on top', async () => {
  const dir = tempDir();
  const base = writeFixtureRun(dir, 'processing-rate-20260101T000000Z', { seed: 31 });
  const run = writeFixtureRun(dir, 'processing-rate-20260101T000500Z', { seed: 32, waitFactor: 1.6, users: 40 });
  const made = await makeSideBySideReport({ runSummaryPath: run.summary, baseSummaryPath: base.summary, runSamplePaths: [], baseSamplePaths: [] });
  assert.equal(made.outPath, defaultSideBySidePath(run.summary));
  assert.ok(made.outPath.endsWith('processing-rate-20260101T000500Z.compare.html'));
  const html = readFileSync(made.outPath, 'utf8');
  // One page: no script, nothing loaded.
  assert.doesNotMatch(html, /<script|<link|src="http|href="http/);
  assert.match(html, /<span class="verdict fail" data-verdict="fail">REGRESSION<\/span>/);
  assert.match(html, /<li class="bad" data-regression="wait for admission p\(95\)">/);
  assert.match(html, /<tr class="regression" data-figure="queue_admission_wait p\(95\)" data-verdict="regression">/);
  assert.match(html, /<tr class="ok" data-figure="login_duration p\(95\)" data-verdict="ok">/);
  assert.match(html, /data-run-verdict="base:pass"/);
  for (const chart of ['queue', 'waits', 'estimates', 'batches']) assert.match(html, new RegExp(`<svg class="chart" data-chart="${chart}"`));
  // The run and the base: every series with its own count.
  assert.equal(attr(html, 'wait', 'data-count'), String(run.truth.queued));
  assert.equal(attr(html, 'base-wait', 'data-count'), String(base.truth.queued));
  assert.equal(attr(html, 'batch', 'data-count'), String(run.truth.ticks));
  assert.equal(attr(html, 'base-batch', 'data-count'), String(base.truth.ticks));
  assert.equal(attr(html, 'estimate', 'data-count'), String(run.truth.queued));
  assert.equal(attr(html, 'base-estimate', 'data-count'), String(base.truth.queued));
  assert.equal(attr(html, 'active', 'data-max'), '5');
  assert.equal(attr(html, 'base-active', 'data-max'), '5');
  assert.equal(attr(html, 'threshold', 'data-v'), '5');
  // The slower run's waits reach higher than the base's.
  assert.ok(Number(attr(html, 'wait', 'data-max')) > Number(attr(html, 'base-wait', 'data-max')) * 1.3);
});

test('a run without samples: the page says so and draws the other run', async () => {
  const dir = tempDir();
  const base = writeFixtureRun(dir, 'b', { seed: 33 });
  const run = writeFixtureRun(dir, 'r', { seed: 34 });
  rmSync(run.samples);
  const made = await makeSideBySideReport({ runSummaryPath: run.summary, baseSummaryPath: base.summary, runSamplePaths: [], baseSamplePaths: [], outPath: join(dir, 'p.html') });
  const html = readFileSync(made.outPath, 'utf8');
  assert.match(html, /<p class="warn" data-missing-samples="true">This run has no samples file \(k6 <code>--out json<\/code>\): only the base is drawn\.<\/p>/);
  assert.equal(attr(html, 'base-wait', 'data-count'), String(base.truth.queued));
  assert.equal(attr(html, 'wait', 'data-count'), '0');
  assert.match(html, /data-figure="login_duration p\(95\)" data-verdict="not_compared"/);
});

test('report/cli.ts --base: the side-by-side page; --base-samples needs --base', async () => {
  const dir = tempDir();
  const base = writeFixtureRun(dir, 'b', { seed: 35 });
  const run = writeFixtureRun(dir, 'r', { seed: 36 });
  assert.deepEqual(parseArgs(['--summary', 'r.json', '--base', 'b.json', '--base-samples', 'b.gz']), {
    kind: 'args',
    args: { summary: 'r.json', samples: [], base: 'b.json', baseSamples: ['b.gz'] },
  });
  assert.match((parseArgs(['--summary', 'r.json', '--base-samples', 'b.gz']) as { message: string }).message, /--base-samples needs --base/);
  let out = '';
  let err = '';
  const io = { out: (s: string) => { out += s; }, err: (s: string) => { err += s; } };
  assert.equal(await main(['--summary', run.summary, '--samples', run.samples, '--base', base.summary, '--base-samples', base.samples], io), 0, err);
  assert.equal(out.trim(), defaultSideBySidePath(run.summary));
  assert.match(readFileSync(out.trim(), 'utf8'), /<h1>processing-rate: run against base<\/h1>/);
  // Runs that differ are drawn anyway, with a warning.
  const other = writeFixtureRun(dir, 'o', { seed: 37, users: 30 });
  out = '';
  err = '';
  assert.equal(await main(['--summary', other.summary, '--base', base.summary, '--out', join(dir, 'forced.html')], io), 0, err);
  assert.match(err, /report: warning: the runs differ in users \(base 40, run 30\): drawn side by side anyway/);
  assert.match(readFileSync(join(dir, 'forced.html'), 'utf8'), /data-forced="true"/);
  out = '';
  err = '';
  assert.equal(await main(['--summary', run.summary, '--base', join(dir, 'nope.json')], io), 1);
  assert.match(err, /^report: cannot read run '.*nope\.json': no such file\n$/);
});
