// The report of real runs, in a real browser: scenario 1 against the correct
// reference target and processing-rate against over-admit, each run on the
// suite's k6 with k6's own sample output (--out json=…ndjson.gz) and turned
// into a page by report/. Each chart must be drawn with that run's numbers:
// the active-set line reaches the threshold in scenario 1 and goes above it
// when the processor over-admits. Screenshots stay in results/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeReport } from '../../report/report.ts';
import { chromiumMissing } from '../support/chromium.ts';
import { checkReportInBrowser } from '../support/report-browser.ts';
import { explain, ROOT, runScenario, type RunResult } from '../support/scenario.ts';

const missing = chromiumMissing();
const skip = missing === undefined ? false : `skipped: ${missing}`;
const SHOTS = fileURLToPath(new URL('../../results', import.meta.url));
const defaults = JSON.parse(readFileSync(join(ROOT, 'scenarios/defaults.json'), 'utf8')) as Record<string, { queueThreshold: number; processorIntervalMs: number }>;

async function realRun(scenario: string, faults: string[]): Promise<RunResult & { html: string }> {
  const d = defaults[scenario]!;
  const r = await runScenario({
    scenario, threshold: d.queueThreshold, intervalMs: d.processorIntervalMs, faults, phaseMs: 'random',
    env: { RESULTS_PREFIX: 'results/run' }, args: ['--out', 'json=results/run.ndjson.gz'], keepResults: true, timeoutMs: 240_000,
  });
  const made = await makeReport({ summaryPath: join(r.resultsDir!, 'run.json'), samplePaths: [join(r.resultsDir!, 'run.ndjson.gz')] });
  return { ...r, html: made.outPath };
}

function near(drawn: number | null | undefined, expected: number): void {
  assert.ok(typeof drawn === 'number' && Math.abs(drawn - expected) < 0.05, `drawn ${drawn}, expected ${expected}`);
}

function metric(r: RunResult, name: string, agg: string): number {
  const v = r.summary?.metrics[name]?.values[agg];
  assert.ok(typeof v === 'number', `${name}.${agg} missing\n${explain(r)}`);
  return v;
}

test('a real scenario 1 run: the active line reaches the threshold line, the depth line the queued users', { skip }, async () => {
  const r = await realRun('threshold-overflow', []);
  try {
    assert.equal(r.code, 0, explain(r));
    mkdirSync(SHOTS, { recursive: true });
    const m = await checkReportInBrowser(r.html, {
      verdict: 'pass',
      threshold: 10,
      active: 'at-threshold',
      seriesMax: { active: metric(r, 'queue_probe_active', 'max'), depth: metric(r, 'queue_probe_depth', 'max') },
      waits: metric(r, 'queue_admitted_from_queue', 'count'),
      timeouts: 0,
      screenshot: join(SHOTS, 'report-real-threshold-overflow.png'),
    });
    // Read back from the drawn pixels through the y axis: equal to the run's number within a pixel's worth.
    near(m.series.active?.drawnMax, 10);
    near(m.series.depth?.drawnMax, 5);
  } finally {
    rmSync(r.workDir!, { recursive: true, force: true });
  }
});

test('a real over-admit run: the active line goes above the threshold line and the failed thresholds are listed', { skip }, async () => {
  const r = await realRun('processing-rate', ['over-admit']);
  try {
    assert.equal(r.code, 99, explain(r));
    const activeMax = metric(r, 'queue_probe_active', 'max');
    assert.ok(activeMax > 5, `the probe saw the overshoot: max ${activeMax}`);
    const m = await checkReportInBrowser(r.html, {
      verdict: 'fail',
      threshold: 5,
      active: 'above-threshold',
      seriesMax: { active: activeMax },
      screenshot: join(SHOTS, 'report-real-over-admit.png'),
    });
    near(m.series.active?.drawnMax, activeMax);
    const page = readFileSync(r.html, 'utf8');
    assert.match(page, /data-threshold="queue_invariant_violations\{kind:batch_over_free_slots\} count==0" data-ok="false"/);
  } finally {
    rmSync(r.workDir!, { recursive: true, force: true });
  }
});
