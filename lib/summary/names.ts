// Metric keys in the summary: `name` for a metric, `name{tag:value,...}` for
// a sub-metric (a threshold on tagged samples). Sub-metrics sort right after
// their parent and display as `{ tag:value }`.

/** The parent metric's name: `ref_trend{kind:a}` -> `ref_trend`. */
export function parentName(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

/** The tag selector of a sub-metric (`kind:a`), or undefined for a plain metric. */
export function subMetricTags(key: string): string | undefined {
  const brace = key.indexOf('{');
  if (brace < 0) return undefined;
  const end = key.endsWith('}') ? key.length - 1 : key.length;
  return key.slice(brace + 1, end);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Orders metric keys by parent name, then the parent before its sub-metrics,
 * sub-metrics by their tags. Plain code-unit order, so the result does not
 * depend on the runtime's locale.
 */
export function compareMetricKeys(a: string, b: string): number {
  const byParent = compareCodeUnits(parentName(a), parentName(b));
  if (byParent !== 0) return byParent;
  return compareCodeUnits(a.slice(parentName(a).length), b.slice(parentName(b).length));
}

/** The keys of `metrics`, sorted with compareMetricKeys. */
export function sortedMetricKeys(metrics: Record<string, unknown>): string[] {
  return Object.keys(metrics).sort(compareMetricKeys);
}
