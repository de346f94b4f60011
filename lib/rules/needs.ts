// What a rule needs before its verdict means anything. A k6 threshold is
// judged on whatever its metric holds: an empty rate passes, an empty trend is
// judged as 0 (shared/k6-reference). A rule on what nothing measured must say
// "not judged", never ✓, so each rule states its needs and they are checked
// before its result is believed.
//
//   redis           the Redis probes are on (REDIS_URL set)
//   server          a server source is configured (SERVER_METRICS_URLS set)
//   whole_run       only the whole run can judge it (totals over all users): an
//                   instance of a split run leaves it to `make verdict`
//   observer        the watcher joined the event's room (queue_observer_joined)
//   samples         the rule's own metric or sub-metric has at least one sample
//   samples:<key>   that metric or sub-metric has at least one sample (e.g. the
//                   number of times an invariant was checked)
//   none:<key>      that counter stayed at 0: a premise of the rule held
//   settled         the queue was settled while users checked in: the first leave
//                   (queue_left_at, min) came after the last check-in
//                   (queue_checked_at, max), over all VUs and instances
// redis and whole_run are known before the run ("static"); the others are
// read from the summary ("dynamic").
import { metricNameOf } from './expression';

export type Need =
  | { kind: 'redis' }
  | { kind: 'server' }
  | { kind: 'whole_run' }
  | { kind: 'observer' }
  | { kind: 'samples'; key?: string }
  | { kind: 'none'; key: string }
  | { kind: 'settled' };

export class NeedsError extends Error {}

export function parseNeed(text: string): Need {
  const t = text.trim();
  if (t === 'redis' || t === 'server' || t === 'whole_run' || t === 'observer' || t === 'samples' || t === 'settled') return { kind: t } as Need;
  const m = /^(samples|none):([a-z_][a-z0-9_]*(\{[^}]+\})?)$/.exec(t);
  if (m !== null) return m[1] === 'samples' ? { kind: 'samples', key: m[2] } : { kind: 'none', key: m[2]! };
  throw new NeedsError(`unknown need "${text}": expected redis, server, whole_run, observer, settled, samples, samples:<metric key> or none:<metric key>`);
}

export function needText(n: Need): string {
  if (n.kind === 'samples' && n.key !== undefined) return `samples:${n.key}`;
  if (n.kind === 'none') return `none:${n.key}`;
  return n.kind;
}

/** The keys whose samples the dynamic needs read (they must stay in every summary). */
export function keysRead(needs: readonly Need[]): string[] {
  const out: string[] = [];
  for (const n of needs) {
    if ((n.kind === 'samples' || n.kind === 'none') && n.key !== undefined) out.push(n.key);
    if (n.kind === 'observer') out.push(OBSERVER_KEY);
  }
  return out;
}

export const OBSERVER_KEY = 'queue_observer_joined';
export const CHECKED_AT_KEY = 'queue_checked_at';
export const LEFT_AT_KEY = 'queue_left_at';

/**
 * How long before the last check-in the first user left (ms), or null when the
 * queue was settled (or the summary cannot tell: no leave, no check-in).
 */
export function unsettledByMs(metrics: Record<string, MetricValues | undefined>): number | null {
  const checked = metrics[CHECKED_AT_KEY];
  const left = metrics[LEFT_AT_KEY];
  const last = checked?.values.max;
  const first = left?.values.min;
  if (last === undefined || first === undefined || sampleCount(checked) === 0 || sampleCount(left) === 0) return null;
  return first < last ? last - first : null;
}

/** The run facts known before it starts. */
export interface StaticFacts {
  probes: boolean;
  /** One instance of a split run. */
  split: boolean;
  /** A server source is configured (SERVER_METRICS_URLS); unset reads as none. */
  server?: boolean;
}

/** Why a rule is not in force before the run, or null when it is. */
export function staticGap(needs: readonly Need[], facts: StaticFacts): string | null {
  for (const n of needs) {
    if (n.kind === 'redis' && !facts.probes) return 'needs the Redis probes, and they were off (REDIS_URL empty)';
    if (n.kind === 'server' && facts.server !== true) return 'needs a server source, and none was configured (SERVER_METRICS_URLS empty; docs/server-metrics.md)';
    if (n.kind === 'whole_run' && facts.split) return 'needs the whole run: one instance of a split run sees only its share (make verdict judges it)';
  }
  return null;
}

/** A metric as a summary holds it, enough to count its samples. */
export interface MetricValues {
  type?: string;
  values: Record<string, number>;
}

/**
 * How many samples a summary metric holds, or undefined when the summary does
 * not say (a trend without the `count` stat). A metric missing from the
 * summary has none.
 */
export function sampleCount(m: MetricValues | undefined): number | undefined {
  if (m === undefined) return 0;
  const v = m.values;
  if (m.type === 'rate' || (v.passes !== undefined && v.fails !== undefined)) return (v.passes ?? 0) + (v.fails ?? 0);
  if (v.count !== undefined) return v.count;
  return undefined;
}

/** Why a rule on `key` cannot be believed on these metrics, or null when every dynamic need is met. */
export function dynamicGap(key: string, needs: readonly Need[], metrics: Record<string, MetricValues | undefined>): string | null {
  for (const n of needs) {
    if (n.kind === 'observer') {
      const c = sampleCount(metrics[OBSERVER_KEY]);
      if (c === 0) return 'needs the observer in the event\'s room, and it never joined (see queue_probe_errors{kind:observer})';
    } else if (n.kind === 'samples') {
      const k = n.key ?? key;
      const c = sampleCount(metrics[k]);
      if (c === 0) return n.key === undefined ? `no sample of ${k}: nothing was measured` : `needs samples of ${k}, and there were none: nothing was checked`;
    } else if (n.kind === 'settled') {
      const by = unsettledByMs(metrics);
      if (by !== null) return `the queue was not settled: the first user left ${Math.round(by)} ms before the last user had checked in, so this count was taken on a moving queue (give the load generator more time: ARRIVAL_GRACE_MS, RACE_SETTLE_MS in check-race, fewer USERS_PER_VU or a higher HTTP_CONCURRENCY)`;
    } else if (n.kind === 'none') {
      const m = metrics[n.key];
      const c = m === undefined ? 0 : m.values.count ?? 0;
      if (c > 0) return `its premise failed: ${n.key} counted ${c}`;
    }
  }
  return null;
}

/** The needs a rule on `key` has, from the file's $needs (exact key first, then the metric's name). */
export function needsOf(key: string, table: Record<string, Need[]>): Need[] {
  const exact = table[key];
  if (exact !== undefined) return exact;
  return table[metricNameOf(key)] ?? [];
}
