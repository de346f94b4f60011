// The capacity scenario's arrivals: a rate that grows linearly from START_RATE
// to MAX_RATE over RAMP_S, then stays at MAX_RATE, never more than USERS users
// in all. With a requirement (REQUIRED_USERS, REQUIRED_RATE) the ramp stops where
// the requirement is reached, holds that rate for one window, and the run ends.
//
// Why the suite's own schedule and not k6's ramping-arrival-rate: an arrival
// there is one iteration, and a waiting user's iteration lasts its whole wait
// (minutes, while the queue grows), so k6 would need one VU per waiting user;
// the recorded real-k6 figures put a VU at several times the memory of a user
// multiplexed on a VU (docs/scale.md). Here each VU drives USERS_PER_VU users,
// and user i arrives at the instant the schedule gives it; a user that starts
// late (the generator's timers or its HTTP slots behind) is measured
// (queue_arrival_lag), which is what k6's dropped_iterations tells.

export interface RampPlan {
  /** Arrivals per second at the first arrival. */
  startRate: number;
  /** Arrivals per second at the end of the ramp, and after it. */
  maxRate: number;
  rampMs: number;
  /** Most users in all (USERS). */
  users: number;
  windowMs: number;
  /** REQUIRED_USERS: the run holds this many arrivals for a window, then ends; undefined: no requirement. */
  requiredUsers?: number;
  /** REQUIRED_RATE: the same, for the arrival rate. */
  requiredRate?: number;
}

/** Arrivals per second the ramp asks for at t ms after the first arrival (no plateau). */
function rampRate(p: RampPlan, t: number): number {
  if (t <= 0) return p.startRate;
  if (t >= p.rampMs) return p.maxRate;
  return p.startRate + ((p.maxRate - p.startRate) * t) / p.rampMs;
}

/** Arrivals the ramp has asked for by t ms (real-valued): the area under rampRate. */
function rampArrivals(p: RampPlan, t: number): number {
  if (t <= 0) return 0;
  const tr = Math.min(t, p.rampMs) / 1000;
  const slope = (p.maxRate - p.startRate) / (p.rampMs / 1000);
  let n = p.startRate * tr + (slope * tr * tr) / 2;
  if (t > p.rampMs) n += (p.maxRate * (t - p.rampMs)) / 1000;
  return n;
}

/** When the ramp has asked for n arrivals (ms), the inverse of rampArrivals. */
function rampTimeOf(p: RampPlan, n: number): number {
  if (n <= 0) return 0;
  const atRampEnd = rampArrivals(p, p.rampMs);
  if (n > atRampEnd) return p.rampMs + ((n - atRampEnd) / p.maxRate) * 1000;
  const slope = (p.maxRate - p.startRate) / (p.rampMs / 1000);
  if (slope === 0) return (n / p.startRate) * 1000;
  // slope/2 t² + start t - n = 0, the positive root, written to stay exact when start is large.
  const t = (2 * n) / (p.startRate + Math.sqrt(p.startRate * p.startRate + 2 * slope * n));
  return t * 1000;
}

/**
 * When the requirement is reached (ms after the first arrival), or undefined
 * without one: the later of the REQUIRED_USERS-th arrival and the instant the
 * ramp reaches REQUIRED_RATE.
 */
export function requirementAtMs(p: RampPlan): number | undefined {
  if (p.requiredUsers === undefined && p.requiredRate === undefined) return undefined;
  let at = 0;
  if (p.requiredUsers !== undefined) at = Math.max(at, rampTimeOf(p, p.requiredUsers - 1));
  if (p.requiredRate !== undefined) {
    const r = p.requiredRate;
    const t = r <= p.startRate ? 0 : p.maxRate === p.startRate ? 0 : ((r - p.startRate) / (p.maxRate - p.startRate)) * p.rampMs;
    at = Math.max(at, Math.min(t, p.rampMs));
  }
  return at;
}

/** The rate the run holds from the requirement on (the ramp's rate at that instant). */
function plateauRate(p: RampPlan): number | undefined {
  const at = requirementAtMs(p);
  return at === undefined ? undefined : rampRate(p, at);
}

