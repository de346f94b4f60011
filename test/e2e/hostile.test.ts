// The hostile matrix: every scenario against the CORRECT reference room, on
// the Node runner with its hostile switch on (QUEUE_RUNNER_SPREAD, see
// docs/runner.md): each VU's requests, their answers and its sockets' events
// reach the other side spread out by seeded random delays, as on real k6,
// where a VU's checks do not all reach the target before the first answers
// come back (shared/k6-reference/README.md, "check-race on real k6 v2.2.0").
// Each scenario runs at its defaults and at the edges of its parameters:
// DWELL_MS above the processor interval, ARRIVAL_DELAY_MS=0, USERS_PER_VU=1
// and 200, HTTP_CONCURRENCY=1 and 100 (capacity: with a requirement it holds,
// and not HTTP_CONCURRENCY=1; see its cases). The bar is no false alarm: exit 0,
// every threshold passed, and no rule left "not judged", the server's rules
// included (the room's /metrics is sampled, as under make).
//
// Cost: USERS is cut to a small number wherever the scenario's point allows
// (EDGE_USERS); one run per case, one case at a time: 35 runs of 12 to 53 s,
// about 14 minutes on a 2-core machine (the 5 defaults alone about 2). So CI
// (make test) runs the CI set, HOSTILE_EDGES=ci (the default): every
// scenario's defaults, the two recorded real-k6 cases (check-race's wide
// spread, processing-rate's long dwell) and one case of each other kind of edge
// (about 5 minutes); `make test-hostile` runs every case (HOSTILE_EDGES=all).
// HOSTILE_MAX (default 200ms) sets the largest delay (`off`: the same matrix
// with the switch off, a baseline to tell a failure of the spread's from one
// that is there anyway), HOSTILE_SEED (default 1)
// the first seed (case k uses seed HOSTILE_SEED + k, printed in its name, so
// a failure is rerun with QUEUE_RUNNER_SPREAD=seed=N,max=M), HOSTILE_RUNS
// (default 1) the runs per case (each with its own seed), HOSTILE_ONLY
// substrings of the case names to run, separated by |.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { explain, ROOT, runScenario, type RunResult } from '../support/scenario.ts';

interface Defaults { users: number; queueThreshold: number; processorIntervalMs: number; dwellMs: number; arrivalDelayMs: number }
const defaults = JSON.parse(readFileSync(join(ROOT, 'scenarios/defaults.json'), 'utf8')) as Record<string, Defaults>;

