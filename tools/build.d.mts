// Types of tools/build.mjs for the TypeScript that reuses it (bench/build.ts, tests).
import type { Metafile } from 'esbuild';
export const K6_TARGET: string;
export const K6_STABLE_MODULES: string[];
export const K6_ROUTED_MODULES: Record<string, string>;
export function bundleK6Scripts(opts: {
  entries: string[];
  outdir: string;
  /** Ignored: one build runs on every k6 from 0.46 to 2.x. Kept so older callers compile. */
  compat?: 'current' | 'legacy';
  summary?: 'remote' | 'local';
  sourcemap?: boolean | 'linked' | 'inline' | 'external' | 'both';
}): Promise<Metafile>;
