// One verdict for a split run. The case it exists for is recorded in
// shared/k6-reference/README.md, "Execution segments": a 2-way mass-burst
// against a correct target admitted 20 at once and queued 80 overall, yet
// each k6 process failed its own count rules (20 and 0, 30 and 50).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { correctHalves, counter, instance, trend } from '../test/support/verdict-fixtures.ts';
import { InputError, type InstanceSummary } from './types.ts';
import { buildVerdict, runConfigFromMeta } from './verdict.ts';

function withMeta(s: InstanceSummary, over: Partial<InstanceSummary['meta']>, source = s.source): InstanceSummary {
  return { ...s, meta: { ...s.meta, ...over }, source };
}

test('the halves of a correct run pass together, although each half alone sees 20 and 0, 30 and 50', () => {
  const v = buildVerdict(correctHalves().reverse());
  assert.equal(v.passed, true, v.verdictNotes.join('\n'));
  assert.deepEqual(v.crossed, []);
  assert.equal(v.data.metrics.queue_admitted_immediately!.values.count, 20);
  assert.equal(v.data.metrics.queue_queued!.values.count, 80);
  assert.deepEqual(v.data.metrics.queue_queued!.thresholds, { 'count==80': { ok: true } });
  assert.equal(v.data.queue_k6.verdict.instancesFound, 2);
  assert.deepEqual(v.data.queue_k6.verdict.parts.map((p) => p.segment), ['0:1/2', '1/2:1']);
  assert.equal(v.data.queue_k6.segment, null);
  assert.match(v.verdictNotes[0]!, /^mass-burst run run-a: 2 of 2 instance\(s\) \(segments 0:1\/2, 1\/2:1\)/);
  // The shape of one run's handleSummary data, plus queue_k6.
  assert.deepEqual(Object.keys(v.data).sort(), ['metrics', 'options', 'queue_k6', 'root_group', 'state']);
});

test('too many immediate admissions overall fail the run, and diagnose explains the metric', () => {
  const [a, b] = correctHalves();
  b!.data.metrics.queue_admitted_immediately = counter(3);
  const v = buildVerdict([a!, b!]);
  assert.equal(v.passed, false);
  assert.deepEqual(v.crossed, ['queue_admitted_immediately']);
  assert.ok(v.diagnosis.some((n) => /threshold queue_admitted_immediately count==20 failed: immediate admissions differ/.test(n)), v.diagnosis.join('\n'));
});

test('summaries of different runs are refused, naming the run ids and where each came from', () => {
  const [a, b] = correctHalves();
  const other = withMeta(b!, { runId: 'run-b' }, 'results/x-i2of2.json');
  assert.throws(
    () => buildVerdict([withMeta(a!, {}, 'results/x-i1of2.json'), other]),
    (e: unknown) => e instanceof InputError && e.message.includes('these summaries are from different runs: runId "run-a" (results/x-i1of2.json); runId "run-b" (results/x-i2of2.json)'),
  );
});

test('different scenarios, instance counts or thresholds are refused', () => {
  const [a, b] = correctHalves();
  assert.throws(() => buildVerdict([a!, withMeta(b!, { scenario: 'reconnect' })]), /different scenarios: scenario mass-burst .*; scenario reconnect/);
  assert.throws(() => buildVerdict([a!, withMeta(b!, { instances: 4 })]), /disagree on the number of instances/);
  assert.throws(
    () => buildVerdict([a!, withMeta(b!, { thresholds: { ...b!.meta.thresholds, queue_queued: ['count==81'] } })]),
    /disagree on the run's thresholds .*first difference queue_queued: \[count==80\] vs \[count==81\]/,
  );
});

test('the same segment twice is refused', () => {
  const [a] = correctHalves();
  assert.throws(() => buildVerdict([withMeta(a!, {}, 'p1.log line 3'), withMeta(a!, {}, 'p2.log line 3')]), /segment 0:1\/2 appears twice \(p1\.log line 3 and p2\.log line 3\)/);
});

test('a missing instance: judged, said loudly, and never a pass', () => {
  const [a] = correctHalves();
  // Even with rules that the present half satisfies on its own.
  const v = buildVerdict([withMeta(a!, { thresholds: { queue_admitted_immediately: ['count==20'] } })]);
  assert.deepEqual(v.crossed, []);
  assert.equal(v.complete, false);
  assert.equal(v.passed, false);
  assert.deepEqual(v.data.queue_k6.verdict.missingSegments, ['1/2:1']);
  assert.ok(v.verdictNotes.some((n) => /ONLY 1 OF 2 INSTANCES: segment\(s\) 1\/2:1 missing; a verdict on part of a run is not a pass/.test(n)), v.verdictNotes.join('\n'));
});

test('an inconclusive percentile is a failed verdict with a note per instance', () => {
  const [a, b] = correctHalves();
  b!.data.metrics.queue_socket_connect = trend({ avg: 900, min: 20, med: 800, max: 3000, 'p(90)': 2100, 'p(95)': 2500, count: 50 });
  const v = buildVerdict([a!, b!]);
  assert.equal(v.passed, false);
  assert.deepEqual(v.crossed, ['queue_socket_connect']);
  assert.ok(v.verdictNotes.some((n) => /threshold queue_socket_connect p\(95\)<2000 FAILED: inconclusive from summaries: p\(95\) between 865 and 2120 ms over 2 instances, which does not decide p\(95\)<2000 \(instance values 0:1\/2 350, 1\/2:1 2500\)/.test(n)), v.verdictNotes.join('\n'));
});

test('each instance\'s own failures are listed in queue_k6.verdict.parts', () => {
  const [a, b] = correctHalves();
  b!.data.metrics.queue_http_errors = { ...counter(2), thresholds: { 'count==0': { ok: false } } };
  const v = buildVerdict([a!, b!]);
  assert.deepEqual(v.data.queue_k6.verdict.parts.map((p) => p.failures), [[], ['queue_http_errors count==0']]);
});

test('diagnose gets the run\'s parameters from queue_k6.params, the placeholders as fallback', () => {
  const s = instance({ meta: { params: { probes: false }, vars: { USERS: 40, QUEUE_THRESHOLD: 10, QUEUE_PROCESSOR_INTERVAL: 1500 } }, metrics: {} });
  const cfg = runConfigFromMeta(s.meta);
  assert.deepEqual([cfg.users, cfg.queueThreshold, cfg.processorIntervalMs, cfg.scenario], [40, 10, 1500, 'mass-burst']);
  const all = instance({ meta: { segment: null, instances: 1, params: { users: 30, queueThreshold: 30, probes: false } }, metrics: { queue_admitted_immediately: counter(30), queue_queued: counter(0) } });
  const v = buildVerdict([withMeta(all, { thresholds: {} })]);
  assert.ok(v.diagnosis.some((n) => /every user was admitted at once: the threshold \(30\) is too high for 30 users/.test(n)), v.diagnosis.join('\n'));
});
