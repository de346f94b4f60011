import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';
import { diagnose as diagnoseWith, type DiagnoseOptions } from './diagnosis.ts';
import type { RuleOutcome } from './rules/judge.ts';
import type { SummaryData } from './summary/types.ts';
import type { RunConfig } from './config.ts';

/** k6's own results as outcomes: what a run gives when every rule's needs were met. */
function outcomesOf(d: SummaryData): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const [metric, m] of Object.entries(d.metrics)) for (const [expression, r] of Object.entries(m.thresholds ?? {})) out.push({ metric, expression, state: r.ok ? 'passed' : 'failed', needs: [] });
  return out;
}

function diagnose(d: SummaryData, c: RunConfig, probes: boolean, opts?: DiagnoseOptions, outcomes: RuleOutcome[] = outcomesOf(d)): string[] {
  return diagnoseWith(d, c, probes, outcomes, opts);
}

const cfg = loadConfig('processing-rate', { users: 20, queueThreshold: 5, processorIntervalMs: 5000, arrivalDelayMs: 50, dwellMs: 2000 }, {});

function data(metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>): SummaryData {
  const m: SummaryData['metrics'] = {};
  for (const [k, v] of Object.entries(metrics)) m[k] = { type: 'counter', contains: 'default', ...v };
  return {
    root_group: { name: '', path: '', id: '', groups: [], checks: [] },
    options: { summaryTrendStats: ['avg'], summaryTimeUnit: '', noColor: true },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: 1 },
    metrics: m,
  } as SummaryData;
}

test('all admitted at once: the threshold is too high for the user count', () => {
  const notes = diagnose(data({ queue_admitted_immediately: { values: { count: 20 } }, queue_queued: { values: { count: 0 } }, queue_probe_samples: { values: { count: 9 } } }), cfg, true);
  assert.ok(notes.some((n) => /every user was admitted at once: the threshold \(5\) is too high for 20 users/.test(n)), notes.join('\n'));
});

test('a queue waiting with free slots: the processor looks stalled', () => {
  const notes = diagnose(data({ queue_queued: { values: { count: 15 } }, queue_admission_timeouts: { values: { count: 15 } }, queue_probe_stalled_samples: { values: { count: 4 } }, queue_probe_samples: { values: { count: 40 } } }), cfg, true);
  assert.ok(notes.some((n) => /processor looks stalled/.test(n)), notes.join('\n'));
  assert.ok(!notes.some((n) => /starved/.test(n)));
});

test('timeouts with a full active set: starvation', () => {
  const notes = diagnose(data({
    queue_queued: { values: { count: 15 } },
    queue_admission_timeouts: { values: { count: 15 }, thresholds: { 'count==0': { ok: false } } },
    queue_probe_active: { values: { max: 5 } },
    queue_probe_samples: { values: { count: 40 } },
  }), cfg, true);
  assert.ok(notes.some((n) => /the queue starved: 15 queued user\(s\) timed out/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /threshold queue_admission_timeouts count==0 failed: queued users waited past their timeout/.test(n)));
});

test('probes: configured but silent, or switched off', () => {
  assert.ok(diagnose(data({ queue_queued: { values: { count: 1 } } }), cfg, true).some((n) => /took no sample/.test(n)));
  assert.ok(diagnose(data({ queue_queued: { values: { count: 1 } } }), cfg, false).some((n) => /probes were off/.test(n)));
});

test('a clean run has nothing to say', () => {
  assert.deepEqual(diagnose(data({ queue_queued: { values: { count: 15 } }, queue_admitted_immediately: { values: { count: 5 } }, queue_probe_samples: { values: { count: 40 } } }), cfg, true), []);
});

test('each broken invariant is named with its count', () => {
  const notes = diagnose(data({
    'queue_invariant_violations{kind:fifo}': { values: { count: 7 }, thresholds: { 'count==0': { ok: false } } },
    'queue_invariant_violations{kind:state_mismatch}': { values: { count: 0 }, thresholds: { 'count==0': { ok: true } } },
    queue_probe_samples: { values: { count: 40 } },
  }), cfg, true);
  assert.ok(notes.some((n) => /^invariant fifo broken 7 time\(s\): .*defect 4/.test(n)), notes.join('\n'));
  assert.ok(!notes.some((n) => /state_mismatch broken/.test(n)));
  assert.ok(notes.some((n) => /threshold queue_invariant_violations\{kind:fifo\} count==0 failed/.test(n)));
});

