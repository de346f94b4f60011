// Scenario 7, restart, end to end: tools/run-scenario.sh starts the reference
// room under its supervisor (TARGET_RESPAWN=1) and tools/disruptor.ts, which
// disrupts it DISRUPT_AT_MS after the first arrival (docs/restart.md).
//
// In CI: a room process killed with 1 and with 2 processes passes, with the
// recovery times; a Redis restarted without persistence fails naming the lost
// places; each of the four faults (memory-queue, readmit-all, replay-admissions,
// no-reannounce) fails on its own rule, with a set-up chosen so that it must on
// every run (the reasoning is beside each case); a DISRUPT_CMD that exits
// non-zero leaves the restart rules not judged; another scenario (reconnect)
// with a room process killed mid-run still passes.
// RESTART_MATRIX=1 (make test-restart) adds: every process killed, a Redis with
// appendonly that survives, the correct room under the set-ups of
// replay-admissions and no-reannounce (plain and under the hostile runner
// switch), and the hostile runner switch on the default set-up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, type Summary } from '../support/scenario.ts';

const MATRIX = process.env.RESTART_MATRIX === '1';

interface Ran {
  code: number | null;
  out: string;
  summary: Summary | undefined;
  failed: string[];
  disruption: { state?: string; exitCode?: number | null; reason?: string } | undefined;
}

async function runScenario(scenario: string, env: Record<string, string>, timeoutMs = 240_000): Promise<Ran> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-restart-'));
  try {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn('bash', [join(ROOT, 'tools/run-scenario.sh'), scenario, '--quiet'], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? dir,
          QUEUE_K6_RUNTIME: 'node',
          RESULTS_DIR: join(dir, 'results'),
          RUN_DIR: join(dir, 'run'),
          TARGET_KDF_COST: '1024',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        reject(new Error(`${scenario} did not finish within ${timeoutMs} ms\n${text.slice(-3000)}`));
      }, timeoutMs);
      child.on('error', reject);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, out: text });
      });
    });
    const files = readdirSync(join(dir, 'results'));
    const json = files.find((f) => f.endsWith('.json') && !f.endsWith('.disruption.json'));
    const rec = files.find((f) => f.endsWith('.disruption.json'));
    const summary = json === undefined ? undefined : (JSON.parse(readFileSync(join(dir, 'results', json), 'utf8')) as Summary);
    const disruption = rec === undefined ? undefined : (JSON.parse(readFileSync(join(dir, 'results', rec), 'utf8')) as Ran['disruption']);
    const failed: string[] = [];
    for (const [name, m] of Object.entries(summary?.metrics ?? {})) {
      for (const [expr, t] of Object.entries(m.thresholds ?? {})) if (!t.ok) failed.push(`${name} ${expr}`);
    }
    return { code, out, summary, failed, disruption };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function value(r: Ran, key: string, agg: string): number | undefined {
  return r.summary?.metrics[key]?.values[agg];
}

function assertPassedWithRecovery(r: Ran): void {
  assert.equal(r.code, 0, `failed: ${r.failed.join(', ')}\n${r.out.slice(-4000)}`);
  assert.equal(r.disruption?.state, 'done');
  assert.equal(value(r, 'queue_disruptions', 'count'), 1);
  assert.ok((value(r, 'queue_socket_reconnects', 'count') ?? 0) > 0, 'sockets came back');
  // Both recovery times are measured and reported.
  assert.ok((value(r, 'queue_admission_after_disruption', 'count') ?? 0) > 0, 'an admission after the disruption');
  assert.ok((value(r, 'queue_socket_back_after_disruption', 'count') ?? 0) > 0, 'a socket back after the disruption');
  assert.match(r.out, /queue-k6: disruption DISRUPT=\w+ at \+\d+ ms: ran \d+ ms, exit code 0/);
}

const T = { timeout: 300_000 };

// replay-admissions' set-up: process 0 (the processor) of 2 killed while users admitted FROM THE QUEUE
// hold their slots on process 1. Threshold 8, 24 users, dwell 6 s: the 8 admitted at once leave together
// about 6 s in (holdUntilSettled), the next tick (interval 1 s) admits the next 8 from the queue by about
// 7.7 s, and they hold their slots until about 13.7 s. The kill comes at 8.5 s, after that batch; the
// restarted processor (about 0.7 s to respawn, its first tick within 1 s) replays by about 10.5 s, while
// those 8 still hold their slots and 8 are still queued (the fault replays an event queued when it
// started). The primary hands connections round-robin, so about half of those 8 sockets are on
// process 1: they never dropped and joined about 8 s before the replay (more than the 5 s in which a
// re-announcement to a socket that just joined is allowed), so each counts in queue_admitted_twice.
// (A user admitted at once never waited for a queue-entry-allowed: the replay to it is its first.)
const REPLAY_SETUP = { TARGET_PROCESSES: '2', DISRUPT_PROCESS: '0', QUEUE_THRESHOLD: '8', DWELL_MS: '6000', DISRUPT_AT_MS: '8500' };

