// QueueProbe on the reply shapes recorded from real k6 v2.2.0 + xk6-redis
// (shared/k6-reference/README.md, section "xk6-redis replies").
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyRejection, QueueProbe, redactRedisUrl, urlWithPassword, type ProbeErrorKind, type RedisLike } from './probe.ts';

const EVENT = 'e1';

/** A fake xk6-redis: a handler per command, answering or rejecting as recorded. */
function fake(handler: (cmd: string, args: Array<string | number>) => unknown): RedisLike & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    sendCommand(cmd, ...args) {
      calls.push(cmd);
      try {
        return Promise.resolve(handler(cmd, args));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}

// "xk6-redis replies": a nil reply rejects with the string 'redis: nil'.
const nil = (): never => {
  throw 'redis: nil'; // eslint-disable-line no-throw-literal -- the recorded shape is a string
};
// "xk6-redis replies": unreachable server rejects with an object whose message is the dial error.
const refused = (): never => {
  throw new Error('dial tcp 127.0.0.1:1: connect: connection refused');
};

function recorder(): { errors: Array<[ProbeErrorKind, string]>; onError: (k: ProbeErrorKind, m: string) => void } {
  const errors: Array<[ProbeErrorKind, string]> = [];
  return { errors, onError: (k, m) => errors.push([k, m]) };
}

describe('rejections as xk6-redis gives them', () => {
  it('a nil reply is an answer, a string is an error reply, an object is the transport', () => {
    assert.equal(classifyRejection('redis: nil'), 'nil');
    assert.equal(classifyRejection('WRONGTYPE Operation against a key holding the wrong kind of value'), 'reply');
    assert.equal(classifyRejection("ERR unknown command 'FOO', with args beginning with: "), 'reply');
    assert.equal(classifyRejection(new Error('dial tcp 127.0.0.1:1: connect: connection refused')), 'connection');
    assert.equal(classifyRejection({ message: 'dial tcp 127.0.0.1:1: connect: connection refused' }), 'connection');
    assert.equal(classifyRejection(new Error('redis: nil')), 'nil', 'a nil reply wrapped in an Error is still nil');
    assert.equal(classifyRejection(new Error('NOAUTH Authentication required.')), 'reply');
  });
});

describe('QueueProbe', () => {
  it('reads a queued user: rank, score (a string reply), not active', async () => {
    const r = recorder();
    const p = new QueueProbe(fake((cmd) => ({ ZRANK: 2, ZSCORE: '1700000000001.5', SISMEMBER: 0 } as Record<string, unknown>)[cmd]), EVENT, r);
    assert.deepEqual(await p.ownState('u1'), { rank: 2, score: 1700000000001.5, active: false });
    assert.deepEqual(r.errors, []);
  });

  it('reads an admitted user whose ZRANK and ZSCORE reject with redis: nil, and keeps probing', async () => {
    const r = recorder();
    const client = fake((cmd) => {
      if (cmd === 'ZRANK' || cmd === 'ZSCORE') nil();
      if (cmd === 'SISMEMBER') return 1;
      if (cmd === 'ZCARD') return 0;
      if (cmd === 'SCARD') return 5;
      return undefined;
    });
    const p = new QueueProbe(client, EVENT, r);
    assert.deepEqual(await p.ownState('u1'), { rank: null, score: null, active: true });
    assert.deepEqual(await p.counts(), { depth: 0, active: 5 }, 'a nil reply must not switch the probe off');
    assert.deepEqual(r.errors, []);
  });

  it('an empty queue head is null (ZRANGE WITHSCORES gives [])', async () => {
    const p = new QueueProbe(fake(() => []), EVENT);
    assert.equal(await p.head(), null);
    const q = new QueueProbe(fake(() => ['u1', '1700000000000']), EVENT);
    assert.deepEqual(await q.head(), { member: 'u1', score: 1700000000000 });
  });

  it('an error reply is counted as a reply error and answers undefined, without resting', async () => {
    const r = recorder();
    let wrong = true;
    const client = fake((cmd) => {
      if (wrong) throw 'WRONGTYPE Operation against a key holding the wrong kind of value'; // eslint-disable-line no-throw-literal
      return cmd === 'ZCARD' ? 3 : 4;
    });
    const p = new QueueProbe(client, EVENT, r);
    assert.equal(await p.counts(), undefined);
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]![0], 'reply');
    assert.match(r.errors[0]![1], /^ZCARD: WRONGTYPE/);
    wrong = false;
    assert.deepEqual(await p.counts(), { depth: 3, active: 4 });
  });

  it('a refused connection is counted once, then the probe rests and tries again later', async () => {
    const r = recorder();
    let now = 1000;
    let down = true;
    const client = fake((cmd) => (down ? refused() : cmd === 'ZCARD' ? 1 : 2));
    const p = new QueueProbe(client, EVENT, { ...r, restMs: 5000, now: () => now });
    assert.equal(await p.counts(), undefined);
    assert.deepEqual(r.errors.map((e) => e[0]), ['connection']);
    assert.match(r.errors[0]![1], /connection refused/);
    const sent = client.calls.length;
    now += 1000;
    assert.equal(await p.ownState('u1'), undefined, 'resting: no command is sent');
    assert.equal(client.calls.length, sent);
    assert.equal(r.errors.length, 1, 'resting is not another error');
    down = false;
    now += 5000;
    assert.deepEqual(await p.counts(), { depth: 1, active: 2 }, 'back after the rest');
  });

  it('without a client the probe is off and sends nothing', async () => {
    const p = new QueueProbe(undefined, EVENT);
    assert.equal(p.enabled, false);
    assert.equal(await p.counts(), undefined);
    assert.equal(await p.ping(), 'no client');
  });

  it('ping reports the failure text', async () => {
    assert.equal(await new QueueProbe(fake(() => 'PONG'), EVENT).ping(), undefined);
    assert.equal(await new QueueProbe(fake(refused), EVENT).ping(), 'dial tcp 127.0.0.1:1: connect: connection refused');
  });
});

