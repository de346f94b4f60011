// Rules are judged, or reported as not judged: for each kind of need, a run
// where it is missing, against the reference room. What nothing measured is
// never a ✓: not in the text summary, not in JUnit, not in the results file,
// not in make verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { explain, ROOT, runScenario } from '../support/scenario.ts';

interface Outcome { metric: string; expression: string; state: string; reason?: string }
type WithRules = { queue_k6?: { rules?: Outcome[] } };

function rulesOf(summary: unknown): Outcome[] {
  return (summary as WithRules).queue_k6?.rules ?? [];
}

test('probes off: every rule that reads Redis is not judged, in the text, JUnit, the results file and the verdict', async () => {
  const r = await runScenario({ scenario: 'threshold-overflow', threshold: 10, intervalMs: 10_000, env: { REDIS_URL: '' }, keepResults: true, timeoutMs: 180_000 });
  try {
    assert.equal(r.code, 0, explain(r));
    const rules = rulesOf(r.summary);
    const byKey = (k: string) => rules.find((o) => o.metric === k);
    for (const key of ['queue_invariant_violations{kind:fifo}', 'queue_invariant_violations{kind:state_mismatch}', 'queue_invariant_violations{kind:queued_and_active}', 'queue_position_error', 'queue_probe_active']) {
      assert.equal(byKey(key)?.state, 'not_judged', key);
      assert.match(byKey(key)!.reason ?? '', /Redis probes/, key);
    }
    assert.equal(byKey('queue_admitted_immediately')?.state, 'passed', 'what the users measured is still judged');
    // No server source (SERVER_METRICS_URLS and PROMETHEUS_URL unset): the server rules are not judged, with the reason.
    for (const key of ['queue_server_eventloop_lag', 'queue_server_scrape_errors', 'queue_server_samples_missing']) {
      assert.equal(byKey(key)?.state, 'not_judged', key);
      assert.match(byKey(key)!.reason ?? '', /needs a server source, and none was configured/, key);
    }
    assert.match(r.stdout, /queue_server_eventloop_lag p\(95\)<=300: needs a server source/);
    assert.match(r.stdout, /NOT JUDGED \(\d+\)/);
    assert.match(r.stdout, /queue_invariant_violations\{kind:fifo\} count==0: needs the Redis probes/);
    assert.doesNotMatch(r.stdout, /✓ \{ kind:fifo \}/, 'no ✓ for what nothing measured');
    assert.match(r.junit ?? '', /classname="queue_invariant_violations\{kind:fifo\}" name="count==0">\s*<skipped message="not judged: needs the Redis probes/);
    const json = readdirSync(r.resultsDir!).find((f) => f.endsWith('.json') && !f.includes('verdict'))!;
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'verdict/cli.ts'), join(r.resultsDir!, json), '--out', join(r.workDir!, 'verdict')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    assert.match(out, /not judged: queue_invariant_violations\{kind:fifo\} count==0: needs the Redis probes/, out);
  } finally {
    rmSync(r.workDir!, { recursive: true, force: true });
  }
});

test('queued users and no batch heard: the cadence is not judged, and the run fails on the missing batches instead', async () => {
  const r = await runScenario({
    scenario: 'processing-rate', threshold: 5, intervalMs: 2000, faults: ['stalled-processor'],
    env: { USERS: '8', ADMISSION_TIMEOUT_MS: '6000', DWELL_MS: '500' }, timeoutMs: 180_000,
  });
  assert.notEqual(r.code, 0, explain(r));
  const rules = rulesOf(r.summary);
  const tick = rules.find((o) => o.metric === 'queue_tick_irregular');
  assert.equal(tick?.state, 'not_judged', JSON.stringify(tick));
  assert.match(tick!.reason ?? '', /queue_tick_interval/);
  assert.equal(rules.find((o) => o.metric === 'queue_samples_missing')?.state, 'failed');
  assert.equal(rules.find((o) => o.metric === 'queue_batch_size')?.state, 'not_judged');
  assert.doesNotMatch(r.stdout, /threshold queue_tick_irregular/, 'no cause is given for a rule that nothing measured');
  assert.match(r.stdout, /threshold queue_samples_missing count==0 failed: users were queued but the observer in the room heard no processor batch/);
});