// no-reannounce's set-up: process 1 of 2 killed, the one that does NOT run the processor, so admissions
// go on while its sockets are away. 150 users in one VU (so no cross-VU settle wait), threshold 8,
// interval 250 ms, no dwell: the users admitted at once leave together after the arrivals (3.75 s) plus
// an interval and 500 ms, i.e. from 4.5 s, and admissions then run at up to 8 a tick (32 a second; each
// user leaves as soon as it is told). So at the kill (7.5 s) at most 8 + 3 s x 32 = 104 are through and at
// least 46 still queued, more than the two ticks (16 users) the argument below needs (in issue 28b's runs the
// first admission came about 5.9 s in, 56 were through at the kill, 86 queued; a loaded machine has
// 1.6 s before the kill to start admitting). The killed process's sockets are away at least 500 ms
// (socket.io-client's first reconnection delay, 1 s - 50 %), i.e. at least two ticks with free slots
// and a queue: the users admitted then whose sockets were on process 1 (about half: the primary hands
// connections round-robin) hear their admission nowhere (the broadcast went to a dead process), find
// themselves active on their return, and wait in vain for a re-announcement: told:never. Those users
// keep their slots until NOTIFY_GRACE_MS has passed, so up to the threshold of them are caught.
const NO_REANNOUNCE_SETUP = {
  TARGET_PROCESSES: '2',
  DISRUPT_PROCESS: '1',
  USERS: '150',
  USERS_PER_VU: '150',
  QUEUE_THRESHOLD: '8',
  QUEUE_PROCESSOR_INTERVAL: '250',
  DWELL_MS: '0',
  DISRUPT_AT_MS: '7500',
};

