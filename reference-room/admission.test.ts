// Atomic admission: a burst of concurrent checks never overshoots the threshold,
// and every queued user gets a distinct position.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { check, newEventId, registerUsers, startStack, type Stack, type TestUser } from './testkit.ts';

describe('atomic admission', () => {
  let s: Stack;
  let users: TestUser[];
  before(async () => {
    s = await startStack({ threshold: 10, processorIntervalMs: 300 });
    users = await registerUsers(s.url, 500);
  });
  after(() => s.stop());

  it('500 concurrent checks with threshold 10: exactly 10 active, 490 queued at positions 1..490', async () => {
    const ev = newEventId();
    const answers = await Promise.all(users.map((u) => check(s.url, u, ev)));
    assert.ok(answers.every((a) => a.status === 200));
    const admitted = answers.filter((a) => a.body.queued === false);
    const queued = answers.filter((a) => a.body.queued === true);
    assert.equal(admitted.length, 10);
    assert.equal(queued.length, 490);
    assert.ok(admitted.every((a) => a.body.currentUsers < 10), 'each admission saw a free slot');
    const positions = queued.map((a) => a.body.position as number).sort((x, y) => x - y);
    assert.deepEqual(positions, Array.from({ length: 490 }, (_, i) => i + 1));
    assert.equal(await s.redis.scard(`active:${ev}`), 10);
    assert.equal(await s.redis.zcard(`queue:${ev}`), 490);

    // A second burst of the same users changes nothing: places are kept.
    const again = await Promise.all(users.map((u) => check(s.url, u, ev)));
    assert.equal(again.filter((a) => a.body.queued === false).length, 10);
    assert.equal(await s.redis.scard(`active:${ev}`), 10);
    assert.equal(await s.redis.zcard(`queue:${ev}`), 490);
    const byUser = new Map(users.map((u, i) => [u.id, i]));
    for (const [rank, id] of (await s.redis.zrange(`queue:${ev}`, 0, -1)).entries()) {
      const a = again[byUser.get(id)!]!;
      assert.equal(a.body.position, rank + 1);
    }
  });
});

describe('the active set has one TTL for all its members', () => {
  let s: Stack;
  let users: TestUser[];
  before(async () => {
    s = await startStack({ threshold: 2, processorIntervalMs: 60_000, activeTtlSeconds: 1 });
    users = await registerUsers(s.url, 3);
  });
  after(() => s.stop());

  it('it expires whole, under users that never left, and the room admits past its threshold', async () => {
    const ev = newEventId();
    const [a, b, c] = users as [TestUser, TestUser, TestUser];
    assert.equal((await check(s.url, a, ev)).body.queued, false);
    assert.equal((await check(s.url, b, ev)).body.queued, false);
    const ttl = await s.redis.pttl(`active:${ev}`);
    assert.ok(ttl > 0 && ttl <= 1000, `each add sets the TTL (TARGET_ACTIVE_TTL_S=1): ${ttl} ms`);
    const deadline = Date.now() + 5000;
    while (await s.redis.exists(`active:${ev}`) === 1) {
      assert.ok(Date.now() < deadline, 'the set did not expire within 5 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Neither a nor b left, yet a third user is admitted: three inside at threshold 2.
    assert.equal((await check(s.url, c, ev)).body.queued, false);
    assert.equal(await s.redis.sismember(`active:${ev}`, a.id), 0);
  });
});
