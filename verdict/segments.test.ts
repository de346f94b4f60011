// Execution segments as k6 writes them (shared/k6-reference/README.md,
// "Execution segments": `--execution-segment 0:1/2` and `1/2:1`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coverage, formatBound, parseSegment } from './segments.ts';
import { InputError } from './types.ts';

const seg = (text: string, source = text) => ({ segment: parseSegment(text), source });

test('segments parse as fractions, decimals and percentages', () => {
  assert.deepEqual(parseSegment('1/4:2/4'), { text: '1/4:2/4', from: 0.25, to: 0.5 });
  assert.deepEqual([parseSegment('0.5:1').from, parseSegment('50%:100%').to], [0.5, 1]);
  assert.equal(parseSegment('1/3').from, 0);
  assert.throws(() => parseSegment('1/2:1/4'), InputError);
  assert.throws(() => parseSegment('a:b'), /invalid segment 'a:b'/);
});

test('a complete split covers 0..1 once, in any order', () => {
  assert.deepEqual(coverage([seg('2/4:3/4'), seg('0:1/4'), seg('3/4:1'), seg('1/4:2/4')]), { missing: [], complete: true });
});

test('missing shares are named', () => {
  assert.deepEqual(coverage([seg('0:1/4'), seg('2/4:3/4')]), { missing: ['1/4:1/2', '3/4:1'], complete: false });
  assert.equal(formatBound(2 / 3), '2/3');
});

test('a duplicate segment is refused, naming both sources', () => {
  assert.throws(() => coverage([seg('0:1/2', 'a.json'), seg('1/2:1', 'b.json'), seg('1/2:1', 'c.json')]), (e: unknown) => e instanceof InputError && /segment 1\/2:1 appears twice \(b\.json and c\.json\)/.test(e.message));
});

test('overlapping segments (instances of different splits) are refused', () => {
  assert.throws(() => coverage([seg('0:1/2', 'a'), seg('1/3:2/3', 'b')]), /overlap: they are not instances of one split run/);
});
