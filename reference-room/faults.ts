// The fault catalogue: one switch per defect of queue-contract.md ("Defects the
// suite exists to catch"). With no fault switched on the target is correct.
// The table is the single source: names, validation and README all follow it.

export const FAULTS = {
  'racy-admission': 'check reads SCARD, waits RACY_WINDOW_MS, then SADD/ZADD as separate commands: a burst overshoots the threshold',
  'over-admit': 'the processor admits min(queue size, threshold) per tick, ignoring occupied slots',
  'silent-admission': 'the processor admits from the queue without emitting queue-entry-allowed',
  'no-release': 'leave removes the user from the queue but never frees the active slot (starvation)',
  'stalled-processor': 'the processor ticks but never admits anyone',
  'lifo': 'the processor admits the newest arrivals first',
  'requeue-on-reconnect': 'a repeated check while queued moves the user to the back with a new score',
  'no-session-restore': 'session-restored is never emitted on reconnect',
  'wrong-estimate': 'estimatedWait = 30 s x position (what production does), whatever the real pace',
  'busy-room': 'every API request and every emitted batch holds the event loop BUSY_MS (a saturated server process)',
  // Issue 28: a room that does not survive a restart (scenario restart, docs/restart.md).
  'no-reannounce': 'a socket that joins again (after a reconnect) is not told of an admission it missed while away',
  'memory-queue': 'the queue is kept in each room process\'s memory, not in Redis: a restarted process has forgotten it',
  'replay-admissions': 'a restarted processor replays its admissions: everyone in the active set of an event queued when it started is told again',
  'readmit-all': 'a restarted processor admits, at its first batch, the whole queue of every event that was queued when it started, whatever the threshold',
} as const;

export type FaultName = keyof typeof FAULTS;

export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];

export function isFaultName(name: string): name is FaultName {
  return Object.prototype.hasOwnProperty.call(FAULTS, name);
}

/** Parses "a,b" (spaces and empty items ignored); throws on an unknown name, listing the valid ones. */
export function parseFaults(source: string, variable = 'TARGET_FAULTS'): FaultName[] {
  const names = source.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  return validateFaults(names, variable);
}

export function validateFaults(names: readonly string[], variable = 'faults'): FaultName[] {
  const out: FaultName[] = [];
  for (const name of names) {
    if (!isFaultName(name)) {
      throw new Error(`invalid ${variable}; reason: unknown fault ${JSON.stringify(name)}; expected a comma-separated list of: ${FAULT_NAMES.join(', ')}`);
    }
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The set of active faults, asked by name where the behaviour forks. */
export class Faults {
  private readonly on: ReadonlySet<FaultName>;
  constructor(names: readonly FaultName[]) {
    this.on = new Set(names);
  }
  has(name: FaultName): boolean {
    return this.on.has(name);
  }
  describe(): string {
    return this.on.size === 0 ? 'none' : [...this.on].join(',');
  }
}
