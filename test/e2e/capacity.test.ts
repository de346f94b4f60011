// The capacity scenario (docs/capacity.md) end to end on the Node runner,
// against the reference room started by the test:
// 1. the correct room under the hostile switch, at a ramp this machine holds,
//    with REQUIRED_USERS: exit 0, the requirement met, no false break, and the
//    exact knee from the samples says so too;
// 2. a room that breaks early (waits past WAIT_MAX_MS: a threshold of 2, a long
//    dwell): exit 99 on queue_capacity_breaks{cause:wait_bound}, the exact knee
//    names the same cause, and it held fewer users than the correct room;
// 3. a load generator that cannot keep the rate (one VU, one HTTP slot, calls
//    slowed by the hostile switch): exit 99 on the generator's rule, and the
//    answer claims no room capacity;
// 4. the parameter contradictions: exit 107, one line each.
// The two-process knee and the busy room are in `make test-capacity`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { capacityOfFiles } from '../../capacity/cli.ts';
import type { CapacityResult } from '../../lib/capacity/types.ts';
import { explain, runK6, runScenario, type RunResult } from '../support/scenario.ts';

const SAMPLES = ['--out', 'json=results/run.ndjson.gz'];
const BASE = { RESULTS_PREFIX: 'results/run', SERVER_METRICS_URLS: 'room={API_URL}/metrics', SERVER_SAMPLE_MS: '1000' };

async function knee(r: RunResult): Promise<CapacityResult> {
  assert.ok(r.resultsDir !== undefined);
  const json = readdirSync(r.resultsDir!).filter((f) => f.endsWith('.json')).map((f) => join(r.resultsDir!, f));
  return capacityOfFiles(json);
}

const inRun = (r: RunResult): CapacityResult | undefined => (r.summary as { queue_k6?: { capacity?: CapacityResult } } | undefined)?.queue_k6?.capacity;

let correctHeld = 0;

test('correct room, a ramp it holds, under the hostile switch: the requirement is met, nothing breaks', async () => {
  const r = await runScenario({
    scenario: 'capacity', threshold: 20, intervalMs: 1000, spread: 'seed=11,max=150ms',
    env: { ...BASE, USERS: '400', START_RATE: '5', MAX_RATE: '20', RAMP_S: '20', WINDOW_S: '5', REQUIRED_USERS: '150', DWELL_MS: '2000' },
    args: SAMPLES, keepResults: true, timeoutMs: 240_000,
  });
  try {
    assert.equal(r.code, 0, explain(r));
    assert.deepEqual(r.failed, [], explain(r));
    const mine = inRun(r);
    assert.equal(mine?.outcome, 'held', explain(r));
    assert.equal(mine?.requirement?.met, true);
    assert.match(r.stdout + r.stderr, /capacity \(in-run\): requirement met: nothing broke/);
    const exact = await knee(r);
    assert.equal(exact.outcome, 'held', exact.line);
    assert.equal(exact.requirement?.met, true, exact.line);
    assert.deepEqual(exact.breaks, [], exact.line);
    assert.match(exact.line, /^capacity: requirement \(150 users\) met: the room held \d+ waiting users \(\d+ open sockets\) at [\d.]+ arrivals\/s/);
    assert.ok(exact.held !== null && exact.held.users > 0);
    correctHeld = exact.held.users;
  } finally {
    if (r.workDir !== undefined) rmSync(r.workDir, { recursive: true, force: true });
  }
});

