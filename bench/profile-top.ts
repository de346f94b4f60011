// Where a load generator's CPU went: reads a V8 CPU profile (node --cpu-prof,
// as `BENCH_CPU_PROF=dir make bench` writes for (a) and (d)) and prints the
// functions with the most self time, and self time per source file.
//
//   node --import tsx bench/profile-top.ts results/prof/a-19000 [top=25]
// A folder holds one profile per thread: the main thread's (tid 0 in the name,
// where the VUs run) is read, else the one with the most samples.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface Profile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }

export interface Entry { name: string; ms: number; share: number }

function fileOf(url: string): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) return path.slice(nm + '/node_modules/'.length).split('/').slice(0, 1).join('/');
  if (path.startsWith('node:')) return path;
  const i = path.indexOf('/runner/');
  if (i !== -1) return path.slice(i + 1);
  if (path.includes('/build/')) return `build/${basename(path)}`;
  return basename(path);
}

function keyOf(f: CallFrame): string {
  return `${f.functionName || '(anonymous)'}  ${fileOf(f.url)}${f.url === '' ? '' : `:${f.lineNumber + 1}`}`;
}

/**
 * Self time per function and per file, and inclusive time (self and callees)
 * of the script's own functions (the bundle in build/), in ms, highest first.
 */
export function selfTimes(p: Profile): { total: number; functions: Entry[]; files: Entry[]; script: Entry[] } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) parent.set(c, n.id);
  }
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    // timeDeltas[i] is the time before sample i; it belongs to the sample before it.
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    self.set(p.samples[i]!, (self.get(p.samples[i]!) ?? 0) + dt);
  }
  const fn = new Map<string, number>();
  const file = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    total += ms;
    const where = fileOf(f.url);
    const key = keyOf(f);
    fn.set(key, (fn.get(key) ?? 0) + ms);
    file.set(where, (file.get(where) ?? 0) + ms);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const cf = byId.get(at)!.callFrame;
      if (!cf.url.includes('/build/')) continue;
      const k = keyOf(cf);
      if (seen.has(k)) continue; // recursion counts once
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
    }
  }
  const sorted = (m: Map<string, number>) => [...m].map(([name, ms]) => ({ name, ms, share: total > 0 ? ms / total : 0 })).sort((a, b) => b.ms - a.ms);
  return { total, functions: sorted(fn), files: sorted(file), script: sorted(inclusive) };
}

/** CPU.<date>.<time>.<pid>.<tid>.<seq>.cpuprofile: tid 0 is the main thread. */
function mainThreadProfile(dir: string): string {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) throw new Error(`no .cpuprofile in ${dir}`);
  const main = files.find((f) => f.split('.')[4] === '0');
  if (main !== undefined) return join(dir, main);
  return join(dir, files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0]!);
}

function main(): void {
  let [file, topArg] = process.argv.slice(2);
  if (file === undefined) {
    process.stderr.write('usage: node --import tsx bench/profile-top.ts FILE.cpuprofile|FOLDER [top]\n');
    process.exit(2);
  }
  let p: Profile;
  try {
    if (statSync(file).isDirectory()) file = mainThreadProfile(file);
    p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  } catch (err) {
    process.stderr.write(`profile-top: cannot read ${file} as a V8 CPU profile (${(err as Error).message}); write one with node --cpu-prof\n`);
    process.exit(2);
  }
  const top = Number(topArg ?? 25);
  const { total, functions, files, script } = selfTimes(p);
  const row = (e: Entry) => `${e.ms.toFixed(0).padStart(8)} ms ${(e.share * 100).toFixed(1).padStart(5)} %  ${e.name}`;
  console.log(`${file}: ${(total / 1000).toFixed(1)} s sampled`);
  console.log('\nself time by function');
  for (const e of functions.slice(0, top)) console.log(row(e));
  console.log('\nself time by file');
  for (const e of files.slice(0, Math.min(top, 15))) console.log(row(e));
  console.log("\nthe script's own functions (build/), self time and callees");
  for (const e of script.slice(0, top)) console.log(row(e));
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(basename(process.argv[1]))) main();
