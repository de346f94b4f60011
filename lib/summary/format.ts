// Number formatting for the end-of-test summary, following what k6 prints:
// durations humanised from milliseconds (ns/µs/ms/s/m/h), byte sizes in
// decimal units (B/kB/MB...), rates as truncated percentages.

import type { SummaryMetric } from './types';

/** `v` with at most `digits` decimals and no trailing zeros: 1.50 -> "1.5". */
export function trimmedFixed(v: number, digits: number): string {
  if (!isFinite(v)) return String(v);
  return String(parseFloat(v.toFixed(digits)));
}

/** A fraction as a percentage with two decimals, truncated (0.99999 -> "99.99%"). */
export function formatPercent(fraction: number): string {
  if (!isFinite(fraction)) return String(fraction) + '%';
  return (Math.trunc(fraction * 10000) / 100).toFixed(2) + '%';
}

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Bytes in decimal units, one decimal below 10 (1234 -> "1.2 kB", 12345 -> "12 kB"). */
export function formatBytes(bytes: number): string {
  if (!isFinite(bytes)) return String(bytes) + ' B';
  if (Math.abs(bytes) < 10) return trimmedFixed(bytes, 2) + ' B';
  let exp = Math.floor(Math.log(Math.abs(bytes)) / Math.log(1000));
  if (exp >= BYTE_UNITS.length) exp = BYTE_UNITS.length - 1;
  const scaled = Math.floor((bytes / Math.pow(1000, exp)) * 10 + 0.5) / 10;
  return scaled.toFixed(Math.abs(scaled) < 10 ? 1 : 0) + ' ' + BYTE_UNITS[exp];
}

/** Fixed units accepted by k6's `summaryTimeUnit`, as factors from milliseconds. */
const FIXED_TIME_UNITS: Record<string, { label: string; perMs: number }> = {
  s: { label: 's', perMs: 0.001 },
  ms: { label: 'ms', perMs: 1 },
  us: { label: 'µs', perMs: 1000 },
};

/**
 * A duration given in milliseconds. With a `timeUnit` of 's', 'ms' or 'us'
 * every value uses that unit with two decimals; otherwise the unit follows
 * the magnitude: 0.0699 -> "69.9µs", 5 -> "5ms", 1500 -> "1.5s", 61000 -> "1m1s".
 */
export function formatDuration(ms: number, timeUnit?: string): string {
  if (!isFinite(ms)) return String(ms);
  const fixed = timeUnit ? FIXED_TIME_UNITS[timeUnit] : undefined;
  if (fixed) return (ms * fixed.perMs).toFixed(2) + fixed.label;
  if (ms < 0) return '-' + formatDuration(-ms);
  if (ms === 0) return '0s';
  if (ms < 0.001) return Math.trunc(ms * 1e6) + 'ns';
  if (ms < 1) return trimmedFixed(ms * 1000, 2) + 'µs';
  if (ms < 1000) return trimmedFixed(ms, 2) + 'ms';
  const minutes = Math.trunc(ms / 60000);
  const seconds = trimmedFixed((ms % 60000) / 1000, minutes > 0 ? 0 : 2) + 's';
  if (minutes === 0) return seconds;
  const hours = Math.trunc(minutes / 60);
  const rest = (minutes % 60) + 'm' + seconds;
  return hours === 0 ? rest : hours + 'h' + rest;
}

/** One value of a metric as the summary shows it, by the metric's type and content. */
export function formatMetricValue(v: number, metric: SummaryMetric, timeUnit?: string): string {
  if (metric.type === 'rate') return formatPercent(v);
  if (metric.contains === 'time') return formatDuration(v, timeUnit);
  if (metric.contains === 'data') return formatBytes(v);
  return trimmedFixed(v, 6);
}

/**
 * A raw value with its unit, for machine-ish output (JUnit messages): "37ms",
 * "0.5", "120B", "3.2B/s". Counts (passes, fails, a trend's count) have no unit.
 */
export function formatRawValue(key: string, v: number, metric: SummaryMetric): string {
  const n = trimmedFixed(v, 6);
  if (metric.type === 'rate' || key === 'passes' || key === 'fails') return n;
  if (metric.type === 'trend' && key === 'count') return n;
  const unit = metric.contains === 'time' ? 'ms' : metric.contains === 'data' ? 'B' : '';
  if (metric.type === 'counter') return key === 'rate' ? n + unit + '/s' : n + unit;
  return n + unit;
}
