// Loads a k6 script: esbuild turns it (ES module or CommonJS) into CommonJS
// once; every VU then evaluates its own module instance with its own k6
// module objects and its own __VU/__ITER/__ENV, as every k6 VU is a separate
// JavaScript runtime.
import { transformSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { scriptError } from './errors.ts';
import { log } from './log.ts';
import { createExecutionModule } from './modules/execution.ts';
import { createHttpModule } from './modules/http.ts';
import { createK6Module } from './modules/k6.ts';
import { createMetricsModule } from './modules/metrics.ts';
import { createRedisModule } from './modules/redis.ts';
import { createTimersModule, timersOf } from './modules/timers.ts';
import { createWebSocketsModule } from './modules/websockets.ts';
import type { VU } from './vu.ts';

type Factory = (vu: VU) => Record<string, unknown>;

const builtin: Record<string, Factory> = {
  k6: createK6Module,
  'k6/http': createHttpModule,
  'k6/metrics': createMetricsModule,
  'k6/execution': createExecutionModule,
  'k6/timers': createTimersModule,
  'k6/experimental/timers': createTimersModule,
  'k6/websockets': createWebSocketsModule,
  'k6/experimental/websockets': createWebSocketsModule,
  'k6/x/redis': createRedisModule,
  'k6/experimental/redis': createRedisModule,
};

export const SUPPORTED_MODULES = Object.keys(builtin);

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

export function requireFor(vu: VU): (name: string) => unknown {
  return (name: string) => {
    const cached = vu.modules.get(name);
    if (cached !== undefined) return cached;
    const factory = builtin[name];
    if (factory === undefined) {
      if (/^https?:\/\//.test(name)) {
        throw scriptError(`the Node runner cannot fetch remote modules (${name}); build the scripts with K6_SUMMARY=local`);
      }
      if (name === 'k6' || name.startsWith('k6/')) {
        throw scriptError(`unknown module '${name}': the queue-k6 Node runner implements only ${SUPPORTED_MODULES.join(', ')}`);
      }
      throw scriptError(`cannot load module '${name}': the Node runner runs self-contained bundles; only k6 modules may stay external`);
    }
    const m = factory(vu);
    vu.modules.set(name, m);
    return m;
  };
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
    setTimeout: { get: () => timers().setTimeout },
    clearTimeout: { get: () => timers().clearTimeout },
    setInterval: { get: () => timers().setInterval },
    clearInterval: { get: () => timers().clearInterval },
  });
  const module = { exports: {} as Record<string, unknown> };
  vu.phase = 'init';
  script.instantiate(scope)(module, module.exports, requireFor(vu));
  vu.phase = 'run';
  vu.exports = module.exports;
  return module.exports;
}
