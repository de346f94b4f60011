// The k6 threshold language, once: `<aggregation> <operator> <number>` on a
// metric or a sub-metric (`name{tag:value}`), which aggregations fit which
// metric type, and how an expression is judged on a value. Pure: no k6
// import, so the scenarios (bundled for k6), the Node runner, the verdict of a
// split run, the report, JUnit and `make compare` all read rules the same way.

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type Op = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';

export interface ParsedExpression {
  /** The aggregation read: count, rate, value, avg, min, max, med, p(N). */
  agg: string;
  op: Op;
  value: number;
}

/** k6's aggregations per metric type. */
export const AGGREGATIONS: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/,
};

export const AGGREGATIONS_TEXT: Record<MetricType, string> = {
  counter: 'count, rate',
  gauge: 'value',
  rate: 'rate',
  trend: 'avg, min, max, med, p(N)',
};

/** k6's comparison operators. */
export const OPS: Record<Op, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '===': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

// The grammar's parts: an aggregation, then an operator (then a number).
const AGGREGATION = String.raw`([a-z]+|p\(\s*\d+(?:\.\d+)?\s*\))`;
const OPERATOR = String.raw`(===|==|!=|<=|>=|<|>)`;
const EXPRESSION = new RegExp(String.raw`^\s*${AGGREGATION}\s*${OPERATOR}\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$`);
const LEADING = new RegExp(String.raw`^\s*${AGGREGATION}\s*${OPERATOR}`, 'i');

/** `p(95) < 2000` → { agg: 'p(95)', op: '<', value: 2000 }; null when it is not an expression. */
export function parseExpression(expr: string): ParsedExpression | null {
  const m = EXPRESSION.exec(expr);
  if (m === null) return null;
  return { agg: m[1]!.replace(/\s+/g, ''), op: m[2] as Op, value: Number(m[3]) };
}

/** The aggregation an expression reads, or null. */
export function aggregationOf(expr: string): string | null {
  const p = parseExpression(expr);
  return p === null ? null : p.agg;
}

/**
 * The aggregation an expression starts with, by the same grammar, even when
 * the rest is not a number yet (a ${PLACEHOLDER}) or more follows: what
 * JUnit and the report show a rule's observed value by.
 */
export function leadingAggregation(expr: string): string | null {
  const m = LEADING.exec(expr);
  return m === null ? null : m[1]!.replace(/\s+/g, '');
}

/** Does this aggregation fit this metric type (k6 refuses the run with 104 otherwise)? */
export function fitsType(agg: string, type: MetricType): boolean {
  return AGGREGATIONS[type].test(agg);
}

/** The expression judged on one value. */
export function holds(p: ParsedExpression, observed: number): boolean {
  return OPS[p.op](observed, p.value);
}

export class MetricKeyError extends Error {}

/** `name{a:b,c:d}` → the metric's name and its tag pairs (quotes around a value are dropped). */
export function parseMetricKey(key: string): { name: string; tags: Array<[string, string]> } {
  const k = key.trim();
  const brace = k.indexOf('{');
  if (brace < 0) return { name: k, tags: [] };
  if (!k.endsWith('}')) throw new MetricKeyError(`malformed sub-metric selector, expected name{tag:value,...}`);
  const name = k.slice(0, brace).trim();
  const inner = k.slice(brace + 1, -1).trim();
  if (inner === '') throw new MetricKeyError('empty sub-metric selector');
  const tags: Array<[string, string]> = [];
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new MetricKeyError(`sub-metric tag '${part.trim()}' is not tag:value`);
    let value = part.slice(colon + 1).trim();
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    tags.push([part.slice(0, colon).trim(), value]);
  }
  return { name, tags };
}

/** The metric a rule's key names: `queue_positions{position:3}` → `queue_positions`. */
export function metricNameOf(key: string): string {
  const i = key.indexOf('{');
  return (i < 0 ? key : key.slice(0, i)).trim();
}
