// One loader for a run's parameters. Order: the scenario's defaults (the Tiketi
// guide's numbers) < the environment (`k6 run -e USERS=100 ...`). Everything the
// thresholds need is derived here, in one place, from those parameters.
import { ConfigError, type Env, httpUrl, int, optionalStr, redisUrl, str, uuid } from './env';

export interface ScenarioDefaults {
  users: number;
  queueThreshold: number;
  processorIntervalMs: number;
  arrivalDelayMs: number;
  dwellMs: number;
  /** Scenario 4: how many queued users refresh their page; 0 elsewhere. */
  reconnectUsers?: number;
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
  userPassword: string;
  userPrefix: string;
  userDomain: string;
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
}

export function loadConfig(scenario: string, defaults: ScenarioDefaults, env: Env): RunConfig {
  const apiUrl = httpUrl(env, 'API_URL', 'http://localhost:3001');
  const users = int(env, 'USERS', defaults.users, { min: 1, max: 1_000_000 });
  const password = optionalStr(env, 'USER_PASSWORD');
  if (password === undefined) {
    throw new ConfigError('USER_PASSWORD', 'the password of the load-test accounts (set it in the environment, e.g. export USER_PASSWORD=...; make sets one for the built-in target)', undefined);
  }
  if (password.length < 6) throw new ConfigError('USER_PASSWORD', 'at least 6 characters (the waiting room refuses shorter passwords)', '<hidden>');
  const reconnectUsers = int(env, 'RECONNECT_USERS', defaults.reconnectUsers ?? 0, { min: 0, max: users });
  return {
    scenario,
    apiUrl,
    socketUrl: httpUrl(env, 'SOCKET_URL', apiUrl),
    eventId: uuid(env, 'EVENT_ID'),
    users,
    usersPerVu: int(env, 'USERS_PER_VU', 50, { min: 1, max: 5000 }),
    arrivalDelayMs: int(env, 'ARRIVAL_DELAY_MS', defaults.arrivalDelayMs, { min: 0, max: 600_000 }),
    queueThreshold: int(env, 'QUEUE_THRESHOLD', defaults.queueThreshold, { min: 1 }),
    processorIntervalMs: int(env, 'QUEUE_PROCESSOR_INTERVAL', defaults.processorIntervalMs, { min: 100 }),
    redisUrl: redisUrl(env, 'REDIS_URL', 'redis://localhost:6379'),
    dwellMs: int(env, 'DWELL_MS', defaults.dwellMs, { min: 0, max: 3_600_000 }),
    admissionTimeoutMs: env.ADMISSION_TIMEOUT_MS === undefined || env.ADMISSION_TIMEOUT_MS.trim() === ''
      ? undefined
      : int(env, 'ADMISSION_TIMEOUT_MS', 0, { min: 1 }),
    userPassword: password,
    userPrefix: str(env, 'USER_PREFIX', 'loadtest'),
    userDomain: str(env, 'USER_DOMAIN', 'test.com'),
    probeIntervalMs: int(env, 'PROBE_INTERVAL_MS', 250, { min: 20 }),
    arrivalGraceMs: int(env, 'ARRIVAL_GRACE_MS', 2000, { min: 0 }),
    httpConcurrency: int(env, 'HTTP_CONCURRENCY', 8, { min: 1, max: 1000 }),
    httpTimeoutMs: int(env, 'HTTP_TIMEOUT_MS', 60_000, { min: 100 }),
    connectTimeoutMs: int(env, 'CONNECT_TIMEOUT_MS', 10_000, { min: 100 }),
    reconnectUsers,
    reconnectAfterMs: int(env, 'RECONNECT_AFTER_MS', 500, { min: 0 }),
    sessionRestoreTimeoutMs: int(env, 'SESSION_RESTORE_TIMEOUT_MS', 5000, { min: 100 }),
  };
}

export function expectedImmediate(c: RunConfig): number {
  return Math.min(c.users, c.queueThreshold);
}

export function expectedQueued(c: RunConfig): number {
  return Math.max(0, c.users - c.queueThreshold);
}

/** Time over which all users arrive. */
export function arrivalSpanMs(c: RunConfig): number {
  return (c.users - 1) * c.arrivalDelayMs;
}

/** When the arrival phase is over (ms after the first arrival): no admitted user leaves before. */
export function arrivalsOverMs(c: RunConfig): number {
  return arrivalSpanMs(c) + c.arrivalGraceMs;
}

/**
 * The starvation bound for the user queued at `position` (1-based): the batches
 * ahead of it each need the admitted users' dwell to free their slots and one
 * processor tick to be served, plus one tick of phase.
 */
export function admissionBoundMs(c: RunConfig, position: number): number {
  const batches = Math.ceil(Math.max(1, position) / c.queueThreshold);
  return arrivalsOverMs(c) + batches * (c.dwellMs + c.processorIntervalMs) + c.processorIntervalMs + 2000;
}

/** How long a queued user waits before counting as timed out. */
export function admissionTimeoutMs(c: RunConfig, position: number): number {
  if (c.admissionTimeoutMs !== undefined) return c.admissionTimeoutMs;
  return Math.round(admissionBoundMs(c, position) * 1.5);
}

/** Longest a whole run may take: every wait inside it is shorter. */
export function maxRunMs(c: RunConfig): number {
  const worstPosition = Math.max(1, expectedQueued(c));
  return arrivalSpanMs(c) + admissionTimeoutMs(c, worstPosition) + c.dwellMs + c.httpTimeoutMs + 30_000;
}

export function vusFor(c: RunConfig): number {
  return Math.ceil(c.users / c.usersPerVu);
}

/** The load-test account of user number n (1-based), e.g. loadtest7@test.com. */
export function accountEmail(c: RunConfig, n: number): string {
  return `${c.userPrefix}${n}@${c.userDomain}`;
}
