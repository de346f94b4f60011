// The regression tolerances of `make compare`: the "compare" section of
// thresholds.json. Each key names a figure (a summary metric such as
// queue_admission_wait, or one of the derived figures in figures.ts such as
// admissions_per_second) and maps it to one tolerance or a list of them:
//
//   "<aggregation> <sign><number>[%|ms|s] [<sign><number>[%|ms|s]]"
//
//   "p(95) +10%"            the run's p(95) may exceed the base's by 10 % of it
//   "p(95) +10% +500ms"     ... by 10 % of it plus 500 ms (the parts add up)
//   "value -25%"            a decrease is worse: admissions per second may drop by 25 %
//   "count +0"              any increase is a regression
//
// '+' says an increase is worse, '-' a decrease; both parts of one tolerance
// share the sign. A number without a unit is in the figure's own unit (ms for
// times). ${NAME} is filled from the run's threshold variables (queue_k6.vars,
// the names thresholds.json uses), e.g. +${QUEUE_PROCESSOR_INTERVAL}ms.
// Aggregation names are k6's (lib/rules/expression.ts), checked against the
// figure's metric type. Keys starting with '$' are settings: "$alpha" is the
// significance level of the noise test (a string, default "0.01"), "$comment"
// is ignored.
import { AGGREGATIONS_TEXT, fitsType, type MetricType } from '../lib/rules/expression.ts';

export class ToleranceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToleranceError';
  }
}

export interface Tolerance {
  /** The section's key: a figure id or a metric key. */
  key: string;
  /** As written in the file, placeholders unfilled. */
  written: string;
  /** The aggregation compared: `p(95)`, `count`, `value`, ... */
  agg: string;
  /** 'up': an increase is worse ('+'); 'down': a decrease is worse ('-'). */
  worse: 'up' | 'down';
  /** Allowed change as a percentage of the base value. */
  percent: number;
  /** Allowed change in the figure's unit (ms for times). */
  absolute: number;
  /** The figure is a duration: the absolute part is in ms. */
  timeFigure: boolean;
}

export interface CompareSection {
  tolerances: Map<string, string[]>;
  /** The significance level of the noise test. */
  alpha: number;
}

export const DEFAULT_ALPHA = 0.01;

const AGG = /^(count|rate|value|avg|min|max|med|p\(\s*\d+(?:\.\d+)?\s*\))$/;
const BOUND = /^([+-])(\d+(?:\.\d+)?)(%|ms|s)?$/;

/** The "compare" section of a thresholds.json object, checked; `where` names the file in errors. */
export function readCompareSection(file: unknown, where = 'thresholds.json'): CompareSection {
  const section = typeof file === 'object' && file !== null ? (file as Record<string, unknown>).compare : undefined;
  if (section === undefined) {
    throw new ToleranceError(`${where} has no "compare" section: add one with the tolerances (see docs/compare.md), e.g. "compare": { "queue_admission_wait": "p(95) +10%" }`);
  }
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new ToleranceError(`${where}: "compare" must be an object mapping figures to tolerances`);
  }
  const tolerances = new Map<string, string[]>();
  let alpha = DEFAULT_ALPHA;
  for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
    if (key === '$alpha') {
      const a = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (!(a > 0 && a < 0.5)) throw new ToleranceError(`${where}: compare.$alpha must be a significance level between 0 and 0.5 as a string, e.g. "0.01"; got ${JSON.stringify(value)}`);
      alpha = a;
      continue;
    }
    if (key.startsWith('$')) continue;
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list) || list.length === 0 || list.some((v) => typeof v !== 'string')) {
      throw new ToleranceError(`${where}: compare.${key} must be a tolerance such as "p(95) +10%", or a list of them`);
    }
    tolerances.set(key, list as string[]);
  }
  return { tolerances, alpha };
}

/** Fills ${NAME} from `vars`; an unknown name is an error that names it. */
export function fillPlaceholders(text: string, vars: Record<string, number>, where: string): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const v = vars[name];
    if (typeof v !== 'number') {
      const known = Object.keys(vars);
      throw new ToleranceError(`${where}: \${${name}} is not among this run's threshold variables (${known.length > 0 ? known.join(', ') : 'the run file has none: queue_k6.vars is missing'})`);
    }
    return String(v);
  });
}

