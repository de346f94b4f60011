#!/usr/bin/env node
// Bundles every scenarios/*.ts into a self-contained k6 script build/<name>.js.
// lib/ and the JSON files are bundled in; only k6's own modules (and, unless
// K6_SUMMARY=local, the k6-summary jslib URL) stay external, so k6 Cloud can
// upload the file alone. bench/ reuses bundleK6Scripts for its own k6 scripts.
//
//   K6_COMPAT=current (default)  k6 >= 1.6: k6/websockets, k6/x/redis, k6/timers; ES module
//   K6_COMPAT=legacy             k6 0.46 - 1.5: k6/experimental/{websockets,redis,timers}; CommonJS
//   K6_SUMMARY=remote (default)  textSummary from https://jslib.k6.io/k6-summary/0.1.0/index.js
//   K6_SUMMARY=local             the same API from lib/summary/text.ts, for machines without internet
import { build } from 'esbuild';
import { readdirSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUMMARY_URL = 'https://jslib.k6.io/k6-summary/0.1.0/index.js';
const LEGACY_NAMES = {
  'k6/websockets': 'k6/experimental/websockets',
  'k6/x/redis': 'k6/experimental/redis',
  'k6/timers': 'k6/experimental/timers',
};

/** Keeps k6 modules external, renaming them for older k6, and places the summary jslib. */
function k6Modules(compat, summary) {
  return {
    name: 'k6-modules',
    setup(b) {
      b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => ({
        path: compat === 'legacy' ? (LEGACY_NAMES[args.path] ?? args.path) : args.path,
        external: true,
      }));
      b.onResolve({ filter: /^https?:\/\// }, (args) => {
        if (args.path === SUMMARY_URL && summary === 'local') return { path: join(root, 'lib/summary/text.ts') };
        return { path: args.path, external: true };
      });
    },
  };
}

/** Bundles k6 scripts; returns the esbuild metafile. */
export async function bundleK6Scripts({ entries, outdir, compat = 'current', summary = 'remote', sourcemap = 'linked' }) {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: compat === 'legacy' ? 'cjs' : 'esm',
    platform: 'neutral',
    target: compat === 'legacy' ? 'es2017' : 'es2020',
    mainFields: ['module', 'main'],
    sourcemap,
    minify: false,
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [k6Modules(compat, summary)],
    banner: { js: `// queue-k6 build: K6_COMPAT=${compat} K6_SUMMARY=${summary}. Generated from scenarios/ and lib/; edit those, not this file.` },
  });
  return result.metafile;
}

function choice(name, allowed, fallback) {
  const v = (process.env[name] ?? '').trim() || fallback;
  if (!allowed.includes(v)) {
    console.error(`invalid ${name}; reason: expected one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
    process.exit(2);
  }
  return v;
}

async function main() {
  const compat = choice('K6_COMPAT', ['current', 'legacy'], 'current');
  const summary = choice('K6_SUMMARY', ['remote', 'local'], 'remote');
  const outdir = resolve(root, process.env.BUILD_DIR ?? 'build');
  const entries = readdirSync(join(root, 'scenarios'))
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(root, 'scenarios', f));
  if (entries.length === 0) {
    console.error('no scenarios/*.ts to build');
    process.exit(1);
  }
  const started = Date.now();
  const metafile = await bundleK6Scripts({ entries, outdir, compat, summary }).catch(() => process.exit(1));
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.js')) console.log(`built ${file.replace(`${root}/`, '')} (${(out.bytes / 1024).toFixed(1)} KiB)`);
  }
  console.log(`esbuild: ${entries.length} scenario(s) in ${Date.now() - started} ms (K6_COMPAT=${compat}, K6_SUMMARY=${summary})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
