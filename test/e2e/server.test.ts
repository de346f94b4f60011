// The server seen during a run (docs/server-metrics.md), against the reference
// room's own /metrics: two runs.
// 1. mass-burst on the correct room with two sources, the room's /metrics and
//    a wrong URL: the room's figures are sampled and its lag rule passes, Redis
//    INFO is sampled, the wrong source is named in one line, counted, and fails
//    its rules while every other rule passes; the live line is printed.
// 2. busy-room: the run fails on the event-loop lag rule and the diagnosis
//    names the room.
// A run with no source (every other e2e run) reports the server rules not
// judged: asserted in run 1's plan through the unit tests of lib/rules, and
// here on the not-judged reason when SERVER_METRICS_URLS is empty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { makeReport } from '../../report/report.ts';
import { chromiumMissing } from '../support/chromium.ts';
import { checkReportInBrowser } from '../support/report-browser.ts';
import { startPrometheus, prometheusMissing, type PrometheusServer } from '../support/prometheus.ts';
import { explain, runK6, runScenario, startStack } from '../support/scenario.ts';

interface Outcome { metric: string; expression: string; state: string; reason?: string }
const rulesOf = (summary: unknown): Outcome[] => (summary as { queue_k6?: { rules?: Outcome[] } }).queue_k6?.rules ?? [];

test('the room\'s /metrics and Redis are sampled, a wrong source is counted and named once, the live line shows the server', async () => {
  const r = await runScenario({
    scenario: 'mass-burst', threshold: 10, intervalMs: 2000,
    env: { USERS: '30', SERVER_METRICS_URLS: 'room={API_URL}/metrics,bad={API_URL}/nope', SERVER_SAMPLE_MS: '1000', LIVE_EVERY_MS: '2000', RESULTS_PREFIX: 'results/run' },
    args: ['--out', 'json=results/run.ndjson.gz'], keepResults: true,
    timeoutMs: 180_000,
  });
  try {
    await checkRun(r);
  } finally {
    if (r.workDir !== undefined) rmSync(r.workDir, { recursive: true, force: true });
  }
});

