// One loader for a run's parameters. Order: the scenario's defaults (the Tiketi
// guide's numbers) < the environment (`k6 run -e USERS=100 ...`). Everything the
// thresholds need is derived here, in one place, from those parameters.
import { ConfigError, type Env, httpUrl, int, num, oneOf, optionalStr, redisUrl, str, uuid } from './env';
import { arrivalTimeOf, loadEndMs, plannedUsers, rampPlanError, requirementAtMs, type RampPlan } from './capacity/schedule';
import type { CapacityBounds } from './capacity/windows';

export interface ScenarioDefaults {
  users: number;
  queueThreshold: number;
  processorIntervalMs: number;
  arrivalDelayMs: number;
  dwellMs: number;
  /** Scenario 4: how many queued users refresh their page; 0 elsewhere. */
  reconnectUsers?: number;
  /**
   * Admitted users that hold their slot across the first processor tick after
   * the arrival phase, so a tick always meets occupied slots (a processor that
   * ignores them, over-admit, shows whatever the timer's phase).
   */
  holders?: number;
  /** Scenario 7 (restart): when the room is disrupted, ms after the first arrival (DISRUPT_AT_MS). */
  disruptAtMs?: number;
  /** Scenario 6 (capacity): the ramp (START_RATE, MAX_RATE, RAMP_S) and the window (WINDOW_S). */
  startRate?: number;
  maxRate?: number;
  rampS?: number;
  windowS?: number;
}

/** Scenario 6 (capacity): the ramp, the requirement and the windows' bounds (docs/capacity.md). */
export interface CapacityConfig {
  plan: RampPlan;
  bounds: CapacityBounds;
  /** How many users arrive (USERS, or fewer when a requirement ends the run). */
  users: number;
  /** User i's (0-based) arrival, ms after the first. */
  arrivalMs: (i: number) => number;
  /** When the users still in the room leave and the run ends, ms after the first arrival. */
  loadEndMs: number;
  /** When the requirement is reached, ms after the first arrival; undefined without one. */
  requirementAtMs: number | undefined;
  /** WAIT_MAX_MS: a queued user not admitted within it waited past its bound. */
  waitMaxMs: number;
  /** NOTIFY_POLL_MS: how often a VU asks Redis which of its waiting users are admitted (lib/capacity/admission-watch.ts). */
  notifyPollMs: number;
}

/** How the scenario drives its users, fixed by the scenario file (not by the environment). */
export interface ScenarioShape {
  /** Scenario 5: every user logs in and joins first, then all send check at one shared instant. */
  race?: boolean;
  /** Queued users wait for their admission (true everywhere but check-race, where they leave once their state is checked). */
  waitForAdmission?: boolean;
  /** Scenario 6: arrivals on a ramp until something breaks (lib/capacity/). */
  capacity?: boolean;
}

export interface RunConfig {
  scenario: string;
  apiUrl: string;
  socketUrl: string;
  /** Undefined: setup() makes a fresh event id for this run. */
  eventId: string | undefined;
  users: number;
  usersPerVu: number;
  arrivalDelayMs: number;
  queueThreshold: number;
  processorIntervalMs: number;
  /** '' disables the Redis probes. */
  redisUrl: string;
  dwellMs: number;
  /** Fixed admission timeout per user, or undefined for the bound derived per position. */
  admissionTimeoutMs: number | undefined;
  userPrefix: string;
  userDomain: string;
  /**
   * How the room announces admissions: 'room' (queue-entry-allowed to every
   * socket of the event, as the contract and the real system do) or 'user'
   * (only to the admitted user's sockets). With 'user' the observer cannot
   * count a batch's admissions, so batch sizes are not measured.
   */
  roomNotify: 'room' | 'user';
  /**
   * After a queued user's timeout, when Redis already shows it active: how long
   * its own queue-entry-allowed may still arrive, so a slow announcement (told
   * late) is told apart from none at all (silent admission).
   */
  notifyGraceMs: number;
  probeIntervalMs: number;
  /** After the last scheduled arrival, time allowed for its login and check. */
  arrivalGraceMs: number;
  /** HTTP calls (login, check, status, leave) in flight per VU. */
  httpConcurrency: number;
  httpTimeoutMs: number;
  connectTimeoutMs: number;
  reconnectUsers: number;
  reconnectAfterMs: number;
  sessionRestoreTimeoutMs: number;
  /** See ScenarioDefaults.holders. */
  holders: number;
  /** Scenario 5: all checks at once, this long after the run's start (logins and joins happen before). */
  race: boolean;
  raceAtMs: number;
  /**
   * Scenario 5: after the shared check instant, how long every user keeps its
   * place (queued or admitted) before anyone leaves, so positions and Redis
   * states are judged on a settled queue whatever the load generator's pace.
   */
  raceSettleMs: number;
  waitForAdmission: boolean;
  /** k6 instances the run is split over (k6-operator parallelism, make INSTANCES=N); 1 = not split. */
  instances: number;
  /** Run id shared by a split run's instances (TESTID), when set; else the event id is the run id. */
  testId: string | undefined;
  /** START_AT: the first arrival as epoch ms, shared by a split run's instances; else set by setup(). */
  startAt: number | undefined;
  /**
   * Scenario 7 (restart): the room is disrupted DISRUPT_AT_MS after the first arrival
   * (tools/run-scenario.sh does it and passes START_AT); 0 when the run plans none.
   */
  disruptAtMs: number;
  /** Where the runner script's disruptor tells what it did (tools/disruptor.ts), polled by the probe VU; '' when none. */
  disruptStatusUrl: string;
  /** The bound on the recovery: from the disruption to the first admission after it (RECOVERY_MAX_MS). */
  recoveryMaxMs: number;
  /** The bound on the sockets' return: from the disruption to the last dropped socket back (SOCKETS_BACK_MAX_MS). */
  socketsBackMaxMs: number;
  /** Scenario 6 (capacity) only. */
  capacity?: CapacityConfig;
}