describe('QueueProbe maxInFlight', () => {
  it('keeps at most maxInFlight commands in flight; the others wait their turn and all are answered', async () => {
    let now = 0;
    let peak = 0;
    const pending: Array<() => void> = [];
    const client: RedisLike = {
      sendCommand: (cmd) => {
        now++;
        peak = Math.max(peak, now);
        return new Promise((resolve) => pending.push(() => { now--; resolve(cmd === 'SISMEMBER' ? 1 : cmd === 'ZRANK' ? 3 : '1700000000000'); }));
      },
    };
    const p = new QueueProbe(client, EVENT, { maxInFlight: 4 });
    const all = Promise.all(Array.from({ length: 25 }, (_, i) => p.ownState(`u${i}`)));
    // Answer whatever is in flight until every ownState (3 commands each) is done.
    let answered = 0;
    while (answered < 75) {
      await new Promise((r) => setImmediate(r));
      const batch = pending.splice(0);
      assert.ok(batch.length <= 4, `in flight: ${batch.length}`);
      for (const answer of batch) answer();
      answered += batch.length;
    }
    const states = await all;
    assert.equal(peak, 4);
    assert.equal(states.length, 25);
    for (const s of states) assert.deepEqual(s, { rank: 3, score: 1700000000000, active: true });
  });

  it('a failed command frees its turn too', async () => {
    let calls = 0;
    const client: RedisLike = { sendCommand: () => { calls++; return Promise.reject('WRONGTYPE Operation against a key holding the wrong kind of value'); } };
    const p = new QueueProbe(client, EVENT, { maxInFlight: 1 });
    const states = await Promise.all([p.ownState('a'), p.ownState('b'), p.ownState('c')]);
    assert.deepEqual(states, [undefined, undefined, undefined]);
    assert.equal(calls, 3);
  });
});

describe('Redis URLs', () => {
  it('logs never carry the password', () => {
    assert.equal(redactRedisUrl('redis://:s3cret@db:6379/0'), 'redis://db:6379/0');
    assert.equal(redactRedisUrl('redis://user:s3cret@db:6379'), 'redis://db:6379');
    assert.equal(redactRedisUrl('redis://db:6379'), 'redis://db:6379');
  });

  it('a separate password is put into the client URL only', () => {
    assert.equal(urlWithPassword('redis://db:6379/2', 'p@ss'), 'redis://:p%40ss@db:6379/2');
    assert.equal(urlWithPassword('rediss://user@db:6380', 'x'), 'rediss://user:x@db:6380');
    assert.equal(urlWithPassword('redis://:old@db:6379', 'new'), 'redis://:new@db:6379');
    assert.equal(urlWithPassword('redis://db:6379', undefined), 'redis://db:6379');
  });
});
