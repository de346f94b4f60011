// thresholds.json → the run's rules: the k6 `options.thresholds` and, for each
// rule, what it needs to be judged (lib/rules/needs.ts). The file holds k6
// threshold expressions with ${NAME} placeholders; the values come from the
// run's parameters (thresholdVars), so editing a rule needs no TypeScript.
//
// Rules of the file:
//   "common" applies to every scenario; a scenario's own section adds keys and
//   may switch a common one off with null.
//   ${NAME} is replaced in keys and expressions; an unknown NAME is an error.
//   ${each A..B} in a key expands it into one key per integer from A to B
//   (A and B may be names), e.g. queue_positions{position:${each 1..EXPECTED_QUEUED}}.
//   "$needs" maps a metric (or one exact key) to what its rules need. A rule
//   whose static needs are unmet (no Redis; only the whole run can judge it)
//   is not given to k6 and is reported "not judged". A rule with a dynamic
//   need (samples, the observer, a premise) is given to k6 and judged again at
//   the end: unmet, it is reported "not judged", never passed.
//   "$measures" gives a neutral rule to each key a need reads, so k6 keeps it in
//   the summary (k6 shows a sub-metric only when a threshold names it).
//   "$whole_run" maps each whole-run metric to the neutral rule a split
//   instance keeps, so the metric and its sub-metrics still reach the verdict.
import type { RunConfig } from '../config';
import { admissionBoundMs, expectedImmediate, expectedQueued } from '../config';
import { MetricKeyError, holds, metricNameOf, parseExpression } from './expression';
import { NeedsError, keysRead, needsOf, parseNeed, staticGap, type Need, type StaticFacts } from './needs';

export type ThresholdFile = Record<string, Record<string, string[] | string | null> | string>;
export type Thresholds = Record<string, string[]>;

export function thresholdVars(c: RunConfig): Record<string, number> {
  const queued = expectedQueued(c);
  return {
    USERS: c.users,
    QUEUE_THRESHOLD: c.queueThreshold,
    QUEUE_PROCESSOR_INTERVAL: c.processorIntervalMs,
    DWELL_MS: c.dwellMs,
    EXPECTED_IMMEDIATE: expectedImmediate(c),
    EXPECTED_QUEUED: queued,
    EXPECTED_RECONNECTS: Math.min(c.reconnectUsers, queued),
    ESTIMATE_TOLERANCE_MS: estimateToleranceMs(c),
    RECOVERY_MAX_MS: c.recoveryMaxMs,
    SOCKETS_BACK_MAX_MS: c.socketsBackMaxMs,
  };
}

/**
 * How far a correct room's estimatedWait may be from the real wait. The room
 * cannot know how long buyers hold their slot, so its estimate counts
 * processor ticks only; the real wait is bounded by admissionBoundMs, which
 * also counts the dwell, the arrival phase and the holders. The tolerance is
 * the gap between that bound and a tick-only estimate at the last position.
 */
export function estimateToleranceMs(c: RunConfig): number {
  const last = Math.max(1, expectedQueued(c));
  const tickOnly = Math.ceil(last / c.queueThreshold) * c.processorIntervalMs;
  return Math.max(c.processorIntervalMs + 1000, admissionBoundMs(c, last) - tickOnly);
}

export class ThresholdFileError extends Error {
  constructor(message: string) {
    super(`thresholds.json: ${message}`);
    this.name = 'ThresholdFileError';
  }
}

/** A mistake in thresholds.json (its rules, needs or metric keys), as opposed to a bug. */
export function isRuleFileError(e: unknown): boolean {
  return e instanceof ThresholdFileError || e instanceof NeedsError || e instanceof MetricKeyError;
}

function substitute(text: string, vars: Record<string, number>, where: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    if (!(name in vars)) throw new ThresholdFileError(`unknown placeholder \${${name}} in ${where}; known: ${Object.keys(vars).join(', ')}`);
    return String(vars[name]);
  });
}

function bound(token: string, vars: Record<string, number>, where: string): number {
  if (/^\d+$/.test(token)) return Number(token);
  if (token in vars) return vars[token];
  throw new ThresholdFileError(`unknown name ${token} in \${each} of ${where}`);
}

function expandKey(key: string, vars: Record<string, number>): string[] {
  const each = /\$\{each ([A-Z0-9_]+)\.\.([A-Z0-9_]+)\}/.exec(key);
  if (!each) return [substitute(key, vars, `key ${key}`)];
  const from = bound(each[1], vars, key);
  const to = bound(each[2], vars, key);
  const keys: string[] = [];
  for (let i = from; i <= to; i++) keys.push(...expandKey(key.replace(each[0], String(i)), vars));
  return keys;
}

function isExpression(text: string): boolean {
  return parseExpression(text) !== null;
}

/** "$whole_run": metric -> the neutral rule a split instance keeps for it. */
export function wholeRunRules(file: ThresholdFile): Record<string, string> {
  const w = file.$whole_run;
  if (w === undefined) return {};
  if (typeof w !== 'object' || w === null || Object.values(w).some((x) => typeof x !== 'string' || !isExpression(x))) {
    throw new ThresholdFileError('$whole_run must map metric names to one k6 threshold expression each (the neutral rule)');
  }
  return w as Record<string, string>;
}

function stringMap(file: ThresholdFile, section: string): Record<string, unknown> {
  const v = file[section];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ThresholdFileError(`${section} must be an object`);
  return v as Record<string, unknown>;
}

