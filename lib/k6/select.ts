// Which k6 module names this k6 has, picked at init time by trying them.
//
// One bundle runs on every k6 from 0.46 to 2.x, so the version-dependent
// modules (websockets, timers, Redis, secrets) are not imported: the build
// routes those imports to lib/k6/modules.ts, which calls selectModules() with
// k6's own `require`. The table and the order of the tries follow
// shared/k6-reference/README.md, "Modules by k6 version", plus what k6's
// source shows about failed requires:
// - before k6 1.4 a `require` of a name the binary lacks throws a catchable
//   "unknown module" error;
// - from k6 1.4 (grafana/k6#5240) k6 remembers every unknown `k6/...` name and
//   fails VU initialisation after the init code, even when the script caught
//   the error (recorded on v2.2.0 for k6/x/...); a removed built-in name
//   (k6/experimental/redis on 2.x, k6/experimental/timers from 0.54) throws a
//   catchable error instead.
// So a try never asks a k6 >= 1.4 for a name it lacks, except k6/websockets on
// 1.4-1.5 when nothing says which k6 this is (see websocketsTries); a
// deprecated or removed name is only tried where the modern one is missing or
// when the line cannot be known without it (k6/experimental/redis on 1.6-2.x).
// Pure: `load` is injected, so this is unit-tested in Node with each line's table.

/** The release lines whose module tables differ (k6-reference, "Modules by k6 version"), oldest first. */
export const K6_LINES = ['0.46-0.49', '0.50-0.53', '0.54-1.5', '1.6-1.8', '2.x'] as const;
export type K6Line = (typeof K6_LINES)[number];

/**
 * What the tries established: a line, or the span they narrowed it to when
 * telling further would have meant trying a name the run does not need.
 */
export type DetectedLine = K6Line | '0.50-0.59' | '1.0-1.5' | '1.6-2.x';

/** Modules with one name on every line from 0.46 to 2.x: the build leaves them as plain requires. */
export const STABLE_MODULES = ['k6', 'k6/http', 'k6/metrics', 'k6/execution'] as const;

/** The version-dependent names, each only ever passed to `require` through selectModules(). */
export const MODULE_NAMES = {
  websockets: { modern: 'k6/websockets', experimental: 'k6/experimental/websockets' },
  timers: { modern: 'k6/timers', experimental: 'k6/experimental/timers' },
  redis: { builtIn: 'k6/experimental/redis', extension: 'k6/x/redis' },
  secrets: 'k6/secrets',
} as const;

/** Every module name a bundle may require: the recorded table. */
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

export interface K6Version { major: number; minor: number; patch: number }

/** `k6 v2.2.0 (...)`, `v1.5.0`, `1.5`: the first x.y[.z] in the text; undefined when there is none. */
export function parseK6Version(text: string | undefined): K6Version | undefined {
  if (text === undefined) return undefined;
  const m = /(?:^|[^\d.])v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: m[3] === undefined ? 0 : Number(m[3]) };
}

const before = (v: K6Version, major: number, minor: number): boolean => v.major < major || (v.major === major && v.minor < minor);

/** The release line of a version; anything older than 0.46 counts as 0.46-0.49, anything newer than 2.x as 2.x. */
export function lineOf(v: K6Version): K6Line {
  if (before(v, 0, 50)) return '0.46-0.49';
  if (before(v, 0, 54)) return '0.50-0.53';
  if (before(v, 1, 6)) return '0.54-1.5';
  if (before(v, 2, 0)) return '1.6-1.8';
  return '2.x';
}

/** k6's require at init: returns the module or throws. */
export type Loader = (name: string) => unknown;

export interface Chosen {
  name: string;
  module: unknown;
}

/** websockets, timers and secrets: what every bundle needs. Redis is a separate step (selectRedis). */
export interface CoreSelection {
  line: DetectedLine;
  websockets: Chosen;
  timers: Chosen;
  /** Undefined when this k6 has no k6/secrets (before 1.0). */
  secrets: Chosen | undefined;
  /** The version given, when there was a readable one. */
  version: K6Version | undefined;
  /** Every name passed to `load`, in order: what a test checks the order of the tries on. */
  tried: string[];
}

export interface Selection extends CoreSelection {
  /** Undefined when Redis was not asked for (REDIS_URL empty). */
  redis: Chosen | undefined;
}

export interface SelectOptions {
  load: Loader;
  /** The k6 version when the caller knows it (tools/k6.sh passes `-e QUEUE_K6_VERSION=k6 vX.Y.Z`): no guessing then. */
  version?: string | undefined;
}

/** One line: how to run on a stock k6 2.x, which has no Redis module. */
export const NO_REDIS_MODULE_HINT =
  'this k6 has no Redis module: stock k6 2.x dropped k6/experimental/redis and xk6-redis (k6/x/redis) is not linked in. ' +
  'Build a k6 with it (xk6 build --with github.com/grafana/xk6-redis, or make k6) and run that, ' +
  'or run without the Redis probes: k6 run -e REDIS_URL= ... (their thresholds are then dropped)';

