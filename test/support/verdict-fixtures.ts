// Crafted instance summaries for the verdict's unit tests: the shapes of
// shared/k6-reference/summary-data.json ("handleSummary's data") plus the
// queue_k6 block of the shared contract, small enough to check by hand.
import type { SummaryMetric } from '../../lib/summary/types.ts';
import { PARTIAL_MARKER } from '../../runs/instances.ts';
import type { InstanceSummary, RunMeta } from '../../verdict/types.ts';

export const counter = (count: number, rate = 0): SummaryMetric => ({ type: 'counter', contains: 'default', values: { count, rate } });
export const rate = (passes: number, fails: number): SummaryMetric => ({
  type: 'rate',
  contains: 'default',
  values: { rate: passes + fails === 0 ? 0 : passes / (passes + fails), passes, fails },
});
export const gauge = (value: number, min: number, max: number): SummaryMetric => ({ type: 'gauge', contains: 'default', values: { value, min, max } });
export const trend = (values: Record<string, number>, contains: SummaryMetric['contains'] = 'time'): SummaryMetric => ({ type: 'trend', contains, values });
/** A trend without samples, as k6 reports it: every stat 0. */
export const emptyTrend = (): SummaryMetric => trend({ avg: 0, min: 0, med: 0, max: 0, 'p(90)': 0, 'p(95)': 0, count: 0 });

/** The whole run's rules of a small mass-burst (20 admitted at once out of 100). */
export const RUN_THRESHOLDS: Record<string, string[]> = {
  queue_admitted_immediately: ['count==20'],
  queue_queued: ['count==80'],
  queue_socket_connect: ['p(95)<2000'],
  http_req_failed: ['rate==0'],
  'queue_invariant_violations{kind:silent_admission}': ['count==0'],
};

export function meta(over: Partial<RunMeta> = {}): RunMeta {
  return {
    format: 1,
    runId: 'run-a',
    scenario: 'mass-burst',
    eventId: '11111111-1111-4111-8111-111111111111',
    k6Version: 'k6 v2.2.0',
    instances: 2,
    segment: '0:1/2',
    params: { users: 100, queueThreshold: 20, processorIntervalMs: 1000, probes: true, redisUrl: 'redis://127.0.0.1:6379' },
    vars: { USERS: 100, QUEUE_THRESHOLD: 20, EXPECTED_IMMEDIATE: 20, EXPECTED_QUEUED: 80 },
    thresholds: RUN_THRESHOLDS,
    notes: [],
    startAt: 1_700_000_000_000,
    ...over,
  };
}

export interface InstanceOptions {
  meta?: Partial<RunMeta>;
  metrics: Record<string, SummaryMetric>;
  durationMs?: number;
  source?: string;
}

export function instance(o: InstanceOptions): InstanceSummary {
  const m = meta(o.meta);
  return {
    meta: m,
    data: {
      metrics: o.metrics,
      state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: o.durationMs ?? 10_000 },
      options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'count'], summaryTimeUnit: '', noColor: true },
    },
    source: o.source ?? `instance ${m.segment}`,
  };
}

/** A correct 2-way mass-burst: 20 admitted at once (all in the first half), 80 queued, connects well under 2 s. */
export function correctHalves(): InstanceSummary[] {
  return [
    instance({
      meta: { segment: '0:1/2' },
      metrics: {
        queue_admitted_immediately: counter(20),
        queue_queued: counter(30),
        queue_socket_connect: trend({ avg: 100, min: 10, med: 90, max: 400, 'p(90)': 300, 'p(95)': 350, count: 50 }),
        http_req_failed: rate(0, 150),
        'queue_invariant_violations{kind:silent_admission}': counter(0),
      },
    }),
    instance({
      meta: { segment: '1/2:1' },
      metrics: {
        queue_admitted_immediately: counter(0),
        queue_queued: counter(50),
        queue_socket_connect: trend({ avg: 200, min: 20, med: 180, max: 900, 'p(90)': 600, 'p(95)': 700, count: 50 }),
        http_req_failed: rate(0, 150),
        'queue_invariant_violations{kind:silent_admission}': counter(0),
      },
    }),
  ];
}

/** The line an instance prints on stdout, as `kubectl logs --prefix` shows it. */
export function partialLine(s: InstanceSummary, prefix = ''): string {
  return `${prefix}${PARTIAL_MARKER}${JSON.stringify({ ...s.meta, data: s.data })}`;
}
