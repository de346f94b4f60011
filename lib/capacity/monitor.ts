// A VU's own view of the capacity windows during the run. Every VU (the users'
// and the probe's) feeds what it measures into one ObsLog; once a second the
// window ending now is judged, and a cause that breaks is counted once in
// queue_capacity_breaks{cause}. The scenario marks those rules abortOnFail, so
// k6 stops the whole run within a threshold evaluation (about 2 s) of the first
// break, whichever VU saw it (lib/scenario.ts). The windows are computed in
// each VU, on that VU's own users: a VU's users arrive together on the ramp
// (USERS_PER_VU in a row), so the VU arriving at an instant sees that instant's
// arrivals; capacity/cli.ts judges every sample of the run after it, exactly.
import { Counter, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout } from 'k6/timers';
import { addWithMetadata } from '../metrics';
import { BreakTracker, ObsLog, windowOver, type CapacityBounds, type ObsKind } from './windows';

export const capacityMetrics = {
  /** a capacity window broke, tagged by cause (connect_time, errors, not_told, invariant, wait_bound, server_lag, generator); metadata: figure */
  breaks: new Counter('queue_capacity_breaks'),
  /** when a VU saw a cause break: seconds after the first scheduled arrival (min: the run's first break, as seen in-run) */
  breakAt: new Trend('queue_capacity_break_at'),
  /** users in the room (queued + active) as the room or Redis told it: each check's answer, each probe sample */
  held: new Trend('queue_capacity_held'),
  /** how late a user started against the schedule, ms (its timer, then its VU's HTTP slots): the generator keeping the rate */
  arrivalLag: new Trend('queue_arrival_lag', true),
  /** a user's way in, ms: from its login's start to its check's answer; a user still on its way when ENTRY_P95_MAX_MS passes counts then, at that figure */
  entryTime: new Trend('queue_entry_time', true),
  /** HTTP calls and socket connects a capacity user attempted (errors are counted against these) */
  calls: new Counter('queue_capacity_calls'),
  /** queued users whose wait was judged against its bound: admitted, or still queued when the bound passed */
  waitsJudged: new Counter('queue_capacity_waits_judged'),
  /** from a late user finding itself admitted (status active) to its own queue-entry-allowed, ms */
  notifyDelay: new Trend('queue_notify_delay', true),
  /** arrivals that could not start within ARRIVAL_LAG_MAX_MS of their instant, and were not run (k6's dropped_iterations) */
  dropped: new Counter('queue_arrivals_dropped'),
  /** Socket.IO connections closed (with queue_socket_connect, the sockets open over time) */
  socketsClosed: new Counter('queue_socket_closed'),
};

interface Monitor {
  log: ObsLog;
  tracker: BreakTracker;
  bounds: CapacityBounds;
  serverObserved: boolean;
  t0: number;
  until: number;
}

let current: Monitor | undefined;

/** Records an observation in this VU's window, when a capacity run watches (a no-op elsewhere). */
export function observe(kind: ObsKind, v = 1, detail?: string): void {
  if (current !== undefined) current.log.add(kind, Date.now(), v, undefined, detail);
}

export function watching(): boolean {
  return current !== undefined;
}

/** Judges the window ending now; returns the causes that broke at this step. */
export function judgeNow(now = Date.now()): string[] {
  const m = current;
  if (m === undefined) return [];
  m.log.prune(now - m.bounds.windowMs - 1000);
  const newly = m.tracker.step(now, windowOver(m.log, now, m.bounds, m.serverObserved));
  for (const o of newly) {
    addWithMetadata(capacityMetrics.breaks, 1, { figure: o.figure }, { cause: o.cause });
    capacityMetrics.breakAt.add(Math.round((now - m.t0) / 100) / 10);
  }
  return newly.map((o) => `${o.cause}: ${o.figure}`);
}

/**
 * Starts this VU's monitor: judged every second until `until` (epoch ms) or
 * stop(). Returns stop. `onBreak` hears each cause the first time it breaks here.
 */
export function startMonitor(opts: { bounds: CapacityBounds; serverObserved: boolean; t0: number; until: number; onBreak: (line: string) => void }): () => void {
  const m: Monitor = { log: new ObsLog(), tracker: new BreakTracker(opts.bounds.holdSteps), bounds: opts.bounds, serverObserved: opts.serverObserved, t0: opts.t0, until: opts.until };
  current = m;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = (): void => {
    if (current !== m) return;
    for (const line of judgeNow()) opts.onBreak(line);
    if (Date.now() < m.until) timer = setTimeout(tick, 1000);
  };
  timer = setTimeout(tick, Math.max(0, opts.t0 - Date.now()) + 1000);
  return () => {
    if (timer !== undefined) clearTimeout(timer);
    if (current === m) current = undefined;
  };
}
