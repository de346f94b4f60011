// The report in a real browser (Debian's Chromium, headless): the charts are
// drawn with the run's numbers. Inputs are synthetic runs written in the
// contract's formats (results JSON with queue_k6, k6 --out json lines with
// per-user metadata: shared/k6-reference/README.md, "--out json"), shaped like
// scenario 1 (threshold 10, 15 users 100 ms apart) and scenario 2 (threshold 5,
// 20 users), against a correct and a faulty waiting room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeReport } from '../../report/report.ts';
import { syntheticRun, writeSyntheticRun, type SyntheticRunOptions } from '../support/synthetic-run.ts';
import { chromiumMissing } from '../support/chromium.ts';
import { checkReportInBrowser } from '../support/report-browser.ts';
import { tempDirs } from '../support/tempdir.ts';

/** A fresh directory, removed after this file's tests. */
const tempDir = tempDirs('report-browser-');

const missing = chromiumMissing();
const skip = missing === undefined ? false : `skipped: ${missing}`;
// Screenshots stay under results/ (git-ignored) for a person to look at.
const SHOTS = fileURLToPath(new URL('../../results', import.meta.url));

async function report(name: string, opts: SyntheticRunOptions) {
  const run = syntheticRun({ scenario: name, ...opts });
  const dir = tempDir();
  const files = await writeSyntheticRun(run, join(dir, name));
  const made = await makeReport({ summaryPath: files.summary, samplePaths: [files.samples] });
  mkdirSync(SHOTS, { recursive: true });
  return { run, html: made.outPath, shot: join(SHOTS, `report-${name}.png`) };
}

const scenario1 = { users: 15, threshold: 10, processorIntervalMs: 1000, arrivalDelayMs: 100, dwellMs: 3000 };
const scenario2 = { users: 20, threshold: 5, processorIntervalMs: 1500, arrivalDelayMs: 100, dwellMs: 400 };

test('scenario-1-like, correct target: the active line reaches the threshold line and stops there', { skip }, async () => {
  const { run, html, shot } = await report('threshold-overflow', scenario1);
  await checkReportInBrowser(html, {
    verdict: 'pass',
    threshold: 10,
    active: 'at-threshold',
    seriesMax: { active: run.truth.activeMax, depth: run.truth.depthMax },
    ticks: run.truth.ticks,
    waits: run.truth.admittedFromQueue,
    late: 0,
    timeouts: 0,
    screenshot: shot,
  });
  // The checker itself must fail on a wrong picture: the same page does not show an over-admission.
  await assert.rejects(checkReportInBrowser(html, { active: 'above-threshold', seriesMax: { active: 11 } }), (err: Error) => {
    assert.match(err.message, /active line tops out at .* not above the threshold line/);
    assert.match(err.message, /active data-max 10, expected 11/);
    return true;
  });
});

test('scenario-1-like, over-admitting target: the active line goes above the threshold line', { skip }, async () => {
  const { run, html, shot } = await report('threshold-overflow-over-admit', { ...scenario1, fault: 'over-admit' });
  await checkReportInBrowser(html, {
    verdict: 'fail',
    threshold: 10,
    active: 'above-threshold',
    seriesMax: { active: run.truth.activeMax },
    ticks: run.truth.ticks,
    screenshot: shot,
  });
});

test('scenario-2-like, stalled processor: late users drawn over the bound', { skip }, async () => {
  const { run, html, shot } = await report('processing-rate-stall', { ...scenario2, fault: 'stall' });
  const m = await checkReportInBrowser(html, { verdict: 'fail', threshold: 5, active: 'at-or-below-threshold', waits: run.truth.admittedFromQueue, screenshot: shot });
  if ((m.counts.late ?? 0) === 0) throw new Error('a stalled processor must leave late users in the wait chart');
});

test('starvation: timeouts drawn, no admissions', { skip }, async () => {
  const { run, html, shot } = await report('processing-rate-starvation', { ...scenario2, fault: 'starvation' });
  await checkReportInBrowser(html, { verdict: 'fail', timeouts: run.truth.timeouts, waits: 0, screenshot: shot });
});

test('probes off: the queue section explains itself, the other charts still draw', { skip }, async () => {
  const { run, html, shot } = await report('processing-rate-no-probes', { ...scenario2, probes: false });
  await checkReportInBrowser(html, { verdict: 'pass', emptySections: ['queue'], waits: run.truth.admittedFromQueue, screenshot: shot });
});

test('a 10,000-user mass burst stays readable: thinned, peaks kept, no overlapping labels', { skip }, async () => {
  const { run, html, shot } = await report('mass-burst-10k', {
    users: 10_000, threshold: 1000, processorIntervalMs: 6000, arrivalDelayMs: 0, arrivalGraceMs: 30_000, dwellMs: 1000,
  });
  await checkReportInBrowser(html, {
    verdict: 'pass',
    threshold: 1000,
    active: 'at-threshold',
    seriesMax: { active: run.truth.activeMax, depth: run.truth.depthMax },
    ticks: run.truth.ticks,
    waits: run.truth.admittedFromQueue,
    screenshot: shot,
  });
});
