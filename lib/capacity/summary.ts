// The capacity answer as handleSummary can give it, from the summary alone
// (source 'in-run'): which causes broke (queue_capacity_breaks{cause}), the
// first break's instant (queue_capacity_break_at, min), and the most users the
// room said it held (queue_capacity_held, max). It has no windows: the exact
// knee, with the last healthy window, comes from the samples (capacity/cli.ts,
// which `make capacity` runs after k6 and which overwrites this).
import type { CapacityConfig } from '../config';
import type { SummaryData } from '../summary/types';
import { scheduledRate } from './schedule';
import { BREAK_CAUSES, type BreakCause, type CapacityBreak, type CapacityResult } from './types';
import { causeName, fmt } from './windows';


function count(data: SummaryData, key: string): number {
  const m = data.metrics[key];
  return m === undefined ? 0 : (m.values.count ?? 0);
}

/** The plan and bounds a later computation needs (capacity/cli.ts reads them from the results file). */
export function capacityPlanRecord(cap: CapacityConfig, serverObserved: boolean): Record<string, unknown> {
  return { plan: cap.plan, bounds: cap.bounds, loadEndMs: cap.loadEndMs, requirementAtMs: cap.requirementAtMs ?? null, waitMaxMs: cap.waitMaxMs, serverObserved };
}

export function inRunCapacity(data: SummaryData, cap: CapacityConfig): CapacityResult {
  const windowS = cap.plan.windowMs / 1000;
  const broken = BREAK_CAUSES.filter((c) => count(data, `queue_capacity_breaks{cause:${c}}`) > 0);
  const generatorBroke = count(data, 'queue_capacity_breaks{cause:generator}') > 0;
  const at = data.metrics.queue_capacity_break_at?.values.min;
  const heldMax = data.metrics.queue_capacity_held?.values.max;
  const arrivals = count(data, 'queue_arrival_lag');
  const atS = at === undefined ? 0 : at;
  const rate = Math.round(scheduledRate(cap.plan, atS * 1000) * 10) / 10;
  const breaks: CapacityBreak[] = broken.map((cause: BreakCause) => ({ atS, cause, figure: `seen in-run by a VU's own window`, value: count(data, `queue_capacity_breaks{cause:${cause}}`), bound: 0 }));
  const requirement = cap.requirementAtMs === undefined ? null : {
    users: cap.plan.requiredUsers ?? null,
    rate: cap.plan.requiredRate ?? null,
    met: broken.length === 0 && !generatorBroke && arrivals > 0 && data.state.testRunDurationMs + 1000 >= cap.loadEndMs,
  };
  const heldText = heldMax === undefined ? 'users held not measured' : `up to ${fmt(heldMax)} users in the room`;
  let outcome: CapacityResult['outcome'];
  let line: string;
  if (arrivals === 0) {
    outcome = 'unknown';
    line = 'capacity (in-run): no user arrived, so there is no answer';
  } else if (broken.length > 0) {
    outcome = 'broke';
    line = `capacity (in-run): the room broke at about ${atS} s (${broken.map(causeName).join(', ')}), when the ramp asked for ${rate} arrivals/s, with ${heldText}${generatorBroke ? '; the load generator also fell behind, so the figure may be the generator\'s' : ''}`;
  } else if (generatorBroke) {
    outcome = 'generator';
    line = `capacity (in-run): the load generator fell behind its schedule at about ${atS} s (${rate} arrivals/s asked); this is not the room's capacity: add instances (INSTANCES=N) or raise HTTP_CONCURRENCY`;
  } else {
    outcome = 'held';
    const req = requirement === null ? '' : requirement.met ? 'requirement met: ' : 'requirement not reached: ';
    line = `capacity (in-run): ${req}nothing broke, with ${heldText}, up to ${cap.plan.requiredRate ?? Math.round(scheduledRate(cap.plan, Math.max(0, cap.loadEndMs - cap.plan.windowMs - 1)) * 10) / 10} arrivals/s`;
  }
  line += '; `make capacity` (or node capacity/cli.ts on the run\'s --out json samples) gives the exact knee';
  return { source: 'in-run', outcome, line, windowS, held: null, firstBreak: breaks[0] ?? null, breaks, generator: generatorBroke ? { atS, rate, lagP95Ms: 0, boundMs: cap.bounds.arrivalLagMaxMs } : null, requirement, series: null };
}
