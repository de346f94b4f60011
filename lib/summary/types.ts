// The object k6 passes to `handleSummary(data)`, as recorded from a real k6
// (shared/k6-reference/summary-data.json). Only what k6 actually sends is
// modelled; optional fields are the ones k6 omits in some runs.

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

/** What a metric's numbers measure: plain numbers, milliseconds or bytes. */
export type MetricContains = 'default' | 'time' | 'data';

export interface ThresholdResult {
  ok: boolean;
}

export interface SummaryMetric {
  type: MetricType;
  contains: MetricContains;
  /**
   * counter: count, rate (per second); gauge: value (last), min, max;
   * rate: rate, passes, fails; trend: the `summaryTrendStats` (avg, min, med,
   * max, p(90), p(95) by default). Time values are in milliseconds.
   */
  values: Record<string, number>;
  /** Present only when the metric has thresholds; keyed by expression. */
  thresholds?: Record<string, ThresholdResult>;
}

export interface SummaryCheck {
  name: string;
  path: string;
  id: string;
  passes: number;
  fails: number;
}

export interface SummaryGroup {
  /** '' for the root group. */
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: SummaryCheck[];
}

export interface SummaryOptions {
  summaryTrendStats: string[];
  /** '' (humanised), or one of 's', 'ms', 'us'. */
  summaryTimeUnit: string;
  noColor: boolean;
}

export interface SummaryState {
  isStdOutTTY: boolean;
  isStdErrTTY: boolean;
  testRunDurationMs: number;
}

export interface SummaryData {
  root_group: SummaryGroup;
  options: SummaryOptions;
  state: SummaryState;
  /** Keyed by metric name; sub-metrics as `name{tag:value}`. */
  metrics: Record<string, SummaryMetric>;
  /** What setup() returned (k6's js/summary.go); absent or undefined when it returned nothing. */
  setup_data?: unknown;
}