function intEnv(name: string, fallback: number, min: number): number {
  const v = process.env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`invalid ${name}; reason: expected an integer >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}
const MAX = process.env.HOSTILE_MAX === undefined || process.env.HOSTILE_MAX === '' ? '200ms' : process.env.HOSTILE_MAX;
if (MAX !== 'off' && !/^\d+(ms|s)?$/.test(MAX)) throw new Error(`invalid HOSTILE_MAX; reason: expected a duration such as 200ms or 1s, got ${JSON.stringify(MAX)}`);
const FIRST_SEED = intEnv('HOSTILE_SEED', 1, 0);
const RUNS = intEnv('HOSTILE_RUNS', 1, 1);
const ONLY = (process.env.HOSTILE_ONLY ?? '').split('|').filter((o) => o !== '');
const EDGES = process.env.HOSTILE_EDGES === undefined || process.env.HOSTILE_EDGES === '' ? 'ci' : process.env.HOSTILE_EDGES;
if (EDGES !== 'ci' && EDGES !== 'all') throw new Error(`invalid HOSTILE_EDGES; reason: expected ci or all, got ${JSON.stringify(EDGES)}`);

interface Case {
  scenario: string;
  /** What is at its edge, for the test name and the table. */
  edge: string;
  env: Record<string, string>;
  /** The spread's largest delay, when not HOSTILE_MAX. */
  max?: string;
  /** In the CI set (HOSTILE_EDGES=ci); every case runs with HOSTILE_EDGES=all. */
  ci?: boolean;
}

const SCENARIOS = ['threshold-overflow', 'processing-rate', 'mass-burst', 'reconnect', 'check-race'];
// USERS at the edges: the defaults where they are small already; mass-burst and
// check-race keep a queue twice the threshold (check-race keeps 200 where one
// VU holds them all: that is the recorded case, 200 checks of one VU).
const EDGE_USERS: Record<string, number | undefined> = { 'mass-burst': 60, 'check-race': 60 };

function users(n: number | undefined): Record<string, string> {
  return n === undefined ? {} : { USERS: String(n) };
}

const CASES: Case[] = [];
// The CI set's one case of each other kind of edge, spread over the scenarios.
const CI_EDGES: Record<string, string> = {
  'threshold-overflow': 'ARRIVAL_DELAY_MS=0',
  'mass-burst': 'USERS_PER_VU=1',
  'check-race': 'USERS_PER_VU=200',
  'processing-rate': 'HTTP_CONCURRENCY=1',
  reconnect: 'HTTP_CONCURRENCY=100',
};
for (const scenario of SCENARIOS) {
  const small = EDGE_USERS[scenario];
  CASES.push({ scenario, edge: 'defaults', env: {}, ci: true });
  if (scenario === 'processing-rate') {
    const d = defaults[scenario]!;
    // Longer than two intervals, as the recorded real-k6 run (DWELL_MS=12000 at 5 s): ticks find no free slot.
    CASES.push({ scenario, edge: `DWELL_MS=${d.processorIntervalMs * 2 + 2000} > interval ${d.processorIntervalMs}`, env: { DWELL_MS: String(d.processorIntervalMs * 2 + 2000), USERS: '15' }, ci: true });
  }
  const edges: Case[] = [];
  if (defaults[scenario]!.arrivalDelayMs !== 0) edges.push({ scenario, edge: 'ARRIVAL_DELAY_MS=0', env: { ARRIVAL_DELAY_MS: '0', ...users(small) } });
  edges.push({ scenario, edge: 'USERS_PER_VU=1', env: { USERS_PER_VU: '1', ...users(small) } });
  edges.push({ scenario, edge: 'USERS_PER_VU=200', env: { USERS_PER_VU: '200', ...users(scenario === 'check-race' ? undefined : small) } });
  edges.push({ scenario, edge: 'HTTP_CONCURRENCY=1', env: { HTTP_CONCURRENCY: '1', ...users(small) } });
  edges.push({ scenario, edge: 'HTTP_CONCURRENCY=100', env: { HTTP_CONCURRENCY: '100', ...users(small) } });
  for (const e of edges) CASES.push({ ...e, ci: CI_EDGES[scenario] === e.edge });
}
// The scenario real k6 broke, with a spread five times wider: the checks of its 200 users over a second.
CASES.push({ scenario: 'check-race', edge: 'defaults, spread max 1s', env: {}, max: '1s', ci: true });
// Capacity is a breakpoint test: at its defaults it ramps until the room (here, this machine) breaks.
// Its cases ask instead for a requirement the machine holds, as test/e2e/capacity.test.ts does in CI,
// so a break is a false alarm. HTTP_CONCURRENCY=1 is not a case: one HTTP slot for a VU's 50 arrivals
// is the load generator falling behind, which that file proves is reported as such.
const CAPACITY_HELD = { USERS: '400', START_RATE: '5', MAX_RATE: '20', RAMP_S: '20', WINDOW_S: '5', REQUIRED_USERS: '150', DWELL_MS: '2000' };
CASES.push({ scenario: 'capacity', edge: 'REQUIRED_USERS=150', env: CAPACITY_HELD });
CASES.push({ scenario: 'capacity', edge: 'REQUIRED_USERS=150, USERS_PER_VU=1', env: { ...CAPACITY_HELD, USERS_PER_VU: '1' } });
CASES.push({ scenario: 'capacity', edge: 'REQUIRED_USERS=150, USERS_PER_VU=200', env: { ...CAPACITY_HELD, USERS_PER_VU: '200' } });
CASES.push({ scenario: 'capacity', edge: 'REQUIRED_USERS=150, HTTP_CONCURRENCY=100', env: { ...CAPACITY_HELD, HTTP_CONCURRENCY: '100' } });

// Rules a scenario can never judge, with or without the spread: check-race's
// queued users leave without waiting for their admission, so the checks made
// on an admission (FIFO at the head, silent admission) never run.
const NEVER_JUDGED: Record<string, RegExp> = { 'check-race': /^queue_invariant_violations\{kind:(fifo|batch_not_atomic|silent_admission)\} / };

/** JUnit <skipped>: the rules the run reports as not judged, with the reason. */
function notJudged(r: RunResult): string[] {
  const out: string[] = [];
  const re = /<testcase classname="([^"]*)" name="([^"]*)">\s*<skipped message="([^"]*)"/g;
  for (const m of (r.junit ?? '').matchAll(re)) out.push(`${m[1]} ${m[2]} (${m[3]})`);
  return out;
}

/** Each failed threshold with the values the summary holds for its metric. */
function failures(r: RunResult): string[] {
  return r.failed.map((f) => {
    const metric = f.slice(0, f.indexOf(' '));
    const values = r.summary?.metrics[metric]?.values ?? {};
    const shown = Object.entries(values).filter(([k]) => ['count', 'rate', 'min', 'max', 'avg', 'p(95)', 'value'].includes(k));
    return `${f} [${shown.map(([k, v]) => `${k}=${Math.round(v * 1000) / 1000}`).join(' ')}]`;
  });
}

const table: string[] = [];
after(() => {
  // The matrix, for the log (and a closing note): one line per run.
  console.log(['', '| scenario | edge | seed, max | exit | s | failed thresholds [values] | not judged |', '| --- | --- | --- | --- | --- | --- | --- |', ...table].join('\n'));
});

// The CI set must hold one case of each edge kind it names.
for (const [sc, edge] of Object.entries(CI_EDGES)) if (!CASES.some((c) => c.scenario === sc && c.edge === edge)) throw new Error(`CI_EDGES names ${sc} ${edge}, which is not a case`);

CASES.forEach((c, k) => {
  const d = defaults[c.scenario]!;
  const max = MAX === 'off' ? 'off' : (c.max ?? MAX);
  const seeds = Array.from({ length: RUNS }, (_, i) => FIRST_SEED + k + i * CASES.length);
  const name = `hostile ${c.scenario}, ${c.edge} (seed ${seeds.join(', ')}, max ${max}): correct room, no false alarm`;
  const skip = ONLY.length > 0 ? !ONLY.some((o) => name.includes(o)) : EDGES === 'ci' && c.ci !== true ? 'not in the CI set: make test-hostile runs it' : false;
  test(name, { skip }, async () => {
    for (const seed of seeds) {
      const spread = max === 'off' ? '' : `seed=${seed},max=${max}`;
      const started = Date.now();
      const r = await runScenario({
        scenario: c.scenario,
        threshold: d.queueThreshold,
        intervalMs: d.processorIntervalMs,
        phaseMs: 'random',
        // The room's /metrics, as make passes it: the server rules are judged too (docs/server-metrics.md).
        env: { SERVER_METRICS_URLS: 'room={API_URL}/metrics', ...c.env },
        spread,
        timeoutMs: 400_000,
      });
      const skipped = notJudged(r).filter((x) => !(NEVER_JUDGED[c.scenario]?.test(x) ?? false));
      const failed = failures(r);
      table.push(`| ${c.scenario} | ${c.edge} | ${seed}, ${max} | ${r.code} | ${Math.round((Date.now() - started) / 1000)} | ${failed.join('; ') || '-'} | ${skipped.join('; ') || '-'} |`);
      if (spread !== '') assert.match(r.stderr, /QUEUE_RUNNER_SPREAD: seed=\d+ max=\d+ms/, 'the run had the spread on');
      assert.equal(r.code, 0, `seed ${seed}: ${failed.join('; ')}\n${explain(r)}`);
      assert.deepEqual(r.failed, []);
      assert.deepEqual(skipped, [], `seed ${seed}: rules not judged on a correct room`);
    }
  });
});