/**
 * One tolerance, parsed and checked against the figure's metric type.
 * `timeFigure` says whether the figure is a duration (ms and s are allowed as units).
 */
export function parseTolerance(key: string, written: string, type: MetricType, timeFigure: boolean, vars: Record<string, number>): Tolerance {
  const where = `compare.${key} "${written}"`;
  const text = fillPlaceholders(written, vars, where).trim();
  const aggMatch = /^(p\(\s*\d+(?:\.\d+)?\s*\)|[a-z]+)\s*(.*)$/.exec(text);
  const agg = aggMatch === null ? '' : aggMatch[1]!.replace(/\s+/g, '');
  if (aggMatch === null || !AGG.test(agg)) {
    throw new ToleranceError(`${where}: expected an aggregation first (${AGGREGATIONS_TEXT[type]}), then a change such as +10%`);
  }
  if (!fitsType(agg, type)) {
    throw new ToleranceError(`${where}: ${agg} does not fit a ${type} figure; use one of ${AGGREGATIONS_TEXT[type]}`);
  }
  const parts = aggMatch[2]!.split(/\s+/).filter((p) => p !== '');
  if (parts.length === 0 || parts.length > 2) {
    throw new ToleranceError(`${where}: expected one or two changes after ${agg}, such as +10% or +10% +500ms`);
  }
  let sign: '+' | '-' | undefined;
  let percent: number | undefined;
  let absolute: number | undefined;
  for (const part of parts) {
    const m = BOUND.exec(part);
    if (m === null) throw new ToleranceError(`${where}: '${part}' is not a change; write a sign, a number and optionally %, ms or s (+10%, -5, +500ms)`);
    if (sign !== undefined && m[1] !== sign) throw new ToleranceError(`${where}: both changes need the same sign ('+': an increase is worse, '-': a decrease is worse)`);
    sign = m[1] as '+' | '-';
    const n = Number(m[2]);
    const unit = m[3];
    if (unit === '%') {
      if (percent !== undefined) throw new ToleranceError(`${where}: two percentages; give one percentage and one absolute change`);
      percent = n;
    } else {
      if (absolute !== undefined) throw new ToleranceError(`${where}: two absolute changes; give one percentage and one absolute change`);
      if (unit !== undefined && !timeFigure) throw new ToleranceError(`${where}: ${key} is not a duration; write the absolute change without ${unit}`);
      absolute = unit === 's' ? n * 1000 : n;
    }
  }
  return { key, written, agg, worse: sign === '-' ? 'down' : 'up', percent: percent ?? 0, absolute: absolute ?? 0, timeFigure };
}

/** How far the value may move the worse way from `base` before it is a regression. */
export function allowedChange(t: Tolerance, base: number): number {
  return (Math.abs(base) * t.percent) / 100 + t.absolute;
}

/** How far `run` moved the worse way from `base` (negative: it got better). */
export function worsening(t: Tolerance, base: number, run: number): number {
  return t.worse === 'up' ? run - base : base - run;
}

/** Beyond the tolerance (with a little slack for floating point). */
export function beyond(t: Tolerance, base: number, run: number): boolean {
  return worsening(t, base, run) > allowedChange(t, base) + 1e-9 * Math.max(1, Math.abs(base));
}

/** The tolerance as printed: the aggregation and the changes with the sign, placeholders filled. */
export function describeTolerance(t: Tolerance): string {
  const sign = t.worse === 'up' ? '+' : '-';
  const parts: string[] = [];
  if (t.percent !== 0) parts.push(`${sign}${trim(t.percent)}%`);
  if (t.absolute !== 0 || t.percent === 0) parts.push(`${sign}${trim(t.absolute)}${t.timeFigure && t.absolute !== 0 ? 'ms' : ''}`);
  return `${t.agg} ${parts.join(' ')}`;
}

function trim(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}
