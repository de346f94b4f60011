// The k6 side of a disruption (docs/restart.md). tools/run-scenario.sh starts
// tools/disruptor.ts beside the run and passes its address as
// DISRUPT_STATUS_URL: setup() tells it when the first arrival is (it then
// disrupts the room DISRUPT_AT_MS later), and the probe VU polls what it did.
// A disruption that happened is one queue_disruptions sample (the rules on the
// restart need it); one that did not is queue_disruptions_failed and one line
// saying why, and those rules are then not judged.
import http from 'k6/http';
import type { RunConfig } from '../config';
import { addWithMetadata, metrics } from '../metrics';
import { sleepMs } from './time';

/** What the disruptor answers on GET (tools/disruptor.ts). */
export interface DisruptionStatus {
  state: 'waiting' | 'scheduled' | 'running' | 'done' | 'failed';
  what?: string;
  plannedAt?: number;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number | null;
  reason?: string;
}

const POLL_MS = 500;
const REQUEST_TIMEOUT = '5s';

/** setup(): the first arrival's instant; false (with the reason logged) when the disruptor did not take it. */
export function announceStart(url: string, startAt: number, log: (m: string) => void): boolean {
  const res = http.post(`${url}/start`, JSON.stringify({ startAt }), {
    headers: { 'Content-Type': 'application/json' },
    timeout: REQUEST_TIMEOUT,
    tags: { name: 'disruptor' },
    responseCallback: http.expectedStatuses(200),
  });
  if (res.status === 200) return true;
  log(`the disruptor at ${url} did not take the run's start (${res.status === 0 ? res.error : `HTTP ${res.status}`}): no disruption will happen, and the restart rules will not be judged`);
  return false;
}

// What this VU (the probe VU, which watches) last read of the disruption, for the
// server sampler and the stall check beside it: a room process that is down
// while it is restarted on purpose is the disruption, not a failure of theirs.
let lastRead: DisruptionStatus | undefined;

/**
 * When the disruption began, as far as this VU knows: its start once the
 * disruptor reports one, else its planned instant once that has passed;
 * undefined before it (and in every VU but the probe VU).
 */
export function disruptionBegunAt(now = Date.now()): number | undefined {
  const s = lastRead;
  if (s === undefined) return undefined;
  if (typeof s.startedAt === 'number') return s.startedAt;
  if (s.state === 'scheduled' && typeof s.plannedAt === 'number' && now >= s.plannedAt) return s.plannedAt;
  return undefined;
}

/**
 * Any VU: the planned disruption's window, from its planned instant to the
 * recovery bound after it; undefined when the run plans none. Known to every
 * VU from the run's parameters and setup's start, without the disruptor.
 */
export function plannedDisruption(cfg: Pick<RunConfig, 'disruptAtMs' | 'disruptStatusUrl' | 'recoveryMaxMs'>, startAt: number): { from: number; until: number } | undefined {
  if (cfg.disruptAtMs <= 0 || cfg.disruptStatusUrl === '') return undefined;
  const from = startAt + cfg.disruptAtMs;
  return { from, until: from + cfg.recoveryMaxMs };
}

/** True while `now` is within `windowMs` of the disruption's start (the recovery bound). */
export function withinDisruption(windowMs: number, now = Date.now()): boolean {
  const begun = disruptionBegunAt(now);
  return begun !== undefined && now >= begun && now <= begun + windowMs;
}

function read(url: string): Promise<DisruptionStatus | undefined> {
  return http.asyncRequest('GET', url, null, { timeout: REQUEST_TIMEOUT, tags: { name: 'disruptor' }, responseCallback: http.expectedStatuses(200) }).then((res) => {
    if (res.status !== 200 || typeof res.body !== 'string') return undefined;
    try {
      const status = JSON.parse(res.body) as DisruptionStatus;
      lastRead = status;
      return status;
    } catch {
      return undefined;
    }
  });
}

/** The probe VU: polls until the disruption is over (or `until`), then records it. */
export async function watchDisruption(url: string, until: number, log: (m: string) => void): Promise<void> {
  let last: DisruptionStatus | undefined;
  while (Date.now() < until) {
    last = await read(url);
    if (last !== undefined && (last.state === 'done' || last.state === 'failed')) break;
    await sleepMs(POLL_MS);
  }
  if (last !== undefined && last.state === 'done' && typeof last.startedAt === 'number') {
    addWithMetadata(metrics.disruptions, 1, { what: last.what ?? '', planned_at: last.plannedAt ?? 0, started_at: last.startedAt, ended_at: last.endedAt ?? 0 });
    metrics.disruptionAt.add(last.startedAt);
    return;
  }
  metrics.disruptionsFailed.add(1);
  const why = last === undefined ? `the disruptor at ${url} never answered` : last.state === 'failed' ? (last.reason ?? 'it failed') : `it was still ${last.state} when the run ended`;
  log(`the disruption did not happen (${why}): the restart rules are not judged`);
}
