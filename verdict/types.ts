// What the verdict reads and writes. An instance of a split run leaves its
// summary data plus `queue_k6` (contracts: "Results written by each scenario
// run"); the verdict merges the instances' data and judges the run's
// thresholds on it, and writes data of the same shape as one run's
// handleSummary data, with a `queue_k6` that says how the verdict was reached.
import type { SummaryData } from '../lib/summary/types.ts';

export type { InstanceSummary, RunMeta } from '../runs/instances.ts';
import type { RunMeta } from '../runs/instances.ts';
export { InputError } from '../runs/errors.ts';

/** How one threshold of the run was decided. */
export type Basis =
  /** On the merged value, exact (counts, rates, min, max, avg weighted by count). */
  | 'merged'
  /** Only one instance had samples: its own percentile is the run's. */
  | 'one-instance'
  /** A percentile over several instances: decided on bounds from their counts and quantiles (quantiles.ts). */
  | 'bounds'
  /** No samples anywhere: k6's rule for an empty metric. */
  | 'no-samples';

export interface InstanceValue {
  segment: string | null;
  /** The instance's value for the aggregation; null when its summary lacks it. */
  value: number | null;
  /** Whether the expression holds for this instance's value (null: unknown). */
  ok: boolean | null;
}

export interface ThresholdJudgement {
  metric: string;
  expression: string;
  ok: boolean;
  basis: Basis;
  /** Failed only because summaries cannot tell: the threshold lies between the bounds (or a value is missing). */
  inconclusive: boolean;
  /** The value the expression was tested on, when there is one. */
  value: number | null;
  /** Per instance, for percentile rules over several instances. */
  instances?: InstanceValue[];
  /** basis 'bounds': the run's value lies in [lower, upper] (null: unbounded on that side). */
  bounds?: { lower: number | null; upper: number | null; instances: number };
  /** Why, in a few words, when the basis is not a plain merged value. */
  note?: string;
}

export interface InstanceReport {
  segment: string | null;
  runId: string;
  source: string;
  /** The instance's own crossed thresholds, as 'metric expression'. */
  failures: string[];
}

/** What the merged data's `queue_k6.verdict` holds. */
export interface VerdictMeta {
  passed: boolean;
  instancesExpected: number;
  instancesFound: number;
  /** Segments no instance covered, e.g. ['3/4:1']. */
  missingSegments: string[];
  parts: InstanceReport[];
  thresholds: ThresholdJudgement[];
  /** Values of the merged data that are not exact (percentiles, averages without counts). */
  approximations: string[];
}

export type MergedMeta = RunMeta & { verdict: VerdictMeta };

export type MergedData = SummaryData & { queue_k6: MergedMeta };

/** Bad input: the CLI prints the message and exits 2. */
