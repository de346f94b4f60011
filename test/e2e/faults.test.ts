// The fault matrix: each defect of the contract, switched on in the reference
// target, makes the scenario meant for it fail on the threshold meant for it,
// at the scenario's own defaults (what `make scenario-N` runs), with the
// processor's first tick at a random phase, on every run. No case is tuned to
// its fault: the scenarios make the faults show (holders keep slots across a
// tick; check-race sends every check at once).
// One case is the contract's own behaviour rather than a fault: the active
// set's single TTL, set below the scenario's dwell so that it runs out under
// users holding their slots (in the contract it is 300 s).
//
// FAULT_RUNS (default 1) runs each case that many times, and also runs each
// scenario against the correct target that many times when above 1;
// OVER_ADMIT_RUNS (default 3) for over-admit, the fault that once escaped on
// the timer's phase. `make test-faults` runs the full matrix (5 of each).
//
// Each case runs with the runner's hostile switch on (QUEUE_RUNNER_SPREAD,
// docs/runner.md: each VU's requests and socket events spread by seeded delays
// up to HOSTILE_MAX, default 200ms), so no fault is caught only because the
// load generator's requests all arrive at once; with FAULT_RUNS > 1 (make
// test-faults) also as the runner sends by default.
// Run k of a case uses seed HOSTILE_SEED (default 1) + case number + k * cases.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explain, ROOT, runScenario, type RunResult } from '../support/scenario.ts';
import { loadConfig } from '../../lib/config.ts';
import { estimateToleranceMs } from '../../lib/rules/build.ts';

interface Defaults { users: number; queueThreshold: number; processorIntervalMs: number; dwellMs: number; arrivalDelayMs: number }
const defaults = JSON.parse(readFileSync(join(ROOT, 'scenarios/defaults.json'), 'utf8')) as Record<string, Defaults>;

function runs(name: string, fallback: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`invalid ${name}; reason: expected an integer >= 1, got ${JSON.stringify(v)}`);
  return Number(v);
}
const FAULT_RUNS = runs('FAULT_RUNS', 1);
const HOSTILE_MAX = process.env.HOSTILE_MAX === undefined || process.env.HOSTILE_MAX === '' ? '200ms' : process.env.HOSTILE_MAX;
if (!/^\d+(ms|s)?$/.test(HOSTILE_MAX)) throw new Error(`invalid HOSTILE_MAX; reason: expected a duration such as 200ms or 1s, got ${JSON.stringify(HOSTILE_MAX)}`);
const HOSTILE_SEED = process.env.HOSTILE_SEED === undefined || process.env.HOSTILE_SEED === '' ? 1 : runs('HOSTILE_SEED', 1);
const OVER_ADMIT_RUNS = runs('OVER_ADMIT_RUNS', Math.max(3, FAULT_RUNS));

interface Case {
  /** The fault switched on; null for none (with no ttlS either: the correct target). */
  fault: string | null;
  /**
   * Not a fault but the contract's own behaviour, brought within the run: the
   * room's active set gets this one TTL in seconds (TARGET_ACTIVE_TTL_S), below
   * the scenario's dwell, so it expires under users holding their slots.
   */
  ttlS?: number;
  scenario: string;
  /** The threshold (metric and expression, as the summary names it) that must fail. */
  failsOn: (d: Defaults) => string;
  /** A line the diagnosis must print, when the fault has a plain-language reading. */
  says?: RegExp;
}

const CASES: Case[] = [
  { fault: 'racy-admission', scenario: 'mass-burst', failsOn: (d) => `queue_admitted_immediately count==${d.queueThreshold}` },
  { fault: 'racy-admission', scenario: 'check-race', failsOn: (d) => `queue_admitted_immediately count==${d.queueThreshold}` },
  { fault: 'over-admit', scenario: 'processing-rate', failsOn: () => 'queue_invariant_violations{kind:batch_over_free_slots} count==0', says: /invariant batch_over_free_slots broken/ },
  { fault: 'silent-admission', scenario: 'processing-rate', failsOn: () => 'queue_invariant_violations{kind:silent_admission} count==0', says: /admitted without being told \(silent admission, defect 2\)/ },
  { fault: 'no-release', scenario: 'processing-rate', failsOn: () => 'queue_admission_timeouts count==0', says: /the queue starved/ },
  { fault: 'stalled-processor', scenario: 'processing-rate', failsOn: () => 'queue_admission_timeouts count==0', says: /the processor looks stalled/ },
  { fault: 'lifo', scenario: 'processing-rate', failsOn: () => 'queue_invariant_violations{kind:fifo} count==0', says: /invariant fifo broken/ },
  { fault: 'wrong-estimate', scenario: 'processing-rate', failsOn: (d) => `queue_wait_estimate_error p(95)<=${estimateToleranceMs(loadConfig('processing-rate', d, {}))}` },
  { fault: 'requeue-on-reconnect', scenario: 'reconnect', failsOn: () => 'queue_invariant_violations{kind:score_changed} count==0', says: /invariant score_changed broken/ },
  { fault: 'no-session-restore', scenario: 'reconnect', failsOn: () => 'queue_session_restored rate==1' },
  // processing-rate's dwell is 2 s and its ticks 5 s apart: a batch's users leave at least
  // 2 s after their batch was added, the last add, so a 1 s TTL has always run out by then.
  { fault: null, ttlS: 1, scenario: 'processing-rate', failsOn: () => 'queue_invariant_violations{kind:admission_expired} count==0', says: /invariant admission_expired broken/ },
];