test('a room that breaks early (waits past WAIT_MAX_MS) fails on that cause, with a lower knee', async () => {
  const r = await runScenario({
    scenario: 'capacity', threshold: 2, intervalMs: 1000,
    env: { ...BASE, USERS: '600', START_RATE: '5', MAX_RATE: '20', RAMP_S: '20', WINDOW_S: '5', WAIT_MAX_MS: '2000', DWELL_MS: '4000' },
    args: SAMPLES, keepResults: true, timeoutMs: 240_000,
  });
  try {
    assert.equal(r.code, 99, explain(r));
    assert.ok(r.failed.includes('queue_capacity_breaks{cause:wait_bound} count==0'), explain(r));
    assert.match(r.stderr, /at least one has abortOnFail enabled, stopping test prematurely/);
    assert.equal(inRun(r)?.outcome, 'broke');
    const exact = await knee(r);
    assert.equal(exact.outcome, 'broke', exact.line);
    assert.equal(exact.firstBreak?.cause, 'wait_bound', exact.line);
    assert.match(exact.line, /the first to break, at [\d.]+ s, was waits past their bound \([\d.]+ % of \d+ queued users waited past their bound > 5\.0 %\)/);
    // It stopped early: well before the 20 s ramp's 600 users had all arrived.
    assert.ok((r.summary?.metrics['queue_arrival_lag']?.values.count ?? 0) < 400, 'the run went on after the break');
    if (correctHeld > 0) assert.ok((exact.held?.users ?? 0) < correctHeld, `early knee ${exact.held?.users} vs correct ${correctHeld}`);
  } finally {
    if (r.workDir !== undefined) rmSync(r.workDir, { recursive: true, force: true });
  }
});

test('a generator that cannot keep the rate is reported as such, never as the room\'s capacity', async () => {
  const r = await runScenario({
    scenario: 'capacity', threshold: 50, intervalMs: 1000, spread: 'seed=3,max=120ms',
    env: { ...BASE, USERS: '400', USERS_PER_VU: '400', HTTP_CONCURRENCY: '1', START_RATE: '10', MAX_RATE: '60', RAMP_S: '15', WINDOW_S: '3' },
    args: SAMPLES, keepResults: true, timeoutMs: 240_000,
  });
  try {
    assert.equal(r.code, 99, explain(r));
    assert.ok(r.failed.includes('queue_capacity_breaks{cause:generator} count==0'), explain(r));
    assert.equal(inRun(r)?.outcome, 'generator');
    assert.ok((r.summary?.metrics['queue_arrivals_dropped']?.values.count ?? 0) > 0);
    const exact = await knee(r);
    assert.equal(exact.outcome, 'generator', exact.line);
    assert.match(exact.line, /^capacity: the load generator saturated at [\d.]+ arrivals\/s .* this is not the room's capacity: add instances/);
    assert.doesNotMatch(exact.line, /the room held/);
  } finally {
    if (r.workDir !== undefined) rmSync(r.workDir, { recursive: true, force: true });
  }
});

test('contradictory ramp parameters stop at init with one line each (exit 107)', async () => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ START_RATE: '10', MAX_RATE: '5' }, /invalid MAX_RATE; reason: the maximum rate \(5\/s\) is below START_RATE \(10\/s\)/],
    [{ RAMP_S: '0' }, /invalid RAMP_S; reason: the ramp must last at least 1 s/],
    [{ USERS: '100', REQUIRED_USERS: '200' }, /invalid REQUIRED_USERS; reason: the requirement \(200\) is above USERS \(100\)/],
    [{ RAMP_S: '10', WINDOW_S: '30' }, /invalid WINDOW_S; reason: a window of 30 s is longer than the ramp/],
  ];
  for (const [env, says] of cases) {
    const r = await runK6('capacity', { USER_PASSWORD: 'x', API_URL: 'http://127.0.0.1:9', REDIS_URL: '', QUEUE_K6_RUNTIME: 'node', ...env }, 60_000);
    assert.equal(r.code, 107, `${JSON.stringify(env)}: ${explain(r)}`);
    const errors = r.stderr.split('\n').filter((l) => /^ERRO\[\d{4}\]|level=error/.test(l));
    assert.equal(errors.length, 1, r.stderr);
    assert.match(errors[0]!, says);
    assert.doesNotMatch(r.stderr, /^\s+at /m);
  }
});