async function checkRun(r: Awaited<ReturnType<typeof runScenario>>): Promise<void> {
  const m = r.summary?.metrics ?? {};
  const rules = rulesOf(r.summary);
  const state = (k: string) => rules.find((o) => o.metric === k)?.state;
  assert.equal(r.code, 99, explain(r));
  // The wrong source fails its two rules, and nothing else fails.
  assert.deepEqual(rules.filter((o) => o.state === 'failed').map((o) => o.metric).sort(), ['queue_server_samples_missing', 'queue_server_scrape_errors'], explain(r));
  assert.ok((m['queue_server_scrape_errors']?.values.count ?? 0) >= 2);
  assert.equal(state('queue_server_eventloop_lag'), 'passed');
  assert.equal(state('queue_users_completed'), 'passed');
  assert.equal(state('http_req_failed'), 'passed', 'a 404 of a metrics source is not a failed request of the room');
  const out = r.stdout + r.stderr;
  assert.equal(out.match(/server source bad \(http:\/\/[^)]+\/nope\) failed: HTTP 404/g)?.length, 1, out.slice(-3000));
  assert.match(out, /server source bad .* never answered with metrics in this run/);
  assert.doesNotMatch(out, /server source room/);
  // The room's figures, tagged by source, and Redis INFO.
  assert.ok((m['queue_server_eventloop_lag{source:room}']?.values.count ?? 0) >= 2, explain(r));
  assert.ok((m['queue_server_cpu{source:room}']?.values.max ?? 0) > 0);
  assert.ok((m['queue_server_rss']?.values.min ?? 0) > 1e6);
  assert.ok((m['queue_server_redis_clients']?.values.max ?? 0) >= 1);
  assert.ok((m['queue_server_redis_memory']?.values.max ?? 0) > 0);
  // The live line: one line with the counts and the room's figures.
  const live = out.split('\n').filter((l) => /live \d+s: arrived \d+\/30, active \d+\/10, waiting \d+, admitted from queue \d+, told \d+, errors \d+, violations 0/.test(l));
  assert.ok(live.length >= 2, out.slice(-3000));
  assert.ok(live.some((l) => /\| room (cpu [\d.]+ )?rss \d+MB lag \d+ms/.test(l) && /\| bad not measured/.test(l) && /\| redis \d+MB \d+ clients/.test(l)), live.join('\n'));
  // The report's Server section: one chart per figure, the room's and Redis' lines in them.
  const made = await makeReport({ summaryPath: join(r.resultsDir!, 'run.json'), samplePaths: [join(r.resultsDir!, 'run.ndjson.gz')] });
  const html = readFileSync(made.outPath, 'utf8');
  for (const chart of ['server-cpu', 'server-rss', 'server-eventloop_lag', 'server-redis_memory', 'server-redis_clients', 'server-redis_ops']) {
    assert.match(html, new RegExp(`data-chart="${chart}"`), chart);
  }
  assert.match(html, /data-chart="server-eventloop_lag".*?data-series="room" data-count="[1-9]/s);
  assert.match(html, /data-chart="server-redis_clients".*?data-series="redis" data-count="[1-9]/s);
  if (chromiumMissing() === undefined) {
    const seen = await checkReportInBrowser(made.outPath, { verdict: 'fail' });
    assert.ok(seen.charts.includes('server-cpu') && seen.charts.includes('server-eventloop_lag'), seen.charts.join(','));
    assert.ok(!seen.emptySections.includes('server'));
  }
}

test('busy-room: the room\'s event loop lags, the run fails on the lag rule and the diagnosis names the room', async () => {
  const r = await runScenario({
    scenario: 'mass-burst', threshold: 5, intervalMs: 2000, faults: ['busy-room'],
    env: { USERS: '10', SERVER_METRICS_URLS: 'room={API_URL}/metrics', SERVER_SAMPLE_MS: '1000', LIVE_EVERY_MS: '0' },
    timeoutMs: 240_000,
  });
  const rules = rulesOf(r.summary);
  assert.equal(rules.find((o) => o.metric === 'queue_server_eventloop_lag')?.state, 'failed', explain(r));
  assert.match(r.stdout, /the server process room looks saturated: its event loop lagged \d+ ms at p95/, explain(r));
  assert.match(r.stdout, /threshold queue_server_eventloop_lag p\(95\)<=300 failed/);
  assert.doesNotMatch(r.stdout + r.stderr, /live \d+s:/, 'LIVE_EVERY_MS=0 turns the live line off');
});

const noPrometheus = prometheusMissing();

test('PROMETHEUS_URL: a real Prometheus scrapes the room, and the run\'s server figures come from its API, per pod', { skip: noPrometheus === undefined ? false : `skipped: ${noPrometheus}` }, async () => {
  const stack = await startStack({ threshold: 5, intervalMs: 2000 });
  let prom: PrometheusServer | undefined;
  try {
    prom = await startPrometheus([{ address: new URL(stack.target.url).host, labels: { pod: 'room-0' } }]);
    await prom.waitFor('irate(process_cpu_seconds_total{job="room"}[1m])');
    const r = await runK6('threshold-overflow', {
      API_URL: stack.target.url, REDIS_URL: stack.redis.url, USER_PASSWORD: 'e2e-password', QUEUE_THRESHOLD: '5', QUEUE_PROCESSOR_INTERVAL: '2000',
      USERS: '8', PROMETHEUS_URL: prom.url, PROMETHEUS_SELECTOR: '{job="room"}', SERVER_SAMPLE_MS: '1000', LIVE_EVERY_MS: '1500',
    }, 120_000);
    assert.equal(r.code, 0, explain(r));
    const m = r.summary?.metrics ?? {};
    const rules = rulesOf(r.summary);
    for (const key of ['queue_server_eventloop_lag', 'queue_server_scrape_errors', 'queue_server_samples_missing']) {
      assert.equal(rules.find((o) => o.metric === key)?.state, 'passed', key);
    }
    assert.ok((m['queue_server_cpu']?.values.count ?? 0) >= 1, explain(r));
    assert.ok((m['queue_server_rss']?.values.min ?? 0) > 1e6);
    assert.ok((m['queue_server_eventloop_lag']?.values.count ?? 0) >= 1);
    assert.match(r.stdout + r.stderr, /live \d+s: .*\| room-0 cpu [\d.]+ rss \d+MB lag \d+ms/);
  } finally {
    await prom?.stop();
    await stack.stop();
  }
});
