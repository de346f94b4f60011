// The capacity users' admission watch on a fake clock and a crafted active set:
// the delay from a poll's sighting to the event, an event that beats the poll,
// a silent admission named after the grace (once), the poll's cost (it stops
// at the first user not yet admitted), and no timer left when nobody waits.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdmissionWatch, type WatchDeps } from './admission-watch.ts';

/** A clock whose timers run when `advance` passes them; Redis answers from `active`. */
class Fake implements WatchDeps {
  t = 1_000_000;
  readonly active = new Set<string>();
  asked: string[] = [];
  redisDown = false;
  private timers: Array<{ at: number; fn: () => void; id: number }> = [];
  private nextId = 1;

  now(): number {
    return this.t;
  }
  async isActive(me: string): Promise<boolean | undefined> {
    this.asked.push(me);
    return this.redisDown ? undefined : this.active.has(me);
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== handle);
  }
  get pending(): number {
    return this.timers.length;
  }
  /** Runs every timer due within `ms`, in time order, letting each poll's awaits settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (next === undefined || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      for (let i = 0; i < 10; i++) await Promise.resolve();
    }
    this.t = end;
  }
}

describe('AdmissionWatch', () => {
  it('times the event from the poll that first saw the admission', async () => {
    const f = new Fake();
    const silent: string[] = [];
    const w = new AdmissionWatch(f, 250, 10_000, (x) => silent.push(x.me));
    const a = w.add('a');
    await f.advance(250); // a not admitted yet
    assert.equal(a.seenAt, undefined);
    f.active.add('a');
    await f.advance(250); // the poll at +500 sees it
    assert.equal(a.seenAt, f.t);
    const seen = f.t;
    await f.advance(1200);
    assert.equal(w.told(a, f.t), f.t - seen);
    assert.equal(w.told(a, f.t), 1200, 'told twice gives the same figure and no error');
    assert.deepEqual(silent, []);
    assert.equal(w.size, 0);
    assert.equal(f.pending, 0, 'nobody waits: no timer left');
  });

  it('an event that comes before any poll sees the admission counts as 0', async () => {
    const f = new Fake();
    const w = new AdmissionWatch(f, 250, 10_000, () => assert.fail('not silent'));
    const a = w.add('a');
    await f.advance(100);
    f.active.add('a');
    assert.equal(w.told(a, f.t), 0);
    assert.equal(f.pending, 0);
  });

  it('names an admitted user still untold after the grace, once, and keeps the others timed', async () => {
    const f = new Fake();
    const silent: string[] = [];
    const w = new AdmissionWatch(f, 250, 2000, (x) => silent.push(x.me));
    const a = w.add('a');
    const b = w.add('b');
    f.active.add('a');
    f.active.add('b');
    await f.advance(250);
    assert.ok(a.seenAt !== undefined && b.seenAt !== undefined);
    assert.equal(w.told(b, f.t + 40), 40);
    await f.advance(1999);
    assert.deepEqual(silent, []);
    await f.advance(1);
    assert.deepEqual(silent, ['a']);
    assert.equal(a.notTold, true);
    await f.advance(10_000);
    assert.deepEqual(silent, ['a'], 'named once');
    // Told at last, long after: the delay still says how long.
    assert.equal(w.told(a, f.t), f.t - a.seenAt!);
    assert.equal(f.pending, 0);
  });

  it('stops each poll at the first user not yet admitted (about one call per poll in a fair room)', async () => {
    const f = new Fake();
    const w = new AdmissionWatch(f, 500, 10_000, () => undefined);
    const users = ['u1', 'u2', 'u3', 'u4', 'u5'].map((me) => w.add(me));
    await f.advance(500);
    assert.deepEqual(f.asked, ['u1']);
    f.asked = [];
    f.active.add('u1');
    f.active.add('u2');
    await f.advance(500);
    assert.deepEqual(f.asked, ['u1', 'u2', 'u3'], 'u1 and u2 seen, u3 not: stop there');
    f.asked = [];
    await f.advance(500);
    assert.deepEqual(f.asked, ['u3'], 'users already seen are not asked again');
    for (const u of users) w.drop(u);
    assert.equal(f.pending, 0);
  });

  it('a user admitted out of order is seen once those before it are', async () => {
    const f = new Fake();
    const w = new AdmissionWatch(f, 500, 10_000, () => undefined);
    const first = w.add('first');
    const second = w.add('second');
    f.active.add('second');
    await f.advance(500);
    assert.equal(second.seenAt, undefined);
    w.drop(first); // it left the queue (the load ended for it)
    await f.advance(500);
    assert.equal(second.seenAt, f.t);
  });

  it('a Redis that does not answer stops the poll for that round and tries again', async () => {
    const f = new Fake();
    const w = new AdmissionWatch(f, 500, 10_000, () => assert.fail('never judged without an answer'));
    const a = w.add('a');
    f.active.add('a');
    f.redisDown = true;
    await f.advance(1500);
    assert.equal(a.seenAt, undefined);
    f.redisDown = false;
    await f.advance(500);
    assert.equal(a.seenAt, f.t);
    w.drop(a);
    assert.equal(f.pending, 0);
  });
});
