// The knee from crafted observations: what breaks, when, and what must not count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BreakTracker, ObsLog, computeKnee, percentile, type CapacityBounds, type KneeInput } from './windows.ts';

const T0 = 1_800_000_000_000;
const bounds: CapacityBounds = { windowMs: 10_000, minSamples: 20, holdSteps: 2, connectP95MaxMs: 1000, entryP95MaxMs: 5000, errorRateMax: 0.05, waitLateRateMax: 0.05, serverLagMaxMs: 300, arrivalLagMaxMs: 1000 };

/** A steady run: `rate` users a second for `seconds`, each arriving, connecting in `connect(t)` ms, checking in, leaving 5 s later. */
function steady(log: ObsLog, seconds: number, rate: number, opts: { connect?: (s: number) => number; lag?: (s: number) => number; instance?: string } = {}): void {
  for (let i = 0; i < seconds * rate; i++) {
    const t = T0 + Math.round((i * 1000) / rate);
    const s = (t - T0) / 1000;
    log.add('arrival', t, opts.lag?.(s) ?? 5, opts.instance);
    log.add('op', t, 1, opts.instance);
    log.add('connect', t + 1, opts.connect?.(s) ?? 10, opts.instance);
    log.add('sock_open', t + 1, 1, opts.instance);
    log.add('op', t + 2, 1, opts.instance);
    log.add('in', t + 3, 1, opts.instance);
    log.add('out', t + 5003, 1, opts.instance);
    log.add('sock_close', t + 5004, 1, opts.instance);
  }
}

const input = (log: ObsLog, extra: Partial<KneeInput> = {}): KneeInput => ({ log, bounds, t0: T0, serverObserved: false, scheduledRate: () => 10, requirement: null, ...extra });

