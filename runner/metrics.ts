// The metrics engine: a registry of named metrics, each with one sink that
// aggregates every sample, plus sub-metric sinks (name{tag:value}) that only
// see the samples whose tags match. Trend samples live in a growable
// Float64Array: a long run holds millions of them.
import { scriptError } from './errors.ts';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type Contains = 'default' | 'time' | 'data';
export type Tags = Record<string, string>;
/** Per-sample metadata (exec.vu.metrics.metadata): goes to the outputs, never selects a sub-metric. */
export type Metadata = Record<string, string>;

/** Where every sample goes besides the sinks, when an output (--out) is configured. */
export type SampleOutput = (metric: Metric, value: number, tags: Tags, metadata: Metadata | undefined) => void;

export const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,127}$/;

export class CounterSink {
  count = 0;
  samples = 0;
  add(v: number): void {
    this.count += v;
    this.samples++;
  }
}

export class GaugeSink {
  value = 0;
  min = Infinity;
  max = -Infinity;
  samples = 0;
  add(v: number): void {
    this.value = v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.samples++;
  }
}

export class RateSink {
  passes = 0;
  fails = 0;
  get samples(): number {
    return this.passes + this.fails;
  }
  add(v: number): void {
    if (v !== 0) this.passes++;
    else this.fails++;
  }
  get rate(): number {
    const n = this.passes + this.fails;
    return n === 0 ? 0 : this.passes / n;
  }
}

export class TrendSink {
  private buf = new Float64Array(64);
  private sortedUpTo = 0; // buf[0..sortedUpTo) is sorted and no sample was added since
  samples = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  add(v: number): void {
    if (this.samples === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.samples++] = v;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    this.sortedUpTo = 0;
  }

  private sorted(): Float64Array {
    const view = this.buf.subarray(0, this.samples);
    if (this.sortedUpTo !== this.samples) {
      view.sort();
      this.sortedUpTo = this.samples;
    }
    return view;
  }

  /** Linear interpolation between closest ranks (as k6): p in 0..100. */
  percentile(p: number): number {
    const n = this.samples;
    if (n === 0) return 0;
    const s = this.sorted();
    if (n === 1) return s[0]!;
    const rank = (p / 100) * (n - 1);
    const lo = Math.floor(rank);
    if (lo >= n - 1) return s[n - 1]!;
    if (lo < 0) return s[0]!;
    return s[lo]! + (rank - lo) * (s[lo + 1]! - s[lo]!);
  }

  get avg(): number {
    return this.samples === 0 ? 0 : this.sum / this.samples;
  }
}

export type Sink = CounterSink | GaugeSink | RateSink | TrendSink;

function newSink(type: MetricType): Sink {
  switch (type) {
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
    case 'trend':
      return new TrendSink();
  }
}

export interface SubMetric {
  key: string; // as written in the thresholds, e.g. "ref_trend{kind:a}"
  tags: [string, string][];
  sink: Sink;
}

export interface Metric {
  name: string;
  type: MetricType;
  contains: Contains;
  sink: Sink;
  submetrics: SubMetric[];
}

export class Registry {
  readonly metrics = new Map<string, Metric>();
  /** Set when the run has outputs; null keeps the sample path free of tag sets. */
  output: SampleOutput | null = null;

  /** Defines a metric, or returns the existing one with the same name and type. */
  define(name: string, type: MetricType, contains: Contains = 'default'): Metric {
    if (!METRIC_NAME.test(name)) {
      throw scriptError(`invalid metric name '${name}': metric names must match ${METRIC_NAME.source}`);
    }
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (existing.type !== type || existing.contains !== contains) {
        throw scriptError(`metric '${name}' already exists as a ${existing.type} (${existing.contains}); cannot redefine it as a ${type} (${contains})`);
      }
      return existing;
    }
    const m: Metric = { name, type, contains, sink: newSink(type), submetrics: [] };
    this.metrics.set(name, m);
    return m;
  }

  submetric(metric: Metric, key: string, tags: [string, string][]): SubMetric {
    const found = metric.submetrics.find((s) => s.key === key);
    if (found !== undefined) return found;
    const sub: SubMetric = { key, tags, sink: newSink(metric.type) };
    metric.submetrics.push(sub);
    return sub;
  }

  add(metric: Metric, value: number, tags: Tags, metadata?: Metadata): void {
    metric.sink.add(value);
    if (this.output !== null) this.output(metric, value, tags, metadata);
    for (const sub of metric.submetrics) {
      let match = true;
      for (const [k, v] of sub.tags) {
        if (tags[k] !== v) {
          match = false;
          break;
        }
      }
      if (match) sub.sink.add(value);
    }
  }
}

/** The builtin metrics every run has (they appear in the summary only with samples). */
export function defineBuiltins(r: Registry): void {
  r.define('checks', 'rate');
  r.define('data_received', 'counter', 'data');
  r.define('data_sent', 'counter', 'data');
  r.define('group_duration', 'trend', 'time');
  r.define('iteration_duration', 'trend', 'time');
  r.define('iterations', 'counter');
  r.define('vus', 'gauge');
  r.define('vus_max', 'gauge');
  r.define('http_reqs', 'counter');
  r.define('http_req_duration', 'trend', 'time');
  r.define('http_req_failed', 'rate');
  r.define('ws_connecting', 'trend', 'time');
  r.define('ws_sessions', 'counter');
  r.define('ws_msgs_sent', 'counter');
  r.define('ws_msgs_received', 'counter');
  r.define('ws_session_duration', 'trend', 'time');
}

/** One aggregation of a sink, as thresholds and the summary name them. */
export function aggregate(sink: Sink, agg: string, durationSec: number): number {
  if (sink instanceof CounterSink) {
    if (agg === 'count') return sink.count;
    if (agg === 'rate') return durationSec > 0 ? sink.count / durationSec : 0;
  } else if (sink instanceof GaugeSink) {
    if (agg === 'value') return sink.value;
    if (agg === 'min') return sink.samples === 0 ? 0 : sink.min;
    if (agg === 'max') return sink.samples === 0 ? 0 : sink.max;
  } else if (sink instanceof RateSink) {
    if (agg === 'rate') return sink.rate;
    if (agg === 'passes') return sink.passes;
    if (agg === 'fails') return sink.fails;
  } else {
    if (agg === 'avg') return sink.avg;
    if (agg === 'min') return sink.samples === 0 ? 0 : sink.min;
    if (agg === 'max') return sink.samples === 0 ? 0 : sink.max;
    if (agg === 'med') return sink.percentile(50);
    if (agg === 'count') return sink.samples;
    const p = /^p\(\s*(\d+(?:\.\d+)?)\s*\)$/.exec(agg);
    if (p !== null) return sink.percentile(Number(p[1]));
  }
  throw new Error(`no aggregation '${agg}'`);
}

/** The `values` object of a metric in handleSummary's data. */
export function summaryValues(sink: Sink, durationSec: number, trendStats: string[]): Record<string, number> {
  if (sink instanceof CounterSink) return { count: sink.count, rate: aggregate(sink, 'rate', durationSec) };
  if (sink instanceof GaugeSink) return { value: sink.value, min: aggregate(sink, 'min', 0), max: aggregate(sink, 'max', 0) };
  if (sink instanceof RateSink) return { rate: sink.rate, passes: sink.passes, fails: sink.fails };
  const out: Record<string, number> = {};
  for (const stat of trendStats) out[stat] = aggregate(sink, stat, durationSec);
  return out;
}