// No secret is read here: this runs in k6's init context, which `k6 inspect` and
// `k6 archive` also run (with only the -e variables). Passwords are read at run
// time (lib/secrets.ts), and nothing here depends on whether one is set.
export function loadConfig(scenario: string, defaults: ScenarioDefaults, env: Env, shape: ScenarioShape = {}): RunConfig {
  const apiUrl = httpUrl(env, 'API_URL', 'http://localhost:3001');
  const usersCap = int(env, 'USERS', defaults.users, { min: 1, max: 1_000_000 });
  const capacity = shape.capacity === true ? loadCapacity(env, defaults, usersCap) : undefined;
  // A capacity run with a requirement ends once it is held: fewer users than USERS arrive.
  const users = capacity !== undefined ? Math.max(1, capacity.users) : usersCap;
  const queueThreshold = int(env, 'QUEUE_THRESHOLD', defaults.queueThreshold, { min: 1 });
  const reconnectUsers = int(env, 'RECONNECT_USERS', defaults.reconnectUsers ?? 0, { min: 0, max: users });
  const usersPerVu = int(env, 'USERS_PER_VU', 50, { min: 1, max: 5000 });
  // Capacity: a VU's users arrive one after another, so each may have its call in flight; a smaller
  // bound would make the generator, not the room, the first to fall behind (docs/capacity.md).
  const httpConcurrency = int(env, 'HTTP_CONCURRENCY', shape.capacity === true ? Math.min(1000, usersPerVu) : 8, { min: 1, max: 1000 });
  return {
    scenario,
    apiUrl,
    socketUrl: httpUrl(env, 'SOCKET_URL', apiUrl),
    eventId: uuid(env, 'EVENT_ID'),
    users,
    usersPerVu,
    arrivalDelayMs: int(env, 'ARRIVAL_DELAY_MS', defaults.arrivalDelayMs, { min: 0, max: 600_000 }),
    queueThreshold,
    processorIntervalMs: int(env, 'QUEUE_PROCESSOR_INTERVAL', defaults.processorIntervalMs, { min: 100 }),
    redisUrl: redisUrl(env, 'REDIS_URL', 'redis://localhost:6379'),
    dwellMs: int(env, 'DWELL_MS', defaults.dwellMs, { min: 0, max: 3_600_000 }),
    admissionTimeoutMs: env.ADMISSION_TIMEOUT_MS === undefined || env.ADMISSION_TIMEOUT_MS.trim() === ''
      ? undefined
      : int(env, 'ADMISSION_TIMEOUT_MS', 0, { min: 1 }),
    userPrefix: str(env, 'USER_PREFIX', 'loadtest'),
    userDomain: str(env, 'USER_DOMAIN', 'test.com'),
    roomNotify: oneOf(env, 'ROOM_NOTIFY', ['room', 'user'] as const, 'room'),
    notifyGraceMs: int(env, 'NOTIFY_GRACE_MS', 10_000, { min: 0, max: 600_000 }),
    probeIntervalMs: int(env, 'PROBE_INTERVAL_MS', 250, { min: 20 }),
    // A split run's instances start their arrivals a little apart unless START_AT is shared: more grace.
    arrivalGraceMs: int(env, 'ARRIVAL_GRACE_MS', int(env, 'INSTANCES', 1, { min: 1, max: 1000 }) > 1 ? 5000 : 2000, { min: 0 }),
    httpConcurrency,
    httpTimeoutMs: int(env, 'HTTP_TIMEOUT_MS', 60_000, { min: 100 }),
    connectTimeoutMs: int(env, 'CONNECT_TIMEOUT_MS', 10_000, { min: 100 }),
    reconnectUsers,
    reconnectAfterMs: int(env, 'RECONNECT_AFTER_MS', 500, { min: 0 }),
    sessionRestoreTimeoutMs: int(env, 'SESSION_RESTORE_TIMEOUT_MS', 5000, { min: 100 }),
    holders: int(env, 'HOLDERS', defaults.holders ?? 0, { min: 0, max: Math.max(0, queueThreshold - 1) }),
    race: shape.race === true,
    // Every user logs in and joins before the race: ~50 ms a user, and logins of one VU run HTTP_CONCURRENCY at a time.
    raceAtMs: int(env, 'RACE_AT_MS', 5000 + Math.max(50 * users, 400 * Math.ceil(Math.min(users, usersPerVu) / httpConcurrency)), { min: 0, max: 3_600_000 }),
    raceSettleMs: int(env, 'RACE_SETTLE_MS', 5000, { min: 0, max: 600_000 }),
    waitForAdmission: shape.waitForAdmission !== false,
    instances: int(env, 'INSTANCES', 1, { min: 1, max: 1000 }),
    testId: optionalStr(env, 'TESTID'),
    startAt: env.START_AT === undefined || env.START_AT.trim() === '' ? undefined : int(env, 'START_AT', 0, { min: 1_500_000_000_000 }),
    disruptAtMs: int(env, 'DISRUPT_AT_MS', defaults.disruptAtMs ?? 0, { min: 0, max: 3_600_000 }),
    disruptStatusUrl: env.DISRUPT_STATUS_URL === undefined || env.DISRUPT_STATUS_URL.trim() === '' ? '' : httpUrl(env, 'DISRUPT_STATUS_URL', ''),
    recoveryMaxMs: int(env, 'RECOVERY_MAX_MS', 15_000, { min: 1 }),
    socketsBackMaxMs: int(env, 'SOCKETS_BACK_MAX_MS', 20_000, { min: 1 }),
    ...(capacity !== undefined ? { capacity } : {}),
  };
}

