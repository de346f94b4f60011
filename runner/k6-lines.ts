// Which k6 the runner acts as: QUEUE_RUNNER_K6_VERSION picks a release line,
// QUEUE_RUNNER_EXTENSIONS the xk6 extensions linked into that "binary". The
// line decides which module names `require` offers and how the old names
// fail, per shared/k6-reference/README.md, "Modules by k6 version".

export const K6_LINES = ['0.48', '0.53', '1.5', '1.8', '2.2'] as const;
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
 * line), removed (require throws k6's catchable error), or absent (k6's
 * "unknown module"). A missing `k6/x/...` extension is handled by the loader.
 */
export type Resolution =
  | { kind: 'serve'; impl: Implementation; warning?: string }
  | { kind: 'removed'; message: string };

const TIMERS_GRADUATED =
  "k6/experimental/timers has been graduated, and it's now globally available as defined by standard WebAPIs. You just need to remove the import.";
const REDIS_REMOVED =
  'k6/experimental/redis has been removed from k6 v2: Redis is only available through the xk6-redis extension, import k6/x/redis instead (build k6 with xk6 build --with github.com/grafana/xk6-redis)';

const atLeast = (line: K6Line, min: K6Line): boolean => K6_LINES.indexOf(line) >= K6_LINES.indexOf(min);

/** The k6 module table of one line (extensions not included). */
export function modulesOf(line: K6Line): Map<string, Resolution> {
  const m = new Map<string, Resolution>();
  const serve = (name: string, impl: Implementation, warning?: string): void => {
    m.set(name, warning === undefined ? { kind: 'serve', impl } : { kind: 'serve', impl, warning });
  };
  serve('k6', 'k6');
  serve('k6/http', 'http');
  serve('k6/metrics', 'metrics');
  serve('k6/execution', 'execution');

  // timers: experimental up to 0.49; k6/timers from 0.50 (the old name warns); the old name removed from 0.54.
  if (line === '0.48') serve('k6/experimental/timers', 'timers');
  else {
    serve('k6/timers', 'timers');
    if (line === '0.53') serve('k6/experimental/timers', 'timers', 'k6/experimental/timers is deprecated since k6 v0.50 and will be removed: import k6/timers instead');
    else m.set('k6/experimental/timers', { kind: 'removed', message: TIMERS_GRADUATED });
  }

  // websockets: experimental up to 1.5; k6/websockets from 1.6, the experimental name still served with a warning.
  if (atLeast(line, '1.8')) {
    serve('k6/websockets', 'websockets');
    serve('k6/experimental/websockets', 'websockets', 'k6/experimental/websockets is deprecated: import k6/websockets instead');
  } else serve('k6/experimental/websockets', 'websockets');

  // redis built in as k6/experimental/redis up to 1.8 (warning on 1.6-1.8); removed in 2.x.
  if (line === '2.2') m.set('k6/experimental/redis', { kind: 'removed', message: REDIS_REMOVED });
  else if (line === '1.8') serve('k6/experimental/redis', 'redis', 'k6/experimental/redis is deprecated: use the xk6-redis extension (k6/x/redis) instead');
  else serve('k6/experimental/redis', 'redis');

  // k6/secrets exists from k6 1.0.
  if (atLeast(line, '1.5')) serve('k6/secrets', 'secrets');
  return m;
}

/** setTimeout & co. as globals: recorded on 2.x only (older lines import them from the timers module). */
export function hasGlobalTimers(line: K6Line): boolean {
  return line === '2.2';
}