function reason(err: unknown): string {
  if (typeof err === 'string') return err;
  const m = (err as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(err);
}

class Tries {
  constructor(
    private readonly load: Loader,
    private readonly versionText: string,
    readonly tried: string[] = [],
  ) {}

  /** The first of the names this k6 has, or undefined; every failure is expected and swallowed. */
  first(names: readonly string[]): Chosen | undefined {
    for (const name of names) {
      this.tried.push(name);
      try {
        return { name, module: this.load(name) };
      } catch {
        // not on this line: try the next name
      }
    }
    return undefined;
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

/** With a known version: exactly that line's names, nothing else tried. */
function coreKnown(tries: Tries, v: K6Version): CoreSelection {
  const line = lineOf(v);
  const n = MODULE_NAMES;
  const timers = tries.must(line === '0.46-0.49' ? n.timers.experimental : n.timers.modern);
  const secrets = before(v, 1, 0) ? undefined : tries.must(n.secrets);
  const websockets = tries.must(line === '1.6-1.8' || line === '2.x' ? n.websockets.modern : n.websockets.experimental);
  return { line, websockets, timers, secrets, version: v, tried: tries.tried };
}

/**
 * Without a version, the tries themselves tell the line:
 *  1. timers: k6/timers (0.50+) else k6/experimental/timers (0.46-0.49);
 *  2. secrets, from 0.50: k6/secrets (1.0+) or nothing (0.50-0.59, where an unknown name is harmless);
 *  3. websockets: k6/experimental/websockets below 1.0; from 1.0 k6/websockets (1.6+) first, else the
 *     experimental name (1.0-1.5). On 1.4-1.5 that first try may be fatal (unknown names fail the VU
 *     after init from 1.4): there, pass QUEUE_K6_VERSION, as tools/k6.sh does.
 */
function coreByTrying(tries: Tries): CoreSelection {
  const n = MODULE_NAMES;
  const timers = tries.first([n.timers.modern, n.timers.experimental]);
  if (timers === undefined) throw new Error(`this k6 has neither ${n.timers.modern} nor ${n.timers.experimental}: queue-k6 needs k6 0.46 or newer`);
  const timersModern = timers.name === n.timers.modern;
  const secrets = timersModern ? tries.first([n.secrets]) : undefined;
  const websockets = tries.first(secrets === undefined ? [n.websockets.experimental] : [n.websockets.modern, n.websockets.experimental]);
  if (websockets === undefined) throw new Error(`this k6 has neither ${n.websockets.modern} nor ${n.websockets.experimental}: queue-k6 needs k6 0.46 or newer`);
  const line: DetectedLine = !timersModern ? '0.46-0.49' : secrets === undefined ? '0.50-0.59' : websockets.name === n.websockets.modern ? '1.6-2.x' : '1.0-1.5';
  return { line, websockets, timers, secrets, version: undefined, tried: tries.tried };
}

/** websockets, timers and secrets for this k6. */
export function selectModules(opts: SelectOptions): CoreSelection {
  const v = parseK6Version(opts.version);
  const tries = new Tries(opts.load, opts.version ?? '');
  return v === undefined ? coreByTrying(tries) : coreKnown(tries, v);
}

/**
 * The Redis module, for a run that needs one (REDIS_URL not empty); also
 * returns the line, now told apart from its neighbour when it could not be before:
 * - version known: k6/experimental/redis up to 1.8, k6/x/redis on 2.x;
 * - below 1.6 (the experimental websockets were chosen): k6/experimental/redis;
 * - from 1.6: k6/experimental/redis (1.6-1.8; a catchable "removed" error on 2.x), then k6/x/redis,
 *   which only a 2.x is asked for.
 * Throws NO_REDIS_MODULE_HINT on a 2.x without xk6-redis.
 */
export function selectRedis(core: CoreSelection, opts: SelectOptions): { redis: Chosen; line: DetectedLine; tried: string[] } {
  const n = MODULE_NAMES;
  const tries = new Tries(opts.load, opts.version ?? '', core.tried);
  if (core.version !== undefined) {
    if (core.line !== '2.x') return { redis: tries.must(n.redis.builtIn), line: core.line, tried: tries.tried };
    const redis = tries.first([n.redis.extension]);
    if (redis === undefined) throw new Error(NO_REDIS_MODULE_HINT);
    return { redis, line: core.line, tried: tries.tried };
  }
  const builtIn = tries.first([n.redis.builtIn]);
  if (core.websockets.name !== n.websockets.modern) {
    if (builtIn === undefined) throw new Error(`this k6 has no ${n.redis.builtIn}, which every k6 before 2.0 has: is it a custom build without it? Run with -e REDIS_URL= to go without the probes`);
    return { redis: builtIn, line: core.line, tried: tries.tried };
  }
  if (builtIn !== undefined) return { redis: builtIn, line: '1.6-1.8', tried: tries.tried };
  const extension = tries.first([n.redis.extension]);
  if (extension === undefined) throw new Error(NO_REDIS_MODULE_HINT);
  return { redis: extension, line: '2.x', tried: tries.tried };
}

/** Both steps at once: what a bundle that uses Redis gets. */
export function selectAll(opts: SelectOptions & { wantRedis: boolean }): Selection {
  const core = selectModules(opts);
  if (!opts.wantRedis) return { ...core, redis: undefined };
  const { redis, line, tried } = selectRedis(core, opts);
  return { ...core, line, redis, tried };
}

/** REDIS_URL as lib/env.ts reads it: unset means the default (probes on), blank means no probes. */
export function wantsRedis(env: Record<string, string | undefined>): boolean {
  const v = env.REDIS_URL;
  return v === undefined || v.trim() !== '';
}
