// Bundles the bench's k6 scripts (bench/k6/*.ts but the helpers) the way
// tools/build.mjs bundles the scenarios: ES module (CommonJS for K6_COMPAT=legacy),
// lib/ inside, k6 modules external and renamed for older k6.
import { build } from 'esbuild';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const LEGACY_NAMES: Record<string, string> = {
  'k6/websockets': 'k6/experimental/websockets',
  'k6/x/redis': 'k6/experimental/redis',
  'k6/timers': 'k6/experimental/timers',
};
export const BENCH_SCRIPTS = ['queue-wait', 'bare-ws'] as const;

/** Returns script name → bundle path. */
export async function buildBenchScripts(compat: 'current' | 'legacy'): Promise<Record<string, string>> {
  const outdir = join(ROOT, 'build', compat === 'legacy' ? 'bench-legacy' : 'bench');
  await build({
    entryPoints: BENCH_SCRIPTS.map((s) => join(ROOT, 'bench/k6', `${s}.ts`)),
    outdir,
    bundle: true,
    format: compat === 'legacy' ? 'cjs' : 'esm',
    platform: 'neutral',
    target: compat === 'legacy' ? 'es2017' : 'es2020',
    mainFields: ['module', 'main'],
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [{
      name: 'k6-modules',
      setup(b) {
        b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => ({ path: compat === 'legacy' ? (LEGACY_NAMES[args.path] ?? args.path) : args.path, external: true }));
      },
    }],
  });
  return Object.fromEntries(BENCH_SCRIPTS.map((s) => [s, join(outdir, `${s}.js`)]));
}
