// Which k6 the runner acts as: QUEUE_RUNNER_K6_VERSION picks a recorded
// release, QUEUE_RUNNER_EXTENSIONS the xk6 extensions linked into that
// "binary". The release decides what `require` of each module name does,
// transcribed from shared/k6-reference/README.md, "`require` of module names,
// line by line" (recorded on 0.46, 1.0, 1.5, 1.6, 2.2; 0.48 takes the 0.46 row,
// its module table being the same), and what a name the binary lacks does:
// before 1.5 it throws a catchable error; from 1.5 it returns an object
// without members and the VU fails once its init code is over (exit 107).

export const K6_LINES = ['0.46', '0.48', '1.0', '1.5', '1.6', '2.2'] as const;
export type K6Line = (typeof K6_LINES)[number];
export const DEFAULT_LINE: K6Line = '2.2';

/** The only extension the runner implements (xk6-redis). */
export const KNOWN_EXTENSIONS = ['k6/x/redis'] as const;
export const DEFAULT_EXTENSIONS = 'k6/x/redis';

export interface Emulation {
  line: K6Line;
  /** Extension module names linked into the emulated binary. */
  extensions: ReadonlySet<string>;
}

export const DEFAULT_EMULATION: Emulation = { line: DEFAULT_LINE, extensions: new Set([DEFAULT_EXTENSIONS]) };

/** `k6 v2.2.0` for the line '2.2'. */
export function k6Version(line: K6Line): string {
  return `k6 v${line}.0`;
}

