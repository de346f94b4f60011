// The end-of-test text summary, rendered locally: the same layout as k6's
// own summary and the k6-summary jslib's `textSummary`. The build substitutes
// this module for https://jslib.k6.io/k6-summary/0.1.0/index.js when offline,
// so it exports the jslib's two functions, `textSummary` and `jUnit`, with the
// jslib's signatures.
//
// Layout:
//   checks, as a tree by group (█ group, ✓ check; a failing check adds
//   "↳  50% — ✓ 2 / ✗ 2"), then one line per metric sorted by name,
//   sub-metrics indented under their parent, a ✓/✗ mark in front of metrics
//   with thresholds, dotted leaders up to one aligned colon, and values in
//   aligned columns.

import { formatMetricValue, formatPercent } from './format';
import { thresholdsJUnit } from './junit';
import { sortedMetricKeys, subMetricTags } from './names';
import type { SummaryCheck, SummaryData, SummaryGroup, SummaryMetric } from './types';

export interface TextSummaryOptions {
  /** Prefix of every line; default ' ' (as the jslib). */
  indent?: string;
  /** ANSI colours; default true (as the jslib). Pass false for files and CI logs. */
  enableColors?: boolean;
  /** Overrides data.options.summaryTrendStats. */
  summaryTrendStats?: string[];
  /** Overrides data.options.summaryTimeUnit: '' (humanised), 's', 'ms' or 'us'. */
  summaryTimeUnit?: string;
}

const OK_MARK = '✓';
const FAIL_MARK = '✗';
const DETAIL_MARK = '↳';
const GROUP_MARK = '█';

const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

// SGR codes.
const FAINT = 2;
const RED = 31;
const GREEN = 32;
const CYAN = 36;

type Paint = (text: string, ...codes: number[]) => string;

const plain: Paint = (text) => text;
const ansi: Paint = (text, ...codes) => (text === '' ? '' : '\x1b[' + codes.join(';') + 'm' + text + '\x1b[0m');

