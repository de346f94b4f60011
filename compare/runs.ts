// Which runs `make compare` compares, and what it reads of each: the results
// JSON a scenario run wrote (results/<scenario>-<stamp>.json) or the merged
// verdict of a split run (results/<scenario>-<stamp>-verdict.json, the same
// shape), and the run's k6 `--out json` samples beside it
// (<prefix>.ndjson.gz, or <prefix>-i<k>of<N>.ndjson.gz for each instance of a
// split run). Without BASE and RUN: the two newest runs of one scenario.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseSummary, type RunSummary } from '../runs/run-file.ts';
import { describeFsError, InputError } from '../runs/samples.ts';

/** A run file's name: <scenario>-<YYYYMMDDTHHMMSSZ>[-verdict].json (instances' -i<k>of<N>.json are parts, not runs). */
const RUN_NAME = /^(.+)-(\d{8}T\d{6}Z)(-verdict)?\.json$/;
const INSTANCE_NAME = /-i\d+of\d+\.json$/;

export interface RunFile {
  path: string;
  summary: RunSummary;
  /** queue_k6 as written (rules, verdict and anything else runs/run-file.ts does not type). */
  queueRaw: Record<string, unknown>;
  /** 'verdict': a split run's merged verdict; 'instance': one instance's own summary (a part of a run). */
  kind: 'run' | 'verdict' | 'instance';
}

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

/** Reads a run file; an unreadable or malformed one is an InputError with one line to print. */
export function loadRunFile(path: string): RunFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read run '${path}': ${describeFsError(err)}`);
  }
  const summary = parseSummary(text, path);
  const raw = asRecord(asRecord(JSON.parse(text))?.queue_k6) ?? {};
  const kind = asRecord(raw.verdict) !== undefined ? 'verdict' : typeof raw.segment === 'string' && raw.segment !== '' ? 'instance' : 'run';
  return { path, summary, queueRaw: raw, kind };
}

interface Listed {
  path: string;
  scenario: string;
  stamp: string;
}

/** The run files of a results directory, newest first (by the stamp in their names). */
export function listRuns(dir: string): Listed[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new InputError(`cannot read the results directory '${dir}': ${describeFsError(err)}`);
  }
  const out: Listed[] = [];
  for (const name of names) {
    if (INSTANCE_NAME.test(name)) continue;
    const m = RUN_NAME.exec(name);
    if (m === null) continue;
    out.push({ path: join(dir, name), scenario: m[1]!, stamp: m[2]! + (m[3] === undefined ? '' : '-verdict') });
  }
  return out.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : a.path < b.path ? 1 : -1));
}

function scenarioOf(path: string): string | undefined {
  const m = RUN_NAME.exec(basename(path));
  if (m !== null) return m[1]!;
  try {
    const s = asRecord(asRecord(JSON.parse(readFileSync(path, 'utf8')))?.queue_k6)?.scenario;
    return typeof s === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

export interface Pair {
  base: string;
  run: string;
  /** How the pair was chosen, for the first line of the output. */
  chosen: string;
}

/**
 * BASE and RUN as given, or found in `dir`: RUN the newest run, BASE the
 * newest older run of the same scenario (either may be given alone).
 */
export function choosePair(dir: string, base?: string, run?: string): Pair {
  if (base !== undefined && run !== undefined) return { base, run, chosen: 'as given' };
  const runs = listRuns(dir);
  const hint = `give both: make compare BASE=${dir}/<scenario>-<stamp>.json RUN=${dir}/<scenario>-<stamp>.json`;
  if (run === undefined && base === undefined) {
    if (runs.length === 0) throw new InputError(`no runs in ${dir}/ to compare: run a scenario twice first (make scenario-2), or ${hint}`);
    const newest = runs[0]!;
    const older = runs.find((r) => r.scenario === newest.scenario && r.path !== newest.path);
    if (older === undefined) {
      throw new InputError(`${dir}/ holds one ${newest.scenario} run (${newest.path}): run it again for a second one to compare with, or ${hint}`);
    }
    return { base: older.path, run: newest.path, chosen: `the two newest ${newest.scenario} runs in ${dir}/` };
  }
  const given = (run ?? base)!;
  const scenario = scenarioOf(given);
  if (scenario === undefined) throw new InputError(`cannot tell the scenario of '${given}' (not a run file name, no queue_k6.scenario): ${hint}`);
  const same = runs.filter((r) => r.scenario === scenario && r.path !== given && basename(r.path) !== basename(given));
  if (run !== undefined) {
    const stamp = RUN_NAME.exec(basename(run))?.[2];
    const older = same.find((r) => (stamp === undefined ? mtime(r.path) < mtime(run) : r.stamp.slice(0, 16) < stamp));
    if (older === undefined) throw new InputError(`no ${scenario} run older than ${run} in ${dir}/ to use as the base: ${hint}`);
    return { base: older.path, run, chosen: `base: the ${scenario} run before it in ${dir}/` };
  }
  const newest = same[0];
  if (newest === undefined) throw new InputError(`no other ${scenario} run in ${dir}/ to compare with ${base}: ${hint}`);
  return { base: base!, run: newest.path, chosen: `run: the newest ${scenario} run in ${dir}/` };
}

/**
 * The k6 `--out json` files of a run file: <prefix>.ndjson(.gz) beside
 * <prefix>.json, or every <prefix>-i<k>of<N>.ndjson(.gz) beside a split run's
 * <prefix>-verdict.json.
 */
export function sampleFilesOf(path: string): string[] {
  const dir = dirname(path);
  const name = basename(path);
  if (!name.endsWith('.json')) return [];
  const stem = name.slice(0, -'.json'.length);
  const own = [`${stem}.ndjson.gz`, `${stem}.ndjson`].filter((f) => existsSync(join(dir, f)));
  if (own.length > 0) return [join(dir, own[0]!)];
  if (!stem.endsWith('-verdict')) return [];
  const prefix = stem.slice(0, -'-verdict'.length);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const part = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-i(\\d+)of\\d+\\.ndjson(\\.gz)?$`);
  return names
    .map((n) => ({ n, m: part.exec(n) }))
    .filter((x) => x.m !== null)
    .sort((a, b) => Number(a.m![1]) - Number(b.m![1]))
    .map((x) => join(dir, x.n));
}
