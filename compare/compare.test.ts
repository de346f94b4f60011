// The comparison on crafted pairs of runs (test/support/compare-fixtures.ts):
// no change, noise only, clear regressions in one figure at a time, a newly
// failing threshold, rules not judged in one run, older files without
// queue_k6.rules, and runs that must not be compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFixtureRun, type FixtureOptions } from '../test/support/compare-fixtures.ts';
import { tempDirs } from '../test/support/tempdir.ts';
import { parseArgs, type CliOptions } from './cli.ts';
import { loadComparison } from './load.ts';
import { RefusedError, type Comparison } from './compare.ts';
import type { FigureRow } from './figures.ts';

const tempDir = tempDirs('compare-');

function options(base: string, run: string, extra: Partial<CliOptions> = {}): CliOptions {
  const parsed = parseArgs(['--base', base, '--run', run]);
  assert.equal(parsed.kind, 'options');
  return { ...(parsed as { options: CliOptions }).options, ...extra };
}

async function pair(base: FixtureOptions, run: FixtureOptions, extra: Partial<CliOptions> = {}): Promise<Comparison> {
  const dir = tempDir();
  const b = writeFixtureRun(dir, 'processing-rate-20260101T000000Z', base);
  const r = writeFixtureRun(dir, 'processing-rate-20260101T000500Z', run);
  const { comparison } = await loadComparison(options(b.summary, r.summary, extra), () => undefined);
  return comparison;
}

function row(c: Comparison, id: string): FigureRow {
  const r = c.figures.find((f) => f.id === id);
  assert.ok(r, `a row for ${id}`);
  return r;
}

function regressed(c: Comparison): string[] {
  return c.figures.filter((f) => f.verdict === 'regression').map((f) => f.id);
}

test('no change: a run compared with a copy of itself has nothing worse and every threshold kept', async () => {
  const c = await pair({ seed: 1 }, { seed: 1 });
  assert.deepEqual(c.regressions, []);
  assert.ok(c.rules.length > 0);
  assert.ok(c.rules.every((r) => r.change === 'kept_passing'), JSON.stringify(c.rules.filter((r) => r.change !== 'kept_passing')));
  for (const id of ['queue_admission_wait', 'queue_wait_estimate_error', 'queue_socket_connect', 'login_duration', 'arrival_lag']) {
    const f = row(c, id);
    assert.equal(f.change, 0, id);
    assert.equal(f.verdict, 'ok', id);
    assert.equal(f.test?.p, 1, `${id}: identical samples, p = 1`);
  }
});

test('noise only: twelve pairs of independent runs of one room, none flagged', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const c = await pair({ seed }, { seed: seed + 1000 });
    assert.deepEqual(c.regressions.map((r) => r.line), [], `seeds ${seed} and ${seed + 1000}`);
    // The processor's phase differs between the runs, so waits do move: within noise or the tolerance.
    assert.notEqual(row(c, 'queue_admission_wait').change, 0);
  }
});

test('a slower processor: admissions per second and the wait are flagged, beyond noise', async () => {
  const c = await pair({ seed: 3 }, { seed: 4, waitFactor: 1.6 });
  assert.ok(regressed(c).includes('queue_admission_wait'), regressed(c).join(','));
  assert.ok(regressed(c).includes('admissions_per_second'), regressed(c).join(','));
  const wait = row(c, 'queue_admission_wait');
  assert.ok(wait.significantWorse === true && wait.test!.p < c.alpha, wait.testNote);
  assert.ok(wait.bands !== undefined && wait.bands.every((b) => b.run! > b.base!), 'every band of positions waits longer');
  assert.ok(c.regressions.some((r) => /^wait for admission p\(95\): .* → .*tolerance p\(95\) \+10% \+2000ms; p[=<]/.test(r.line)), c.regressions.map((r) => r.line).join('\n'));
  assert.equal(row(c, 'login_duration').verdict, 'ok');
});

test('slower logins: the login time and the arrival-to-check time are flagged, the queue figures are not', async () => {
  const c = await pair({ seed: 5 }, { seed: 6, loginMs: 1500 });
  assert.deepEqual(regressed(c).sort(), ['arrival_lag', 'login_duration']);
  assert.ok(row(c, 'login_duration').test!.p < 1e-6);
});

test('wrong estimates: the estimate error is flagged and its threshold newly fails', async () => {
  const c = await pair({ seed: 7 }, { seed: 8, estimateOffsetMs: 30_000 });
  assert.deepEqual(regressed(c), ['queue_wait_estimate_error']);
  const rule = c.rules.find((r) => r.metric === 'queue_wait_estimate_error');
  assert.equal(rule?.change, 'newly_failing');
  assert.equal(rule?.base?.state, 'passed');
  assert.equal(rule?.run?.state, 'failed');
  assert.ok(c.regressions.some((r) => r.name === 'threshold queue_wait_estimate_error p(95)<=4000'), c.regressions.map((r) => r.name).join(', '));
});

