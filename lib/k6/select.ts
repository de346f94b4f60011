// Which k6 module names this k6 has, picked at init time by trying them.
//
// One bundle runs on every k6 from 0.46 to 2.x, so the version-dependent
// modules (websockets, timers, Redis, secrets) are not imported: the build
// routes those imports to lib/k6/modules.ts, which calls selectModules() with
// k6's own `require`. Pure: `load` is injected, so this is unit-tested in Node
// against each line's recorded table (select.test.ts).
//
// What a try costs (shared/k6-reference/README.md, "`require` of module
// names, line by line"):
// - before 1.5 (recorded on 0.46 and 1.0) a name the binary lacks throws a
//   catchable error, and the run goes on;
// - from 1.5 (recorded on 1.5, 1.6, 2.2) it does not throw: it returns an
//   object without the module's members, and k6 fails VU initialisation after
//   the init code (exit 107) whatever the script caught;
// - a removed built-in name (k6/experimental/timers from 0.54,
//   k6/experimental/redis on 2.x) is a module k6 still registers: its require
//   throws a catchable error naming the replacement, on every line.
// So each try below names a module that line has, or knows as removed:
//   1. k6/experimental/timers: served on 0.46-0.53; removed from 0.54, and then
//      k6/timers (0.50 on) is there.
//   2. From 0.54 only: k6/secrets (1.0 on; a 0.54-0.5x without it throws
//      catchably, as every k6 before 1.5 does) and k6/experimental/redis, which
//      0.54-1.8 serve and 2.x has removed: that tells 2.x apart.
//   3. Websockets: k6/websockets on 2.x; elsewhere k6/experimental/websockets,
//      which every line from 0.46 to 2.2 has (1.5 has no k6/websockets).
//   4. Redis, only when the probes are on (selectRedis): k6/experimental/redis
//      up to 1.8, k6/x/redis on 2.x. That last one is the only name a bundle
//      ever asks a line for without knowing it is there: a stock 2.x lacks it.
// With QUEUE_K6_VERSION (tools/k6.sh passes `k6 vX.Y.Z`) each module's name
// comes from the version and nothing else is tried.

/** Modules with one name on every line from 0.46 to 2.x: the build leaves them as plain requires. */
export const STABLE_MODULES = ['k6', 'k6/http', 'k6/metrics', 'k6/execution'] as const;

/** The version-dependent names, each only ever passed to `require` through selectModules()/selectRedis(). */
export const MODULE_NAMES = {
  websockets: { modern: 'k6/websockets', experimental: 'k6/experimental/websockets' },
  timers: { modern: 'k6/timers', experimental: 'k6/experimental/timers' },
  redis: { builtIn: 'k6/experimental/redis', extension: 'k6/x/redis' },
  secrets: 'k6/secrets',
} as const;

/** Every module name a bundle may require. */
export const RECORDED_MODULES: readonly string[] = [
  ...STABLE_MODULES,
  MODULE_NAMES.websockets.modern,
  MODULE_NAMES.websockets.experimental,
  MODULE_NAMES.timers.modern,
  MODULE_NAMES.timers.experimental,
  MODULE_NAMES.redis.builtIn,
  MODULE_NAMES.redis.extension,
  MODULE_NAMES.secrets,
];

/**
 * What the tries told when no version was given: the span of releases whose
 * module tables agree on every name the bundle takes.
 */
export type Span = '0.46-0.53' | '0.54-1.8' | '2.x';
export const SPANS: readonly Span[] = ['0.46-0.53', '0.54-1.8', '2.x'];

export interface K6Version { major: number; minor: number; patch: number }

/** `k6 v2.2.0 (...)`, `v1.5.0`, `1.5`: the first x.y[.z] in the text; undefined when there is none. */
export function parseK6Version(text: string | undefined): K6Version | undefined {
  if (text === undefined) return undefined;
  const m = /(?:^|[^\d.])v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? 0 : Number(m[3]) };
}

export const before = (v: K6Version, major: number, minor: number): boolean => v.major < major || (v.major === major && v.minor < minor);

/** The span a version falls in; anything older than 0.46 counts as 0.46-0.53, anything newer than 2.x as 2.x. */
export function spanOf(v: K6Version): Span {
  if (before(v, 0, 54)) return '0.46-0.53';
  if (before(v, 2, 0)) return '0.54-1.8';
  return '2.x';
}

/**
 * How the Redis Client of this k6 wants its server: a URL (0.48 on), the
 * options object `{ addrs: ['host:port'], password, db }` (0.46-0.47, k6-reference
 * "Client on k6 0.46"), or, when the version is unknown on 0.46-0.53, the URL
 * and then the options object if the URL is refused.
 */