/** Arrivals per second the schedule asks for at t ms (the plateau included). */
export function scheduledRate(p: RampPlan, t: number): number {
  const at = requirementAtMs(p);
  if (at !== undefined && t > at) return t > at + p.windowMs ? 0 : plateauRate(p) ?? 0;
  return rampRate(p, t);
}

/** Users that arrive at or before the requirement instant (user 0 arrives at 0). */
function arrivedBy(p: RampPlan, at: number): number {
  return Math.floor(rampArrivals(p, at) + 1e-9) + 1;
}

/** How many users the schedule has: USERS, or fewer when a requirement ends it one window after it is reached. */
export function plannedUsers(p: RampPlan): number {
  const at = requirementAtMs(p);
  const plateau = plateauRate(p);
  if (at === undefined || plateau === undefined) return p.users;
  return Math.min(p.users, arrivedBy(p, at) + Math.floor((plateau * p.windowMs) / 1000 + 1e-9));
}

/**
 * When user i (0-based) arrives, ms after the first arrival; computed per user
 * (a VU keeps no list: at 100,000 users a list per VU would cost more than the users).
 */
export function arrivalTimeOf(p: RampPlan, i: number): number {
  const at = requirementAtMs(p);
  const plateau = plateauRate(p);
  const t = rampTimeOf(p, i);
  // From the requirement on, the rate stays where it was: arrivals 1/plateau apart.
  if (at !== undefined && plateau !== undefined && t > at) return Math.round(at + ((i - arrivedBy(p, at) + 1) / plateau) * 1000);
  return Math.round(t);
}

/** Every user's arrival instant, in order (tests and tools; a VU asks arrivalTimeOf). */
export function arrivalTimes(p: RampPlan): number[] {
  const n = plannedUsers(p);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(arrivalTimeOf(p, i));
  return out;
}

/**
 * When the run's users leave, ms after the first arrival: the requirement held
 * for a window (pass), or one window after the last arrival (the load is over).
 */
export function loadEndMs(p: RampPlan): number {
  const last = arrivalTimeOf(p, plannedUsers(p) - 1);
  const at = requirementAtMs(p);
  if (at !== undefined) return Math.min(at + p.windowMs, last + p.windowMs);
  return last + p.windowMs;
}

/** The ramp's parameter mistakes, each one line (the init stops with the first). */
export function rampPlanError(p: RampPlan): string | undefined {
  if (!(p.rampMs > 0)) return `invalid RAMP_S; reason: the ramp must last at least 1 s, got ${p.rampMs / 1000} s`;
  if (p.maxRate < p.startRate) return `invalid MAX_RATE; reason: the maximum rate (${p.maxRate}/s) is below START_RATE (${p.startRate}/s): set MAX_RATE >= START_RATE`;
  if (p.windowMs > p.rampMs) return `invalid WINDOW_S; reason: a window of ${p.windowMs / 1000} s is longer than the ramp (RAMP_S=${p.rampMs / 1000}): the windows could not follow the ramp; shorten WINDOW_S or lengthen RAMP_S`;
  if (p.requiredUsers !== undefined && p.requiredUsers > p.users) return `invalid REQUIRED_USERS; reason: the requirement (${p.requiredUsers}) is above USERS (${p.users}), so the run could never reach it: raise USERS or lower REQUIRED_USERS`;
  if (p.requiredRate !== undefined && p.requiredRate > p.maxRate) return `invalid REQUIRED_RATE; reason: the requirement (${p.requiredRate}/s) is above MAX_RATE (${p.maxRate}/s), so the ramp never reaches it: raise MAX_RATE or lower REQUIRED_RATE`;
  if (p.requiredRate !== undefined) {
    const reachAt = requirementAtMs({ ...p, requiredUsers: undefined }) ?? 0;
    if (rampArrivals(p, reachAt) > p.users) return `invalid REQUIRED_RATE; reason: USERS (${p.users}) run out before the ramp reaches ${p.requiredRate}/s (it needs about ${Math.ceil(rampArrivals(p, reachAt))} arrivals): raise USERS or lower REQUIRED_RATE`;
  }
  return undefined;
}
