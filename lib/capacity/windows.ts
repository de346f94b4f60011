// Sliding windows over what a capacity run measured, and the knee: the first
// window that broke, the last one that was healthy. Pure: the same code judges
// a VU's own observations during the run (lib/flow/capacity.ts, to stop the run
// early) and every sample of every instance after it (capacity/cli.ts, the
// exact answer). k6's thresholds are cumulative, so a break has to be judged
// here, on the last WINDOW_S seconds only.
//
// Noise is not a break: a percentile or a rate is judged only on at least
// MIN_SAMPLES samples in the window, and must be over its bound in HOLD_STEPS
// consecutive steps (1 s apart). What no load excuses (an admitted user never
// told, a broken invariant) breaks at its first occurrence.
import { BREAK_CAUSES, type BreakCause, type CapacityBreak, type CapacityResult, type CapacityWindowFigures } from './types';

export type ObsKind =
  | 'arrival'      // a user started (v: ms late against the schedule)
  | 'entry'        // a user's way in, from its login's start to its check's answer, ms (or the bound, once passed)
  | 'connect'      // Socket.IO connect time, ms
  | 'op'           // an HTTP call or socket connect attempted (success or failure)
  | 'error'        // one of those failed
  | 'not_told'     // an admitted user not told within NOTIFY_GRACE_MS
  | 'notify_delay' // ms from a user's admission being visible to its own event
  | 'violation'    // a queue invariant broken
  | 'wait_judged'  // a queued user's wait judged against its bound (admitted, or its bound passed)
  | 'wait_late'    // of those, past the bound
  | 'server_lag'   // the room's event-loop lag, ms, one per scrape and source
  | 'in'           // a user checked in (entered the room)
  | 'out'          // a user left
  | 'sock_open'    // a Socket.IO connection opened
  | 'sock_close';  // one closed

export interface Obs { t: number; v: number; instance?: string; detail?: string }

export interface CapacityBounds {
  windowMs: number;
  /** A percentile or a rate is judged on at least this many samples in the window. */
  minSamples: number;
  /** Consecutive 1 s steps over the bound before a percentile or a rate counts as broken. */
  holdSteps: number;
  connectP95MaxMs: number;
  /** Getting in (log in, connect, check): its p95 over this is a room that cannot take the arrivals. */
  entryP95MaxMs: number;
  errorRateMax: number;
  waitLateRateMax: number;
  serverLagMaxMs: number;
  /** The generator is behind when its arrivals' lateness p95 is over this. */
  arrivalLagMaxMs: number;
}

/** Server lag comes once per scrape (SERVER_SAMPLE_MS): a window holds a handful, so fewer are needed. */
const SERVER_MIN_SAMPLES = 3;
const STEP_MS = 1000;
const SERIES_POINTS = 600;

/** Observations by kind, each list kept sorted by time. */
export class ObsLog {
  readonly lists = new Map<ObsKind, Obs[]>();

  add(kind: ObsKind, t: number, v = 1, instance?: string, detail?: string): void {
    let list = this.lists.get(kind);
    if (list === undefined) this.lists.set(kind, (list = []));
    const o: Obs = { t, v };
    if (instance !== undefined) o.instance = instance;
    if (detail !== undefined) o.detail = detail;
    // Almost always in order (a VU's clock, or a sorted file); else insert where it belongs.
    if (list.length === 0 || list[list.length - 1].t <= t) list.push(o);
    else list.splice(upperBound(list, t), 0, o);
  }

  /** Drops what is older than `before` (a VU keeps only its last window). */
  prune(before: number): void {
    for (const [k, list] of this.lists) {
      const i = upperBound(list, before - 1);
      if (i > 0) this.lists.set(k, list.slice(i));
    }
  }

  /** The observations of a kind with from < t <= to. */
  slice(kind: ObsKind, from: number, to: number): Obs[] {
    const list = this.lists.get(kind);
    if (list === undefined) return [];
    return list.slice(upperBound(list, from), upperBound(list, to));
  }

  /** Sum of v for t <= to (cumulative counts: users in, sockets open). */
  sumUpTo(kind: ObsKind, to: number): number {
    const list = this.lists.get(kind);
    if (list === undefined) return 0;
    let s = 0;
    const end = upperBound(list, to);
    for (let i = 0; i < end; i++) s += list[i].v;
    return s;
  }

