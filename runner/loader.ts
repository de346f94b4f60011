// Loads a k6 script: esbuild turns it (ES module or CommonJS) into CommonJS
// once; every VU then evaluates its own module instance with its own k6
// module objects and its own __VU/__ITER/__ENV, as every k6 VU is a separate
// JavaScript runtime.
import { transformSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scriptError } from './errors.ts';
import { hasGlobalTimers, lackedNameFailsAfterInit, resolveModule, servedModules, type Implementation } from './k6-lines.ts';
import { log } from './log.ts';
import { createExecutionModule } from './modules/execution.ts';
import { createHttpModule } from './modules/http.ts';
import { createK6Module } from './modules/k6.ts';
import { createMetricsModule } from './modules/metrics.ts';
import { createRedisModule } from './modules/redis.ts';
import { createSecretsModule } from './modules/secrets.ts';
import { createTimersModule, timersOf } from './modules/timers.ts';
import { createWebSocketsModule } from './modules/websockets.ts';
import type { VU } from './vu.ts';

type Factory = (vu: VU) => Record<string, unknown>;

const implementations: Record<Implementation, Factory> = {
  k6: createK6Module,
  http: createHttpModule,
  metrics: createMetricsModule,
  execution: createExecutionModule,
  timers: createTimersModule,
  websockets: createWebSocketsModule,
  redis: createRedisModule,
  secrets: createSecretsModule,
};

/**
 * Modules a real k6 has that this runner does not implement. Requiring one
 * is the runner's limit, not the script's mistake, so it fails the run even
 * when the script catches it (k6 would have served the module).
 */
const K6_ONLY_MODULES = new Set([
  'k6/browser', 'k6/crypto', 'k6/crypto/x509', 'k6/data', 'k6/encoding', 'k6/html', 'k6/net/grpc', 'k6/ws',
  'k6/experimental/csv', 'k6/experimental/fs', 'k6/experimental/streams', 'k6/experimental/browser',
  'k6/experimental/grpc', 'k6/experimental/tracing', 'k6/experimental/webcrypto',
]);

type ModuleFn = (module: { exports: Record<string, unknown> }, exports: Record<string, unknown>, require: (name: string) => unknown) => void;
type Instantiate = (scope: object) => ModuleFn;

export interface Script {
  path: string;
  instantiate: Instantiate;
}

