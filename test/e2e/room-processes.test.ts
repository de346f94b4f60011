// The scenarios against the reference room scaled out to 2 Socket.IO processes
// (TARGET_PROCESSES=2) over one Redis: the correct room passes, and a fault still
// fails its threshold when the users (and the observer) are connected to the
// process that does not run the processor, so every admission they hear crossed
// processes through the Redis adapter. The lib needs no change for this: the
// room's shared port spreads sockets over both processes, and SOCKET_URL may
// name one process alone (its own port).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startRoom, type RoomProcess } from '../../reference-room/room.ts';
import { startRedis, type RedisServer } from '../support/redis.ts';
import { explain, ROOT, runK6, type RunResult } from '../support/scenario.ts';

interface Defaults { users: number; queueThreshold: number; processorIntervalMs: number }
const defaults = JSON.parse(readFileSync(join(ROOT, 'scenarios/defaults.json'), 'utf8')) as Record<string, Defaults>;

/** Process 0 runs the processor; process 1 is "another process than the processor's". */
const OTHER = 1;

interface Run {
  scenario: string;
  faults?: string[];
  /** which address the users' sockets use: the shared port, or process 1 alone */
  sockets: 'shared' | 'other';
  env?: Record<string, string>;
}

async function runOnTwoProcesses(run: Run): Promise<{ r: RunResult; stats: Awaited<ReturnType<RoomProcess['stats']>> }> {
  const d = defaults[run.scenario]!;
  const redis: RedisServer = await startRedis();
  const logs: string[] = [];
  let room: RoomProcess | undefined;
  try {
    room = await startRoom({
      port: 0, processes: 2, threshold: d.queueThreshold, processorIntervalMs: d.processorIntervalMs,
      redisUrl: redis.url, faults: run.faults ?? [], kdfCost: 1024, processorPhaseMs: 'random',
    }, { log: (line) => logs.push(line) });
    const r = await runK6(run.scenario, {
      API_URL: room.url,
      SOCKET_URL: run.sockets === 'shared' ? room.url : room.processUrls[OTHER]!,
      REDIS_URL: redis.url,
      USER_PASSWORD: 'e2e-password',
      QUEUE_THRESHOLD: String(d.queueThreshold),
      QUEUE_PROCESSOR_INTERVAL: String(d.processorIntervalMs),
      ...run.env,
    }, 300_000);
    return { r, stats: await room.stats() };
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- room log (tail)\n${logs.slice(-30).join('\n')}`);
  } finally {
    await room?.close();
    await redis.stop();
  }
}

const count = (r: RunResult, metric: string) => r.summary?.metrics[metric]?.values.count;

test('processing-rate passes with every user on the process that does not run the processor', async () => {
  const { r, stats } = await runOnTwoProcesses({ scenario: 'processing-rate', sockets: 'other' });
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 5);
  assert.equal(count(r, 'queue_admitted_from_queue'), 15, 'each queued user heard its own admission, sent from process 0');
  assert.deepEqual(stats.processes.map((p) => p.ticks > 0), [true, false], 'process 0 alone ran the processor');
});

test('mass-burst passes with the users spread over both processes by the shared port', async () => {
  const { r } = await runOnTwoProcesses({ scenario: 'mass-burst', sockets: 'shared', env: { USERS_PER_VU: '25' } });
  assert.equal(r.code, 0, explain(r));
  assert.equal(count(r, 'queue_admitted_immediately'), 20);
  assert.equal(count(r, 'queue_admitted_from_queue'), 80);
  assert.ok((r.summary?.metrics.queue_probe_active?.values.max ?? 99) <= 20);
});

test('silent-admission still fails processing-rate on its threshold, the users on the other process', async () => {
  const { r } = await runOnTwoProcesses({ scenario: 'processing-rate', sockets: 'other', faults: ['silent-admission'] });
  assert.equal(r.code, 99, explain(r));
  assert.ok(r.failed.includes('queue_invariant_violations{kind:silent_admission} count==0'), explain(r));
});

test('over-admit still fails processing-rate on its threshold, the observer on the other process', async () => {
  const { r } = await runOnTwoProcesses({ scenario: 'processing-rate', sockets: 'other', faults: ['over-admit'] });
  assert.equal(r.code, 99, explain(r));
  assert.ok(r.failed.includes('queue_invariant_violations{kind:batch_over_free_slots} count==0'), explain(r));
});
