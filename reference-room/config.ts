// Target configuration: one typed object, defaults < explicit values (startTarget)
// or defaults < environment (main.ts). Every value is validated, and every
// error names the setting, what is allowed and what was given.
import { randomBytes } from 'node:crypto';
import { FAULT_NAMES, validateFaults } from './faults.ts';
import { ACTIVE_TTL_SECONDS } from './store.ts';

export interface TargetConfig {
  /** TCP port; 0 picks a free one. */
  port: number;
  host: string;
  /** Most users active on one event at once (QUEUE_THRESHOLD). */
  threshold: number;
  /** Processor period in ms (QUEUE_PROCESSOR_INTERVAL). */
  processorIntervalMs: number;
  redisUrl: string;
  /** Fault names switched on (see faults.ts). */
  faults: string[];
  jwtSecret: string;
  adminEmail?: string;
  adminPassword?: string;
  /** scrypt N (a power of two). */
  kdfCost: number;
  pingIntervalMs: number;
  pingTimeoutMs: number;
  /** The await between the read and the write of the racy-admission fault. */
  racyWindowMs: number;
  /**
   * When the processor's first tick comes (ms after start), then one per interval;
   * 'random' picks it uniformly in [0, interval); unset: one interval after start.
   * Tests use 'random' so a fault cannot hide behind the timer's phase.
   */
  processorPhaseMs?: number | 'random';
  /**
   * Socket.IO server processes over the one Redis (TARGET_PROCESSES). Above 1 they
   * are node:cluster workers sharing `port`; worker i also listens alone on
   * port + 1 + i; room broadcasts cross them through @socket.io/redis-adapter and
   * worker 0 alone runs the processor (see cluster.ts).
   */
  processes: number;
  /**
   * Who hears queue-entry-allowed (TARGET_NOTIFY): 'room' (the contract, the real
   * system) or 'user' (only the admitted user's own sockets, room `user:{id}`).
   */
  notify: NotifyMode;
  /**
   * The active set's TTL in seconds (TARGET_ACTIVE_TTL_S), reset on every add: one
   * TTL for the whole set, so it can expire all at once (the contract says 300 s).
   */
  activeTtlSeconds: number;
  /** How long the busy-room fault holds the event loop per request and per emitted batch (BUSY_MS). */
  busyMs: number;
  /**
   * A room process that dies is started again (same index, ports and config),
   * as a pod's controller restarts it; the room then always runs under a
   * supervisor (a cluster primary), even with one process (TARGET_RESPAWN=1;
   * tools/target-ctl.sh disrupt relies on it). Default false: a dead process stops the room.
   */
  respawn?: boolean;
}

export const NOTIFY_MODES = ['room', 'user'] as const;
export type NotifyMode = (typeof NOTIFY_MODES)[number];

export const DEFAULTS = {
  port: 3001,
  host: '127.0.0.1',
  threshold: 1000,
  processorIntervalMs: 10_000,
  kdfCost: 16_384,
  pingIntervalMs: 25_000,
  pingTimeoutMs: 60_000,
  racyWindowMs: 100,
  processes: 1,
  notify: 'room',
  activeTtlSeconds: ACTIVE_TTL_SECONDS,
  busyMs: 600,
} as const;

/** Environment variable for each setting, used in error messages and the README. */
export const ENV_NAMES: Record<keyof TargetConfig, string> = {
  port: 'TARGET_PORT',
  host: 'TARGET_HOST',
  threshold: 'QUEUE_THRESHOLD',
  processorIntervalMs: 'QUEUE_PROCESSOR_INTERVAL',
  redisUrl: 'REDIS_URL',
  faults: 'TARGET_FAULTS',
  jwtSecret: 'JWT_SECRET',
  adminEmail: 'ADMIN_EMAIL',
  adminPassword: 'ADMIN_PASSWORD',
  kdfCost: 'TARGET_KDF_COST',
  pingIntervalMs: 'TARGET_PING_INTERVAL_MS',
  pingTimeoutMs: 'TARGET_PING_TIMEOUT_MS',
  racyWindowMs: 'RACY_WINDOW_MS',
  processorPhaseMs: 'TARGET_PROCESSOR_PHASE',
  processes: 'TARGET_PROCESSES',
  notify: 'TARGET_NOTIFY',
  activeTtlSeconds: 'TARGET_ACTIVE_TTL_S',
  busyMs: 'BUSY_MS',
  respawn: 'TARGET_RESPAWN',
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmail(s: string): boolean {
  return s.length <= 254 && EMAIL_RE.test(s);
}

function fail(name: string, expected: string, got: unknown, secret = false): never {
  const shown = secret ? '(hidden)' : JSON.stringify(got);
  throw new ConfigError(`invalid ${name}; reason: expected ${expected}, got ${shown}`);
}

function int(name: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(name, `an integer from ${min} to ${max}`, v);
  }
  return v;
}

function parseIntStrict(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw.trim())) fail(name, `an integer from ${min} to ${max}`, raw);
  return int(name, Number(raw.trim()), min, max);
}

/** More Socket.IO processes than this would not help on any machine this suite runs on. */
export const MAX_PROCESSES = 64;

const LIMITS = {
  port: [0, 65_535],
  threshold: [1, 1_000_000],
  processorIntervalMs: [10, 86_400_000],
  kdfCost: [2, 1_048_576],
  pingIntervalMs: [100, 3_600_000],
  pingTimeoutMs: [100, 3_600_000],
  racyWindowMs: [0, 60_000],
  processes: [1, MAX_PROCESSES],
  activeTtlSeconds: [1, 86_400],
  busyMs: [0, 60_000],
} as const;