  has(kind: ObsKind): boolean {
    return (this.lists.get(kind)?.length ?? 0) > 0;
  }

  firstT(): number | undefined {
    let min: number | undefined;
    for (const list of this.lists.values()) if (list.length > 0 && (min === undefined || list[0].t < min)) min = list[0].t;
    return min;
  }

  lastT(): number | undefined {
    let max: number | undefined;
    for (const list of this.lists.values()) if (list.length > 0 && (max === undefined || list[list.length - 1].t > max)) max = list[list.length - 1].t;
    return max;
  }
}

/** First index whose t is > t. */
function upperBound(list: Obs[], t: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** k6's percentile: linear between closest ranks (shared/k6-reference: p(95) of 10,20,30,40 is 38.5). */
export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const sum = (obs: Obs[]): number => obs.reduce((a, o) => a + o.v, 0);
/** 12,345: digits grouped by hand (k6's JavaScript runtime has no locale data). */
export const fmt = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const pct = (r: number): string => `${(r * 100).toFixed(1)} %`;

/** One cause over its bound in one window. */
export interface Over { cause: BreakCause | 'generator'; value: number; bound: number; figure: string }

/** What is over its bound in the window ending at `end` (nothing is judged on too few samples). */
export function windowOver(log: ObsLog, end: number, b: CapacityBounds, serverObserved: boolean): Over[] {
  const from = end - b.windowMs;
  const out: Over[] = [];
  const entry = log.slice('entry', from, end).map((o) => o.v);
  if (entry.length >= b.minSamples) {
    const p95 = percentile(entry, 95);
    if (p95 > b.entryP95MaxMs) out.push({ cause: 'entry_time', value: p95, bound: b.entryP95MaxMs, figure: `getting in (log in, connect, check) p95 ${fmt(p95)} ms > ${fmt(b.entryP95MaxMs)} ms` });
  }
  const connect = log.slice('connect', from, end).map((o) => o.v);
  if (connect.length >= b.minSamples) {
    const p95 = percentile(connect, 95);
    if (p95 > b.connectP95MaxMs) out.push({ cause: 'connect_time', value: p95, bound: b.connectP95MaxMs, figure: `Socket.IO connect p95 ${fmt(p95)} ms > ${fmt(b.connectP95MaxMs)} ms` });
  }
  const ops = sum(log.slice('op', from, end));
  const errors = sum(log.slice('error', from, end));
  if (ops >= b.minSamples && errors / ops > b.errorRateMax) {
    out.push({ cause: 'errors', value: errors / ops, bound: b.errorRateMax, figure: `errors ${pct(errors / ops)} of ${fmt(ops)} calls > ${pct(b.errorRateMax)}` });
  }
  const notTold = sum(log.slice('not_told', from, end));
  if (notTold > 0) out.push({ cause: 'not_told', value: notTold, bound: 0, figure: `${fmt(notTold)} admitted user(s) not told within NOTIFY_GRACE_MS` });
  const violations = log.slice('violation', from, end);
  if (violations.length > 0) {
    const kinds = [...new Set(violations.map((o) => o.detail).filter((d): d is string => d !== undefined))];
    out.push({ cause: 'invariant', value: sum(violations), bound: 0, figure: `${fmt(sum(violations))} invariant violation(s)${kinds.length > 0 ? ` (${kinds.join(', ')})` : ''}` });
  }
  const judged = sum(log.slice('wait_judged', from, end));
  const late = sum(log.slice('wait_late', from, end));
  if (judged >= b.minSamples && late / judged > b.waitLateRateMax) {
    out.push({ cause: 'wait_bound', value: late / judged, bound: b.waitLateRateMax, figure: `${pct(late / judged)} of ${fmt(judged)} queued users waited past their bound > ${pct(b.waitLateRateMax)}` });
  }
  if (serverObserved) {
    const lag = log.slice('server_lag', from, end).map((o) => o.v);
    if (lag.length >= SERVER_MIN_SAMPLES) {
      const p95 = percentile(lag, 95);
      if (p95 > b.serverLagMaxMs) out.push({ cause: 'server_lag', value: p95, bound: b.serverLagMaxMs, figure: `room event-loop lag p95 ${fmt(p95)} ms > ${fmt(b.serverLagMaxMs)} ms` });
    }
  }
  const lag = log.slice('arrival', from, end).map((o) => o.v);
  if (lag.length >= b.minSamples) {
    const p95 = percentile(lag, 95);
    if (p95 > b.arrivalLagMaxMs) out.push({ cause: 'generator', value: p95, bound: b.arrivalLagMaxMs, figure: `arrivals p95 ${fmt(p95)} ms behind the schedule > ${fmt(b.arrivalLagMaxMs)} ms` });
  }
  return out;
}

const IMMEDIATE = new Set<string>(['not_told', 'invariant']);

/**
 * Steps over time, one per second, telling when each cause counts as broken:
 * at once for what no load excuses, after HOLD_STEPS consecutive steps over the
 * bound for a percentile or a rate.
 */
export class BreakTracker {
  private readonly streak = new Map<string, number>();
  readonly broken = new Map<string, { at: number; over: Over }>();

  constructor(private readonly holdSteps: number) {}

  /** Feeds one step's overs; returns the causes that broke at this step. */
  step(at: number, overs: Over[]): Over[] {
    const now = new Set(overs.map((o) => o.cause));
    for (const k of [...this.streak.keys()]) if (!now.has(k as Over['cause'])) this.streak.delete(k);
    const newly: Over[] = [];
    for (const o of overs) {
      const n = (this.streak.get(o.cause) ?? 0) + 1;
      this.streak.set(o.cause, n);
      if (this.broken.has(o.cause)) continue;
      if (IMMEDIATE.has(o.cause) || n >= this.holdSteps) {
        this.broken.set(o.cause, { at, over: o });
        newly.push(o);
      }
    }
    return newly;
  }
}

export interface KneeInput {
  log: ObsLog;
  bounds: CapacityBounds;
  /** The first scheduled arrival, epoch ms: t = 0 of every figure. */
  t0: number;
  /** The last instant measured, epoch ms (the run's end); default: the last observation. */
  tEnd?: number;
  serverObserved: boolean;
  scheduledRate: (tMs: number) => number;
  requirement: { users: number | null; rate: number | null; atMs: number } | null;
  /** Instances of a split run (i1of2, ...), when the samples came from several. */
  instances?: string[];
  /**
   * When a VU's own window stopped the run (epoch ms), and on what: the
   * samples after it are users cut off by the stop, not the room's answer.
   */
  stopped?: { at: number; causes: string[] };
}

/** Every window's figures at one step. */
interface StepFigures { end: number; users: number; sockets: number | null; rate: number; connectP95: number | null; notifyP95: number | null; overs: Over[] }

function stepFigures(log: ObsLog, end: number, b: CapacityBounds, serverObserved: boolean, t0: number, hasSockets: boolean): StepFigures {
  const from = end - b.windowMs;
  const span = Math.min(b.windowMs, end - t0) / 1000;
  const connect = log.slice('connect', from, end).map((o) => o.v);
  const notify = log.slice('notify_delay', from, end).map((o) => o.v);
  return {
    end,
    users: Math.max(0, log.sumUpTo('in', end) - log.sumUpTo('out', end)),
    sockets: hasSockets ? Math.max(0, log.sumUpTo('sock_open', end) - log.sumUpTo('sock_close', end)) : null,
    rate: span > 0 ? log.slice('arrival', from, end).length / span : 0,
    connectP95: connect.length > 0 ? percentile(connect, 95) : null,
    notifyP95: notify.length > 0 ? percentile(notify, 95) : null,
    overs: windowOver(log, end, b, serverObserved),
  };
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Which single instance, if any, breaks the cause on its own samples in the window ending at `end`. */
function soleInstance(input: KneeInput, cause: string, end: number): string | undefined {
  const names = input.instances ?? [];
  if (names.length < 2) return undefined;
  const breaking = names.filter((name) => {
    const own = new ObsLog();
    for (const [kind, list] of input.log.lists) for (const o of list) if (o.instance === name && o.t > end - input.bounds.windowMs && o.t <= end) own.add(kind, o.t, o.v, name, o.detail);
    return windowOver(own, end, input.bounds, input.serverObserved).some((o) => o.cause === cause);
  });
  return breaking.length === 1 ? breaking[0] : undefined;
}

/** The knee from every observation: first break, last healthy window, and the one-line answer. */
export function computeKnee(input: KneeInput): CapacityResult {
  const { log, bounds: b, t0 } = input;
  const windowS = b.windowMs / 1000;
  const measuredTo = input.tEnd ?? log.lastT();
  const last = measuredTo === undefined || input.stopped === undefined ? measuredTo : Math.min(measuredTo, input.stopped.at);
  if (last === undefined || !log.has('arrival')) {
    return { source: 'samples', outcome: 'unknown', line: 'capacity: nothing was measured (no user arrived), so there is no answer', windowS, held: null, firstBreak: null, breaks: [], generator: null, requirement: input.requirement === null ? null : { users: input.requirement.users, rate: input.requirement.rate, met: false }, series: null };
  }
  const hasSockets = log.has('sock_open');
  const tracker = new BreakTracker(b.holdSteps);
  const steps: StepFigures[] = [];
  const breaks: CapacityBreak[] = [];
  let generator: CapacityResult['generator'] = null;
  for (let end = t0 + STEP_MS; end <= last + STEP_MS; end += STEP_MS) {
    const f = stepFigures(log, end, b, input.serverObserved, t0, hasSockets);
    steps.push(f);
    for (const o of tracker.step(end, f.overs)) {
      const atS = round1((end - t0) / 1000);
      if (o.cause === 'generator') {
        generator = { atS, rate: round1(f.rate), lagP95Ms: Math.round(o.value), boundMs: o.bound, askedRate: round1(input.scheduledRate(end - t0)) };
        continue;
      }
      const br: CapacityBreak = { atS, cause: o.cause, figure: o.figure, value: o.value, bound: o.bound };
      const sole = soleInstance(input, o.cause, end);
      if (sole !== undefined) br.instance = sole;
      breaks.push(br);
    }
  }
  const firstBreak = breaks[0] ?? null;
  const firstBreakEnd = firstBreak === null ? Infinity : t0 + firstBreak.atS * 1000;
  // The run ends when the room breaks: a generator behind the schedule after that is the stop, not a finding.
  const generatorFirst = generator !== null && t0 + generator.atS * 1000 <= firstBreakEnd && (firstBreak === null || generator.atS < firstBreak.atS);
  // Healthy: nothing over any bound in that window (not even once, before HOLD_STEPS made it a break).
  const healthy = steps.filter((s) => s.overs.length === 0 && s.end < firstBreakEnd && (generator === null || s.end < t0 + generator.atS * 1000));
  const figuresOf = (s: StepFigures): CapacityWindowFigures => {
    const inWindow = steps.filter((x) => x.end > s.end - b.windowMs && x.end <= s.end);
    const sockets = inWindow.map((x) => x.sockets).filter((x): x is number => x !== null);
    return {
      fromS: round1((Math.max(t0, s.end - b.windowMs) - t0) / 1000),
      toS: round1((s.end - t0) / 1000),
      users: Math.max(...inWindow.map((x) => x.users)),
      sockets: sockets.length > 0 ? Math.max(...sockets) : null,
      rate: round1(s.rate),
    };
  };
  let held: CapacityWindowFigures | null = null;
  if (firstBreak !== null || generatorFirst) held = healthy.length > 0 ? figuresOf(healthy[healthy.length - 1]) : null;
  else {
    // Nothing broke: the window that held the most users while users were still arriving.
    const arriving = healthy.filter((s) => s.rate > 0);
    const pool = arriving.length > 0 ? arriving : healthy;
    if (pool.length > 0) held = figuresOf(pool.reduce((best, s) => (figuresOf(s).users >= figuresOf(best).users ? s : best)));
  }
  const outcome: CapacityResult['outcome'] = generatorFirst ? 'generator' : firstBreak !== null ? 'broke' : 'held';
  let requirement: CapacityResult['requirement'] = null;
  if (input.requirement !== null) {
    const needEnd = t0 + input.requirement.atMs + b.windowMs;
    requirement = { users: input.requirement.users, rate: input.requirement.rate, met: outcome === 'held' && last >= needEnd - STEP_MS };
  }
  const result: CapacityResult = {
    source: 'samples', outcome, line: '', windowS, held, firstBreak, breaks, generator, requirement,
    ...(input.stopped !== undefined ? { stoppedAtS: round1((input.stopped.at - t0) / 1000), stoppedBy: input.stopped.causes } : {}),
    series: downsampleSeries(steps, t0, input.scheduledRate),
  };
  result.line = capacityLine(result);
  return result;
}

function downsampleSeries(steps: StepFigures[], t0: number, scheduledRate: (t: number) => number): CapacityResult['series'] {
  const every = Math.max(1, Math.ceil(steps.length / SERIES_POINTS));
  const kept = steps.filter((_, i) => i % every === 0 || i === steps.length - 1);
  return {
    t: kept.map((s) => round1((s.end - t0) / 1000)),
    users: kept.map((s) => s.users),
    sockets: kept.map((s) => s.sockets),
    rate: kept.map((s) => round1(s.rate)),
    scheduledRate: kept.map((s) => round1(scheduledRate(s.end - t0))),
    connectP95Ms: kept.map((s) => (s.connectP95 === null ? null : Math.round(s.connectP95))),
    notifyDelayP95Ms: kept.map((s) => (s.notifyP95 === null ? null : Math.round(s.notifyP95))),
  };
}

const CAUSE_NAMES: Record<BreakCause, string> = {
  entry_time: 'the time to get in',
  connect_time: 'Socket.IO connect time',
  errors: 'errors',
  not_told: 'admitted users not told',
  invariant: 'a queue invariant',
  wait_bound: 'waits past their bound',
  server_lag: "the room's event-loop lag",
};

export function causeName(c: BreakCause): string {
  return CAUSE_NAMES[c];
}

function heldText(h: CapacityWindowFigures): string {
  return `${fmt(h.users)} waiting users${h.sockets === null ? '' : ` (${fmt(h.sockets)} open sockets)`} at ${h.rate} arrivals/s`;
}

/** The one-line answer (summary, make capacity, make verdict, report). */
export function capacityLine(r: Omit<CapacityResult, 'line'>): string {
  const req = r.requirement;
  const reqText = req === null ? '' : `${[req.users !== null ? `${fmt(req.users)} users` : '', req.rate !== null ? `${req.rate} arrivals/s` : ''].filter(Boolean).join(' and ')}`;
  if (r.outcome === 'generator' && r.generator !== null) {
    return `capacity: the load generator saturated at ${r.generator.rate} arrivals/s${r.generator.askedRate !== undefined ? ` (of ${r.generator.askedRate} asked)` : ''} (at ${r.generator.atS} s, arrivals ${fmt(r.generator.lagP95Ms)} ms behind the schedule, p95); this is not the room's capacity: add instances (INSTANCES=N) or raise HTTP_CONCURRENCY${req === null ? '' : `; the requirement (${reqText}) is not proven`}`;
  }
  if (r.outcome === 'broke' && r.firstBreak !== null) {
    const fb = r.firstBreak;
    const heldPart = r.held === null ? 'the room broke before any window was healthy' : `the room held ${heldText(r.held)}`;
    const lastHealthy = r.held === null ? '' : `; the last healthy window was ${r.held.fromS}–${r.held.toS} s`;
    return `capacity: ${heldPart}; the first to break, at ${fb.atS} s, was ${causeName(fb.cause)} (${fb.figure}${fb.instance !== undefined ? `, instance ${fb.instance}` : ''})${lastHealthy}${req === null ? '' : `; requirement (${reqText}) not met`}`;
  }
  if (r.outcome === 'held') {
    const h = r.held === null ? 'the room broke nowhere' : `the room held ${heldText(r.held)}`;
    // A VU's own window (its users only) stopped the run before the windows over every sample broke.
    if (r.stoppedAtS !== undefined && (r.stoppedBy?.length ?? 0) > 0) {
      return `capacity: ${h}; the run was stopped at ${r.stoppedAtS} s by one VU's own window (${r.stoppedBy!.join(', ')}), and over all samples nothing had broken yet: the knee is at or just above this${req === null ? '' : `; requirement (${reqText}) not met`}`;
    }
    if (req !== null) return `capacity: requirement (${reqText}) ${req.met ? 'met' : 'not reached'}: ${h}, and nothing broke${req.met ? ` over a window of ${r.windowS} s` : ' before the run ended'}`;
    return `capacity: ${h}, and nothing broke: its capacity is above this run's load (raise MAX_RATE or USERS to find the knee)`;
  }
  return 'capacity: too little was measured to say';
}

export { BREAK_CAUSES };
