// Each fault: the behaviour when switched on, and its absence when off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FAULT_NAMES, type FaultName } from './faults.ts';
import { startTarget } from './server.ts';
import {
  check, checkInOrder, connect, connectedSocket, joinQueue, leave, newEventId, nextEvent, record,
  registerUsers, sleep, socketFor, startStack, until, type Stack,
} from './testkit.ts';

async function withTarget(fault: FaultName | null, config: Parameters<typeof startStack>[0], fn: (s: Stack) => Promise<void>): Promise<void> {
  const s = await startStack({ ...config, faults: fault === null ? [] : [fault] });
  try {
    await fn(s);
  } finally {
    await s.stop();
  }
}

/** Runs `scenario` with the fault off and on; `expect(on, result)` asserts each side. */
async function both<T>(fault: FaultName, config: Parameters<typeof startStack>[0], scenario: (s: Stack) => Promise<T>, expect: (on: boolean, r: T) => void | Promise<void>): Promise<void> {
  for (const on of [false, true]) {
    await withTarget(on ? fault : null, config, async (s) => {
      await expect(on, await scenario(s));
    });
  }
}

const manual = { processorIntervalMs: 60_000 };

describe('faults', () => {
  it('every fault has a test here', () => {
    assert.deepEqual([...FAULT_NAMES].sort(), ['busy-room', 'lifo', 'memory-queue', 'no-reannounce', 'no-release', 'no-session-restore', 'over-admit', 'racy-admission',
      'readmit-all', 'replay-admissions', 'requeue-on-reconnect', 'silent-admission', 'stalled-processor', 'wrong-estimate']);
  });

  it('busy-room: each request holds the event loop BUSY_MS, and /metrics shows the lag', async () => {
    await both('busy-room', { threshold: 2, busyMs: 150, ...manual }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 3);
      const t0 = performance.now();
      await checkInOrder(s.url, users, ev);
      const tookMs = performance.now() - t0;
      const metrics = await (await fetch(`${s.url}/metrics`)).text();
      const lag = Number(/^nodejs_eventloop_lag_max_seconds\{[^}]*\} (\S+)$/m.exec(metrics)?.[1]);
      return { tookMs, lag };
    }, (on, r) => {
      if (on) {
        assert.ok(r.tookMs >= 3 * 150, `3 checks should take 3 x BUSY_MS at least, took ${r.tookMs} ms`);
        assert.ok(r.lag >= 0.1, `the event loop lag should show the block, got ${r.lag} s`);
      } else {
        assert.ok(r.lag < 0.1, `no block expected, lag ${r.lag} s`);
      }
    });
  });

  it('racy-admission: a burst overshoots the threshold', async () => {
    await both('racy-admission', { threshold: 10, racyWindowMs: 50, ...manual }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 40);
      const answers = await Promise.all(users.map((u) => check(s.url, u, ev)));
      return { admitted: answers.filter((a) => a.body.queued === false).length, active: await s.redis.scard(`active:${ev}`) };
    }, (on, r) => {
      if (on) assert.ok(r.active > 10 && r.admitted > 10, `overshoot expected, got ${JSON.stringify(r)}`);
      else assert.deepEqual(r, { admitted: 10, active: 10 });
    });
  });

  it('over-admit: the processor ignores occupied slots', async () => {
    await both('over-admit', { threshold: 3, ...manual }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 6);
      await checkInOrder(s.url, users, ev);
      await leave(s.url, users[0]!, ev);
      await s.target.processNow();
      return { active: await s.redis.scard(`active:${ev}`), queued: await s.redis.zcard(`queue:${ev}`) };
    }, (on, r) => {
      assert.deepEqual(r, on ? { active: 5, queued: 0 } : { active: 3, queued: 2 });
    });
  });

  it('silent-admission: admitted without queue-entry-allowed', async () => {
    await both('silent-admission', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const [a, b] = await registerUsers(s.url, 2);
      await checkInOrder(s.url, [a!, b!], ev);
      const sock = await connectedSocket(s.url, b!.token);
      await joinQueue(sock, ev);
      const seen = record(sock);
      const updated = nextEvent(sock, 'queue-updated');
      await leave(s.url, a!, ev);
      await s.target.processNow();
      await updated;
      return { events: seen.map((e) => e.event), bActive: await s.redis.sismember(`active:${ev}`, b!.id) };
    }, (on, r) => {
      assert.equal(r.bActive, 1);
      assert.deepEqual(r.events, on ? ['queue-updated'] : ['queue-entry-allowed', 'queue-updated']);
    });
  });

  it('no-release: leave keeps the active slot', async () => {
    await both('no-release', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const [a, b] = await registerUsers(s.url, 2);
      await checkInOrder(s.url, [a!, b!], ev);
      await leave(s.url, a!, ev);
      await leave(s.url, b!, ev);
      return { aActive: await s.redis.sismember(`active:${ev}`, a!.id), bQueued: await s.redis.zscore(`queue:${ev}`, b!.id) };
    }, (on, r) => {
      assert.equal(r.bQueued, null, 'leave always removes from the queue');
      assert.equal(r.aActive, on ? 1 : 0);
    });
  });

  it('stalled-processor: nobody is ever admitted from the queue', async () => {
    await both('stalled-processor', { threshold: 1, processorIntervalMs: 100 }, async (s) => {
      const ev = newEventId();
      const [a, b] = await registerUsers(s.url, 2);
      await checkInOrder(s.url, [a!, b!], ev);
      await leave(s.url, a!, ev);
      await s.target.processNow();
      await sleep(350); // a few more ticks of the timer
      return { bActive: await s.redis.sismember(`active:${ev}`, b!.id), ticks: s.target.stats().ticks, admitted: s.target.stats().usersAdmitted };
    }, (on, r) => {
      assert.ok(r.ticks >= 2, 'the processor ticks either way');
      assert.deepEqual({ bActive: r.bActive, admitted: r.admitted }, on ? { bActive: 0, admitted: 0 } : { bActive: 1, admitted: 1 });
    });
  });

  it('lifo: the newest arrival is admitted first', async () => {
    await both('lifo', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 4);
      await checkInOrder(s.url, users, ev);
      await leave(s.url, users[0]!, ev);
      await s.target.processNow();
      const [admitted] = await s.redis.smembers(`active:${ev}`);
      return users.findIndex((u) => u.id === admitted);
    }, (on, index) => {
      assert.equal(index, on ? 3 : 1);
    });
  });

  it('requeue-on-reconnect: a repeated check moves a queued user to the back', async () => {
    await both('requeue-on-reconnect', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const [a, b, c] = await registerUsers(s.url, 3);
      const [, rb] = await checkInOrder(s.url, [a!, b!, c!], ev);
      const scoreBefore = await s.redis.zscore(`queue:${ev}`, b!.id);
      await sleep(5);
      const again = await check(s.url, b!, ev);
      return { first: rb!.body.position, again: again.body.position, sameScore: scoreBefore === (await s.redis.zscore(`queue:${ev}`, b!.id)) };
    }, (on, r) => {
      assert.deepEqual(r, on ? { first: 1, again: 2, sameScore: false } : { first: 1, again: 1, sameScore: true });
    });
  });

  it('requeue-on-reconnect also applies to the racy check path', async () => {
    const s = await startStack({ threshold: 1, faults: ['racy-admission', 'requeue-on-reconnect'], racyWindowMs: 0, ...manual });
    try {
      const ev = newEventId();
      const [a, b, c] = await registerUsers(s.url, 3);
      await checkInOrder(s.url, [a!, b!, c!], ev);
      await sleep(5);
      assert.equal((await check(s.url, b!, ev)).body.position, 2);
    } finally {
      await s.stop();
    }
  });

  it('no-session-restore: no session-restored on reconnect', async () => {
    await both('no-session-restore', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const [a, b] = await registerUsers(s.url, 2);
      await checkInOrder(s.url, [a!, b!], ev);
      const first = await connectedSocket(s.url, b!.token);
      await joinQueue(first, ev);
      first.disconnect();
      const second = socketFor(s.url, b!.token);
      const seen = record(second);
      await connect(second);
      await sleep(200);
      return seen.map((e) => e.event);
    }, (on, events) => {
      assert.deepEqual(events, on ? [] : ['session-restored']);
    });
  });

  it('wrong-estimate: 30 s per position whatever the pace', async () => {
    await both('wrong-estimate', { threshold: 2, processorIntervalMs: 60_000 }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 7);
      const answers = await checkInOrder(s.url, users, ev);
      return answers.slice(2).map((a) => [a.body.position, a.body.estimatedWait]);
    }, (on, pairs) => {
      // correct: ceil(position / threshold) batches of 60 s
      assert.deepEqual(pairs, on
        ? [[1, 30], [2, 60], [3, 90], [4, 120], [5, 150]]
        : [[1, 60], [2, 60], [3, 120], [4, 120], [5, 180]]);
    });
  });

  it('no-reannounce: a socket that joins again is not told of its admission', async () => {
    await both('no-reannounce', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const [a] = await registerUsers(s.url, 1);
      await check(s.url, a!, ev); // admitted at once: active
      const again = await connectedSocket(s.url, a!.token);
      const told = nextEvent(again, 'queue-entry-allowed', (p: { userId: string }) => p.userId === a!.id, 1000).then(() => true, () => false);
      await joinQueue(again, ev);
      return told;
    }, (on, told) => {
      assert.equal(told, !on);
    });
  });

  it('memory-queue: a restarted process has forgotten the queue', async () => {
    await both('memory-queue', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 3);
      await checkInOrder(s.url, users, ev);
      // The same room started again over the same Redis, as a restarted process.
      const again = await startTarget({ port: 0, kdfCost: 1024, processorIntervalMs: 60_000, threshold: 1, redisUrl: s.redisServer.url, faults: s.target.config.faults }, { log: () => undefined });
      try {
        return await s.redis.zcard(`queue:${ev}`);
      } finally {
        await again.close();
      }
    }, (on, queued) => {
      assert.equal(queued, on ? 0 : 2);
    });
  });

  it('readmit-all: a restarted processor admits the whole queue at once', async () => {
    await both('readmit-all', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const users = await registerUsers(s.url, 4);
      await checkInOrder(s.url, users, ev); // 1 active, 3 queued
      await s.target.processNow(); // the running processor: no free slot, nobody admitted
      const again = await startTarget({ port: 0, kdfCost: 1024, processorIntervalMs: 60_000, threshold: 1, redisUrl: s.redisServer.url, faults: s.target.config.faults }, { log: () => undefined });
      try {
        await again.processNow();
        return [await s.redis.scard(`active:${ev}`), await s.redis.zcard(`queue:${ev}`)];
      } finally {
        await again.close();
      }
    }, (on, counts) => {
      assert.deepEqual(counts, on ? [4, 0] : [1, 3]);
    });
  });

  it('replay-admissions: a restarted processor tells the active users again', async () => {
    await both('replay-admissions', { threshold: 1, ...manual }, async (s) => {
      const ev = newEventId();
      const [a, b] = await registerUsers(s.url, 2);
      await checkInOrder(s.url, [a!, b!], ev); // a active, b queued
      const socket = await connectedSocket(s.url, a!.token);
      await joinQueue(socket, ev);
      const again = await startTarget({ port: 0, kdfCost: 1024, processorIntervalMs: 60_000, threshold: 1, redisUrl: s.redisServer.url, faults: s.target.config.faults, jwtSecret: s.target.config.jwtSecret }, { log: () => undefined });
      try {
        // The restarted processor runs beside the first one here; its room broadcast reaches only its own sockets.
        const replayed = socketFor(again.url, a!.token);
        const seen = record(replayed);
        await connect(replayed);
        await joinQueue(replayed, ev);
        const mine = () => seen.filter((e) => e.event === 'queue-entry-allowed' && e.payload.userId === a!.id).length;
        // The correct room re-announces to a socket that joins: that one first.
        await until(() => mine() === 1, 2000, 'the re-announcement on join');
        await again.processNow();
        await sleep(300);
        return mine() > 1;
      } finally {
        await again.close();
      }
    }, (on, told) => {
      assert.equal(told, on);
    });
  });
});
