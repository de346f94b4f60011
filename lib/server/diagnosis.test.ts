// The server's diagnosis names the saturated process from its own sub-metrics.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverNotes, serverThresholds, sourceLoads } from './diagnosis.ts';

test('a source whose lag or CPU is at its limit is named; a calm one and an unmeasured one are not', () => {
  assert.deepEqual(serverThresholds([{ name: 'room', url: 'http://x/metrics' }]), {
    'queue_server_eventloop_lag{source:room}': ['max>=0'],
    'queue_server_cpu{source:room}': ['max>=0'],
  });
  const metrics = {
    'queue_server_eventloop_lag{source:gateway}': { type: 'trend', values: { count: 5, 'p(95)': 640, max: 700 } },
    'queue_server_cpu{source:gateway}': { type: 'trend', values: { count: 4, max: 0.97 } },
    'queue_server_eventloop_lag{source:ticket}': { type: 'trend', values: { count: 5, 'p(95)': 12, max: 20 } },
    'queue_server_cpu{source:ticket}': { type: 'trend', values: { count: 4, max: 0.2 } },
    'queue_server_eventloop_lag{source:gone}': { type: 'trend', values: { count: 0, 'p(95)': 0, max: 0 } },
    'queue_server_cpu{source:worker}': { type: 'trend', values: { count: 3, max: 0.95 } },
  };
  assert.deepEqual(sourceLoads({ metrics } as never).map((l) => l.source).sort(), ['gateway', 'ticket', 'worker']);
  const notes = serverNotes({ metrics } as never);
  assert.equal(notes.length, 2);
  assert.match(notes[0]!, /^the server process gateway looks saturated: its event loop lagged 640 ms at p95 \(max 700 ms\) and its CPU reached 0.97 cores/);
  assert.match(notes[1]!, /^the server process worker looks saturated: its CPU reached 0.95 cores/);
});
