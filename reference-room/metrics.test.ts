// GET /metrics of a room process: prom-client's default metrics and the room's
// own, in the exposition format the suite's parser reads.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExposition, valueOf } from '../lib/server/exposition.ts';
import { checkInOrder, connectedSocket, joinQueue, leave, newEventId, registerUsers, startStack } from './testkit.ts';

describe('room /metrics', () => {
  it('serves the process figures and the room gauges, batches and ticks', async () => {
    const s = await startStack({ threshold: 1, processorIntervalMs: 60_000 });
    try {
      const ev = newEventId();
      const users = await registerUsers(s.url, 3);
      const socket = await connectedSocket(s.url, users[0]!.token);
      try {
        await joinQueue(socket, ev);
        await checkInOrder(s.url, users, ev);
        await leave(s.url, users[0]!, ev);
        await s.target.processNow();
        const res = await fetch(`${s.url}/metrics`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
        const expo = parseExposition(await res.text());
        const p = { room_process: '0' };
        assert.ok(valueOf(expo, 'process_cpu_seconds_total', p)! > 0);
        assert.ok(valueOf(expo, 'process_resident_memory_bytes', p)! > 1e6);
        assert.ok(valueOf(expo, 'nodejs_eventloop_lag_p99_seconds', p) !== undefined);
        assert.equal(valueOf(expo, 'queue_room_sockets_connected', p), 1);
        assert.equal(valueOf(expo, 'queue_room_size', p), 1);
        assert.ok(valueOf(expo, 'queue_room_processor_ticks_total', p)! >= 1);
        assert.equal(valueOf(expo, 'queue_room_batch_size_count', p), 1);
        assert.equal(valueOf(expo, 'queue_room_batch_size_sum', p), 1);
        assert.equal(expo.families.get('queue_room_batch_size')!.type, 'histogram');
      } finally {
        socket.close();
      }
    } finally {
      await s.stop();
    }
  });
});
