import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatBytes, formatDuration, formatPercent, formatRawValue, trimmedFixed } from './format';
import { compareMetricKeys, parentName, subMetricTags } from './names';

test('durations in milliseconds are humanised by magnitude, like k6', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(0.0005), '500ns');
  assert.equal(formatDuration(0.0699096), '69.91µs');
  assert.equal(formatDuration(0.009203), '9.2µs');
  assert.equal(formatDuration(5), '5ms');
  assert.equal(formatDuration(123.456), '123.46ms');
  assert.equal(formatDuration(1500), '1.5s');
  assert.equal(formatDuration(61000), '1m1s');
  assert.equal(formatDuration(3_725_000), '1h2m5s');
});

test('a fixed summaryTimeUnit uses that unit with two decimals', () => {
  assert.equal(formatDuration(1500, 's'), '1.50s');
  assert.equal(formatDuration(0.5, 'ms'), '0.50ms');
  assert.equal(formatDuration(0.5, 'us'), '500.00µs');
  assert.equal(formatDuration(1500, 'bogus'), '1.5s');
});

test('bytes in decimal units', () => {
  assert.equal(formatBytes(0), '0 B');
  assert.equal(formatBytes(9), '9 B');
  assert.equal(formatBytes(512), '512 B');
  assert.equal(formatBytes(1234), '1.2 kB');
  assert.equal(formatBytes(12_345), '12 kB');
  assert.equal(formatBytes(5_600_000), '5.6 MB');
});

test('percentages truncate, never round up to 100%', () => {
  assert.equal(formatPercent(1), '100.00%');
  assert.equal(formatPercent(0.5), '50.00%');
  assert.equal(formatPercent(0.99999), '99.99%');
  assert.equal(formatPercent(0), '0.00%');
});

test('trimmedFixed drops trailing zeros', () => {
  assert.equal(trimmedFixed(15959.399288210792, 6), '15959.399288');
  assert.equal(trimmedFixed(2.5, 6), '2.5');
  assert.equal(trimmedFixed(NaN, 2), 'NaN');
});

test('raw values carry their unit', () => {
  const time = { type: 'trend', contains: 'time', values: {} } as const;
  const data = { type: 'counter', contains: 'data', values: {} } as const;
  assert.equal(formatRawValue('p(95)', 38.5, time), '38.5ms');
  assert.equal(formatRawValue('count', 2048, data), '2048B');
  assert.equal(formatRawValue('rate', 3.2, data), '3.2B/s');
  assert.equal(formatRawValue('rate', 0.5, { type: 'rate', contains: 'default', values: {} }), '0.5');
});

test('metric keys: sub-metrics sort after their parent, in code-unit order', () => {
  assert.equal(parentName('ref_trend{kind:a}'), 'ref_trend');
  assert.equal(subMetricTags('ref_trend{kind:a}'), 'kind:a');
  assert.equal(subMetricTags('ref_trend'), undefined);
  const keys = ['ref_trend{kind:a}', 'ref_trend_b', 'ref_trend', 'iterations', 'iteration_duration'];
  assert.deepEqual(keys.sort(compareMetricKeys), ['iteration_duration', 'iterations', 'ref_trend', 'ref_trend{kind:a}', 'ref_trend_b']);
});