test('errors: one HTTP error where there were none is a regression (count +0), with no sample test', async () => {
  const c = await pair({ seed: 9 }, { seed: 10, httpErrors: 1 });
  const f = row(c, 'queue_http_errors');
  assert.equal(f.verdict, 'regression');
  assert.equal(f.test, null);
  assert.equal(c.rules.find((r) => r.metric === 'queue_http_errors')?.change, 'newly_failing');
});

test('a newly failing threshold alone is a regression; a newly passing one and one not judged in a run are not', async () => {
  const c = await pair(
    { seed: 11, force: { 'queue_admission_late count==0': 'failed', 'queue_batch_size max<=5': 'passed' } },
    { seed: 12, force: { 'queue_admission_late count==0': 'passed', 'queue_batch_size max<=5': 'failed', 'queue_socket_connect p(95)<2000': 'not_judged' } },
  );
  const change = (metric: string): string | undefined => c.rules.find((r) => r.metric === metric)?.change;
  assert.equal(change('queue_batch_size'), 'newly_failing');
  assert.equal(change('queue_admission_late'), 'newly_passing');
  assert.equal(change('queue_socket_connect'), 'not_judged');
  assert.match(c.rules.find((r) => r.metric === 'queue_socket_connect')!.why!, /not judged in this run: no samples/);
  assert.deepEqual(c.regressions.map((r) => r.name), ['threshold queue_batch_size max<=5']);
  assert.deepEqual(regressed(c), []);
  // Changes are listed first.
  assert.deepEqual(c.rules.slice(0, 3).map((r) => r.change), ['newly_failing', 'newly_passing', 'not_judged']);
});

test('older run files without queue_k6.rules: states from k6\'s threshold results', async () => {
  const c = await pair({ seed: 13, ruleFormat: 'summary' }, { seed: 14, ruleFormat: 'summary', estimateOffsetMs: 30_000 });
  assert.deepEqual(c.ruleSources, { base: 'summary', run: 'summary' });
  assert.equal(c.rules.find((r) => r.metric === 'queue_wait_estimate_error')?.change, 'newly_failing');
  assert.ok(c.rules.filter((r) => r.change === 'kept_passing').length >= 5);
});

test('runs of different users, threshold or interval are refused; FORCE compares them and lists the differences', async () => {
  await assert.rejects(pair({ seed: 15 }, { seed: 16, users: 30 }), (err: Error) => {
    assert.ok(err instanceof RefusedError);
    assert.match(err.message, /these runs differ in users \(base 40, run 30\): .* set FORCE=1 \(--force\)/);
    return true;
  });
  await assert.rejects(pair({ seed: 15 }, { seed: 16, threshold: 8, intervalMs: 3000 }), /queue threshold \(base 5, run 8\), processor interval \(ms\) \(base 2000, run 3000\)/);
  await assert.rejects(pair({ seed: 15 }, { seed: 16, scenario: 'mass-burst' }), /scenario \(base processing-rate, run mass-burst\)/);
  const forced = await pair({ seed: 15 }, { seed: 16, users: 30 }, { force: true });
  assert.deepEqual(forced.blocking, [{ what: 'users', base: '40', run: '30' }]);
  assert.equal(forced.forced, true);
  // Differences that do not make runs incomparable are listed, never refused.
  const other = await pair({ seed: 17 }, { seed: 18, k6Version: 'k6 v0.46.0' });
  assert.deepEqual(other.blocking, []);
  assert.ok(other.other.some((d) => d.what === 'k6' && d.run === 'k6 v0.46.0'));
});

test('without samples the figures come from the summaries and are judged on the tolerance alone', async () => {
  const c = await pair({ seed: 19 }, { seed: 20, waitFactor: 1.6 }, { noSamples: true });
  const wait = row(c, 'queue_admission_wait');
  assert.equal(wait.test, null);
  assert.equal(wait.verdict, 'regression');
  assert.match(wait.why, /judged on the tolerance alone \(no samples file in either run\)/);
  assert.equal(row(c, 'login_duration').verdict, 'not_compared');
  assert.match(row(c, 'login_duration').why, /has no samples file/);
});

test('server CPU-seconds per admitted user: compared when a run measured it, flagged past its tolerance, absent otherwise', async () => {
  const same = await pair({ seed: 21, serverCpuSeconds: 4 }, { seed: 22, serverCpuSeconds: 4.4 });
  assert.equal(row(same, 'server_cpu_seconds_per_user').verdict, 'ok');
  const worse = await pair({ seed: 21, serverCpuSeconds: 4 }, { seed: 22, serverCpuSeconds: 8 });
  const f = row(worse, 'server_cpu_seconds_per_user');
  assert.equal(f.verdict, 'regression');
  assert.deepEqual(regressed(worse), ['server_cpu_seconds_per_user']);
  const none = await pair({ seed: 21 }, { seed: 22 });
  assert.equal(none.figures.find((r) => r.id === 'server_cpu_seconds_per_user'), undefined);
});
