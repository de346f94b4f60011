// The model: time origin, arrival phase, ticks, waits, timeouts and findings
// from crafted samples that follow the samples contract (metadata as strings).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, countOutOfOrder, percentile } from './model.ts';
import { emptySampleSet, type SamplePoint, type SampleSet } from '../runs/samples.ts';
import { parseSummary, type RunSummary } from '../runs/run-file.ts';

const T0 = Date.UTC(2026, 10, 27, 4, 0, 0);

function summary(queue: Record<string, unknown> | undefined, metrics: Record<string, unknown> = {}): RunSummary {
  return parseSummary(JSON.stringify({ metrics, ...(queue === undefined ? {} : { queue_k6: queue }) }), 'x.json');
}

function samples(points: Record<string, SamplePoint[]>): SampleSet {
  const set = emptySampleSet();
  for (const [k, v] of Object.entries(points)) set.points.set(k, v);
  return set;
}

const params = { users: 15, queueThreshold: 10, arrivalDelayMs: 100, processorIntervalMs: 1000, probes: true };

test('time 0 is startAt; the arrival phase runs to startAt + (users-1) x arrivalDelayMs', () => {
  const m = buildModel(
    summary({ params, vars: {}, thresholds: {}, notes: [], startAt: T0 }),
    samples({ queue_probe_active: [{ t: T0 - 500, v: 0 }, { t: T0 + 2000, v: 10 }, { t: T0 + 1000, v: 4 }] }),
  );
  assert.equal(m.t0, T0);
  assert.equal(m.t0Source, 'startAt');
  assert.deepEqual(m.arrival, { from: 0, to: 1.4, source: 'schedule' });
  assert.deepEqual(m.active, [{ t: -0.5, v: 0 }, { t: 1, v: 4 }, { t: 2, v: 10 }], 'sorted by time, in seconds');
  assert.equal(m.threshold, 10);
  assert.equal(m.findings.activeMax, 10);
  assert.equal(m.findings.activeOverThreshold, 0);
});

test('without queue_k6: time 0 is the first sample, the arrival phase spans the check answers', () => {
  const m = buildModel(
    summary(undefined),
    samples({
      queue_probe_depth: [{ t: T0 + 100, v: 1 }],
      queue_admitted_immediately: [{ t: T0 + 300, v: 1, meta: { user: '1' } }],
      queue_queued: [{ t: T0 + 900, v: 1, meta: { user: '2', position: '1' } }],
    }),
  );
  assert.equal(m.t0, T0 + 100);
  assert.equal(m.t0Source, 'first-sample');
  assert.deepEqual(m.arrival, { from: 0.2, to: 0.8, source: 'checks' });
  assert.equal(m.threshold, null);
});

test('ticks carry batch size and free slots; over-admitting ticks are counted', () => {
  const m = buildModel(
    summary({ params, vars: {}, thresholds: {}, notes: [], startAt: T0 }),
    samples({
      queue_batch_size: [
        { t: T0 + 2000, v: 3, meta: { free_slots: '3', queue_size: '5' } },
        { t: T0 + 1000, v: 2, meta: { free_slots: '0', queue_size: '5' } },
        { t: T0 + 3000, v: 0 },
      ],
    }),
  );
  assert.deepEqual(m.ticks, [
    { t: 1, size: 2, freeSlots: 0, queueSize: 5 },
    { t: 2, size: 3, freeSlots: 3, queueSize: 5 },
    { t: 3, size: 0, freeSlots: null, queueSize: null },
  ]);
  assert.equal(m.findings.overAdmitTicks, 1);
});

test('waits: late against bound_ms, estimate errors, timeouts waited from their check', () => {
  const wait = (user: string, position: number, atMs: number, waitMs: number, estimate: number, bound: number): SamplePoint => ({
    t: T0 + atMs,
    v: waitMs,
    meta: { user, position: String(position), estimate_ms: String(estimate), bound_ms: String(bound) },
  });
  const m = buildModel(
    summary({ params, vars: { ESTIMATE_TOLERANCE_MS: 1000 }, thresholds: {}, notes: [], startAt: T0 }),
    samples({
      queue_admission_wait: [wait('12', 2, 5000, 4000, 3500, 6000), wait('11', 1, 5000, 4100, 1000, 3000)],
      queue_queued: [{ t: T0 + 1200, v: 1, meta: { user: '13', position: '3' } }],
      queue_admission_timeouts: [
        { t: T0 + 9200, v: 1, meta: { user: '13', position: '3', bound_ms: '6000' } },
        { t: T0 + 9300, v: 1, meta: { user: '14', position: '4', bound_ms: '6000' } },
        { t: T0 + 9300, v: 1, meta: { user: '15' } },
      ],
    }),
  );
  assert.deepEqual(m.waits.map((w) => [w.user, w.position, w.late]), [['11', 1, true], ['12', 2, false]]);
  assert.equal(m.waits[0]!.admittedT, 5);
  assert.equal(m.findings.late, 1);
  assert.equal(m.findings.estimateErrorMaxMs, 3100);
  assert.equal(m.findings.estimateOffCount, 1);
  assert.deepEqual(m.timeouts.map((t) => [t.user, t.waitedMs]), [['13', 8000], ['14', null]], 'no position: not drawn');
});

test('out-of-order admissions: none for FIFO batches, many for LIFO', () => {
  // FIFO: positions 1-5 at 1.5 s, 6-10 at 3 s; inside one batch the order of arrival is free.
  const fifo = [3, 1, 2, 5, 4].map((p) => ({ position: p, admittedT: 1.5 + p * 0.001 })).concat([6, 7, 8, 9, 10].map((p) => ({ position: p, admittedT: 3 })));
  assert.equal(countOutOfOrder(fifo, 250), 0);
  // LIFO: the last five first, then the first five.
  const lifo = [10, 9, 8, 7, 6].map((p) => ({ position: p, admittedT: 1.5 })).concat([5, 4, 3, 2, 1].map((p) => ({ position: p, admittedT: 3 })));
  assert.equal(countOutOfOrder(lifo, 250), 5);
});

test('percentiles interpolate between closest ranks like k6 (10,20,30,40: p90 37, p95 38.5)', () => {
  assert.equal(percentile([10, 20, 30, 40], 90), 37);
  assert.equal(percentile([10, 20, 30, 40], 95), 38.5);
  assert.equal(percentile([], 95), null);
});

test('no samples at all: empty series, no origin, the verdict still from the summary', () => {
  const m = buildModel(
    summary({ params, vars: {}, thresholds: {}, notes: [], startAt: null }, { x: { values: { count: 1 }, thresholds: { 'count==0': { ok: false } } } }),
    emptySampleSet(),
  );
  assert.equal(m.t0, null);
  assert.equal(m.arrival, null);
  assert.equal(m.passed, false);
  assert.equal(m.outcomes[0]?.observed, 1);
});