/** The capacity scenario's parameters; a contradiction among them is one line (exit 107). */
function loadCapacity(env: Env, d: ScenarioDefaults, users: number): CapacityConfig {
  const startRate = num(env, 'START_RATE', d.startRate ?? 5, { above: 0, max: 100_000 });
  const maxRate = num(env, 'MAX_RATE', d.maxRate ?? 50, { above: 0, max: 100_000 });
  const rampS = num(env, 'RAMP_S', d.rampS ?? 60, { min: 0, max: 86_400 });
  const windowS = num(env, 'WINDOW_S', d.windowS ?? 10, { above: 0, max: 3600 });
  const requiredUsers = env.REQUIRED_USERS === undefined || env.REQUIRED_USERS.trim() === '' ? undefined : int(env, 'REQUIRED_USERS', 0, { min: 1, max: 1_000_000 });
  const requiredRate = env.REQUIRED_RATE === undefined || env.REQUIRED_RATE.trim() === '' ? undefined : num(env, 'REQUIRED_RATE', 0, { above: 0, max: 100_000 });
  const plan: RampPlan = { startRate, maxRate, rampMs: Math.round(rampS * 1000), users, windowMs: Math.round(windowS * 1000), requiredUsers, requiredRate };
  const error = rampPlanError(plan);
  if (error !== undefined) throw new CapacityParameterError(error);
  const bounds: CapacityBounds = {
    windowMs: plan.windowMs,
    minSamples: int(env, 'MIN_SAMPLES', 20, { min: 1, max: 100_000 }),
    holdSteps: int(env, 'HOLD_STEPS', 2, { min: 1, max: 600 }),
    connectP95MaxMs: int(env, 'CONNECT_P95_MAX_MS', 1000, { min: 1 }),
    entryP95MaxMs: int(env, 'ENTRY_P95_MAX_MS', 5000, { min: 1 }),
    errorRateMax: num(env, 'ERROR_RATE_MAX', 0.05, { min: 0, max: 1 }),
    waitLateRateMax: num(env, 'WAIT_LATE_RATE_MAX', 0.05, { min: 0, max: 1 }),
    serverLagMaxMs: int(env, 'SERVER_LAG_MAX_MS', 300, { min: 1 }),
    arrivalLagMaxMs: int(env, 'ARRIVAL_LAG_MAX_MS', 1000, { min: 1 }),
  };
  const waitMaxMs = int(env, 'WAIT_MAX_MS', 60_000, { min: 1 });
  const notifyPollMs = int(env, 'NOTIFY_POLL_MS', 250, { min: 20, max: 60_000 });
  return { plan, bounds, users: plannedUsers(plan), arrivalMs: (i) => arrivalTimeOf(plan, i), loadEndMs: loadEndMs(plan), requirementAtMs: requirementAtMs(plan), waitMaxMs, notifyPollMs };
}

