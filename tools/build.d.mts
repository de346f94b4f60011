// Types of tools/build.mjs for the TypeScript that reuses it (bench/build.ts).
import type { Metafile } from 'esbuild';
export function bundleK6Scripts(opts: {
  entries: string[];
  outdir: string;
  compat?: 'current' | 'legacy';
  summary?: 'remote' | 'local';
  sourcemap?: boolean | 'linked' | 'inline' | 'external' | 'both';
}): Promise<Metafile>;
