// The capacity scenario (docs/capacity.md) end to end on the Node runner,
// against the reference room started by the test:
// 1. the correct room under the hostile switch, at a ramp this machine holds,
//    with REQUIRED_USERS: exit 0, the requirement met, no false break, and the
//    exact knee from the samples says so too;
// 2. a room that breaks early (waits past WAIT_MAX_MS: a threshold of 2, a long
//    dwell): exit 99 on queue_capacity_breaks{cause:wait_bound}, the exact knee
//    names the same cause, it held fewer users than the correct room, and the
//    report draws the break and the last healthy window where they were
//    (checked in Chromium when it is installed);
// 3. a room that admits without telling (silent-admission): exit 99 on
//    not_told, found by the VUs' admission watch within NOTIFY_GRACE_MS of the
//    admission rather than at WAIT_MAX_MS;
// 4. a load generator that cannot keep the rate (one VU, one HTTP slot, calls
//    slowed by the hostile switch): exit 99 on the generator's rule, and the
//    answer claims no room capacity;
// 5. the parameter contradictions: exit 107, one line each.
// CAPACITY_MATRIX=1 (make test-capacity) adds, through tools/run-scenario.sh as
// make runs it: the ramp split over two k6 instances (the verdict's knee over
// both instances' samples), the busy room (a room cause, never the generator),
// and the knee of one room process against two, printed side by side.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capacityOfFiles, writeCapacity } from '../../capacity/cli.ts';
import { makeReport } from '../../report/report.ts';
import { esc } from '../../report/svg.ts';
import { chromiumMissing } from '../support/chromium.ts';
import { checkReportInBrowser } from '../support/report-browser.ts';
import type { CapacityResult } from '../../lib/capacity/types.ts';
import { explain, ROOT, runK6, runScenario, type RunResult } from '../support/scenario.ts';

const SAMPLES = ['--out', 'json=results/run.ndjson.gz'];
const BASE = { RESULTS_PREFIX: 'results/run', SERVER_METRICS_URLS: 'room={API_URL}/metrics', SERVER_SAMPLE_MS: '1000' };

async function knee(r: RunResult): Promise<CapacityResult> {
  assert.ok(r.resultsDir !== undefined);
  const json = readdirSync(r.resultsDir!).filter((f) => f.endsWith('.json')).map((f) => join(r.resultsDir!, f));
  return capacityOfFiles(json);
}

const inRun = (r: RunResult): CapacityResult | undefined => (r.summary as { queue_k6?: { capacity?: CapacityResult } } | undefined)?.queue_k6?.capacity;

let correctHeld = 0;

const ruleState = (r: RunResult, metric: string): string | undefined =>
  (r.summary as { queue_k6?: { rules?: Array<{ metric: string; state: string }> } } | undefined)?.queue_k6?.rules?.find((o) => o.metric === metric)?.state;

/**
 * The page make capacity writes for this run (the exact knee written into the
 * results file, then report/): the section says the same line, and in Chromium
 * the first break and the last healthy window are drawn where they happened,
 * with no label cut off or overlapping.
 */