export type RedisClientForm = 'url' | 'options' | 'url-else-options';

/** k6's require at init: returns the module, or throws. */
export type Loader = (name: string) => unknown;

export interface Chosen {
  name: string;
  module: unknown;
}

/** websockets, timers and secrets: what every bundle needs. Redis is a separate step (selectRedis). */
export interface CoreSelection {
  line: Span;
  websockets: Chosen;
  timers: Chosen;
  /** Undefined when this k6 has no k6/secrets (before 1.0). */
  secrets: Chosen | undefined;
  /** k6/experimental/redis when step 2 loaded it (0.54-1.8, version unknown). */
  builtInRedis: Chosen | undefined;
  /** The version given, when there was a readable one. */
  version: K6Version | undefined;
  /** Every name passed to `load`, in order: what the tests check. */
  tried: string[];
}

export interface SelectOptions {
  load: Loader;
  /** The k6 version when the caller knows it (tools/k6.sh passes `-e QUEUE_K6_VERSION=k6 vX.Y.Z`). */
  version?: string | undefined;
}

/** One line: how to go on when a stock k6 2.x is asked for the Redis probes. */
export const NO_REDIS_MODULE_HINT =
  'queue-k6: this k6 has no Redis module for the probes (k6 2.x dropped k6/experimental/redis and xk6-redis is not linked in, so k6 stops on the unknown module k6/x/redis): ' +
  'run a k6 built with it (xk6 build --with github.com/grafana/xk6-redis, or make k6), ' +
  'or run without the probes with REDIS_URL= (k6 run -e REDIS_URL= ...; their thresholds are then dropped)';

