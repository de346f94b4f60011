// The trend stats every scenario asks k6 for (options.summaryTrendStats).
// Pure: read by the scenarios (bundled for k6) and by Node-side code.
//
// k6 keeps a trend's samples inside one process; a run split over instances
// (INSTANCES > 1, k6-operator parallelism) leaves one summary per instance.
// Counts, min, max and count-weighted averages merge exactly, but a
// percentile of the whole run does not. `make verdict` bounds it instead
// (verdict/quantiles.ts), from each instance's count and a ladder of its
// quantiles: the denser the ladder near the rank the run's percentile falls
// on in each instance, the tighter the bounds.
//
// The list starts with k6's default columns plus 'count' (other code reads
// avg, min, med, max, p(90), p(95) and count; the counts make averages and
// percentile bounds exact), then the ladder, ascending:
//   - around p(90), p(95) and p(99), the levels thresholds use, neighbours
//     0.1 away on both sides: the run's rank usually falls a few samples
//     past each instance's own p(N) (k6 reads rank floor(u·(n-1)), and the
//     floors of the parts do not add up to the floor of the whole), and at
//     10,000 samples an instance's p(N ± 0.1) is 10 samples away;
//   - 0.3 to 2 points further out (p(88), p(92), p(94.7), p(95.3), p(98.5),
//     p(99.5)…) for instances of a few hundred samples, where 0.1 is less
//     than one sample;
//   - every 10 to 15 points from p(25) up, so that the bounds hold up when
//     instances differ (when one slow instance holds most of the run's top
//     5 %, the run's p(95) sits at p(70)–p(90) of the others);
//   - p(0.1) and p(1) for rules on the fast end.
// 32 stats in all. Each is a column of a trend's line in the text summary
// (about 510 characters a line with the ladder, 130 without) and about 27
// bytes per trend in the summary JSON (a trend's values take about 890
// bytes instead of 210).
export const SUMMARY_TREND_STATS: string[] = [
  'avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'count',
  'p(0.1)', 'p(1)', 'p(25)', 'p(40)', 'p(60)', 'p(70)', 'p(80)', 'p(85)', 'p(88)', 'p(89.9)', 'p(90.1)', 'p(92)',
  'p(94)', 'p(94.7)', 'p(94.9)', 'p(95.1)', 'p(95.3)', 'p(96)', 'p(97.5)', 'p(98.5)', 'p(98.9)', 'p(99)', 'p(99.1)', 'p(99.5)', 'p(99.9)',
];

/** k6's default summaryTrendStats: the columns a text summary shows when the ladder is hidden. */
export const DEFAULT_SUMMARY_TREND_STATS: string[] = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];