describe('restart: the correct room survives', () => {
  it('DISRUPT=process, 1 room process: passes, with the recovery times; the room\'s /metrics, sampled every 250 ms, is down on purpose, not failed', T, async () => {
    const r = await runScenario('restart', { TARGET_PROCESSES: '1', SERVER_SAMPLE_MS: '250' });
    assertPassedWithRecovery(r);
    // make passes the room's /metrics (docs/server-metrics.md): scrapes while the killed process is away
    // are the disruption's (queue_server_scrape_down), never a failed scrape of the server rules.
    assert.equal(value(r, 'queue_server_scrape_errors', 'count') ?? 0, 0, r.out.slice(-4000));
    assert.ok((value(r, 'queue_server_scrape_down', 'count') ?? 0) > 0, `a scrape met the killed process\n${r.out.slice(-4000)}`);
    assert.match(r.out, /server source room did not answer during the run's disruption/);
  });

  it('DISRUPT=process, 2 room processes (process 0, the processor, killed): passes', T, async () => {
    assertPassedWithRecovery(await runScenario('restart', { TARGET_PROCESSES: '2' }));
  });

  it('reconnect (scenario 4) with a room process killed mid-run: its users reconnect and it still passes', T, async () => {
    const r = await runScenario('reconnect', { DISRUPT: 'process', DISRUPT_AT_MS: '3000' });
    assert.equal(r.code, 0, `failed: ${r.failed.join(', ')}\n${r.out.slice(-4000)}`);
    assert.equal(r.disruption?.state, 'done');
    assert.ok((value(r, 'queue_socket_reconnects', 'count') ?? 0) > 0, 'sockets came back');
  });

  if (MATRIX) {
    it('DISRUPT=all, 2 room processes: passes', T, async () => {
      assertPassedWithRecovery(await runScenario('restart', { TARGET_PROCESSES: '2', DISRUPT: 'all' }));
    });
    it('DISRUPT=redis with appendonly: the queue survives, passes', T, async () => {
      const r = await runScenario('restart', { DISRUPT: 'redis', TARGET_REDIS_APPENDONLY: '1' });
      assert.equal(r.code, 0, `failed: ${r.failed.join(', ')}\n${r.out.slice(-4000)}`);
      assert.equal(value(r, 'queue_places_lost', 'count'), 0);
    });
    it('DISRUPT=process under the hostile runner switch: passes', T, async () => {
      assertPassedWithRecovery(await runScenario('restart', { TARGET_PROCESSES: '2', QUEUE_RUNNER_SPREAD: 'seed=7,max=150ms' }));
    });
    // The set-ups the faults below fail under are not what fails them: the correct room passes them.
    it('replay-admissions\' set-up (processor killed while queue-admitted users hold their slots): passes, also under the hostile switch', T, async () => {
      assertPassedWithRecovery(await runScenario('restart', REPLAY_SETUP));
      assertPassedWithRecovery(await runScenario('restart', { ...REPLAY_SETUP, QUEUE_RUNNER_SPREAD: 'seed=11,max=150ms' }));
    });
    it('no-reannounce\'s set-up (the process without the processor killed, admissions going on): passes, also under the hostile switch', T, async () => {
      for (const env of [NO_REANNOUNCE_SETUP, { ...NO_REANNOUNCE_SETUP, QUEUE_RUNNER_SPREAD: 'seed=12,max=150ms' }]) {
        const r = await runScenario('restart', env);
        assertPassedWithRecovery(r);
        // The set-up did admit users while their sockets were away; this room told each of them once back.
        assert.ok((value(r, 'queue_admitted_while_away', 'count') ?? 0) > 0, r.out.slice(-4000));
      }
    });
  }
});

describe('restart: what a failed restart looks like', () => {
  it('DISRUPT=redis without persistence: the queue is gone, the lost places are named', T, async () => {
    const r = await runScenario('restart', { DISRUPT: 'redis' });
    assert.equal(r.code, 99, r.out.slice(-4000));
    assert.ok(r.failed.includes('queue_places_lost count==0'), r.failed.join(', '));
    assert.match(r.out, /user \d+: after (a reconnect|the disruption) the room has it neither queued nor active \(it was at position \d+\): its place was lost/);
  });

  it('a DISRUPT_CMD that exits non-zero: one line says so, the restart rules are not judged (never passed)', T, async () => {
    const r = await runScenario('restart', { DISRUPT_CMD: 'exit 3' });
    assert.equal(r.disruption?.state, 'failed');
    assert.equal(r.disruption?.exitCode, 3);
    assert.match(r.out, /queue-k6: the disruption did not happen \(DISRUPT_CMD: exit 3: exited 3\): the restart rules are not judged/);
    assert.match(r.out, /NOT JUDGED/);
    assert.match(r.out, /- queue_places_lost count==0: needs samples of queue_disruptions, and there were none/);
    assert.equal(value(r, 'queue_disruptions_failed', 'count'), 1);
    assert.equal(r.code, 0, `the rules that were judged pass: ${r.failed.join(', ')}`);
  });

  it('memory-queue: a restarted process forgets the queue, queue_places_lost fails', T, async () => {
    const r = await runScenario('restart', { TARGET_FAULTS: 'memory-queue' });
    assert.equal(r.code, 99, r.out.slice(-4000));
    assert.ok(r.failed.includes('queue_places_lost count==0'), r.failed.join(', '));
  });

  // readmit-all, default set-up (1 process, threshold 4, 24 users, dwell 2 s, interval 1 s, kill at 6 s):
  // a slot serves a user at most every 2 s (the dwell), so by 6 s each of the 4 slots has served at most
  // 3 users and at least 12 of the 24 are still queued; the dead processor admits nobody until its
  // successor starts. That one reads the queued event at its start and admits its whole queue at its
  // first batch: 12 or more users, over 4, who hold their slots 2 s, far longer than the probe's interval:
  // queue_probe_active max<=4 fails (it read 12 and 16 in the runs of issue 28b).
  it('readmit-all: the restarted processor admits the whole queue, the active set goes over the threshold', T, async () => {
    const r = await runScenario('restart', { TARGET_FAULTS: 'readmit-all' });
    assert.equal(r.code, 99, r.out.slice(-4000));
    assert.ok(r.failed.includes('queue_probe_active max<=4'), r.failed.join(', '));
  });
  // Why it must fail on every run: REPLAY_SETUP above.
  it('replay-admissions: the restarted processor tells the users already in again, queue_admitted_twice fails', T, async () => {
    const r = await runScenario('restart', { TARGET_FAULTS: 'replay-admissions', ...REPLAY_SETUP });
    assert.equal(r.code, 99, r.out.slice(-4000));
    assert.ok(r.failed.includes('queue_admitted_twice count==0'), r.failed.join(', '));
  });
  // Why it must fail on every run: NO_REANNOUNCE_SETUP above.
  it('no-reannounce: users admitted while away are never told, told:never fails', T, async () => {
    const r = await runScenario('restart', { TARGET_FAULTS: 'no-reannounce', ...NO_REANNOUNCE_SETUP });
    assert.equal(r.code, 99, r.out.slice(-4000));
    assert.ok(r.failed.includes('queue_admitted_while_away{told:never} count==0'), r.failed.join(', '));
  });
});