/** Display width of plain text: code points (µ, ✓ and █ count as one). */
function width(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

function pad(text: string, to: number): string {
  const missing = to - width(text);
  return missing > 0 ? ' '.repeat(missing) : '';
}

function checkLines(indent: string, check: SummaryCheck, paint: Paint): string[] {
  if (check.fails === 0) return [paint(indent + OK_MARK + ' ' + check.name, GREEN)];
  const total = check.passes + check.fails;
  const percent = total > 0 ? Math.floor((100 * check.passes) / total) : 0;
  return [
    paint(indent + FAIL_MARK + ' ' + check.name, RED),
    paint(`${indent} ${DETAIL_MARK}  ${percent}% — ${OK_MARK} ${check.passes} / ${FAIL_MARK} ${check.fails}`, RED),
  ];
}

function groupLines(indent: string, group: SummaryGroup, paint: Paint): string[] {
  const lines: string[] = [];
  let inner = indent;
  if (group.name !== '') {
    lines.push(indent + GROUP_MARK + ' ' + group.name, '');
    inner = indent + '  ';
  }
  const checks = group.checks || [];
  for (const check of checks) lines.push(...checkLines(inner, check, paint));
  if (checks.length > 0) lines.push('');
  for (const sub of group.groups || []) lines.push(...groupLines(inner, sub, paint));
  return lines;
}

/** The first column (value) and the extra columns of a non-trend metric. */
function nonTrendColumns(metric: SummaryMetric, timeUnit: string): [string, string[]] {
  const v = metric.values;
  const fmt = (x: number | undefined): string => (typeof x === 'number' ? formatMetricValue(x, metric, timeUnit) : 'n/a');
  switch (metric.type) {
    case 'counter':
      return [fmt(v.count), [fmt(v.rate) + '/s']];
    case 'gauge':
      return [fmt(v.value), ['min=' + fmt(v.min), 'max=' + fmt(v.max)]];
    case 'rate':
      return [
        typeof v.rate === 'number' ? formatPercent(v.rate) : 'n/a',
        [OK_MARK + ' ' + String(v.passes ?? 0), FAIL_MARK + ' ' + String(v.fails ?? 0)],
      ];
    default:
      // Unknown type: its values, as they are.
      return ['', Object.keys(v).map((k) => k + '=' + fmt(v[k]))];
  }
}

function trendColumns(metric: SummaryMetric, stats: string[], timeUnit: string): string[] {
  return stats.map((stat) => {
    const x = metric.values[stat];
    if (typeof x !== 'number') return 'n/a';
    return stat === 'count' ? String(x) : formatMetricValue(x, metric, timeUnit);
  });
}

function metricLines(indent: string, data: SummaryData, stats: string[], timeUnit: string, paint: Paint): string[] {
  const keys = sortedMetricKeys(data.metrics);
  const names: Record<string, { nest: string; label: string }> = {};
  const trend: Record<string, string[]> = {};
  const nonTrend: Record<string, [string, string[]]> = {};
  let nameWidth = 0;
  let valueWidth = 0;
  const extraWidths: number[] = [];
  const trendWidths: number[] = stats.map(() => 0);

  for (const key of keys) {
    const tags = subMetricTags(key);
    const name = tags === undefined ? { nest: '', label: key } : { nest: '  ', label: '{ ' + tags + ' }' };
    names[key] = name;
    nameWidth = Math.max(nameWidth, width(name.nest + name.label));
    const metric = data.metrics[key];
    if (metric.type === 'trend') {
      const cols = trendColumns(metric, stats, timeUnit);
      cols.forEach((c, i) => (trendWidths[i] = Math.max(trendWidths[i], width(c))));
      trend[key] = cols;
    } else {
      const cols = nonTrendColumns(metric, timeUnit);
      valueWidth = Math.max(valueWidth, width(cols[0]));
      cols[1].forEach((c, i) => (extraWidths[i] = Math.max(extraWidths[i] || 0, width(c))));
      nonTrend[key] = cols;
    }
  }

  return keys.map((key) => {
    const metric = data.metrics[key];
    let mark = ' ';
    let markColour = GREEN;
    if (metric.thresholds && Object.keys(metric.thresholds).length > 0) {
      const crossed = Object.keys(metric.thresholds).some((e) => !metric.thresholds![e].ok);
      mark = crossed ? FAIL_MARK : OK_MARK;
      markColour = crossed ? RED : GREEN;
    }
    const { nest, label } = names[key];
    const dots = '.'.repeat(nameWidth - width(nest + label) + 3) + ':';
    let values: string;
    if (trend[key]) {
      values = trend[key]
        .map((c, i) => stats[i] + '=' + paint(c, CYAN) + pad(c, trendWidths[i]))
        .join(' ');
    } else {
      const [value, extras] = nonTrend[key];
      values = paint(value, CYAN) + pad(value, valueWidth);
      if (extras.length > 0) {
        values += ' ' + extras.map((c, i) => paint(c, CYAN, FAINT) + pad(c, extraWidths[i])).join(' ');
      }
    }
    const line = indent + nest + (mark === ' ' ? mark : paint(mark, markColour)) + ' ' + label + paint(dots, FAINT) + ' ' + values;
    return line.replace(/\s+$/, '');
  });
}

/**
 * The end-of-test summary as text, like k6 prints it. Trend columns follow
 * `summaryTrendStats`; `contains: 'time'` values are humanised (µs/ms/s/m)
 * unless `summaryTimeUnit` fixes a unit; `contains: 'data'` values in B/kB/MB.
 * Pure: the same data and options always give the same text.
 */
export function textSummary(data: SummaryData, options?: TextSummaryOptions): string {
  const opts = options || {};
  const dataOpts = data.options || ({} as Partial<SummaryData['options']>);
  const indent = opts.indent ?? ' ';
  const paint = opts.enableColors === false ? plain : ansi;
  const stats = opts.summaryTrendStats || dataOpts.summaryTrendStats || DEFAULT_TREND_STATS;
  const timeUnit = opts.summaryTimeUnit ?? dataOpts.summaryTimeUnit ?? '';

  const lines: string[] = [];
  if (data.root_group) lines.push(...groupLines(indent + '    ', data.root_group, paint));
  lines.push(...metricLines(indent + '  ', data, stats, timeUnit, paint));
  return lines.join('\n');
}

/**
 * The jslib's `jUnit(data, options)`: thresholds as JUnit XML, the suite
 * named `options.name` (default 'k6 thresholds'). Test cases are named as in
 * thresholdsJUnit: classname = metric key, name = expression.
 */
export function jUnit(data: SummaryData, options?: { name?: string }): string {
  const name = options && options.name ? options.name : 'k6 thresholds';
  return thresholdsJUnit(data, { suiteName: name });
}