test('timeouts explained by silent admissions are not called starvation', () => {
  const notes = diagnose(data({
    queue_queued: { values: { count: 15 } },
    queue_admission_timeouts: { values: { count: 15 } },
    'queue_invariant_violations{kind:silent_admission}': { values: { count: 15 } },
    queue_probe_active: { values: { max: 5 } },
    queue_probe_samples: { values: { count: 40 } },
  }), cfg, true);
  assert.ok(notes.some((n) => /admitted without being told \(silent admission, defect 2\), so the queue did not starve/.test(n)), notes.join('\n'));
  assert.ok(!notes.some((n) => /the queue starved/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /^invariant silent_admission broken 15 time/.test(n)));
});

test('probe errors are reported', () => {
  const notes = diagnose(data({ queue_probe_errors: { values: { count: 3 } }, queue_probe_samples: { values: { count: 40 } } }), cfg, true);
  assert.ok(notes.some((n) => /Redis probes failed 3 time\(s\)/.test(n)), notes.join('\n'));
});

test('a split instance leaves notes on totals to the verdict', () => {
  const d = data({ queue_admitted_immediately: { values: { count: 5 } }, queue_probe_samples: { values: { count: 0 } } });
  assert.ok(diagnose(d, cfg, true).some((n) => /every user was admitted at once/.test(n)));
  assert.deepEqual(diagnose(d, cfg, true, { split: true }), []);
});

test('a rule not judged never gets a cause: an unheard processor is not called irregular', () => {
  const d = data({ queue_queued: { values: { count: 15 } }, queue_tick_irregular: { values: { count: 0 }, thresholds: { 'count==0': { ok: true } } }, queue_probe_samples: { values: { count: 40 } } });
  const notes = diagnose(d, cfg, true, {}, [{ metric: 'queue_tick_irregular', expression: 'count==0', state: 'not_judged', reason: 'no samples', needs: ['observer'] }]);
  assert.ok(!notes.some((n) => /queue_tick_irregular/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /1 rule\(s\) were not judged/.test(n)), notes.join('\n'));
});

test('a non-atomic batch is named as the batch window, not as an unfair order', () => {
  const notes = diagnose(data({
    'queue_invariant_violations{kind:batch_not_atomic}': { values: { count: 3 }, thresholds: { 'count==0': { ok: false } } },
    'queue_invariant_violations{kind:fifo}': { values: { count: 0 }, thresholds: { 'count==0': { ok: true } } },
    queue_probe_samples: { values: { count: 40 } },
  }), cfg, true);
  assert.ok(notes.some((n) => /^invariant batch_not_atomic broken 3 time\(s\): .*non-atomic batch, not an unfair order/.test(n)), notes.join('\n'));
  assert.ok(!notes.some((n) => /unfair order\)$/.test(n) && /fifo/.test(n)), notes.join('\n'));
});

test('admissions nobody in the room heard: the sockets may not be in the room (a dropped join-queue)', () => {
  const notes = diagnose(data({
    queue_queued: { values: { count: 15 } },
    queue_admission_timeouts: { values: { count: 15 } },
    'queue_invariant_violations{kind:silent_admission}': { values: { count: 15 } },
    queue_observer_joined: { values: { count: 1 } },
    queue_observer_admissions: { values: { count: 0 } },
    queue_probe_samples: { values: { count: 40 } },
  }), cfg, true);
  assert.ok(notes.some((n) => /not even the observer, heard any admission: the sockets may not have been in the room/.test(n)), notes.join('\n'));
  const heard = diagnose(data({
    'queue_invariant_violations{kind:silent_admission}': { values: { count: 2 } },
    queue_observer_joined: { values: { count: 1 } },
    queue_observer_admissions: { values: { count: 13 } },
    queue_probe_samples: { values: { count: 40 } },
  }), cfg, true);
  assert.ok(!heard.some((n) => /may not have been in the room/.test(n)), 'the observer heard admissions: the room works, these users were not told');
});

test('admissions told after the timeout: slow announcements (room fan-out), neither silent admission nor starvation', () => {
  const notes = diagnose(data({
    queue_queued: { values: { count: 1800 } },
    queue_admission_timeouts: { values: { count: 300 } },
    queue_admission_told_late: { values: { count: 300 } },
    queue_probe_stalled_samples: { values: { count: 12 } },
    queue_probe_samples: { values: { count: 240 } },
  }), cfg, true);
  assert.ok(notes.some((n) => /^300 of 300 queued user\(s\) that timed out .* not silent admission .* the room's fan-out, not the queue, limited this run/.test(n)), notes.join('\n'));
  assert.ok(!notes.some((n) => /stalled|starved|admitted without being told/.test(n)), notes.join('\n'));
  const user = diagnose(data({
    queue_admission_timeouts: { values: { count: 3 } },
    queue_admission_told_late: { values: { count: 3 } },
    queue_probe_samples: { values: { count: 40 } },
  }), { ...cfg, roomNotify: 'user' }, true);
  assert.ok(user.some((n) => /too busy to deliver them in time/.test(n)) && !user.some((n) => /fan-out/.test(n)), user.join('\n'));
});
