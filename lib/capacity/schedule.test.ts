import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { arrivalTimeOf, arrivalTimes, loadEndMs, plannedUsers, rampPlanError, requirementAtMs, scheduledRate, type RampPlan } from './schedule.ts';

const plan = (p: Partial<RampPlan> = {}): RampPlan => ({ startRate: 5, maxRate: 25, rampMs: 20_000, users: 10_000, windowMs: 5000, ...p });

describe('the ramp schedule', () => {
  it('arrivals per second follow the ramp: as many in each second as its rate', () => {
    const times = arrivalTimes(plan({ users: 400 }));
    const inSecond = (s: number): number => times.filter((t) => t >= s * 1000 && t < (s + 1) * 1000).length;
    assert.ok(Math.abs(inSecond(0) - 5.5) <= 1, `first second ~5.5, got ${inSecond(0)}`);
    assert.ok(Math.abs(inSecond(10) - 15.5) <= 1, `second 10 ~15.5, got ${inSecond(10)}`);
    assert.ok(Math.abs(inSecond(19) - 24.5) <= 1, `last ramp second ~24.5, got ${inSecond(19)}`);
    // After the ramp: MAX_RATE.
    assert.ok(Math.abs(inSecond(21) - 25) <= 1, `after the ramp 25/s, got ${inSecond(21)}`);
    assert.equal(times[0], 0);
    for (let i = 1; i < times.length; i++) assert.ok(times[i] >= times[i - 1]);
  });

  it('a flat ramp (MAX_RATE = START_RATE) is a constant rate', () => {
    const times = arrivalTimes(plan({ startRate: 10, maxRate: 10, users: 50 }));
    assert.deepEqual(times.slice(0, 4), [0, 100, 200, 300]);
  });

  it('stops at USERS; the load ends one window after the last arrival', () => {
    const p = plan({ users: 100 });
    const times = arrivalTimes(p);
    assert.equal(times.length, 100);
    assert.equal(loadEndMs(p), times[99] + 5000);
  });

  it('REQUIRED_USERS: the ramp stops at that arrival, holds its rate for one window, and the load ends', () => {
    const p = plan({ requiredUsers: 200 });
    const at = requirementAtMs(p)!;
    const times = arrivalTimes(p);
    assert.ok(Math.abs(times[199] - at) <= 1, 'the 200th arrival is the requirement instant');
    const rateAt = scheduledRate(p, at - 1);
    const plateau = times.filter((t) => t > at);
    assert.ok(Math.abs(plateau.length - rateAt * 5) <= 1, `a window at ${rateAt}/s: ${plateau.length} arrivals`);
    assert.ok(plateau.every((t) => t <= at + 5000));
    assert.equal(loadEndMs(p), at + 5000);
    assert.equal(scheduledRate(p, at + 6000), 0, 'nothing asked after the window');
  });

  it('one user at a time gives the same instants as the whole list (a VU keeps no list)', () => {
    const p = plan({ requiredUsers: 120 });
    const all = arrivalTimes(p);
    assert.equal(all.length, plannedUsers(p));
    for (const i of [0, 1, 57, 119, 120, all.length - 1]) assert.equal(arrivalTimeOf(p, i), all[i]);
    assert.ok(plannedUsers(p) < p.users);
  });

  it('REQUIRED_RATE: reached where the ramp gets there', () => {
    assert.equal(requirementAtMs(plan({ requiredRate: 15 })), 10_000);
    assert.equal(requirementAtMs(plan()), undefined);
  });

  it('names each contradiction in one line', () => {
    assert.match(rampPlanError(plan({ maxRate: 2 }))!, /^invalid MAX_RATE; reason: the maximum rate \(2\/s\) is below START_RATE \(5\/s\)/);
    assert.match(rampPlanError(plan({ rampMs: 0 }))!, /^invalid RAMP_S; reason: the ramp must last at least 1 s/);
    assert.match(rampPlanError(plan({ requiredUsers: 10_001 }))!, /^invalid REQUIRED_USERS; reason: the requirement \(10001\) is above USERS \(10000\)/);
    assert.match(rampPlanError(plan({ windowMs: 30_000 }))!, /^invalid WINDOW_S; reason: a window of 30 s is longer than the ramp/);
    assert.match(rampPlanError(plan({ requiredRate: 30 }))!, /^invalid REQUIRED_RATE; reason: the requirement \(30\/s\) is above MAX_RATE/);
    assert.match(rampPlanError(plan({ requiredRate: 25, users: 50 }))!, /^invalid REQUIRED_RATE; reason: USERS \(50\) run out/);
    assert.equal(rampPlanError(plan({ requiredUsers: 300 })), undefined);
    for (const line of [rampPlanError(plan({ maxRate: 2 }))!, rampPlanError(plan({ rampMs: 0 }))!]) assert.doesNotMatch(line, /\n/);
  });
});