export function loadScript(file: string): Script {
  const path = resolve(file);
  let source: string;
  try {
    source = readFileSync(path, 'utf8');
  } catch (e) {
    throw scriptError(`cannot read the script ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let code: string;
  try {
    code = transformSync(source, { format: 'cjs', loader: 'js', sourcefile: path, target: 'es2022', logLevel: 'silent' }).code;
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { line: number; column: number } }[] }).errors ?? [];
    const first = errors[0];
    const where = first?.location !== undefined ? ` (${path}:${first.location.line}:${first.location.column})` : '';
    throw scriptError(`SyntaxError: ${first?.text ?? (e as Error).message}${where}`);
  }
  // `with` makes __VU, __ITER, __ENV, console and the timers resolve per VU
  // while the module code itself is compiled once.
  const body = `with (__scope) { return function (module, exports, require) {\n${code}\n}; }\n//# sourceURL=${pathToFileURL(path).href}`;
  let outer: Instantiate;
  try {
    outer = new Function('__scope', body) as Instantiate;
  } catch (e) {
    throw scriptError(`${(e as Error).name}: ${(e as Error).message} (${path})`);
  }
  return { path, instantiate: outer };
}

function formatArg(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a instanceof Error) return a.stack?.split('\n')[0] ?? String(a);
  if (typeof a === 'object' && a !== null) {
    try {
      return JSON.stringify(a);
    } catch {
      return String(a);
    }
  }
  return String(a);
}

function consoleFor(): Record<string, (...args: unknown[]) => void> {
  const at = (level: 'info' | 'warn' | 'error' | 'debug') => (...args: unknown[]) => log(level, args.map(formatArg).join(' '), { source: 'console' });
  return { log: at('info'), info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') };
}

/**
 * Failures k6 reports after the init code has run, whatever the script
 * caught: modules that could not be loaded.
 */
interface InitFailures {
  /** k6 names the emulated binary lacks, asked of a k6 >= 1.5: VU initialisation fails on them. */
  unknown: Set<string>;
  /** The runner's own limits (a k6 module it does not implement, a remote import). */
  fatal: Error | null;
}

/** k6's GoError for a name a k6 before 1.5 lacks: `GoError: unknown module: k6/timers` (0.46). */
function unknownModule(name: string): Error {
  const e = new Error(`unknown module: ${name}`);
  e.name = 'GoError';
  return e;
}

export function requireFor(vu: VU, failures: InitFailures = { unknown: new Set(), fatal: null }): (name: string) => unknown {
  const k6 = vu.rt.emulation;
  const fatal = (e: Error): Error => {
    failures.fatal ??= e;
    return e;
  };
  return (name: string) => {
    const cached = vu.modules.get(name);
    if (cached !== undefined) return cached;
    const r = resolveModule(k6, name);
    if (r === undefined) {
      if (/^https?:\/\//.test(name)) {
        throw fatal(scriptError(`the Node runner cannot fetch remote modules (${name}); build the scripts with K6_SUMMARY=local`));
      }
      if (K6_ONLY_MODULES.has(name)) {
        throw fatal(scriptError(`unknown module '${name}': the queue-k6 Node runner implements only ${servedModules(k6).join(', ')}`));
      }
      if (name !== 'k6' && !name.startsWith('k6/')) {
        throw fatal(scriptError(`cannot load module '${name}': the Node runner runs self-contained bundles; only k6 modules may stay external`));
      }
      // A k6 name this binary lacks: k6's own answer on this line.
      if (!lackedNameFailsAfterInit(k6.line)) throw unknownModule(name);
      failures.unknown.add(name);
      return {};
    }
    if (r.kind === 'removed') throw new Error(r.message);
    if (r.warning !== undefined) vu.rt.warnOnce(r.warning);
    const m = implementations[r.impl](vu);
    vu.modules.set(name, m);
    return m;
  };
}

/** k6's words for the names a k6 >= 1.5 could not load (recorded on 1.5, 1.6, 2.2). */
export function unknownModulesMessage(names: Iterable<string>): string {
  const list = [...names].map((n) => JSON.stringify(n)).join(', ');
  return `unknown modules [${list}] were tried to be loaded, but couldn't - this likely means automatic extension resolution is required or a custom k6 binary with the required extensions`;
}

/** Evaluates the script's module body for this VU; returns its exports. */
export function instantiate(script: Script, vu: VU): Record<string, unknown> {
  const timers = () => timersOf(vu);
  const scope = Object.create(null) as Record<string, unknown>;
  const con = consoleFor();
  Object.defineProperties(scope, {
    __VU: { get: () => vu.id },
    __ITER: { get: () => vu.iterationInScenario },
    __ENV: { get: () => vu.env },
    console: { value: con },
    open: {
      value: (p: unknown) => {
        throw scriptError(`open('${String(p)}') is not supported by the queue-k6 Node runner: bundle the data into the script`);
      },
    },
  });
  // Timers are globals on k6 2.x only; elsewhere the names must not fall
  // through to Node's own setTimeout, so they read as undefined.
  const globalTimers = hasGlobalTimers(vu.rt.emulation.line);
  for (const name of ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] as const) {
    Object.defineProperty(scope, name, { get: globalTimers ? () => timers()[name] : () => undefined });
  }
  const module = { exports: {} as Record<string, unknown> };
  const failures: InitFailures = { unknown: new Set(), fatal: null };
  vu.phase = 'init';
  try {
    script.instantiate(scope)(module, module.exports, requireFor(vu, failures));
  } catch (e) {
    // The runner's own limit is what gets reported, whether the init code went on or died of it;
    // otherwise the script's exception, as k6 1.5 reported `k6/websockets has no WebSocket` (k6-reference).
    throw failures.fatal ?? e;
  }
  if (failures.fatal !== null) throw failures.fatal;
  if (failures.unknown.size > 0) throw scriptError(unknownModulesMessage(failures.unknown));
  vu.phase = 'run';
  vu.exports = module.exports;
  return module.exports;
}