/** "$needs": metric or key -> its needs, parsed; "$whole_run" metrics need the whole run. */
export function needsTable(file: ThresholdFile): Record<string, Need[]> {
  const out: Record<string, Need[]> = {};
  for (const [key, list] of Object.entries(stringMap(file, '$needs'))) {
    if (key.startsWith('$')) continue;
    if (!Array.isArray(list) || list.some((x) => typeof x !== 'string')) throw new ThresholdFileError(`$needs.${key} must be a list of needs`);
    try {
      out[key] = (list as string[]).map(parseNeed);
    } catch (err) {
      throw new ThresholdFileError(`$needs.${key}: ${(err as Error).message}`);
    }
  }
  for (const metric of Object.keys(wholeRunRules(file))) {
    const own = out[metric] ?? [];
    if (!own.some((n) => n.kind === 'whole_run')) out[metric] = [{ kind: 'whole_run' }, ...own];
  }
  return out;
}

/** "$measures": key -> the neutral rule that keeps it in the summary. */
function measures(file: ThresholdFile): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, expr] of Object.entries(stringMap(file, '$measures'))) {
    if (key.startsWith('$')) continue;
    if (typeof expr !== 'string' || !isExpression(expr)) throw new ThresholdFileError(`$measures.${key} must be one neutral k6 threshold expression`);
    out[key] = expr;
  }
  return out;
}

export interface BuildOptions {
  /** Redis probes on: rules that need Redis apply. */
  probes: boolean;
  /** This is one instance of a split run: whole-run rules become their neutral rule. */
  split?: boolean;
  /** A server source is configured (SERVER_METRICS_URLS): rules that need one apply. */
  server?: boolean;
}

/** One rule of the run: a k6 expression on a metric key, and what judging it needs. */
export interface Rule {
  key: string;
  expression: string;
  needs: Need[];
}

export interface NotInForce extends Rule {
  reason: string;
}

export interface RulePlan {
  /** What k6 is given: the rules in force, the neutral rules of split instances and of measured keys. */
  thresholds: Thresholds;
  /** The rules in force: k6 judges them, and the summary checks their dynamic needs. */
  rules: Rule[];
  /** Rules whose static needs are unmet: not given to k6, reported "not judged". */
  notInForce: NotInForce[];
}

/**
 * A rule judged only when its own metric has samples must pass on what k6
 * makes of an empty metric (0; an empty rate passes), or k6's exit code would
 * judge what nothing measured.
 */
function assertPassesEmpty(key: string, expression: string, needs: Need[], where: string): void {
  if (!needs.some((n) => n.kind === 'samples' && n.key === undefined)) return;
  const p = parseExpression(expression);
  if (p === null || p.agg === 'rate') return;
  if (!holds(p, 0)) {
    throw new ThresholdFileError(`${where}: "${expression}" on ${key} fails on an empty metric (k6 judges it as 0), so k6 would fail a run that measured nothing; write it so 0 passes (e.g. count a violation) and let its "samples" need report it not judged`);
  }
}

export function planRules(file: ThresholdFile, scenario: string, vars: Record<string, number>, opts: BuildOptions): RulePlan {
  const own = file[scenario];
  if (own === undefined || typeof own === 'string') throw new ThresholdFileError(`no section for scenario "${scenario}"`);
  const common = file.common;
  const neutral = wholeRunRules(file);
  const table = needsTable(file);
  const measured = measures(file);
  const facts: StaticFacts = { probes: opts.probes, split: opts.split === true, server: opts.server === true };
  const merged: Record<string, string[] | string | null> = { ...(typeof common === 'object' ? common : {}), ...own };
  const plan: RulePlan = { thresholds: {}, rules: [], notInForce: [] };
  for (const [key, exprs] of Object.entries(merged)) {
    // A scenario section may explain itself ("$comment"); no metric name starts with '$'.
    if (exprs === null || key.startsWith('$')) continue;
    if (!Array.isArray(exprs) || exprs.some((e) => typeof e !== 'string')) {
      throw new ThresholdFileError(`${scenario}.${key} must be a list of expressions or null`);
    }
    for (const k of expandKey(key, vars)) {
      const needs = needsOf(k, table);
      const filled = exprs.map((e) => {
        const f = substitute(e, vars, `${scenario}.${key}`);
        if (!isExpression(f)) throw new ThresholdFileError(`${scenario}.${key}: "${f}" is not a k6 threshold expression (aggregation, operator, number)`);
        assertPassesEmpty(k, f, needs, `${scenario}.${key}`);
        return f;
      });
      const gap = staticGap(needs, facts);
      if (gap !== null) {
        for (const expression of filled) plan.notInForce.push({ key: k, expression, needs, reason: gap });
        const keep = neutral[metricNameOf(k)];
        if (facts.split && keep !== undefined && (opts.probes || !needs.some((n) => n.kind === 'redis'))) plan.thresholds[k] = [keep];
        continue;
      }
      plan.thresholds[k] = filled;
      for (const expression of filled) plan.rules.push({ key: k, expression, needs });
    }
  }
  // Keys the needs read stay in the summary, with a neutral rule where no rule names them.
  for (const r of plan.rules) {
    for (const k of keysRead(r.needs)) {
      if (plan.thresholds[k] !== undefined) continue;
      const expr = measured[k] ?? measured[metricNameOf(k)];
      if (expr === undefined) throw new ThresholdFileError(`a rule on ${r.key} needs ${k}, which $measures does not list: add "${k}": "<neutral rule>" to $measures`);
      plan.thresholds[k] = [expr];
    }
  }
  return plan;
}

/** The k6 thresholds of a run (see planRules for what is left out and why). */
export function buildThresholds(file: ThresholdFile, scenario: string, vars: Record<string, number>, opts: BuildOptions): Thresholds {
  return planRules(file, scenario, vars, opts).thresholds;
}
