// The capacity scenario's answer (scenario 6, docs/capacity.md), as the results
// file carries it under queue_k6.capacity. Written twice: by handleSummary from
// what the run itself saw (source 'in-run'), then by `capacity/cli.ts` from
// every sample of every instance on one time axis (source 'samples', the exact knee).
// report/, compare/ and verdict/ read it; none of them recomputes it.

/** What can break a waiting room, each judged on a sliding window of the last WINDOW_S seconds. */
export type BreakCause =
  | 'entry_time'     // getting in (log in, connect, check) p95 over ENTRY_P95_MAX_MS: users stuck at the door
  | 'connect_time'   // Socket.IO connect time p95 over CONNECT_P95_MAX_MS
  | 'errors'         // HTTP or socket errors over ERROR_RATE_MAX of the operations
  | 'not_told'       // an admitted user not told within NOTIFY_GRACE_MS
  | 'invariant'      // a queue invariant broken (overshoot, unfair order, lost users)
  | 'wait_bound'     // queued users waiting past their bound, over WAIT_LATE_RATE_MAX of those judged
  | 'server_lag';    // the room's event-loop lag p95 over SERVER_LAG_MAX_MS (only when the server is observed)

export const BREAK_CAUSES: readonly BreakCause[] = ['entry_time', 'connect_time', 'errors', 'not_told', 'invariant', 'wait_bound', 'server_lag'];

export interface CapacityWindowFigures {
  /** Window [fromS, toS], seconds since the run's first scheduled arrival. */
  fromS: number;
  toS: number;
  /** Most users in the room (checked in, not yet left) at once within the window. */
  users: number;
  /** Most Socket.IO connections open at once within the window; null when not measured. */
  sockets: number | null;
  /** Arrivals that started within the window, per second. */
  rate: number;
}

export interface CapacityBreak {
  /** Seconds since the first scheduled arrival: the end of the first window that broke. */
  atS: number;
  cause: BreakCause;
  /** The figure that broke, said for people: "connect p95 2,310 ms > 1,000 ms". */
  figure: string;
  value: number;
  bound: number;
  /** Split runs: the instance whose samples broke it (i1of2), when one did alone. */
  instance?: string;
}

export interface CapacityResult {
  /** 'in-run': handleSummary from the summary; 'samples': capacity/cli.ts from every sample (exact). */
  source: 'in-run' | 'samples';
  /**
   * broke: the room broke (firstBreak); held: nothing broke up to the end of the load;
   * generator: the load generator could not keep the rate first (no room capacity is claimed);
   * unknown: too little was measured to say.
   */
  outcome: 'broke' | 'held' | 'generator' | 'unknown';
  /** The one-line answer, as printed in the summary, by make capacity and by make verdict. */
  line: string;
  windowS: number;
  /** The last healthy window (broke), or the best window of the run (held); null when none was healthy. */
  held: CapacityWindowFigures | null;
  firstBreak: CapacityBreak | null;
  /** Every cause that broke, in order of first break. */
  breaks: CapacityBreak[];
  /** When the generator fell behind its schedule: arrivals' lateness p95 over ARRIVAL_LAG_MAX_MS. */
  generator: { atS: number; rate: number; lagP95Ms: number; boundMs: number; /** What the schedule asked for then, per second. */ askedRate?: number } | null;
  /** When a VU's own window stopped the run (seconds after the first arrival), and the causes it saw. */
  stoppedAtS?: number;
  stoppedBy?: string[];
  /** REQUIRED_USERS / REQUIRED_RATE: met when held for a whole window with no break. */
  requirement: { users: number | null; rate: number | null; met: boolean } | null;
  /**
   * Per step of the sliding window (1 s), for the report's charts; at most ~600 points
   * (downsampled evenly). Missing figures are null. t: seconds since the first scheduled arrival.
   */
  series: {
    t: number[];
    users: number[];
    sockets: Array<number | null>;
    /** Arrivals per second that started in the window ending at t. */
    rate: number[];
    /** What the schedule asked for at t, per second. */
    scheduledRate: number[];
    connectP95Ms: Array<number | null>;
    notifyDelayP95Ms: Array<number | null>;
  } | null;
}
