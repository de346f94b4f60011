// Thresholds: `<aggregation> <op> <number>` per metric or sub-metric, with
// k6's rules for which aggregation fits which metric type. Invalid
// definitions end the run with 104 before anything starts.
import { parseDuration } from './duration.ts';
import { invalidConfig } from './errors.ts';
import { aggregate, RateSink, type Metric, type Registry, type Sink } from './metrics.ts';
import { AGGREGATIONS, AGGREGATIONS_TEXT, MetricKeyError, OPS, parseExpression, parseMetricKey as parseKey, type Op } from '../lib/rules/expression.ts';

/** k6's aggregations per metric type and operators: the suite's one threshold language (lib/rules/expression.ts). */
export { AGGREGATIONS as THRESHOLD_AGGREGATIONS, OPS as THRESHOLD_OPS, parseExpression } from '../lib/rules/expression.ts';
export type { ParsedExpression as ParsedExpr } from '../lib/rules/expression.ts';

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

/** "name{a:b,c:d}" → name and tag pairs; a malformed selector ends the run with 104. */
export function parseMetricKey(key: string): { name: string; tags: [string, string][] } {
  try {
    return parseKey(key);
  } catch (err) {
    if (err instanceof MetricKeyError) throw invalidConfig(`invalid threshold defined on ${key}; reason: ${err.message}`);
    throw err;
  }
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
      if (!AGGREGATIONS[metric.type].test(parsed.agg)) {
        throw invalidConfig(
          `invalid threshold defined on ${key}; reason: threshold '${expr}' uses the aggregation method '${parsed.agg}', which is not valid for the ${metric.type} metric '${name}' (allowed: ${AGGREGATIONS_TEXT[metric.type]})`,
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
    t.ok = OPS[t.op](aggregate(t.sink, t.agg, durationSec), t.value);
    if (!t.ok) crossed.add(t.metricKey);
  }
  return [...crossed].sort();
}

/** During the run: which abortOnFail thresholds are crossed now. */
export function crossedAbortOnFail(thresholds: Threshold[], elapsedMs: number): Threshold[] {
  const durationSec = elapsedMs / 1000;
  // k6 skips empty sinks while the test runs (metrics/engine: ignoreEmptySinks).
  return thresholds.filter((t) => t.abortOnFail && elapsedMs >= t.delayAbortEvalMs && t.sink.samples > 0 && !OPS[t.op](aggregate(t.sink, t.agg, durationSec), t.value));
}
