// Thresholds as a JUnit report: one <testcase> per threshold expression, so
// CI systems show which threshold failed and what k6 observed.
//
// Order is deterministic: metrics sorted by key (sub-metrics after their
// parent), expressions sorted within a metric. k6 builds the summary from Go
// maps, so its own key order changes from run to run.

import { formatRawValue, trimmedFixed } from './format';
import { compareMetricKeys, sortedMetricKeys } from './names';
import type { SummaryData, SummaryMetric } from './types';
import { leadingAggregation } from '../rules/expression';

export interface FailedThreshold {
  /** The metric key, e.g. `http_req_duration` or `ref_trend{kind:a}`. */
  metric: string;
  /** The threshold expression as written, e.g. `p(95)<500`. */
  expression: string;
}

export interface ThresholdsJUnitOptions {
  /** The <testsuite> name, usually the scenario. */
  suiteName: string;
  /** Written as the testsuite's `timestamp` attribute when given. */
  timestamp?: string;
}

interface ThresholdCase extends FailedThreshold {
  ok: boolean;
}

function allThresholds(data: SummaryData): ThresholdCase[] {
  const cases: ThresholdCase[] = [];
  for (const metric of sortedMetricKeys(data.metrics)) {
    const thresholds = data.metrics[metric].thresholds;
    if (!thresholds) continue;
    for (const expression of Object.keys(thresholds).sort()) {
      cases.push({ metric, expression, ok: thresholds[expression].ok });
    }
  }
  return cases;
}

/** The thresholds that were crossed, in report order. */
export function failedThresholds(data: SummaryData): FailedThreshold[] {
  return allThresholds(data)
    .filter((c) => !c.ok)
    .map((c) => ({ metric: c.metric, expression: c.expression }));
}

// Drops what XML 1.0 does not allow at all: C0 controls other than tab, LF and
// CR, lone surrogates, U+FFFE and U+FFFF. (A loop rather than a regular
// expression with lookbehind, which older goja versions reject.)
function dropInvalidXmlChars(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += text[i] + text[i + 1];
        i++;
      }
      continue;
    }
    if (c >= 0xdc00 && c <= 0xdfff) continue;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    if (c === 0xfffe || c === 0xffff) continue;
    out += text[i];
  }
  return out;
}

const XML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\t': '&#9;',
  '\n': '&#10;',
  '\r': '&#13;',
};

/**
 * Escapes text for an XML attribute value or element content. Tab, newline
 * and carriage return become character references so attribute values keep
 * them (parsers would normalise them to spaces otherwise).
 */
export function escapeXml(text: string): string {
  return dropInvalidXmlChars(text).replace(/[&<>"'\t\n\r]/g, (c) => XML_ESCAPES[c]);
}

/** The aggregation an expression tests: `p(95) < 500` -> `p(95)`, `rate==1` -> `rate`. */
export function thresholdAggregation(expression: string): string | undefined {
  // The rule grammar's own parser (lib/rules/expression.ts), so JUnit reads a rule as the rules do.
  return leadingAggregation(expression) ?? undefined;
}

function observedValues(metric: SummaryMetric): string {
  const keys = Object.keys(metric.values);
  if (keys.length === 0) return 'no values';
  return keys.map((k) => k + '=' + formatRawValue(k, metric.values[k], metric)).join(' ');
}

function failureMessage(c: FailedThreshold, metric: SummaryMetric): string {
  const agg = thresholdAggregation(c.expression);
  let observed = '';
  if (agg !== undefined && agg in metric.values) {
    observed = 'observed ' + agg + '=' + formatRawValue(agg, metric.values[agg], metric) + ' ';
  } else if (agg !== undefined) {
    observed = agg + ' is not among the summary values ';
  }
  return `threshold '${c.expression}' on ${c.metric} crossed: ${observed}(values: ${observedValues(metric)})`;
}

/** A JUnit XML report with one test case per threshold; crossed thresholds are failures. */
export function thresholdsJUnit(data: SummaryData, opts: ThresholdsJUnitOptions): string {
  return rulesJUnit(allThresholds(data).map((c) => ({ metric: c.metric, expression: c.expression, state: c.ok ? 'passed' : 'failed' })), data, opts);
}

/** One rule's outcome, as lib/rules/judge.ts states it. */
export interface RuleCase {
  metric: string;
  expression: string;
  state: 'passed' | 'failed' | 'not_judged';
  reason?: string;
}

/**
 * The run's rules as JUnit: a passed rule is a plain test case, a failed one a
 * <failure> with what k6 observed, a rule that was not judged a <skipped> with
 * the reason, so CI never lists as passed what nothing measured.
 */
export function rulesJUnit(rules: readonly RuleCase[], data: SummaryData, opts: ThresholdsJUnitOptions): string {
  const cases = [...rules].sort((a, b) => compareMetricKeys(a.metric, b.metric) || (a.expression < b.expression ? -1 : a.expression > b.expression ? 1 : 0));
  const failures = cases.filter((c) => c.state === 'failed').length;
  const skipped = cases.filter((c) => c.state === 'not_judged').length;
  const suite = escapeXml(opts.suiteName);
  const durationMs = data.state ? data.state.testRunDurationMs : undefined;
  const time = typeof durationMs === 'number' && isFinite(durationMs) ? ` time="${trimmedFixed(durationMs / 1000, 3)}"` : '';
  const timestamp = opts.timestamp !== undefined ? ` timestamp="${escapeXml(opts.timestamp)}"` : '';
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"${time}>`,
    `  <testsuite name="${suite}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}"${time}${timestamp}>`,
  ];
  for (const c of cases) {
    const open = `    <testcase classname="${escapeXml(c.metric)}" name="${escapeXml(c.expression)}"`;
    if (c.state === 'passed') {
      lines.push(open + '/>');
    } else if (c.state === 'not_judged') {
      lines.push(open + '>', `      <skipped message="${escapeXml('not judged: ' + (c.reason ?? 'its needs were not met'))}"/>`, '    </testcase>');
    } else {
      const metric = data.metrics[c.metric];
      const values = metric === undefined ? 'no values' : observedValues(metric);
      const message = metric === undefined ? `threshold '${c.expression}' on ${c.metric} crossed: the metric has no samples` : failureMessage(c, metric);
      lines.push(open + '>', `      <failure type="threshold" message="${escapeXml(message)}">${escapeXml(values)}</failure>`, '    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
