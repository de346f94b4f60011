// The exact knee of a capacity run: every sample of every instance (k6 --out
// json files) on one time axis, judged window by window with the same code the
// VUs judged their own windows with during the run (lib/capacity/windows.ts).
import { ObsLog, computeKnee, type CapacityBounds, type ObsKind } from '../lib/capacity/windows.ts';
import { scheduledRate, type RampPlan } from '../lib/capacity/schedule.ts';
import type { CapacityResult } from '../lib/capacity/types.ts';
import type { SampleSet } from '../runs/samples.ts';

/** What the scenario's handleSummary recorded for this computation (queue_k6.capacityPlan). */
export interface CapacityPlanRecord {
  plan: RampPlan;
  bounds: CapacityBounds;
  loadEndMs: number;
  requirementAtMs: number | null;
  waitMaxMs: number;
  serverObserved: boolean;
}

/** Each metric the knee reads, and what it is in the windows. */
const FEEDS: Array<{ metric: string; kind: ObsKind; value?: 'v' | 'one'; tag?: string; only?: (tags: Record<string, string> | undefined) => boolean }> = [
  { metric: 'queue_arrival_lag', kind: 'arrival', value: 'v' },
  { metric: 'queue_entry_time', kind: 'entry', value: 'v' },
  { metric: 'queue_socket_connect', kind: 'connect', value: 'v' },
  { metric: 'queue_socket_connect', kind: 'sock_open', value: 'one' },
  { metric: 'queue_socket_closed', kind: 'sock_close' },
  { metric: 'queue_capacity_calls', kind: 'op' },
  { metric: 'queue_http_errors', kind: 'error' },
  { metric: 'queue_socket_errors', kind: 'error' },
  { metric: 'queue_invariant_violations', kind: 'not_told', tag: 'kind', only: (t) => t?.kind === 'silent_admission' },
  { metric: 'queue_invariant_violations', kind: 'violation', tag: 'kind', only: (t) => t?.kind !== 'silent_admission' },
  { metric: 'queue_capacity_waits_judged', kind: 'wait_judged' },
  { metric: 'queue_admission_late', kind: 'wait_late' },
  { metric: 'queue_notify_delay', kind: 'notify_delay', value: 'v' },
  { metric: 'queue_server_eventloop_lag', kind: 'server_lag', value: 'v' },
  { metric: 'queue_checked_at', kind: 'in', value: 'one' },
  { metric: 'queue_left_at', kind: 'out', value: 'one' },
];

export const CAPACITY_METRICS: string[] = [...new Set(FEEDS.map((f) => f.metric))];
export const CAPACITY_TAGGED: string[] = ['queue_invariant_violations'];

export interface InstanceSamples {
  /** i1of2 in a split run; undefined for a single run. */
  instance?: string;
  samples: SampleSet;
}

export function kneeFromSamples(parts: InstanceSamples[], rec: CapacityPlanRecord, startAt: number, endAt?: number, stopped?: { at: number; causes: string[] }): CapacityResult {
  const log = new ObsLog();
  for (const part of parts) {
    for (const f of FEEDS) {
      for (const p of part.samples.points.get(f.metric) ?? []) {
        if (f.only !== undefined && !f.only(p.tags)) continue;
        const v = f.value === 'v' ? p.v : f.value === 'one' ? 1 : p.v;
        log.add(f.kind, p.t, v, part.instance, f.tag !== undefined ? p.tags?.[f.tag] : undefined);
      }
    }
  }
  const instances = parts.map((p) => p.instance).filter((x): x is string => x !== undefined);
  return computeKnee({
    log,
    bounds: rec.bounds,
    t0: startAt,
    tEnd: endAt,
    serverObserved: rec.serverObserved,
    scheduledRate: (t) => scheduledRate(rec.plan, t),
    requirement: rec.requirementAtMs === null ? null : { users: rec.plan.requiredUsers ?? null, rate: rec.plan.requiredRate ?? null, atMs: rec.requirementAtMs },
    instances: instances.length > 1 ? instances : undefined,
    stopped,
  });
}

/** A run file's own name for its instance: <prefix>-i1of2.json -> i1of2. */
function instanceOf(path: string): string | undefined {
  const m = /-(i\d+of\d+)\.json$/.exec(path);
  return m === null ? undefined : m[1];
}

/** The samples file k6 wrote beside a run file (tools/run-scenario.sh names them alike). */
export function samplesBeside(path: string): string {
  return path.replace(/\.json$/, '') + '.ndjson.gz';
}

export interface CapacityInputs {
  rec: CapacityPlanRecord;
  startAt: number;
  /** The run's end, epoch ms, when a file says it: the last window judged ends there. */
  endAt?: number;
  /** A VU's own window stopped the run: when (the earliest over the files), and on what. */
  stopped?: { at: number; causes: string[] };
  files: Array<{ summary: string; samples: string; instance?: string }>;
}

/**
 * What the knee needs from a run's results files (one, or a split run's
 * instances): the plan the scenario recorded, the shared first arrival, and the
 * samples beside each file. Null when the files are not a capacity run's.
 */
export async function capacityInputs(paths: string[]): Promise<CapacityInputs | null> {
  const { readFile } = await import('node:fs/promises');
  const { existsSync } = await import('node:fs');
  let rec: CapacityPlanRecord | undefined;
  let startAt: number | undefined;
  let endAt: number | undefined;
  let stopped: CapacityInputs['stopped'];
  const files: CapacityInputs['files'] = [];
  for (const path of paths) {
    let q: { capacityPlan?: CapacityPlanRecord; startAt?: number | null; scenario?: string } | undefined;
    let breakAt: number | undefined;
    let metrics: Record<string, { values?: Record<string, number> }> | undefined;
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { queue_k6?: typeof q; metrics?: Record<string, { values?: Record<string, number> }> };
      q = parsed.queue_k6;
      metrics = parsed.metrics;
      breakAt = metrics?.queue_capacity_break_at?.values?.min;
    } catch {
      continue;
    }
    if (q === undefined || q.capacityPlan === undefined) continue;
    rec ??= q.capacityPlan;
    if (typeof q.startAt === 'number') startAt = startAt === undefined ? q.startAt : Math.min(startAt, q.startAt);
    // k6's own counts of this file (never rewritten): a break a VU saw stopped the run (abortOnFail).
    const causes = Object.entries(metrics ?? {})
      .filter(([k, m]) => k.startsWith('queue_capacity_breaks{cause:') && (m.values?.count ?? 0) > 0)
      .map(([k]) => k.slice('queue_capacity_breaks{cause:'.length, -1));
    if (typeof breakAt === 'number' && typeof q.startAt === 'number' && causes.length > 0) {
      const at = q.startAt + breakAt * 1000;
      if (stopped === undefined || at < stopped.at) stopped = { at, causes };
    }
    const samples = samplesBeside(path);
    if (existsSync(samples)) files.push({ summary: path, samples, instance: instanceOf(path) });
  }
  if (rec === undefined || startAt === undefined) return null;
  return { rec, startAt, endAt, files, stopped };
}
