// thresholds.json → k6 `options.thresholds`. The file holds k6 threshold
// expressions with ${NAME} placeholders; the values come from the run's
// parameters (thresholdVars), so editing a rule needs no TypeScript.
//
// Rules of the file:
//   "common" applies to every scenario; a scenario's own section adds keys and
//   may switch a common one off with null.
//   ${NAME} is replaced in keys and expressions; an unknown NAME is an error.
//   ${each A..B} in a key expands it into one key per integer from A to B
//   (A and B may be names), e.g. queue_positions{position:${each 1..EXPECTED_QUEUED}}.
//   Metrics named queue_probe_* need Redis: they are left out when probes are off.
//   "$whole_run" maps each metric whose rules only the whole run can judge to a
//   neutral rule: totals over all users (an instance sees only its share), and
//   what the one observer measures (tick spacing: the 1-VU probe scenario runs
//   in one instance, and k6 judges an empty trend on zeros). In a run split
//   over k6 instances each instance keeps the neutral rule instead, which keeps
//   the metric and each named sub-metric in its summary for the verdict, and
//   `make verdict` judges the real rules on the merged summaries.
import type { RunConfig } from './config';
import { expectedImmediate, expectedQueued } from './config';

export type ThresholdFile = Record<string, Record<string, string[] | string | null> | string>;
export type Thresholds = Record<string, string[]>;

export function thresholdVars(c: RunConfig): Record<string, number> {
  const tickTolerance = Math.max(300, Math.round(c.processorIntervalMs * 0.2));
  return {
    USERS: c.users,
    QUEUE_THRESHOLD: c.queueThreshold,
    QUEUE_PROCESSOR_INTERVAL: c.processorIntervalMs,
    DWELL_MS: c.dwellMs,
    EXPECTED_IMMEDIATE: expectedImmediate(c),
    EXPECTED_QUEUED: expectedQueued(c),
    EXPECTED_RECONNECTS: Math.min(c.reconnectUsers, expectedQueued(c)),
    TICK_MIN_MS: Math.max(0, c.processorIntervalMs - tickTolerance),
    TICK_MAX_MS: c.processorIntervalMs + tickTolerance,
    ESTIMATE_TOLERANCE_MS: c.processorIntervalMs + c.dwellMs + 1000,
  };
}

export class ThresholdFileError extends Error {
  constructor(message: string) {
    super(`thresholds.json: ${message}`);
    this.name = 'ThresholdFileError';
  }
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

const EXPRESSION = /^\s*(count|rate|value|avg|min|max|med|p\(\d+(\.\d+)?\))\s*(<=|>=|===|==|!=|<|>)\s*-?\d+(\.\d+)?\s*$/;

export function isProbeMetric(key: string): boolean {
  return key.startsWith('queue_probe_');
}

function metricOf(key: string): string {
  const i = key.indexOf('{');
  return i < 0 ? key : key.slice(0, i);
}

/** "$whole_run": metric -> the neutral rule a split instance keeps for it. */
export function wholeRunRules(file: ThresholdFile): Record<string, string> {
  const w = file.$whole_run;
  if (w === undefined) return {};
  if (typeof w !== 'object' || w === null || Object.values(w).some((x) => typeof x !== 'string' || !EXPRESSION.test(x))) {
    throw new ThresholdFileError('$whole_run must map metric names to one k6 threshold expression each (the neutral rule)');
  }
  return w as Record<string, string>;
}

export interface BuildOptions {
  /** Redis probes on: queue_probe_* rules apply. */
  probes: boolean;
  /** This is one instance of a split run: totals become NEUTRAL_TOTAL. */
  split?: boolean;
}

export function buildThresholds(file: ThresholdFile, scenario: string, vars: Record<string, number>, opts: BuildOptions): Thresholds {
  const own = file[scenario];
  if (own === undefined || typeof own === 'string') throw new ThresholdFileError(`no section for scenario "${scenario}"`);
  const common = file.common;
  const neutral = wholeRunRules(file);
  const merged: Record<string, string[] | string | null> = { ...(typeof common === 'object' ? common : {}), ...own };
  const out: Thresholds = {};
  for (const [key, exprs] of Object.entries(merged)) {
    if (exprs === null) continue;
    if (!Array.isArray(exprs) || exprs.some((e) => typeof e !== 'string')) {
      throw new ThresholdFileError(`${scenario}.${key} must be a list of expressions or null`);
    }
    for (const k of expandKey(key, vars)) {
      if (!opts.probes && isProbeMetric(k)) continue;
      const keep = neutral[metricOf(k)];
      if (opts.split === true && keep !== undefined) {
        out[k] = [keep];
        continue;
      }
      out[k] = exprs.map((e) => {
        const filled = substitute(e, vars, `${scenario}.${key}`);
        if (!EXPRESSION.test(filled)) throw new ThresholdFileError(`${scenario}.${key}: "${filled}" is not a k6 threshold expression (aggregation, operator, number)`);
        return filled;
      });
    }
  }
  return out;
}