/** A contradiction among the capacity parameters (MAX_RATE below START_RATE, ...): one line at init. */
export class CapacityParameterError extends ConfigError {
  constructor(message: string) {
    super('', '', '');
    this.message = message;
    this.name = 'CapacityParameterError';
  }
}

export function expectedImmediate(c: RunConfig): number {
  return Math.min(c.users, c.queueThreshold);
}

export function expectedQueued(c: RunConfig): number {
  return Math.max(0, c.users - c.queueThreshold);
}

/** Time from the run's start to the last check: the last arrival, or check-race's shared instant. */
export function arrivalSpanMs(c: RunConfig): number {
  if (c.capacity !== undefined) return c.capacity.loadEndMs;
  return c.race ? c.raceAtMs : (c.users - 1) * c.arrivalDelayMs;
}

/**
 * When the arrival phase is over (ms after the first arrival): no user leaves
 * before (nor before its VU's users have all checked in: lib/flow/checkin.ts).
 * check-race: the shared instant plus the settle time.
 */
export function arrivalsOverMs(c: RunConfig): number {
  return c.race ? c.raceAtMs + c.raceSettleMs : arrivalSpanMs(c) + c.arrivalGraceMs;
}

/**
 * The starvation bound for the user queued at `position` (1-based): the batches
 * ahead of it each need the admitted users' dwell to free their slots and one
 * processor tick to be served, plus one tick of phase.
 */
export function admissionBoundMs(c: RunConfig, position: number): number {
  // Holders keep some slots through the first tick after the arrival phase: count batches at the reduced size.
  const batches = Math.ceil(Math.max(1, position) / Math.max(1, c.queueThreshold - c.holders));
  // A run that disrupts the room (restart) allows the recovery bound on top: admissions pause while it recovers.
  return arrivalsOverMs(c) + batches * (c.dwellMs + c.processorIntervalMs) + c.processorIntervalMs + 2000 + (c.disruptAtMs > 0 ? c.recoveryMaxMs : 0);
}

/** The longest one user's check-in can take: its login, Socket.IO connect and check, each bounded by its timeout. */
export function checkInTimeoutMs(c: RunConfig): number {
  return 2 * c.httpTimeoutMs + c.connectTimeoutMs;
}

/** How long a queued user waits before counting as timed out. */
export function admissionTimeoutMs(c: RunConfig, position: number): number {
  if (c.admissionTimeoutMs !== undefined) return c.admissionTimeoutMs;
  return Math.round(admissionBoundMs(c, position) * 1.5);
}

/** Longest a whole run may take: every wait inside it is shorter. */
export function maxRunMs(c: RunConfig): number {
  // Capacity: every user still in the room leaves at the load's end; only its calls' timeouts are left.
  if (c.capacity !== undefined) return c.capacity.loadEndMs + checkInTimeoutMs(c) + c.notifyGraceMs + 2 * c.httpTimeoutMs + 30_000;
  const worstPosition = Math.max(1, expectedQueued(c));
  return arrivalSpanMs(c) + checkInTimeoutMs(c) + admissionTimeoutMs(c, worstPosition) + c.notifyGraceMs + Math.max(c.dwellMs, c.holders > 0 ? holdersLeaveMs(c) : 0) + c.httpTimeoutMs + 30_000;
}

/**
 * When a holder leaves (ms after the start): one interval after the arrival
 * phase, plus a margin, so the first tick after the arrivals, whatever its
 * phase, meets its slot taken.
 */
export function holdersLeaveMs(c: RunConfig): number {
  return arrivalsOverMs(c) + c.processorIntervalMs + 500;
}

/**
 * Whether a user admitted at once holds its slot across the first tick after the
 * arrivals: one of the first HOLDERS users into the active set, told by the room's
 * answer (`currentUsers`, the count before this user was added), not by the order
 * of the schedule. A delayed request can reorder arrivals, and a holder chosen by
 * schedule that got queued instead held nothing across that tick (over-admit then
 * escaped under the runner's hostile spread).
 */
export function isHolder(c: RunConfig, currentUsersBefore: unknown): boolean {
  return typeof currentUsersBefore === 'number' && currentUsersBefore < c.holders;
}

/** The run id that ties a split run's instances together. */
export function runIdOf(c: RunConfig, eventId: string): string {
  return c.testId ?? eventId;
}

export function vusFor(c: RunConfig): number {
  return Math.ceil(c.users / c.usersPerVu);
}

/** The load-test account of user number n (1-based), e.g. loadtest7@test.com. */
export function accountEmail(c: RunConfig, n: number): string {
  return `${c.userPrefix}${n}@${c.userDomain}`;
}