function caseName(c: Case): string {
  if (c.ttlS !== undefined) return `the active set's one TTL at ${c.ttlS} s`;
  return c.fault ?? '(none: correct target)';
}

function isCorrect(c: Case): boolean {
  return c.fault === null && c.ttlS === undefined;
}

const table: string[] = [];
after(() => {
  // The matrix, for the log (and a closing note): one line per case.
  console.log(['', '| fault | scenario | spread | threshold that must fail | failed on it |', '| --- | --- | --- | --- | --- |', ...table].join('\n'));
});

function record(c: Case, results: RunResult[], expected: string, seeds: number[] | null): void {
  const hits = results.filter((r) => (isCorrect(c) ? r.code === 0 : r.code === 99 && r.failed.includes(expected))).length;
  const spread = seeds === null ? 'off' : `seed ${seeds.slice(0, results.length).join(', ')}, max ${HOSTILE_MAX}`;
  table.push(`| ${caseName(c)} | ${c.scenario} | ${spread} | ${isCorrect(c) ? 'none (exit 0)' : expected} | ${hits} of ${results.length} |`);
}

/** seeds: one QUEUE_RUNNER_SPREAD seed per run (the hostile switch on), or null (off). */
async function runCase(c: Case, times: number, seeds: number[] | null = null): Promise<void> {
  const d = defaults[c.scenario]!;
  const expected = c.failsOn(d);
  const results: RunResult[] = [];
  try {
    for (let i = 0; i < times; i++) {
      const r = await runScenario({
        scenario: c.scenario,
        threshold: d.queueThreshold,
        intervalMs: d.processorIntervalMs,
        faults: c.fault === null ? [] : [c.fault],
        phaseMs: 'random',
        ...(c.ttlS !== undefined ? { activeTtlSeconds: c.ttlS } : {}),
        timeoutMs: 300_000,
        spread: seeds === null ? '' : `seed=${seeds[i]!},max=${HOSTILE_MAX}`,
      });
      results.push(r);
      if (isCorrect(c)) {
        assert.equal(r.code, 0, `run ${i + 1} of ${times}: ${explain(r)}`);
        continue;
      }
      assert.equal(r.code, 99, `run ${i + 1} of ${times}: ${explain(r)}`);
      assert.match(r.stderr, /thresholds on metrics '.*' have been crossed/);
      assert.ok(r.failed.includes(expected), `run ${i + 1} of ${times}: expected "${expected}" among the failed thresholds\n${explain(r)}`);
      if (c.says) assert.match(r.stdout, c.says, `run ${i + 1} of ${times}: the diagnosis should say so\n${explain(r)}`);
    }
  } finally {
    record(c, results, expected, seeds);
  }
}

CASES.forEach((c, k) => {
  const times = c.fault === 'over-admit' ? OVER_ADMIT_RUNS : FAULT_RUNS;
  // CI (FAULT_RUNS=1) runs each case once, with the switch on; make test-faults runs both ways.
  if (FAULT_RUNS > 1) test(`${caseName(c)} fails ${c.scenario} on ${c.failsOn(defaults[c.scenario]!)} (${times} run(s), random phase, scenario defaults)`, () => runCase(c, times));
  const seeds = Array.from({ length: times }, (_, i) => HOSTILE_SEED + k + i * CASES.length);
  test(`${caseName(c)} fails ${c.scenario} on ${c.failsOn(defaults[c.scenario]!)} with the hostile spread (seed ${seeds.join(', ')}, max ${HOSTILE_MAX})`, () => runCase(c, times, seeds));
});

if (FAULT_RUNS > 1) {
  for (const scenario of ['threshold-overflow', 'processing-rate', 'mass-burst', 'reconnect', 'check-race']) {
    test(`the correct target passes ${scenario} (${FAULT_RUNS} runs, random phase)`, () => runCase({ fault: null, scenario, failsOn: () => '' }, FAULT_RUNS));
  }
}
