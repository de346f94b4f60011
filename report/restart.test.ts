// The restart section: built only when the run was disrupted; the sockets
// connected over time from connects, drops, returns and leaves; the recovery
// times from their samples; the disruption marked on the queue chart too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from './model.ts';
import { renderReport } from './render.ts';
import { restartView } from './restart.ts';
import { emptySampleSet, type SamplePoint, type SampleSet } from '../runs/samples.ts';
import { parseSummary } from '../runs/run-file.ts';

const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);

function samples(points: Record<string, SamplePoint[]>): SampleSet {
  const set = emptySampleSet();
  for (const [k, v] of Object.entries(points)) set.points.set(k, v);
  set.files = ['run.ndjson.gz'];
  return set;
}

const at = (s: number, v = 1): SamplePoint => ({ t: T0 + s * 1000, v });

const disrupted = samples({
  queue_disruption_at: [{ t: T0 + 3100, v: T0 + 3000 }],
  queue_socket_connect: [at(0.1, 40), at(0.2, 35), at(0.3, 30)],
  queue_socket_drops: [at(3.05), at(3.06)],
  queue_socket_reconnects: [at(4.5), at(5)],
  queue_left_at: [at(8, T0 + 8000)],
  queue_admission_after_disruption: [at(4.2, 1200), at(6, 3000)],
  queue_socket_back_after_disruption: [at(4.5, 1500), at(5, 2000)],
  queue_probe_depth: [at(0, 0), at(2, 2), at(9, 0)],
});

test('no disruption sample: no restart view, no section', () => {
  assert.equal(restartView(emptySampleSet(), T0), null);
  const m = buildModel(parseSummary(JSON.stringify({ metrics: {}, queue_k6: { params: {}, vars: {}, thresholds: {}, notes: [], startAt: T0 } }), 'x.json'), samples({ queue_probe_depth: [at(1)] }));
  assert.equal(m.restart, null);
  assert.doesNotMatch(renderReport(m), /id="restart"|data-series="disruption"/);
});

test('the sockets over time, the counts and both recovery times', () => {
  const v = restartView(disrupted, T0)!;
  assert.equal(v.at, 3);
  assert.deepEqual(v.connected.map((p) => [p.t, p.v]), [[0.1, 1], [0.2, 2], [0.3, 3], [3.05, 2], [3.06, 1], [4.5, 2], [5, 3], [8, 2]]);
  assert.equal(v.drops, 2);
  assert.equal(v.reconnects, 2);
  assert.equal(v.firstAdmissionMs, 1200);
  assert.equal(v.allBackMs, 2000);
});

test('the page: a restart section with the recovery times, and the disruption on the queue chart', () => {
  const m = buildModel(parseSummary(JSON.stringify({ metrics: {}, queue_k6: { params: { users: 3 }, vars: {}, thresholds: {}, notes: [], startAt: T0 } }), 'x.json'), disrupted);
  const html = renderReport(m);
  assert.match(html, /<section id="restart" data-section="restart">/);
  assert.match(html, /first admission after it: <strong>1\.2 s<\/strong>/);
  assert.match(html, /last dropped socket back: <strong>2 s<\/strong>/);
  assert.match(html, /data-chart="sockets"/);
  // once on the queue chart, once on the sockets chart
  assert.equal(html.match(/data-series="disruption" data-t="3"/g)?.length, 2);
});
