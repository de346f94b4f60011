// Thresholds: `<aggregation> <op> <number>` per metric or sub-metric, with
// k6's rules for which aggregation fits which metric type. Invalid
// definitions end the run with 104 before anything starts.
import { parseDuration } from './duration.ts';
import { invalidConfig } from './errors.ts';
import { aggregate, RateSink, type Metric, type MetricType, type Registry, type Sink } from './metrics.ts';

/** k6's aggregations per metric type (also used by verdict/ to judge merged summaries). */
export const THRESHOLD_AGGREGATIONS: Record<MetricType, RegExp> = {
  counter: /^(count|rate)$/,
  gauge: /^value$/,
  rate: /^rate$/,
  trend: /^(avg|min|max|med|p\(\d+(\.\d+)?\))$/,
};
const allowedText: Record<MetricType, string> = {
  counter: 'count, rate',
  gauge: 'value',
  rate: 'rate',
  trend: 'avg, min, max, med, p(N)',
};

type Op = '<' | '<=' | '>' | '>=' | '==' | '===' | '!=';
/** k6's threshold operators. */
export const THRESHOLD_OPS: Record<Op, (a: number, b: number) => boolean> = {
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '==': (a, b) => a === b,
  '===': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

export interface Threshold {
  metricKey: string; // "name" or "name{tag:value}"
  expr: string; // as written
  agg: string;
  op: Op;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  sink: Sink;
  ok: boolean;
}

export interface ParsedExpr {
  agg: string;
  op: Op;
  value: number;
}

export function parseExpression(expr: string): ParsedExpr | null {
  const m = /^\s*([a-z]+|p\(\s*\d+(?:\.\d+)?\s*\))\s*(===|==|!=|<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)\s*$/.exec(expr);
  if (m === null) return null;
  return { agg: m[1]!.replace(/\s+/g, ''), op: m[2] as Op, value: Number(m[3]) };
}

/** "name{a:b,c:d}" → name and tag pairs. */
export function parseMetricKey(key: string): { name: string; tags: [string, string][] } {
  const k = key.trim();
  const brace = k.indexOf('{');
  if (brace < 0) return { name: k, tags: [] };
  if (!k.endsWith('}')) throw invalidConfig(`invalid threshold defined on ${key}; reason: malformed sub-metric selector, expected name{tag:value,...}`);
  const name = k.slice(0, brace).trim();
  const inner = k.slice(brace + 1, -1).trim();
  const tags: [string, string][] = [];
  if (inner === '') throw invalidConfig(`invalid threshold defined on ${key}; reason: empty sub-metric selector`);
  for (const part of inner.split(',')) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw invalidConfig(`invalid threshold defined on ${key}; reason: sub-metric tag '${part.trim()}' is not tag:value`);
    const tk = part.slice(0, colon).trim();
    let tv = part.slice(colon + 1).trim();
    if (/^(['"]).*\1$/.test(tv)) tv = tv.slice(1, -1);
    tags.push([tk, tv]);
  }
  return { name, tags };
}

/** Parses and validates options.thresholds against the metrics the init context registered. */
export function buildThresholds(config: unknown, registry: Registry): Threshold[] {
  if (config === undefined || config === null) return [];
  if (typeof config !== 'object' || Array.isArray(config)) throw invalidConfig('invalid options.thresholds; expected an object of metric name → list of expressions');
  const out: Threshold[] = [];
  for (const [key, list] of Object.entries(config as Record<string, unknown>)) {
    const { name, tags } = parseMetricKey(key);
    const metric: Metric | undefined = registry.metrics.get(name);
    if (metric === undefined) throw invalidConfig(`invalid threshold defined on ${key}; reason: no metric name "${name}" found`);
    const sink = tags.length === 0 ? metric.sink : registry.submetric(metric, key.trim(), tags).sink;
    const items = Array.isArray(list) ? list : [list];
    for (const item of items) {
      let expr: unknown = item;
      let abortOnFail = false;
      let delayAbortEvalMs = 0;
      if (typeof item === 'object' && item !== null) {
        const o = item as Record<string, unknown>;
        expr = o.threshold;
        abortOnFail = o.abortOnFail === true;
        if (o.delayAbortEval !== undefined) delayAbortEvalMs = parseDuration(o.delayAbortEval, `delayAbortEval of threshold on ${key}`);
      }
      if (typeof expr !== 'string') throw invalidConfig(`invalid threshold defined on ${key}; reason: expected a string expression, got ${JSON.stringify(expr)}`);
      const parsed = parseExpression(expr);
      if (parsed === null) throw invalidConfig(`invalid threshold defined on ${key}; reason: malformed expression '${expr}', expected '<aggregation> <operator> <number>'`);
      if (!THRESHOLD_AGGREGATIONS[metric.type].test(parsed.agg)) {
        throw invalidConfig(
          `invalid threshold defined on ${key}; reason: threshold '${expr}' uses the aggregation method '${parsed.agg}', which is not valid for the ${metric.type} metric '${name}' (allowed: ${allowedText[metric.type]})`,
        );
      }
      out.push({ metricKey: key.trim(), expr, ...parsed, abortOnFail, delayAbortEvalMs, sink, ok: true });
    }
  }
  return out;
}

/**
 * Evaluates every threshold at the end of the run, as k6 does (metrics/engine:
 * empty sinks included): an empty counter, gauge or trend counts as zero. An
 * empty rate has no 'rate' value in k6 (metrics/thresholds.go avoids the
 * division by zero, grafana/k6#2520), so the threshold errors, k6 logs
 * "Threshold error", and the threshold stays passed.
 * Returns the keys of crossed metrics, sorted.
 */
export function evaluate(thresholds: Threshold[], durationSec: number, onError: (message: string) => void = () => undefined): string[] {
  const crossed = new Set<string>();
  for (const t of thresholds) {
    if (t.sink instanceof RateSink && t.sink.samples === 0) {
      onError(`Threshold error: unable to apply threshold ${t.expr} over metrics; reason: no metric supporting the ${t.agg} aggregation method found (${t.metricKey} has no samples)`);
      t.ok = true;
      continue;
    }
    t.ok = THRESHOLD_OPS[t.op](aggregate(t.sink, t.agg, durationSec), t.value);
    if (!t.ok) crossed.add(t.metricKey);
  }
  return [...crossed].sort();
}

/** During the run: which abortOnFail thresholds are crossed now. */
export function crossedAbortOnFail(thresholds: Threshold[], elapsedMs: number): Threshold[] {
  const durationSec = elapsedMs / 1000;
  // k6 skips empty sinks while the test runs (metrics/engine: ignoreEmptySinks).
  return thresholds.filter((t) => t.abortOnFail && elapsedMs >= t.delayAbortEvalMs && t.sink.samples > 0 && !THRESHOLD_OPS[t.op](aggregate(t.sink, t.agg, durationSec), t.value));
}
