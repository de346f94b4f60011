// Typed readers for the run's parameters. Each error names the variable, what
// was expected and what was given, so a user can fix the command line at once.

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(variable: string, expected: string, got: string | undefined) {
    super(`invalid ${variable}; reason: expected ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(redactUserinfo(got))}`);
    this.name = 'ConfigError';
  }
}

/**
 * A URL-like value with the password of its userinfo hidden (`redis://:pw@h`
 * → `redis://:***@h`), also when the rest of it is malformed: a bad value is
 * echoed back in the error, and a password must never be.
 */
export function redactUserinfo(value: string): string {
  const at = value.lastIndexOf('@');
  if (at < 0) return value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value);
  const start = scheme === null ? 0 : scheme[0].length;
  if (at < start) return value;
  const userinfo = value.slice(start, at);
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? '' : userinfo.slice(0, colon);
  // With no colon, the whole userinfo may be a password (redis://pw@host): hide it too.
  return `${value.slice(0, start)}${user}:***${value.slice(at)}`;
}

/**
 * The one line k6 prints for a bad parameter found at init. A thrown string
 * prints as the message alone on k6 1.0 and later (0.46 and 0.48 add one
 * frame); a thrown Error always brings its stack (k6-reference, "An exception
 * thrown in the init context"). So the init code turns the suite's own
 * parameter errors into their message, and lets anything else (a bug) keep
 * its stack.
 */
export function initParameterErrors<T>(build: () => T, isParameterError: (e: unknown) => boolean): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof Error && (err instanceof ConfigError || isParameterError(err))) throw err.message;
    throw err;
  }
}

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

export function str(env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback;
}

export function optionalStr(env: Env, name: string): string | undefined {
  return raw(env, name);
}

export function int(env: Env, name: string, fallback: number, opts: { min?: number; max?: number } = {}): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const range = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(name, range, v);
  const n = Number(v);
  if (n < min || n > max) throw new ConfigError(name, range, v);
  return n;
}

/** A decimal number (rates: 0.5 arrivals per second). */
export function num(env: Env, name: string, fallback: number, opts: { min?: number; max?: number; above?: number } = {}): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const min = opts.min ?? 0;
  const max = opts.max ?? Number.MAX_SAFE_INTEGER;
  const range = opts.above !== undefined ? `a number above ${opts.above}${max === Number.MAX_SAFE_INTEGER ? '' : ` and at most ${max}`}` : max === Number.MAX_SAFE_INTEGER ? `a number >= ${min}` : `a number from ${min} to ${max}`;
  if (!/^-?(\d+\.?\d*|\.\d+)$/.test(v)) throw new ConfigError(name, range, v);
  const n = Number(v);
  if (n < min || n > max || (opts.above !== undefined && n <= opts.above)) throw new ConfigError(name, range, v);
  return n;
}

export function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if ((allowed as readonly string[]).includes(v)) return v as T;
  throw new ConfigError(name, `one of ${allowed.join(', ')}`, v);
}

export function httpUrl(env: Env, name: string, fallback: string): string {
  const v = raw(env, name) ?? fallback;
  if (!/^https?:\/\/[^\s/]+/.test(v)) throw new ConfigError(name, 'an http:// or https:// URL such as http://localhost:3001', v);
  return v.replace(/\/+$/, '');
}

/** An empty or unset REDIS_URL means "no probes": a k6 Cloud zone cannot reach a private Redis. */
export function redisUrl(env: Env, name: string, fallback: string): string {
  const given = env[name];
  if (given !== undefined && given.trim() === '') return '';
  const v = raw(env, name) ?? fallback;
  if (!/^rediss?:\/\/[^\s/]+/.test(v)) throw new ConfigError(name, 'a redis:// URL such as redis://localhost:6379, or an empty value to skip the probes', v);
  return v;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: string): boolean {
  return UUID.test(v);
}

export function uuid(env: Env, name: string): string | undefined {
  const v = raw(env, name);
  if (v === undefined) return undefined;
  if (!isUuid(v)) throw new ConfigError(name, 'a UUID such as 3f2b8c1e-6d1a-4c7e-9b55-0a4f2e8d9c10 (the waiting room rejects other event ids)', v);
  return v.toLowerCase();
}

/** A random version-4 UUID; test identifiers only, not for anything secret. */
export function randomUuid(random: () => number = Math.random): string {
  const hex = '0123456789abcdef';
  let out = '';
  for (let i = 0; i < 36; i++) {
    if (i === 8 || i === 13 || i === 18 || i === 23) out += '-';
    else if (i === 14) out += '4';
    else if (i === 19) out += hex[8 + Math.floor(random() * 4)];
    else out += hex[Math.floor(random() * 16)];
  }
  return out;
}
