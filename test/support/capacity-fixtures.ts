// Capacity answers for the tests of the report and of make compare: a
// plausible queue_k6.capacity (lib/capacity/types.ts) for each outcome, a
// results file that carries one, and a way to put one into a results file
// another fixture wrote (test/support/compare-fixtures.ts), so compare's
// capacity check runs on runs that are otherwise complete.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BreakCause, CapacityBreak, CapacityResult } from '../../lib/capacity/types.ts';

export interface CapacityFixtureOptions {
  outcome?: CapacityResult['outcome'];
  /** Users held in the last healthy window (default 400), and its arrival rate per second (default 20). */
  heldUsers?: number;
  heldRate?: number;
  /** Where the first break is (broke), or where the generator fell behind (generator); seconds. */
  atS?: number;
  cause?: BreakCause;
  /** The one-line answer; default says the held figures. */
  line?: string;
  /** 'none': no notification delay was measured (every point null). */
  notify?: 'some' | 'none';
  requirement?: CapacityResult['requirement'];
  /** Points in the series, one per second from t = 1 (default 60). */
  points?: number;
}

/** A capacity answer whose series climbs steadily to the break (or to the end) and past it. */
export function capacityResult(o: CapacityFixtureOptions = {}): CapacityResult {
  const outcome = o.outcome ?? 'broke';
  const heldUsers = o.heldUsers ?? 400;
  const heldRate = o.heldRate ?? 20;
  const points = o.points ?? 60;
  const atS = o.atS ?? 45;
  const windowS = 10;
  // The last healthy window ends one second before the break; the run climbs linearly to it.
  const heldAt = outcome === 'broke' || outcome === 'generator' ? atS - 1 : points;
  const t: number[] = [];
  const users: number[] = [];
  const rate: number[] = [];
  const scheduledRate: number[] = [];
  const connectP95Ms: Array<number | null> = [];
  const notifyDelayP95Ms: Array<number | null> = [];
  const sockets: Array<number | null> = [];
  for (let s = 1; s <= points; s++) {
    const k = s / heldAt;
    t.push(s);
    // Users pile up faster than the rate climbs (each stays longer as the room slows): not one line under the other.
    users.push(Math.round(heldUsers * k ** 1.5));
    scheduledRate.push(Math.round(heldRate * k * 100) / 100);
    // Past the generator's saturation the arrivals fall short of the schedule.
    rate.push(Math.round(heldRate * (outcome === 'generator' && s > atS ? atS / heldAt : k) * 100) / 100);
    sockets.push(Math.round(heldUsers * k ** 1.5));
    const over = outcome === 'broke' && s >= atS;
    connectP95Ms.push(s === 1 ? null : over ? 1500 + (s - atS) * 100 : 40 + s * 5);
    notifyDelayP95Ms.push(o.notify === 'none' ? null : s < 3 ? null : over ? 2500 : 100 + s * 2);
  }
  const cause = o.cause ?? 'connect_time';
  const breaks: CapacityBreak[] =
    outcome === 'broke' ? [{ atS, cause, figure: 'connect p95 1,500 ms > 1,000 ms', value: 1500, bound: 1000 }] : [];
  const held =
    outcome === 'unknown' ? null : { fromS: heldAt - windowS, toS: heldAt, users: heldUsers, sockets: heldUsers, rate: heldRate };
  const line =
    o.line ??
    (outcome === 'broke'
      ? `capacity: held ${heldUsers} users at ${heldRate}/s; broke at ${atS} s on ${cause}`
      : outcome === 'held'
        ? `capacity: held ${heldUsers} users at ${heldRate}/s to the end of the load; nothing broke`
        : outcome === 'generator'
          ? `capacity: not measured: the load generator fell behind at ${atS} s before the room broke`
          : 'capacity: unknown: too little was measured');
  return {
    source: 'samples',
    outcome,
    line,
    windowS,
    held,
    firstBreak: breaks[0] ?? null,
    breaks,
    generator: outcome === 'generator' ? { atS, rate: heldRate, lagP95Ms: 2400, boundMs: 1000 } : null,
    requirement: o.requirement ?? null,
    series: { t, users, sockets, rate, scheduledRate, connectP95Ms, notifyDelayP95Ms },
  };
}

const START_AT = Date.UTC(2026, 11, 7, 3, 0, 0);

/** A capacity run's results file (`<dir>/<name>.json`) with this answer; its path. */
export function writeCapacityRun(dir: string, name: string, capacity: CapacityResult | null): string {
  mkdirSync(dir, { recursive: true });
  const queue: Record<string, unknown> = {
    format: 2,
    runId: name,
    scenario: 'capacity',
    params: { users: 2000, apiUrl: 'http://127.0.0.1:3000' },
    vars: {},
    thresholds: {},
    notes: [],
    startAt: START_AT,
    rules: [],
  };
  if (capacity !== null) queue.capacity = capacity;
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify({ metrics: {}, state: { testRunDurationMs: 90_000 }, queue_k6: queue }, null, 2) + '\n');
  return path;
}

/** Puts `capacity` into an existing results file's queue_k6 (as handleSummary would have written it). */
export function addCapacity(summaryPath: string, capacity: CapacityResult): void {
  const obj = JSON.parse(readFileSync(summaryPath, 'utf8')) as { queue_k6: Record<string, unknown> };
  obj.queue_k6.capacity = capacity;
  writeFileSync(summaryPath, JSON.stringify(obj, null, 2) + '\n');
}
