// Each threshold's state in each run, and what changed between them. A run
// file states them in `queue_k6.rules` (passed | failed | not_judged, with the
// reason and the observed value); older files only have k6's
// `metrics[key].thresholds[expr].ok`, and a split run's merged verdict marks
// percentiles it could not decide as inconclusive (counted here as not judged).
import { aggregationOf } from '../lib/rules/expression.ts';
import { compareMetricKeys } from '../lib/summary/names.ts';
import type { RunFile } from './runs.ts';

export type RuleStateName = 'passed' | 'failed' | 'not_judged';

export interface RuleState {
  metric: string;
  expression: string;
  state: RuleStateName;
  reason?: string;
  observed: number | null;
}

export type RuleChangeKind = 'newly_failing' | 'newly_passing' | 'not_judged' | 'kept_failing' | 'kept_passing';

export interface RuleChange {
  metric: string;
  expression: string;
  base: RuleState | null;
  run: RuleState | null;
  change: RuleChangeKind;
  /** For not_judged: which run did not judge it, and why. */
  why?: string;
}

export const CHANGE_ORDER: RuleChangeKind[] = ['newly_failing', 'newly_passing', 'not_judged', 'kept_failing', 'kept_passing'];

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

const STATES = new Set<string>(['passed', 'failed', 'not_judged']);

/** The value k6's summary holds for the aggregation a rule reads, or null. */
function summaryObserved(run: RunFile, metric: string, expression: string): number | null {
  const agg = aggregationOf(expression);
  const v = agg === null ? undefined : run.summary.metrics[metric]?.values[agg];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The rule states a run file records, and where they were read from. */
export function ruleStates(run: RunFile): { states: RuleState[]; source: 'rules' | 'summary' } {
  const listed = run.queueRaw.rules;
  if (Array.isArray(listed)) {
    const states: RuleState[] = [];
    for (const r of listed) {
      const rec = asRecord(r);
      if (rec === undefined || typeof rec.metric !== 'string' || typeof rec.expression !== 'string' || typeof rec.state !== 'string' || !STATES.has(rec.state)) continue;
      const s: RuleState = {
        metric: rec.metric,
        expression: rec.expression,
        state: rec.state as RuleStateName,
        observed: typeof rec.observed === 'number' && Number.isFinite(rec.observed) ? rec.observed : summaryObserved(run, rec.metric, rec.expression),
      };
      if (typeof rec.reason === 'string' && rec.reason !== '') s.reason = rec.reason;
      states.push(s);
    }
    return { states, source: 'rules' };
  }
  // Older files: k6's ok per expression; a merged verdict's inconclusive percentiles are not judged.
  const inconclusive = new Map<string, string>();
  const judgements = asRecord(run.queueRaw.verdict)?.thresholds;
  if (Array.isArray(judgements)) {
    for (const j of judgements) {
      const rec = asRecord(j);
      if (rec?.inconclusive === true && typeof rec.metric === 'string' && typeof rec.expression === 'string') {
        inconclusive.set(`${rec.metric} ${rec.expression}`, typeof rec.note === 'string' ? rec.note : 'the instances disagree on a percentile');
      }
    }
  }
  const states: RuleState[] = [];
  const seen = new Set<string>();
  for (const [metric, m] of Object.entries(run.summary.metrics)) {
    for (const [expression, r] of Object.entries(m.thresholds ?? {})) {
      const observed = summaryObserved(run, metric, expression);
      const id = `${metric} ${expression}`;
      seen.add(id);
      const note = inconclusive.get(id);
      if (note !== undefined) states.push({ metric, expression, state: 'not_judged', reason: `inconclusive: ${note}`, observed });
      else states.push({ metric, expression, state: r.ok ? 'passed' : 'failed', observed });
    }
  }
  // A rule of the run (queue_k6.thresholds) that k6's summary does not carry was not judged.
  for (const [metric, exprs] of Object.entries(run.summary.queue.thresholds)) {
    for (const expression of exprs) {
      if (seen.has(`${metric} ${expression}`)) continue;
      states.push({ metric, expression, state: 'not_judged', reason: 'not in the summary (the metric had no samples)', observed: null });
    }
  }
  return { states, source: 'summary' };
}

function kindOf(base: RuleState | null, run: RuleState | null): { change: RuleChangeKind; why?: string } {
  if (base === null) return { change: 'not_judged', why: 'not a rule of the base run' };
  if (run === null) return { change: 'not_judged', why: 'not a rule of this run' };
  if (base.state === 'not_judged' || run.state === 'not_judged') {
    const parts: string[] = [];
    if (base.state === 'not_judged') parts.push(`not judged in the base${base.reason ? `: ${base.reason}` : ''}`);
    if (run.state === 'not_judged') parts.push(`not judged in this run${run.reason ? `: ${run.reason}` : ''}`);
    return { change: 'not_judged', why: parts.join('; ') };
  }
  if (base.state === 'passed') return { change: run.state === 'passed' ? 'kept_passing' : 'newly_failing' };
  return { change: run.state === 'passed' ? 'newly_passing' : 'kept_failing' };
}

/** Every threshold of either run with its state in both, in report order (changes first, then by metric). */
export function compareRules(base: RuleState[], run: RuleState[]): RuleChange[] {
  const byId = new Map<string, { metric: string; expression: string; base: RuleState | null; run: RuleState | null }>();
  for (const s of base) byId.set(`${s.metric} ${s.expression}`, { metric: s.metric, expression: s.expression, base: s, run: null });
  for (const s of run) {
    const id = `${s.metric} ${s.expression}`;
    const entry = byId.get(id);
    if (entry === undefined) byId.set(id, { metric: s.metric, expression: s.expression, base: null, run: s });
    else entry.run = s;
  }
  const out: RuleChange[] = [];
  for (const e of byId.values()) {
    const k = kindOf(e.base, e.run);
    const c: RuleChange = { ...e, change: k.change };
    if (k.why !== undefined) c.why = k.why;
    out.push(c);
  }
  return out.sort(
    (a, b) => CHANGE_ORDER.indexOf(a.change) - CHANGE_ORDER.indexOf(b.change) || compareMetricKeys(a.metric, b.metric) || (a.expression < b.expression ? -1 : a.expression > b.expression ? 1 : 0),
  );
}

export function countChanges(changes: RuleChange[]): Record<RuleChangeKind, number> {
  const n: Record<RuleChangeKind, number> = { newly_failing: 0, newly_passing: 0, not_judged: 0, kept_failing: 0, kept_passing: 0 };
  for (const c of changes) n[c.change]++;
  return n;
}
