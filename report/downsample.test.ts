import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downsampleMinMax, thinScatter } from './downsample.ts';

test('min/max downsampling keeps every bucket extreme and the ends, in order', () => {
  const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: Math.sin(i / 50) * 100 + (i === 7777 ? 1000 : 0) + (i === 1234 ? -1000 : 0) }));
  const out = downsampleMinMax(pts, 100, (p) => p.x, (p) => p.y);
  assert.ok(out.length <= 400, `${out.length} points`);
  assert.equal(Math.max(...out.map((p) => p.y)), Math.max(...pts.map((p) => p.y)));
  assert.equal(Math.min(...out.map((p) => p.y)), Math.min(...pts.map((p) => p.y)));
  assert.equal(out[0], pts[0]);
  assert.equal(out[out.length - 1], pts[pts.length - 1]);
  for (let i = 1; i < out.length; i++) assert.ok(out[i]!.x > out[i - 1]!.x, 'x order kept');
});

test('short series are drawn as they are', () => {
  const pts = [{ x: 0, y: 1 }, { x: 1, y: 2 }];
  assert.equal(downsampleMinMax(pts, 100, (p) => p.x, (p) => p.y), pts);
});

test('scatter thinning keeps one point per cell, the first given', () => {
  const pts = [{ x: 0.5, y: 0.5, id: 'a' }, { x: 1, y: 1, id: 'b' }, { x: 10, y: 10, id: 'c' }];
  assert.deepEqual(thinScatter(pts, 3, (p) => p.x, (p) => p.y).map((p) => p.id), ['a', 'c']);
});
