import { test } from 'node:test';
import assert from 'node:assert/strict';
import { esc, fmt, fmtMs, niceTicks } from './svg.ts';

test('axis ticks are 1, 2, 2.5 or 5 x 10^k and cover the range', () => {
  assert.deepEqual(niceTicks(0, 10, 6).values, [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0, 10.5, 6).values, [0, 2.5, 5, 7.5, 10, 12.5]);
  const t = niceTicks(-3, 597, 12);
  assert.ok(t.min <= -3 && t.max >= 597 && t.values.length <= 12);
  assert.deepEqual(niceTicks(0, 0, 5).values.slice(0, 2), [0, 0.25]);
});

test('numbers for readers: separators, trimmed decimals, whole thousands intact', () => {
  assert.equal(fmt(1000), '1,000');
  assert.equal(fmt(9000), '9,000');
  assert.equal(fmt(120), '120');
  assert.equal(fmt(0.5), '0.5');
  assert.equal(fmt(12.25), '12.3');
  assert.equal(fmt(1.25), '1.25');
  assert.equal(fmt(-2.5), '-2.5');
  assert.equal(fmt(10), '10');
});

test('durations and escaping', () => {
  assert.equal(fmtMs(850), '850 ms');
  assert.equal(fmtMs(12_500), '12.5 s');
  assert.equal(fmtMs(200_000), '3 min 20 s');
  assert.equal(esc('a<b & "c"'), 'a&lt;b &amp; &quot;c&quot;');
});

test('integer axes (users, positions) never step by a fraction', () => {
  assert.deepEqual(niceTicks(0, 2.1, 6, true).values, [0, 1, 2, 3]);
  assert.deepEqual(niceTicks(0, 5, 12, true).values, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(niceTicks(0, 1000, 6, true).values, [0, 200, 400, 600, 800, 1000]);
});