async function reportShowsTheBreak(r: RunResult, exact: CapacityResult): Promise<void> {
  const summaryPath = join(r.resultsDir!, 'run.json');
  await writeCapacity(summaryPath, exact);
  const made = await makeReport({ summaryPath, samplePaths: [join(r.resultsDir!, 'run.ndjson.gz')] });
  const html = readFileSync(made.outPath, 'utf8');
  assert.ok(html.includes(`data-capacity-line="">${esc(exact.line)}<`), 'the report\'s answer is not the exact line');
  for (const chart of ['capacity-time', 'capacity-connect']) assert.ok(html.includes(`data-chart="${chart}"`), `no ${chart} chart`);
  // Nobody was admitted from the queue before this break (arrivals take the freed slots): the page says so.
  const told = exact.series?.notifyDelayP95Ms.some((v) => v !== null) ?? false;
  assert.ok(told ? html.includes('data-chart="capacity-notify"') : html.includes('No notification delay was measured in any window'), `notify delays ${JSON.stringify(exact.series?.notifyDelayP95Ms)}`);
  if (chromiumMissing() !== undefined) return;
  const seen = await checkReportInBrowser(made.outPath, { verdict: 'fail', screenshot: join(ROOT, 'results/capacity-break.png') });
  const b = seen.capacity?.break;
  assert.equal(b?.cause, exact.firstBreak?.cause);
  assert.ok(b?.drawnT !== null && b?.drawnT !== undefined && Math.abs(b.drawnT - exact.firstBreak!.atS) <= 0.5, `break drawn at ${b?.drawnT} s, it happened at ${exact.firstBreak?.atS} s`);
  const h = seen.capacity?.held;
  assert.ok(h !== null && h !== undefined && exact.held !== null, 'no last healthy window drawn');
  assert.ok(Math.abs((h.drawnFrom ?? NaN) - exact.held.fromS) <= 0.5 && Math.abs((h.drawnTo ?? NaN) - exact.held.toS) <= 0.5, `healthy window drawn ${h.drawnFrom}–${h.drawnTo} s, it was ${exact.held.fromS}–${exact.held.toS} s`);
}

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
    // Every user admitted from the queue was timed by its VU's admission watch (probes are on here).
    const delays = r.summary?.metrics['queue_notify_delay']?.values.count ?? 0;
    const fromQueue = r.summary?.metrics['queue_admitted_from_queue']?.values.count ?? 0;
    assert.ok(fromQueue > 0, explain(r));
    assert.equal(delays, fromQueue, 'one notification delay per user admitted from the queue');
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
    await reportShowsTheBreak(r, exact);
  } finally {
    if (r.workDir !== undefined) rmSync(r.workDir, { recursive: true, force: true });
  }
});

