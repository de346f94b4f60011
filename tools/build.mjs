#!/usr/bin/env node
// Bundles every scenarios/*.ts into a self-contained k6 script build/<name>.js.
// lib/ and the JSON files are bundled in; only k6's own modules (and, unless
// K6_SUMMARY=local, the k6-summary jslib URL) stay external, so k6 Cloud can
// upload the file alone. bench/ reuses bundleK6Scripts for its own k6 scripts.
//
// One build for every k6 from 0.46 to 2.x:
// - CommonJS, so no k6 runs its per-VU Babel pass over an ES module (k6 0.48:
//   1.38 GB against 685 MB for 200 VUs, shared/design.md);
// - syntax down to ES2017, which k6 0.46's parser reads (no ??, ?., class
//   fields, object spread: esbuild lowers them; test/e2e/compat.test.ts checks);
// - the modules whose names changed between releases (websockets, timers,
//   Redis, secrets) are not imported at all: lib's imports of 'k6/websockets',
//   'k6/timers' and 'k6/x/redis' are routed to lib/k6/, which picks the names
//   this k6 has at init time (lib/k6/select.ts). The other k6 modules have one
//   name on every release and stay plain requires.
//
//   K6_SUMMARY=remote (default)  textSummary from https://jslib.k6.io/k6-summary/0.1.0/index.js
//   K6_SUMMARY=local             the same API from lib/summary/text.ts, for machines without internet
//   K6_COMPAT                    no longer used (one build runs everywhere); `legacy` gets a warning
import { build } from 'esbuild';
import { readdirSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUMMARY_URL = 'https://jslib.k6.io/k6-summary/0.1.0/index.js';

/** The syntax level every bundle keeps to: what k6 0.46 parses. */
export const K6_TARGET = 'es2017';

/** k6 modules with one name on every release from 0.46 to 2.x; must match STABLE_MODULES in lib/k6/select.ts. */
export const K6_STABLE_MODULES = ['k6', 'k6/http', 'k6/metrics', 'k6/execution'];

/** Version-dependent k6 modules lib may import, and the file of lib/k6/ that serves each. */
export const K6_ROUTED_MODULES = {
  'k6/websockets': 'lib/k6/websockets.ts',
  'k6/timers': 'lib/k6/timers.ts',
  'k6/x/redis': 'lib/k6/redis.ts',
};

/** Keeps the stable k6 modules external, routes the version-dependent ones to lib/k6/, refuses the rest. */
function k6Modules(summary) {
  return {
    name: 'k6-modules',
    setup(b) {
      b.onResolve({ filter: /^k6(\/.*)?$/ }, (args) => {
        if (K6_STABLE_MODULES.includes(args.path)) return { path: args.path, external: true };
        const routed = K6_ROUTED_MODULES[args.path];
        if (routed !== undefined) return { path: join(root, routed) };
        return {
          errors: [{
            text: `${args.path} is not in queue-k6's module table: its name differs between k6 releases or it is not used yet. ` +
              'Add it to lib/k6/select.ts (and K6_ROUTED_MODULES or K6_STABLE_MODULES in tools/build.mjs), then import it from lib/k6/modules.ts',
          }],
        };
      });
      b.onResolve({ filter: /^https?:\/\// }, (args) => {
        if (args.path === SUMMARY_URL && summary === 'local') return { path: join(root, 'lib/summary/text.ts') };
        return { path: args.path, external: true };
      });
    },
  };
}

/** Bundles k6 scripts; returns the esbuild metafile. `compat` is accepted and ignored: there is one build. */
export async function bundleK6Scripts({ entries, outdir, summary = 'remote', sourcemap = 'linked' }) {
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    entryPoints: entries,
    outdir,
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: K6_TARGET,
    mainFields: ['module', 'main'],
    sourcemap,
    minify: false,
    treeShaking: true,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [k6Modules(summary)],
    banner: { js: `// queue-k6 build for k6 0.46 to 2.x (CommonJS, ${K6_TARGET}), K6_SUMMARY=${summary}. Generated from scenarios/ and lib/; edit those, not this file.` },
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

/** K6_COMPAT picked between two builds; there is one now. */
function warnAboutCompat() {
  const v = (process.env.K6_COMPAT ?? '').trim();
  if (v === 'legacy') {
    console.error('K6_COMPAT=legacy is no longer needed and is ignored: build/*.js runs on every k6 from 0.46 to 2.x (unset K6_COMPAT)');
  } else if (v !== '' && v !== 'current') {
    console.error(`K6_COMPAT=${v} is ignored: there is one build for every k6 from 0.46 to 2.x (unset K6_COMPAT)`);
  }
}

async function main() {
  warnAboutCompat();
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
  const metafile = await bundleK6Scripts({ entries, outdir, summary }).catch(() => process.exit(1));
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (file.endsWith('.js')) console.log(`built ${file.replace(`${root}/`, '')} (${(out.bytes / 1024).toFixed(1)} KiB)`);
  }
  console.log(`esbuild: ${entries.length} scenario(s) in ${Date.now() - started} ms (CommonJS ${K6_TARGET} for k6 0.46 to 2.x, K6_SUMMARY=${summary})`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
