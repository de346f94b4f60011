// The capacity check of make compare: a capacity run's answer is the users its
// room held before the first break (queue_k6.capacity, lib/capacity/types.ts),
// so a run that holds fewer than its base beyond the tolerance is a regression,
// exactly as a worse key figure is (exit 1). The tolerance is the compare
// section's `capacity_users` ("value -10%" unless it says otherwise). A run
// whose load generator fell behind first, or that measured too little, claims
// no capacity: the row says why it is not compared and judges nothing. Runs
// without a capacity answer (every other scenario) get no row at all.
import type { CapacityResult } from '../lib/capacity/types.ts';
import { CAPACITY_FIGURE, CAPACITY_ID, compareFigure, type FigureRow, type LoadedRun } from './figures.ts';
import { parseTolerance, ToleranceError, type CompareSection, type Tolerance } from './tolerance.ts';

/** Used when the compare section names no `capacity_users`: 10 % fewer users held is a regression. */
export const DEFAULT_CAPACITY_TOLERANCE = 'value -10%';

function capacityOf(run: LoadedRun): CapacityResult | undefined {
  return run.file.summary.queue.capacity;
}

/** Why a run's capacity cannot be compared, or null when it can. */
function notComparable(c: CapacityResult | undefined, which: string): string | null {
  if (c === undefined) return `${which} has no capacity answer (queue_k6.capacity): not a capacity run`;
  if (c.outcome === 'generator') {
    const at = c.generator === null ? '' : ` at ${trim(c.generator.atS)} s`;
    return `${which}'s load generator fell behind its schedule${at} before the room broke: it claims no room capacity`;
  }
  if (c.outcome === 'unknown') return `${which} measured too little to say (outcome unknown)`;
  if (c.held === null && c.outcome === 'held') return `${which} has no held window`;
  return null;
}

function trim(x: number): string {
  return String(Math.round(x * 100) / 100);
}

/** "held 400 users at 20/s (window 34–44 s)"; a run that broke at once held nobody. */
function heldText(c: CapacityResult | undefined): string {
  if (c === undefined) return 'no capacity answer';
  if (c.outcome === 'generator') return `claims no room capacity (its load generator fell behind${c.generator === null ? '' : ` at ${trim(c.generator.atS)} s`})`;
  if (c.outcome === 'unknown') return 'measured too little to say';
  if (c.held === null) return 'held no healthy window';
  return `held ${trim(c.held.users)} users at ${trim(c.held.rate)}/s (window ${trim(c.held.fromS)}–${trim(c.held.toS)} s)`;
}

/**
 * The capacity rows of a comparison (one per tolerance written for it), or none
 * when neither run has a capacity answer. `warn` gets a placeholder the runs cannot fill.
 */
export function capacityRows(base: LoadedRun, run: LoadedRun, section: CompareSection, vars: Record<string, number>, warn: (line: string) => void): FigureRow[] {
  const bc = capacityOf(base);
  const rc = capacityOf(run);
  if (bc === undefined && rc === undefined) return [];
  const tolerances: (Tolerance | null)[] = [];
  for (const w of section.tolerances.get(CAPACITY_ID) ?? [DEFAULT_CAPACITY_TOLERANCE]) {
    try {
      tolerances.push(parseTolerance(CAPACITY_ID, w, CAPACITY_FIGURE.type, false, vars));
    } catch (err) {
      if (!(err instanceof ToleranceError) || !/is not among this run's threshold variables/.test(err.message)) throw err;
      warn(err.message);
      tolerances.push(null);
    }
  }
  const why = [notComparable(bc, 'the base run'), notComparable(rc, 'this run')].filter((s): s is string => s !== null);
  const note = `base ${heldText(bc)}; run ${heldText(rc)}`;
  return tolerances.map((t) => {
    const row = compareFigure(CAPACITY_FIGURE, t, base, run, section.alpha);
    row.note = note;
    if (why.length > 0) {
      // Not a regression and not ok: there is no room capacity on one side to hold the other to.
      row.verdict = 'not_compared';
      row.why = `capacity cannot be compared: ${why.join('; ')}`;
    }
    return row;
  });
}