test('a room that admits without telling (silent-admission) breaks on not_told within the grace, not at the wait bound', async () => {
  const r = await runScenario({
    scenario: 'capacity', threshold: 2, intervalMs: 1000, faults: ['silent-admission'],
    // The room's check gives a freed slot to a new arrival before the queue (queue-contract), so the queue
    // moves once the 40 arrivals are over (about 7 s); the load ends a 10 s window after the last one.
    env: { ...BASE, USERS: '40', START_RATE: '5', MAX_RATE: '20', RAMP_S: '20', WINDOW_S: '10', NOTIFY_GRACE_MS: '1500', DWELL_MS: '2000' },
    args: SAMPLES, keepResults: true, timeoutMs: 240_000,
  });
  try {
    assert.equal(r.code, 99, explain(r));
    assert.ok(r.failed.includes('queue_capacity_breaks{cause:not_told} count==0'), explain(r));
    const exact = await knee(r);
    assert.equal(exact.firstBreak?.cause, 'not_told', exact.line);
    // WAIT_MAX_MS is 60 s and the load ends long before: only the watch can find it, a poll and a grace
    // after the first admission from the queue.
    assert.ok((exact.firstBreak?.atS ?? Infinity) < 20, `${exact.line}\n${explain(r)}`);
    assert.equal(r.summary?.metrics['queue_admission_late']?.values.count ?? 0, 0, 'no wait reached its bound');
    // Judged on what the watch measured, not "not judged" for want of a judged wait.
    assert.equal(ruleState(r, 'queue_capacity_breaks{cause:not_told}'), 'failed', explain(r));
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

const MATRIX = process.env.CAPACITY_MATRIX === '1';
const matrixOnly = MATRIX ? false : 'CAPACITY_MATRIX=1 (make test-capacity)';

interface MadeRun { code: number | null; out: string; capacity: CapacityResult | undefined; failed: string[] }

/** `make capacity` with these parameters: the room, its Redis and the run started by tools/run-scenario.sh. */
async function makeCapacity(env: Record<string, string>): Promise<MadeRun> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-capacity-'));
  try {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('bash', [join(ROOT, 'tools/run-scenario.sh'), 'capacity'], {
        cwd: ROOT, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, RESULTS_DIR: dir, RUN_DIR: join(dir, 'run'), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (b: Buffer) => { text += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { text += b.toString(); });
      const timer = setTimeout(() => { child.kill('SIGTERM'); reject(new Error(`make capacity did not finish within 8 minutes\n${text.slice(-3000)}`)); }, 480_000);
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (c) => { clearTimeout(timer); resolve({ code: c, out: text }); });
    });
    const files = readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.disruption.json'));
    const main = files.find((f) => f.endsWith('-verdict.json')) ?? files.find((f) => !/-i\d+of\d+\.json$/.test(f));
    const data = main === undefined ? undefined : (JSON.parse(readFileSync(join(dir, main), 'utf8')) as { metrics?: Record<string, { thresholds?: Record<string, { ok: boolean }> }>; queue_k6?: { capacity?: CapacityResult } });
    const failed: string[] = [];
    for (const [k, m] of Object.entries(data?.metrics ?? {})) for (const [e, t] of Object.entries(m.thresholds ?? {})) if (!t.ok) failed.push(`${k} ${e}`);
    return { code, out, capacity: data?.queue_k6?.capacity, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('split over two k6 instances: the verdict passes and its knee covers both instances\' samples', { skip: matrixOnly }, async () => {
  const r = await makeCapacity({ INSTANCES: '2', SPLIT_START_DELAY_MS: '8000', USERS: '400', START_RATE: '5', MAX_RATE: '20', RAMP_S: '20', WINDOW_S: '5', REQUIRED_USERS: '150', QUEUE_THRESHOLD: '20' });
  assert.equal(r.code, 0, r.out.slice(-4000));
  assert.equal(r.capacity?.source, 'samples', r.out.slice(-3000));
  assert.equal(r.capacity?.requirement?.met, true, r.capacity?.line);
  assert.match(r.out, /capacity: requirement \(150 users\) met: the room held/);
});

test('the busy room breaks on a room cause, not on the generator', { skip: matrixOnly }, async () => {
  const r = await makeCapacity({ TARGET_FAULTS: 'busy-room', BUSY_MS: '25', USERS: '2000', START_RATE: '5', MAX_RATE: '60', RAMP_S: '30', WINDOW_S: '5', QUEUE_THRESHOLD: '20' });
  assert.equal(r.code, 99, r.out.slice(-4000));
  assert.equal(r.capacity?.outcome, 'broke', r.capacity?.line);
  assert.ok(r.failed.some((f) => /queue_capacity_breaks\{cause:(server_lag|connect_time|errors|wait_bound|not_told)\}/.test(f)), r.failed.join(', '));
  assert.notEqual(r.capacity?.firstBreak?.cause, undefined);
});

test('one room process against two: both knees are reported (figures printed, not compared by time)', { skip: matrixOnly }, async (t) => {
  // HTTP_CONCURRENCY=100: the VUs' HTTP slots must not be what runs out first (with 8, the generator saturated before either room).
  const ramp = { USERS: '6000', START_RATE: '10', MAX_RATE: '200', RAMP_S: '40', WINDOW_S: '5', QUEUE_THRESHOLD: '50', USERS_PER_VU: '50', HTTP_CONCURRENCY: '100' };
  const lines: string[] = [];
  for (const processes of ['1', '2']) {
    const r = await makeCapacity({ ...ramp, TARGET_PROCESSES: processes });
    assert.ok(r.capacity !== undefined && r.capacity.source === 'samples', r.out.slice(-3000));
    assert.ok(['broke', 'held', 'generator'].includes(r.capacity.outcome), r.capacity.line);
    lines.push(`TARGET_PROCESSES=${processes}: ${r.capacity.line}`);
  }
  for (const l of lines) t.diagnostic(l);
});