/** Reads QUEUE_RUNNER_K6_VERSION and QUEUE_RUNNER_EXTENSIONS; throws a one-line message on a bad value. */
export function emulationFromEnv(env: Record<string, string | undefined>): Emulation {
  const raw = env.QUEUE_RUNNER_K6_VERSION;
  let line: K6Line = DEFAULT_LINE;
  if (raw !== undefined && raw !== '') {
    const v = raw.trim().replace(/^v/, '');
    if (!(K6_LINES as readonly string[]).includes(v)) {
      throw new Error(`invalid QUEUE_RUNNER_K6_VERSION; reason: expected one of ${K6_LINES.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    line = v as K6Line;
  }
  const ext = env.QUEUE_RUNNER_EXTENSIONS ?? DEFAULT_EXTENSIONS;
  const names = ext.split(/[\s,]+/).filter((n) => n !== '');
  for (const n of names) {
    if (!(KNOWN_EXTENSIONS as readonly string[]).includes(n)) {
      throw new Error(`invalid QUEUE_RUNNER_EXTENSIONS; reason: the Node runner implements only ${KNOWN_EXTENSIONS.join(', ')} (empty = stock k6), got ${JSON.stringify(n)}`);
    }
  }
  return { line, extensions: new Set(names) };
}

/** The emulated build in one phrase, for the run header and `version`. */
export function describeEmulation(e: Emulation): string {
  const ext = [...e.extensions];
  return `${k6Version(e.line)}${ext.length === 0 ? ' (stock, no extensions)' : ` + ${ext.join(', ')}`}`;
}

/** The runner's implementations, by what they are rather than by name. */
export type Implementation = 'k6' | 'http' | 'metrics' | 'execution' | 'timers' | 'websockets' | 'redis' | 'secrets';

/**
 * How a module name resolves on a line: served (optionally with one warning
 * line per run), or removed (a module k6 still registers, whose require throws
 * a catchable error). A name not in the table is one the line lacks.
 */
export type Resolution =
  | { kind: 'serve'; impl: Implementation; warning?: string }
  | { kind: 'removed'; message: string };

// Recorded verbatim on 1.0 ("`require` of module names") and on 2.2 ("legacy-cjs").
const TIMERS_GRADUATED_1_0 = 'k6/experimental/timers has been graduated, please use k6/timers instead.';
const TIMERS_GRADUATED =
  "k6/experimental/timers has been graduated, and it's now globally available as defined by standard WebAPIs. You just need to remove the import.";
// Not recorded verbatim ("a catchable error naming the replacement"): the runner's words.
const REDIS_REMOVED =
  'k6/experimental/redis has been removed from k6 v2: Redis is only available through the xk6-redis extension, import k6/x/redis instead (build k6 with xk6 build --with github.com/grafana/xk6-redis)';
const WS_DEPRECATED = 'k6/experimental/websockets is deprecated: import k6/websockets instead';
const REDIS_DEPRECATED = 'k6/experimental/redis is deprecated: use the xk6-redis extension (k6/x/redis) instead';

const serve = (impl: Implementation, warning?: string): Resolution => (warning === undefined ? { kind: 'serve', impl } : { kind: 'serve', impl, warning });
const removed = (message: string): Resolution => ({ kind: 'removed', message });

const STABLE: Record<string, Resolution> = { k6: serve('k6'), 'k6/http': serve('http'), 'k6/metrics': serve('metrics'), 'k6/execution': serve('execution') };

/**
 * Each line's module table. Cells the require table leaves blank: k6/experimental/timers on 1.5
 * and 1.6 (removed, as on 1.0 and 2.2 and in k6's 1.x source), k6/secrets (k6 >= 1.0,
 * "Secrets, inspect and archive"), the k6/experimental/redis warning on 1.6 ("Modules by k6 version").
 */
const OLDEST: Record<string, Resolution> = {
  ...STABLE, 'k6/experimental/websockets': serve('websockets'), 'k6/experimental/timers': serve('timers'), 'k6/experimental/redis': serve('redis'),
};
const TABLES: Record<K6Line, Record<string, Resolution>> = {
  '0.46': OLDEST,
  '0.48': OLDEST,
  '1.0': {
    ...STABLE, 'k6/experimental/websockets': serve('websockets'), 'k6/timers': serve('timers'), 'k6/experimental/timers': removed(TIMERS_GRADUATED_1_0),
    'k6/experimental/redis': serve('redis'), 'k6/secrets': serve('secrets'),
  },
  '1.5': {
    ...STABLE, 'k6/experimental/websockets': serve('websockets'), 'k6/timers': serve('timers'), 'k6/experimental/timers': removed(TIMERS_GRADUATED),
    'k6/experimental/redis': serve('redis'), 'k6/secrets': serve('secrets'),
  },
  '1.6': {
    ...STABLE, 'k6/experimental/websockets': serve('websockets', WS_DEPRECATED), 'k6/websockets': serve('websockets'), 'k6/timers': serve('timers'),
    'k6/experimental/timers': removed(TIMERS_GRADUATED), 'k6/experimental/redis': serve('redis', REDIS_DEPRECATED), 'k6/secrets': serve('secrets'),
  },
  '2.2': {
    ...STABLE, 'k6/experimental/websockets': serve('websockets', WS_DEPRECATED), 'k6/websockets': serve('websockets'), 'k6/timers': serve('timers'),
    'k6/experimental/timers': removed(TIMERS_GRADUATED), 'k6/experimental/redis': removed(REDIS_REMOVED), 'k6/secrets': serve('secrets'),
  },
};

/** How `name` resolves on the emulated k6 (its line's table plus the linked extensions); undefined: the binary lacks it. */
export function resolveModule(e: Emulation, name: string): Resolution | undefined {
  return TABLES[e.line][name] ?? (e.extensions.has(name) ? serve('redis') : undefined);
}

/** The module names the emulated k6 serves. */
export function servedModules(e: Emulation): string[] {
  return [...Object.entries(TABLES[e.line]).filter(([, r]) => r.kind === 'serve').map(([n]) => n), ...e.extensions];
}

/** From 1.5 a name the binary lacks does not throw: the VU fails after its init code instead. */
export function lackedNameFailsAfterInit(line: K6Line): boolean {
  return K6_LINES.indexOf(line) >= K6_LINES.indexOf('1.5');
}

/** Before 0.48 the Redis Client takes `{ addrs, password, db }`, not a URL ("Client on k6 0.46"). */
export function redisClientTakesUrl(line: K6Line): boolean {
  return line !== '0.46';
}

/** setTimeout & co. as globals: recorded on 2.x only (older lines import them from the timers module). */
export function hasGlobalTimers(line: K6Line): boolean {
  return line === '2.2';
}

/** Before 1.0 a string thrown at init prints with one frame after it; from 1.0 alone ("An exception thrown in the init context"). */
export function framesThrownStrings(line: K6Line): boolean {
  return line === '0.46' || line === '0.48';
}
