// What the verdict reads and writes. An instance of a split run leaves its
// summary data plus `queue_k6` (contracts: "Results written by each scenario
// run"); the verdict merges the instances' data and judges the run's
// thresholds on it, and writes data of the same shape as one run's
// handleSummary data, with a `queue_k6` that says how the verdict was reached.
import type { NotInForce, Rule } from '../lib/rules/build.ts';
import type { RuleOutcome } from '../lib/rules/judge.ts';
import type { SummaryData } from '../lib/summary/types.ts';

/** `queue_k6` as each instance writes it (format 1). */
export interface RunMeta {
  format: number;
  runId: string;
  scenario: string;
  eventId: string | null;
  k6Version: string | null;
  /** INSTANCES: how many instances the run was split into; 1 = unsplit. */
  instances: number;
  /** This instance's --execution-segment, e.g. '1/4:2/4'; null when unsplit. */
  segment: string | null;
  params: Record<string, string | number | boolean | null>;
  vars: Record<string, number>;
  /** The whole run's thresholds in k6 syntax (what one unsplit run judges). */
  thresholds: Record<string, string[]>;
  notes: string[];
  startAt: number | null;
  /** Format 2: the whole run's rules with their needs (lib/rules/build.ts), judged again on the merged data. */
  rulePlan?: { rules: Rule[]; notInForce: NotInForce[] };
  /** Format 2: each rule's outcome in this summary. */
  rules?: RuleOutcome[];
}

/**
 * One instance's summary. From a `<prefix>.json` file all of handleSummary's
 * data; from a `QUEUE_K6_PARTIAL` log line only metrics, state and options
 * (no root_group).
 */
export interface InstanceSummary {
  meta: RunMeta;
  data: Pick<SummaryData, 'metrics' | 'state' | 'options'> & Partial<Pick<SummaryData, 'root_group'>>;
  /** Where it came from, for messages: a file path or `stdin line 12`. */
  source: string;
}

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
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