type IntKey = keyof typeof LIMITS;

/** Fills defaults and validates; `label` maps a setting to the name shown in errors. */
export function resolveConfig(
  partial: Partial<TargetConfig>,
  label: (k: keyof TargetConfig) => string = (k) => k,
): TargetConfig {
  const given = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<TargetConfig>;
  const c = { ...DEFAULTS, faults: [], jwtSecret: '', redisUrl: '', ...given } as TargetConfig;

  for (const key of Object.keys(LIMITS) as IntKey[]) {
    const [min, max] = LIMITS[key];
    int(label(key), c[key], min, max);
  }
  if (!isPowerOfTwo(c.kdfCost)) fail(label('kdfCost'), 'a power of two from 2 to 1048576', c.kdfCost);
  if (!(NOTIFY_MODES as readonly unknown[]).includes(c.notify)) fail(label('notify'), `one of: ${NOTIFY_MODES.join(', ')}`, c.notify);
  if (c.processes > 1 && c.port !== 0 && c.port + c.processes > 65_535) {
    fail(label('port'), `a port that leaves room for the ${c.processes} per-process ports above it (at most ${65_535 - c.processes})`, c.port);
  }
  if (typeof c.host !== 'string' || c.host.trim() === '') fail(label('host'), 'a host name or address', c.host);
  if (typeof c.redisUrl !== 'string' || !/^rediss?:\/\/\S+$/.test(c.redisUrl)) {
    fail(label('redisUrl'), 'a redis://host:port URL (it is required)', c.redisUrl || undefined);
  }
  if (c.processorPhaseMs !== undefined && c.processorPhaseMs !== 'random') {
    const p = c.processorPhaseMs;
    if (typeof p !== 'number' || !Number.isInteger(p) || p < 0 || p >= c.processorIntervalMs) {
      fail(label('processorPhaseMs'), `'random' or an integer from 0 to ${c.processorIntervalMs - 1} (below the interval)`, p);
    }
  }
  if (!Array.isArray(c.faults)) fail(label('faults'), `a list of: ${FAULT_NAMES.join(', ')}`, c.faults);
  c.faults = validateFaults(c.faults, label('faults'));
  if (c.jwtSecret === '') c.jwtSecret = randomBytes(32).toString('base64url');
  else if (typeof c.jwtSecret !== 'string' || c.jwtSecret.length < 16) fail(label('jwtSecret'), 'a string of at least 16 characters', '', true);

  const hasEmail = c.adminEmail !== undefined && c.adminEmail !== '';
  const hasPassword = c.adminPassword !== undefined && c.adminPassword !== '';
  if (hasEmail !== hasPassword) {
    throw new ConfigError(`invalid ${label('adminEmail')}/${label('adminPassword')}; reason: expected both set or neither, got only ${hasEmail ? label('adminEmail') : label('adminPassword')}`);
  }
  if (hasEmail && !isEmail(c.adminEmail!)) fail(label('adminEmail'), 'an email address', c.adminEmail);
  if (hasPassword && c.adminPassword!.length < 6) fail(label('adminPassword'), 'at least 6 characters', '', true);
  if (!hasEmail) {
    delete c.adminEmail;
    delete c.adminPassword;
  }
  return c;
}

function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/** Reads the environment (main.ts): errors name the variable, e.g. "invalid QUEUE_THRESHOLD; ...". */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): TargetConfig {
  const partial: Partial<TargetConfig> = {};
  const ints: IntKey[] = ['port', 'threshold', 'processorIntervalMs', 'kdfCost', 'pingIntervalMs', 'pingTimeoutMs', 'racyWindowMs', 'processes', 'activeTtlSeconds', 'busyMs'];
  for (const k of ints) {
    const raw = env[ENV_NAMES[k]];
    if (raw !== undefined && raw !== '') {
      const [min, max] = LIMITS[k];
      partial[k] = parseIntStrict(ENV_NAMES[k], raw, min, max);
    }
  }
  if (env.TARGET_HOST) partial.host = env.TARGET_HOST;
  const notify = (env.TARGET_NOTIFY ?? '').trim();
  if (notify !== '') partial.notify = notify as NotifyMode;
  const phase = (env.TARGET_PROCESSOR_PHASE ?? '').trim();
  if (phase === 'random') partial.processorPhaseMs = 'random';
  else if (phase !== '') {
    if (!/^\d+$/.test(phase)) fail('TARGET_PROCESSOR_PHASE', "'random' or an integer number of ms below QUEUE_PROCESSOR_INTERVAL", phase);
    partial.processorPhaseMs = Number(phase);
  }
  const redisUrl = env.REDIS_URL;
  if (redisUrl === undefined || redisUrl === '') {
    throw new ConfigError('invalid REDIS_URL; reason: expected a redis://host:port URL (it is required; tools/target-ctl.sh starts a redis for you), got nothing');
  }
  partial.redisUrl = redisUrl;
  partial.faults = (env.TARGET_FAULTS ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const respawn = (env.TARGET_RESPAWN ?? '').trim();
  if (respawn !== '') {
    if (respawn !== '0' && respawn !== '1') fail('TARGET_RESPAWN', '0 or 1', respawn);
    partial.respawn = respawn === '1';
  }
  if (env.JWT_SECRET) partial.jwtSecret = env.JWT_SECRET;
  if (env.ADMIN_EMAIL) partial.adminEmail = env.ADMIN_EMAIL;
  if (env.ADMIN_PASSWORD) partial.adminPassword = env.ADMIN_PASSWORD;
  return resolveConfig(partial, (k) => ENV_NAMES[k]);
}