describe('capacity windows', () => {
  it("percentile is k6's (linear between closest ranks)", () => {
    assert.equal(percentile([10, 20, 30, 40], 90), 37);
    assert.equal(percentile([10, 20, 30, 40], 95), 38.5);
  });

  it('one break: connect time from 30 s; the last healthy window ends before it', () => {
    const log = new ObsLog();
    steady(log, 60, 10, { connect: (s) => (s >= 30 ? 2500 : 10) });
    const r = computeKnee(input(log));
    assert.equal(r.outcome, 'broke');
    assert.equal(r.firstBreak?.cause, 'connect_time');
    assert.ok(r.firstBreak!.atS >= 31 && r.firstBreak!.atS <= 33, `broke at ${r.firstBreak!.atS}`);
    assert.match(r.firstBreak!.figure, /^Socket\.IO connect p95 2,500 ms > 1,000 ms$/);
    assert.ok(r.held !== null && r.held.toS <= 30, `last healthy window ${JSON.stringify(r.held)}`);
    // 10 a second, each in the room 5 s: about 50 held.
    assert.ok(r.held!.users >= 48 && r.held!.users <= 52, `held ${r.held!.users}`);
    assert.equal(r.held!.sockets, r.held!.users);
    assert.ok(Math.abs(r.held!.rate - 10) <= 0.5);
    assert.match(r.line, /^capacity: the room held 5\d waiting users \(5\d open sockets\) at 10 arrivals\/s; the first to break, at 3\d(\.\d)? s, was Socket\.IO connect time \(.*\); the last healthy window was \d+(\.\d)?–\d+(\.\d)? s$/);
    assert.ok(r.series !== null && r.series.t.length === r.series.users.length && r.series.t.length >= 60);
  });

  it('several causes: each in the order it broke, the first named', () => {
    const log = new ObsLog();
    steady(log, 60, 10, { connect: (s) => (s >= 40 ? 3000 : 10) });
    for (let s = 20; s < 60; s++) for (let k = 0; k < 2; k++) log.add('error', T0 + s * 1000 + 500 + k);
    const r = computeKnee(input(log));
    assert.deepEqual(r.breaks.map((b) => b.cause), ['errors', 'connect_time']);
    assert.equal(r.firstBreak?.cause, 'errors');
    assert.ok(r.firstBreak!.atS > 20 && r.firstBreak!.atS < 40);
  });

  it('noise is not a break: outliers under 5 %, an error now and then, too few samples, a one-step spike', () => {
    const log = new ObsLog();
    // 1 connect in 25 is slow (4 %), one error in every ~400 calls.
    steady(log, 60, 10, { connect: (s) => (Math.round(s * 10) % 25 === 0 ? 5000 : 10) });
    log.add('error', T0 + 15_000);
    log.add('error', T0 + 45_000);
    // Before the load: 3 slow connects alone in their window (under MIN_SAMPLES).
    const quiet = new ObsLog();
    for (let i = 0; i < 3; i++) quiet.add('connect', T0 + i, 9000);
    quiet.add('arrival', T0, 5);
    assert.equal(computeKnee(input(quiet)).outcome, 'held');
    assert.equal(computeKnee(input(log)).outcome, 'held', JSON.stringify(computeKnee(input(log)).breaks));
    // Over the bound in one step only: HOLD_STEPS is 2.
    const t = new BreakTracker(2);
    assert.deepEqual(t.step(1, [{ cause: 'connect_time', value: 2000, bound: 1000, figure: '' }]), []);
    assert.deepEqual(t.step(2, []), []);
    assert.deepEqual(t.step(3, [{ cause: 'connect_time', value: 2000, bound: 1000, figure: '' }]), []);
    assert.equal(t.step(4, [{ cause: 'connect_time', value: 2000, bound: 1000, figure: '' }]).length, 1);
  });

  it('users kept at the door: the time to get in breaks before anything else is measured slow', () => {
    const log = new ObsLog();
    steady(log, 40, 10);
    for (let i = 0; i < 400; i++) log.add('entry', T0 + i * 100 + 50, i >= 200 ? 5001 : 120);
    const r = computeKnee(input(log));
    assert.equal(r.firstBreak?.cause, 'entry_time', r.line);
    assert.ok(r.firstBreak!.atS >= 21 && r.firstBreak!.atS <= 23, `at ${r.firstBreak!.atS}`);
    assert.match(r.line, /was the time to get in \(getting in \(log in, connect, check\) p95 5,001 ms > 5,000 ms\)/);
  });

  it('what no load excuses breaks at once: one invariant violation, one user never told', () => {
    const log = new ObsLog();
    steady(log, 30, 10);
    log.add('violation', T0 + 12_300, 1, undefined, 'active_over_threshold');
    const r = computeKnee(input(log));
    assert.equal(r.firstBreak?.cause, 'invariant');
    assert.equal(r.firstBreak?.atS, 13);
    assert.match(r.firstBreak!.figure, /1 invariant violation\(s\) \(active_over_threshold\)/);
    const told = new ObsLog();
    steady(told, 30, 10);
    told.add('not_told', T0 + 5_500);
    assert.equal(computeKnee(input(told)).firstBreak?.cause, 'not_told');
  });

  it('a break in one instance of a split run is found on the merged axis and named', () => {
    const log = new ObsLog();
    steady(log, 40, 5, { instance: 'i1of2' });
    steady(log, 40, 5, { instance: 'i2of2', connect: (s) => (s >= 20 ? 4000 : 10) });
    const r = computeKnee(input(log, { instances: ['i1of2', 'i2of2'] }));
    assert.equal(r.firstBreak?.cause, 'connect_time');
    assert.equal(r.firstBreak?.instance, 'i2of2');
    assert.match(r.line, /instance i2of2/);
  });

  it('a generator behind its schedule first: no room capacity is claimed', () => {
    const log = new ObsLog();
    steady(log, 60, 10, { lag: (s) => (s >= 25 ? 3000 : 5), connect: (s) => (s >= 40 ? 3000 : 10) });
    const r = computeKnee(input(log));
    assert.equal(r.outcome, 'generator');
    assert.ok(r.generator !== null && r.generator.atS >= 25 && r.generator.atS <= 28);
    assert.match(r.line, /^capacity: the load generator saturated at [\d.]+ arrivals\/s .*this is not the room's capacity: add instances/);
  });

  it('server lag counts only when the server is observed, on a few scrapes', () => {
    const log = new ObsLog();
    steady(log, 30, 10);
    for (let s = 0; s < 30; s++) log.add('server_lag', T0 + s * 1000 + 400, s >= 10 ? 800 : 20);
    assert.equal(computeKnee(input(log)).outcome, 'held');
    const r = computeKnee(input(log, { serverObserved: true }));
    assert.equal(r.firstBreak?.cause, 'server_lag');
    assert.ok(r.firstBreak!.atS <= 13);
  });

  it('a requirement is met only when held to its window end with nothing broken', () => {
    const log = new ObsLog();
    steady(log, 30, 10);
    const met = computeKnee(input(log, { requirement: { users: 200, rate: null, atMs: 19_900 } }));
    assert.deepEqual(met.requirement, { users: 200, rate: null, met: true });
    assert.match(met.line, /^capacity: requirement \(200 users\) met: the room held \d+ waiting users/);
    const short = computeKnee(input(log, { requirement: { users: 290, rate: null, atMs: 28_900 } }));
    assert.equal(short.requirement?.met, false);
  });

  it('nothing measured: unknown, said plainly', () => {
    const r = computeKnee(input(new ObsLog()));
    assert.equal(r.outcome, 'unknown');
    assert.match(r.line, /nothing was measured/);
  });
});
