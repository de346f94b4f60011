// What `require(name)` does on each k6 line, transcribed for the tests from
// shared/k6-reference/README.md, independently of the runner's own table
// (runner/k6-lines.ts):
// - "`require` of module names, line by line" (recorded on 0.46, 1.0, 1.5,
//   1.6, 2.2 stock): RECORDED;
// - cells that table leaves blank but the bundles rely on, with where they come
//   from: READ_NOT_RECORDED;
// - "Modules by k6 version" (each release's module table) for everything else.
// And what a name the binary lacks does: before 1.5 it throws a catchable
// error; from 1.5 it returns an object without members and the VU fails after
// its init code (exit 107).

export type Cell = 'ok' | 'warns' | 'removed' | 'lacks';

export const WS = 'k6/experimental/websockets';
export const WS_MODERN = 'k6/websockets';
export const TIMERS = 'k6/experimental/timers';
export const TIMERS_MODERN = 'k6/timers';
export const REDIS_BUILT_IN = 'k6/experimental/redis';
export const REDIS_EXTENSION = 'k6/x/redis';
export const SECRETS = 'k6/secrets';

/** The cells of the require table as recorded (a blank cell is left out). */
export const RECORDED: Record<string, Partial<Record<string, Cell>>> = {
  '0.46.0': { [WS]: 'ok', [WS_MODERN]: 'lacks', [TIMERS_MODERN]: 'lacks', [TIMERS]: 'ok', [REDIS_BUILT_IN]: 'ok', [REDIS_EXTENSION]: 'lacks' },
  '1.0.0': { [WS]: 'ok', [WS_MODERN]: 'lacks', [TIMERS_MODERN]: 'ok', [TIMERS]: 'removed', [REDIS_BUILT_IN]: 'ok', [REDIS_EXTENSION]: 'lacks' },
  '1.5.0': { [WS]: 'ok', [WS_MODERN]: 'lacks', [TIMERS_MODERN]: 'ok', [REDIS_BUILT_IN]: 'ok', [REDIS_EXTENSION]: 'lacks' },
  '1.6.0': { [WS]: 'warns', [WS_MODERN]: 'ok', [TIMERS_MODERN]: 'ok', [REDIS_BUILT_IN]: 'ok', [REDIS_EXTENSION]: 'lacks' },
  '2.2.0': { [WS]: 'warns', [WS_MODERN]: 'ok', [TIMERS_MODERN]: 'ok', [REDIS_BUILT_IN]: 'removed', [REDIS_EXTENSION]: 'lacks' },
};

/**
 * Cells the require table leaves blank that a bundle asks for: k6/experimental/timers on 1.5
 * and 1.6 is a registered removed module in k6's 1.x source (its require throws "has been
 * graduated"), as recorded on 1.0 and 2.2; k6/secrets was required by the bundles of the
 * "Plain k6 run" table on 1.0, 1.5, 1.6 and 2.2 and never named as unknown there.
 */
export const READ_NOT_RECORDED: Record<string, Partial<Record<string, Cell>>> = {
  '1.0.0': { [SECRETS]: 'ok' },
  '1.5.0': { [TIMERS]: 'removed', [SECRETS]: 'ok' },
  '1.6.0': { [TIMERS]: 'removed', [SECRETS]: 'ok' },
  '2.2.0': { [TIMERS]: 'removed', [SECRETS]: 'ok' },
};

export interface K6Version { major: number; minor: number }

export function version(s: string): K6Version {
  const m = /^(\d+)\.(\d+)/.exec(s);
  if (m === null) throw new Error(`not a version: ${s}`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

export const atLeast = (x: K6Version, major: number, minor: number): boolean => x.major > major || (x.major === major && x.minor >= minor);

/** The module table of any version ("Modules by k6 version"; k6/secrets: "Secrets", k6 >= 1.0). */
export function fromModuleTable(x: K6Version): Record<string, Cell> {
  return {
    [TIMERS]: !atLeast(x, 0, 50) ? 'ok' : !atLeast(x, 0, 54) ? 'warns' : 'removed',
    [TIMERS_MODERN]: atLeast(x, 0, 50) ? 'ok' : 'lacks',
    [WS]: atLeast(x, 1, 6) ? 'warns' : 'ok',
    [WS_MODERN]: atLeast(x, 1, 6) ? 'ok' : 'lacks',
    [REDIS_BUILT_IN]: atLeast(x, 2, 0) ? 'removed' : atLeast(x, 1, 6) ? 'warns' : 'ok',
    [REDIS_EXTENSION]: 'lacks',
    [SECRETS]: atLeast(x, 1, 0) ? 'ok' : 'lacks',
  };
}

export interface EmulatedK6 {
  version: string;
  cells: Record<string, Cell>;
  /** From 1.5 a name the binary lacks returns an object and fails the VU after init; before, it throws. */
  lacksFailsAfterInit: boolean;
}

/** One k6 release as a table of cells: recorded first, then the listed blanks, then its module table. */
export function emulateK6(v: string, extensions: readonly string[] = []): EmulatedK6 {
  const x = version(v);
  const cells = { ...fromModuleTable(x), ...(READ_NOT_RECORDED[v] ?? {}), ...(RECORDED[v] ?? {}) } as Record<string, Cell>;
  for (const n of ['k6', 'k6/http', 'k6/metrics', 'k6/execution']) cells[n] = 'ok';
  for (const e of extensions) cells[e] = 'ok';
  return { version: v, cells, lacksFailsAfterInit: atLeast(x, 1, 5) };
}

/** What was asked of an emulated k6. */
export interface Asked {
  /** Every name, in order. */
  names: string[];
  /** Names the line lacks. */
  lacked: string[];
  /** From 1.5: the names k6 reports after init ("unknown modules"). */
  failsAfterInit: string[];
  warned: string[];
  removed: string[];
}

/**
 * A `require` for the emulated k6: `serve(name)` makes the module object of a
 * name the line has. A lacked name throws before 1.5 and returns `{}` from 1.5.
 */
export function requireOf(k6: EmulatedK6, serve: (name: string) => unknown): { require: (name: string) => unknown; asked: Asked } {
  const asked: Asked = { names: [], lacked: [], failsAfterInit: [], warned: [], removed: [] };
  const require = (name: string): unknown => {
    asked.names.push(name);
    const cell = k6.cells[name] ?? 'lacks';
    if (cell === 'lacks') {
      asked.lacked.push(name);
      if (k6.lacksFailsAfterInit) {
        asked.failsAfterInit.push(name);
        return {};
      }
      const e = new Error(`unknown module: ${name}`);
      e.name = 'GoError';
      throw e;
    }
    if (cell === 'removed') {
      asked.removed.push(name);
      throw new Error(`${name} has been removed`);
    }
    if (cell === 'warns') asked.warned.push(name);
    return serve(name);
  };
  return { require, asked };
}
