// The trend stats the scenarios ask k6 for: what other code reads is there,
// k6 accepts every entry (the Node runner validates them as k6 does), and the
// ladder is the one the percentile bounds of a split run are built on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trendStatsOf } from '../../runner/summary-data.ts';
import { levelOf } from '../../verdict/quantiles.ts';
import { DEFAULT_SUMMARY_TREND_STATS, SUMMARY_TREND_STATS } from './trend-stats.ts';

test('the stats other code reads come first, in k6\'s default order, then count', () => {
  assert.deepEqual(SUMMARY_TREND_STATS.slice(0, 7), [...DEFAULT_SUMMARY_TREND_STATS, 'count']);
});

test('k6 accepts every stat, none twice, and the ladder ascends without repeating a level', () => {
  assert.deepEqual(trendStatsOf({ summaryTrendStats: SUMMARY_TREND_STATS }), SUMMARY_TREND_STATS);
  assert.equal(new Set(SUMMARY_TREND_STATS).size, SUMMARY_TREND_STATS.length);
  const ladder = SUMMARY_TREND_STATS.slice(7).map((s) => levelOf(s));
  assert.ok(ladder.every((u) => u !== null), 'every ladder entry is a percentile');
  for (let i = 1; i < ladder.length; i++) assert.ok(ladder[i]! > ladder[i - 1]!, `${SUMMARY_TREND_STATS[7 + i]} after ${SUMMARY_TREND_STATS[6 + i]}`);
  const levels = SUMMARY_TREND_STATS.map((s) => levelOf(s)).filter((u): u is number => u !== null);
  assert.equal(new Set(levels).size, levels.length);
});

test('each level thresholds commonly use (p(90), p(95), p(99)) has close neighbours on both sides', () => {
  const levels = SUMMARY_TREND_STATS.map((s) => levelOf(s)).filter((u): u is number => u !== null);
  for (const u of [0.9, 0.95, 0.99]) {
    assert.ok(levels.includes(u), `p(${u * 100}) is in the list`);
    assert.ok(levels.some((x) => x < u && u - x <= 0.01 + 1e-12), `a level just below p(${u * 100})`);
    assert.ok(levels.some((x) => x > u && x - u <= 0.02 + 1e-12), `a level just above p(${u * 100})`);
  }
});
