// Bundles the bench's k6 scripts (bench/k6/*.ts but the helpers) with the
// scenarios' bundler (tools/build.mjs): ES module (CommonJS for K6_COMPAT=legacy),
// lib/ inside, k6 modules external and renamed for older k6.
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleK6Scripts } from '../tools/build.mjs';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const BENCH_SCRIPTS = ['queue-wait', 'bare-ws', 'fair-floor'] as const;

/** Returns script name → bundle path. */
export async function buildBenchScripts(compat: 'current' | 'legacy'): Promise<Record<string, string>> {
  const outdir = join(ROOT, 'build', compat === 'legacy' ? 'bench-legacy' : 'bench');
  await bundleK6Scripts({
    entries: BENCH_SCRIPTS.map((s) => join(ROOT, 'bench/k6', `${s}.ts`)),
    outdir,
    compat,
    summary: 'local',
    sourcemap: false,
  });
  return Object.fromEntries(BENCH_SCRIPTS.map((s) => [s, join(outdir, `${s}.js`)]));
}