function reason(err: unknown): string {
  if (typeof err === 'string') return err;
  const m = (err as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(err);
}

/** A member of a required module: k6 puts named exports on the module object; a default export may hold them instead. */
export function memberOf(module: unknown, key: string): unknown {
  const m = module as Record<string, unknown> | null | undefined;
  const direct = m?.[key];
  if (direct !== undefined) return direct;
  return (m?.default as Record<string, unknown> | undefined)?.[key];
}

class Tries {
  constructor(
    private readonly load: Loader,
    private readonly versionText: string,
    readonly tried: string[] = [],
  ) {}

  /** The module, or undefined when this k6 threw for it (a removed name, or a missing one before 1.5). */
  one(name: string): Chosen | undefined {
    this.tried.push(name);
    try {
      return { name, module: this.load(name) };
    } catch {
      return undefined;
    }
  }

  /** A name this line must have (known from the version); a failure means the version given was wrong. */
  must(name: string): Chosen {
    this.tried.push(name);
    try {
      return { name, module: this.load(name) };
    } catch (err) {
      throw new Error(`${name} is missing (${reason(err)}), but QUEUE_K6_VERSION says this is ${this.versionText}: correct it, or leave it out and the script finds the modules itself`);
    }
  }
}

/** With a known version: exactly that version's names, nothing else tried. */
function coreKnown(tries: Tries, v: K6Version): CoreSelection {
  const n = MODULE_NAMES;
  const timers = tries.must(before(v, 0, 50) ? n.timers.experimental : n.timers.modern);
  const secrets = before(v, 1, 0) ? undefined : tries.must(n.secrets);
  const websockets = tries.must(before(v, 1, 6) ? n.websockets.experimental : n.websockets.modern);
  return { line: spanOf(v), websockets, timers, secrets, builtInRedis: undefined, version: v, tried: tries.tried };
}

/** Without a version: the order in the header, each try safe on every line. */
function coreByTrying(tries: Tries): CoreSelection {
  const n = MODULE_NAMES;
  const old = tries.one(n.timers.experimental);
  if (old !== undefined) {
    const websockets = tries.one(n.websockets.experimental);
    if (websockets === undefined) throw new Error(`this k6 has k6/experimental/timers but no ${n.websockets.experimental}: queue-k6 needs k6 0.46 or newer`);
    return { line: '0.46-0.53', websockets, timers: old, secrets: undefined, builtInRedis: undefined, version: undefined, tried: tries.tried };
  }
  const timers = tries.one(n.timers.modern);
  if (timers === undefined) throw new Error(`this k6 has neither ${n.timers.experimental} nor ${n.timers.modern}: queue-k6 needs k6 0.46 or newer`);
  const secrets = tries.one(n.secrets);
  const builtInRedis = tries.one(n.redis.builtIn);
  const line: Span = builtInRedis === undefined ? '2.x' : '0.54-1.8';
  const wsName = line === '2.x' ? n.websockets.modern : n.websockets.experimental;
  const websockets = tries.one(wsName);
  if (websockets === undefined) throw new Error(`this k6 has no ${wsName}, which every k6 of ${line} has: queue-k6 cannot open its Socket.IO connections`);
  return { line, websockets, timers, secrets, builtInRedis, version: undefined, tried: tries.tried };
}

/** websockets, timers and secrets for this k6. */
export function selectModules(opts: SelectOptions): CoreSelection {
  const v = parseK6Version(opts.version);
  const tries = new Tries(opts.load, opts.version ?? '');
  return v === undefined ? coreByTrying(tries) : coreKnown(tries, v);
}

export interface RedisSelection {
  /** Undefined on a k6 2.x without xk6-redis: the caller prints NO_REDIS_MODULE_HINT. */
  redis: Chosen | undefined;
  clientForm: RedisClientForm;
  tried: string[];
}

/**
 * The Redis module, for a run with the probes on: k6/experimental/redis up to
 * 1.8 (already loaded by selectModules on 0.54-1.8), k6/x/redis on 2.x. From
 * 1.5 a k6 without xk6-redis returns an object without a Client for it
 * instead of throwing: both count as missing.
 */
export function selectRedis(core: CoreSelection, opts: SelectOptions): RedisSelection {
  const n = MODULE_NAMES;
  const tries = new Tries(opts.load, opts.version ?? '', core.tried);
  if (core.line === '2.x') {
    const ext = tries.one(n.redis.extension);
    const usable = ext !== undefined && typeof memberOf(ext.module, 'Client') === 'function';
    return { redis: usable ? ext : undefined, clientForm: 'url', tried: tries.tried };
  }
  if (core.version !== undefined) {
    return { redis: tries.must(n.redis.builtIn), clientForm: before(core.version, 0, 48) ? 'options' : 'url', tried: tries.tried };
  }
  if (core.builtInRedis !== undefined) return { redis: core.builtInRedis, clientForm: 'url', tried: tries.tried };
  const builtIn = tries.one(n.redis.builtIn);
  if (builtIn === undefined) throw new Error(`this k6 has no ${n.redis.builtIn}, which every k6 before 2.0 has: is it a custom build without it? Run with REDIS_URL= to go without the probes`);
  return { redis: builtIn, clientForm: 'url-else-options', tried: tries.tried };
}

/** REDIS_URL as lib/env.ts reads it: unset means the default (probes on), blank means no probes. */
export function wantsRedis(env: Record<string, string | undefined>): boolean {
  const v = env.REDIS_URL;
  return v === undefined || v.trim() !== '';
}

/** The Client options of k6 0.46-0.47 (xk6-redis before v0.2). */
export interface LegacyRedisOptions {
  addrs: string[];
  username?: string;
  password?: string;
  db?: number;
}

/** redis://[user[:password]@]host[:port][/db] as the options object k6 0.46-0.47 takes. */
export function legacyRedisOptions(url: string): LegacyRedisOptions {
  if (/^rediss:/i.test(url)) throw new Error('a rediss:// (TLS) Redis needs k6 0.48 or newer for the probes; run with REDIS_URL= to go without them');
  const m = /^redis:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?(\[[^\]/]+\]|[^:/@]+)(?::(\d+))?(?:\/(\d*))?$/i.exec(url);
  if (m === null) throw new Error(`cannot read the Redis URL ${url.replace(/\/\/[^@/]*@/, '//')}: expected redis://[user:password@]host[:port][/db]`);
  const out: LegacyRedisOptions = { addrs: [`${m[3]}:${m[4] === undefined ? 6379 : m[4]}`] };
  if (m[1] !== undefined && m[1] !== '') out.username = decodeURIComponent(m[1]);
  if (m[2] !== undefined && m[2] !== '') out.password = decodeURIComponent(m[2]);
  if (m[5] !== undefined && m[5] !== '') out.db = Number(m[5]);
  return out;
}

/**
 * A client of `Base` (the module's Client) for `url`, in the form this k6
 * takes. 'url-else-options': the URL first; when that constructor throws (k6
 * 0.46: `unable to parse options object`), the options object, whose own
 * one-line error stands when the URL has none (rediss://, or unreadable).
 */
export function newRedisClient<T>(Base: new (arg: unknown) => T, form: RedisClientForm, url: string): T {
  if (form === 'options') return new Base(legacyRedisOptions(url));
  if (form === 'url') return new Base(url);
  try {
    return new Base(url);
  } catch {
    return new Base(legacyRedisOptions(url));
  }
}
