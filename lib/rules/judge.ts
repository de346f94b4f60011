// The end of a run: each rule's state, from k6's own result and the rule's
// needs. k6 has judged every threshold it was given; a rule whose dynamic
// needs are unmet (no samples, no observer, a failed premise) is "not judged"
// whatever k6 said, and a rule that was never given to k6 (no Redis; the whole
// run's, in one instance of a split run) is "not judged" with its reason.
// Used by handleSummary (text, JUnit, the results file), by `make verdict` on
// merged summaries, by the report and by `make compare`.
import { parseExpression, holds } from './expression';
import { dynamicGap, needText, type MetricValues } from './needs';
import type { NotInForce, Rule } from './build';

export type RuleState = 'passed' | 'failed' | 'not_judged';

export interface RuleOutcome {
  metric: string;
  expression: string;
  state: RuleState;
  /** Why it is not judged (or what failed it, when known). */
  reason?: string;
  /** The aggregation's value the rule was judged on, when the summary has it. */
  observed?: number | null;
  needs: string[];
}

export interface JudgedMetric extends MetricValues {
  thresholds?: Record<string, { ok: boolean }>;
}

function observedValue(m: JudgedMetric | undefined, expression: string): number | null {
  const p = parseExpression(expression);
  if (m === undefined || p === null) return null;
  const v = m.values[p.agg];
  return typeof v === 'number' ? v : null;
}

/**
 * Judges every rule. `ok` of a rule in force comes from k6 (metrics[key].thresholds)
 * when present, else from the expression on the summary's value.
 */
export function judgeRules(rules: readonly Rule[], notInForce: readonly NotInForce[], metrics: Record<string, JudgedMetric | undefined>): RuleOutcome[] {
  const out: RuleOutcome[] = [];
  for (const r of rules) {
    const m = metrics[r.key];
    const observed = observedValue(m, r.expression);
    const needs = r.needs.map(needText);
    const gap = dynamicGap(r.key, r.needs, metrics);
    if (gap !== null) {
      out.push({ metric: r.key, expression: r.expression, state: 'not_judged', reason: gap, observed, needs });
      continue;
    }
    let ok: boolean | undefined = m?.thresholds?.[r.expression]?.ok;
    if (ok === undefined) {
      const p = parseExpression(r.expression);
      ok = p !== null && observed !== null ? holds(p, observed) : undefined;
    }
    if (ok === undefined) out.push({ metric: r.key, expression: r.expression, state: 'not_judged', reason: `the summary has no ${parseExpression(r.expression)?.agg ?? 'value'} of ${r.key}`, observed, needs });
    else out.push({ metric: r.key, expression: r.expression, state: ok ? 'passed' : 'failed', observed, needs });
  }
  for (const r of notInForce) out.push({ metric: r.key, expression: r.expression, state: 'not_judged', reason: r.reason, observed: null, needs: r.needs.map(needText) });
  return out;
}

export function notJudged(outcomes: readonly RuleOutcome[]): RuleOutcome[] {
  return outcomes.filter((o) => o.state === 'not_judged');
}

export function failed(outcomes: readonly RuleOutcome[]): RuleOutcome[] {
  return outcomes.filter((o) => o.state === 'failed');
}

/**
 * The summary as the text summary and JUnit should show it: thresholds only for
 * rules that were judged. Neutral rules (split instances, measured keys) and
 * rules not judged are taken out, so nothing prints ✓ that nothing measured.
 */
export function judgedView<M extends JudgedMetric>(metrics: Record<string, M>, outcomes: readonly RuleOutcome[]): Record<string, M> {
  const judged = new Map<string, Set<string>>();
  for (const o of outcomes) {
    if (o.state === 'not_judged') continue;
    let s = judged.get(o.metric);
    if (s === undefined) judged.set(o.metric, (s = new Set()));
    s.add(o.expression);
  }
  const out: Record<string, M> = {};
  for (const [key, m] of Object.entries(metrics)) {
    if (m.thresholds === undefined) {
      out[key] = m;
      continue;
    }
    const keep = judged.get(key);
    const thresholds: Record<string, { ok: boolean }> = {};
    for (const [expr, r] of Object.entries(m.thresholds)) if (keep !== undefined && keep.has(expr)) thresholds[expr] = r;
    const copy = { ...m };
    if (Object.keys(thresholds).length > 0) copy.thresholds = thresholds;
    else delete copy.thresholds;
    out[key] = copy;
  }
  return out;
}
