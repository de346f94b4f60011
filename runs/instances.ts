// Where instance summaries come from: `<prefix>.json` results files (the
// summary data plus `queue_k6`), or log lines carrying the marker
// `QUEUE_K6_PARTIAL <json>` (what each split instance prints on stdout, read
// back with `kubectl logs`, which may prefix lines with `[pod/x/k6] `).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { PARTIAL_MARKER } from '../lib/summary/outputs.ts';
import type { NotInForce, Rule } from '../lib/rules/build.ts';
import type { RuleOutcome } from '../lib/rules/judge.ts';
import type { SummaryData } from '../lib/summary/types.ts';
import { InputError } from './errors.ts';

export { PARTIAL_MARKER };

/** `queue_k6` as each instance writes it (format 1). */
export interface RunMeta {
  format: number;
  runId: string;
  scenario: string;
  eventId: string | null;
  k6Version: string | null;
  /** INSTANCES: how many instances the run was split into; 1 = unsplit. */
  instances: number;
  /** This instance's --execution-segment, e.g. '1/4:2/4'; null when unsplit. */
  segment: string | null;
  params: Record<string, string | number | boolean | null>;
  vars: Record<string, number>;
  /** The whole run's thresholds in k6 syntax (what one unsplit run judges). */
  thresholds: Record<string, string[]>;
  notes: string[];
  startAt: number | null;
  /** Format 2: the whole run's rules with their needs (lib/rules/build.ts), judged again on the merged data. */
  rulePlan?: { rules: Rule[]; notInForce: NotInForce[] };
  /** Format 2: each rule's outcome in this summary. */
  rules?: RuleOutcome[];
}

/**
 * One instance's summary. From a `<prefix>.json` file all of handleSummary's
 * data; from a `QUEUE_K6_PARTIAL` log line only metrics, state and options
 * (no root_group).
 */
export interface InstanceSummary {
  meta: RunMeta;
  data: Pick<SummaryData, 'metrics' | 'state' | 'options'> & Partial<Pick<SummaryData, 'root_group'>>;
  /** Where it came from, for messages: a file path or `stdin line 12`. */
  source: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the fields of `queue_k6` the verdict relies on; the message names the source. */
export function parseMeta(raw: unknown, source: string): RunMeta {
  const bad = (what: string): never => {
    throw new InputError(`${source}: invalid queue_k6; reason: ${what}`);
  };
  if (!isObject(raw)) return bad('expected an object');
  if (raw.format !== 1 && raw.format !== 2) bad(`expected format 1 or 2, got ${JSON.stringify(raw.format)} (a newer suite wrote it?)`);
  if (typeof raw.runId !== 'string' || raw.runId === '') bad('expected a runId string');
  if (typeof raw.scenario !== 'string' || raw.scenario === '') bad('expected a scenario string');
  if (typeof raw.instances !== 'number' || !Number.isInteger(raw.instances) || raw.instances < 1) bad(`expected instances to be an integer >= 1, got ${JSON.stringify(raw.instances)}`);
  if (raw.segment !== null && raw.segment !== undefined && typeof raw.segment !== 'string') bad('expected segment to be a string or null');
  if (!isObject(raw.thresholds)) bad('expected thresholds to be an object of metric -> expressions');
  for (const [k, v] of Object.entries(raw.thresholds as Record<string, unknown>)) {
    if (!Array.isArray(v) || v.some((e) => typeof e !== 'string')) bad(`expected thresholds['${k}'] to be a list of expressions`);
  }
  const plan = raw.rulePlan;
  const rulePlan = isObject(plan) && Array.isArray(plan.rules) && Array.isArray(plan.notInForce) ? (plan as unknown as RunMeta['rulePlan']) : undefined;
  return {
    format: raw.format as number,
    ...(rulePlan !== undefined ? { rulePlan } : {}),
    runId: raw.runId as string,
    scenario: raw.scenario as string,
    eventId: typeof raw.eventId === 'string' ? raw.eventId : null,
    k6Version: typeof raw.k6Version === 'string' ? raw.k6Version : null,
    instances: raw.instances as number,
    segment: typeof raw.segment === 'string' ? raw.segment : null,
    params: isObject(raw.params) ? (raw.params as RunMeta['params']) : {},
    vars: isObject(raw.vars) ? (raw.vars as RunMeta['vars']) : {},
    thresholds: raw.thresholds as RunMeta['thresholds'],
    notes: Array.isArray(raw.notes) ? raw.notes.filter((n): n is string => typeof n === 'string') : [],
    startAt: typeof raw.startAt === 'number' ? raw.startAt : null,
  };
}

function checkData(raw: unknown, source: string): InstanceSummary['data'] {
  if (!isObject(raw) || !isObject(raw.metrics)) throw new InputError(`${source}: no summary metrics (expected handleSummary's data with a metrics object)`);
  return raw as unknown as InstanceSummary['data'];
}

/** A results file's object: handleSummary's data plus `queue_k6`. Undefined when it has no queue_k6. */
export function fromResultsObject(raw: unknown, source: string): InstanceSummary | undefined {
  if (!isObject(raw) || raw.queue_k6 === undefined) return undefined;
  const { queue_k6: meta, ...data } = raw;
  return { meta: parseMeta(meta, source), data: checkData(data, source), source };
}

/** A marker line's object: `{ ...queue_k6, data: { metrics, state, options } }`. */
export function fromPartialObject(raw: unknown, source: string): InstanceSummary {
  if (!isObject(raw)) throw new InputError(`${source}: expected a JSON object after ${PARTIAL_MARKER.trim()}`);
  const { data, ...meta } = raw;
  return { meta: parseMeta(meta, source), data: checkData(data, source), source };
}

/**
 * The JSON of a marker line. Printed on stdout it follows the marker as is;
 * a log collector may have wrapped the line in logfmt (`msg="QUEUE_K6_PARTIAL {\"…"`),
 * so a quoted msg value is unquoted and read again.
 */
function markerJson(line: string): unknown {
  const at = line.indexOf(PARTIAL_MARKER);
  const rest = line.slice(at + PARTIAL_MARKER.length).trim();
  try {
    return JSON.parse(rest);
  } catch (first) {
    const quoted = /msg="((?:[^"\\]|\\.)*)"/.exec(line);
    if (quoted && quoted[1]!.includes(PARTIAL_MARKER.trim())) {
      // Go quotes with \xNN for some bytes; JSON wants \u00NN.
      const unquoted = JSON.parse(`"${quoted[1]!.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')}"`) as string;
      return JSON.parse(unquoted.slice(unquoted.indexOf(PARTIAL_MARKER) + PARTIAL_MARKER.length).trim());
    }
    throw first;
  }
}

export interface LogRead {
  summaries: InstanceSummary[];
  /** Marker lines that could not be read (cut by the log collector?), one message each. */
  problems: string[];
}

/** Every marker line of a log (kubectl output, an instance's .log file); other lines are ignored. */
export function summariesFromLog(text: string, sourceName: string): LogRead {
  const summaries: InstanceSummary[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.includes(PARTIAL_MARKER)) return;
    const source = `${sourceName} line ${i + 1}`;
    let raw: unknown;
    try {
      raw = markerJson(line);
    } catch {
      problems.push(`${source}: a ${PARTIAL_MARKER.trim()} line that is not complete JSON (${line.length} characters; cut by the log collector?)`);
      return;
    }
    try {
      summaries.push(fromPartialObject(raw, source));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      problems.push(err.message);
    }
  });
  return { summaries, problems };
}

/**
 * A file given on the command line: a results JSON file with queue_k6, or a
 * log holding marker lines (an instance's `<prefix>.log`).
 */
export function summariesFromFile(path: string): LogRead {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  if (text.trimStart().startsWith('{')) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      raw = undefined;
    }
    if (raw !== undefined) {
      const s = fromResultsObject(raw, path);
      if (s === undefined) throw new InputError(`${path} has no queue_k6: it is not the summary of a queue-k6 run (or it was written before split runs existed)`);
      return { summaries: [s], problems: [] };
    }
  }
  const read = summariesFromLog(text, path);
  if (read.summaries.length === 0 && read.problems.length === 0) {
    throw new InputError(`${path} is neither a summary JSON with queue_k6 nor a log with ${PARTIAL_MARKER.trim()} lines`);
  }
  return read;
}

/** `mass-burst-20261127T040000Z-i2of4.json` → `mass-burst-20261127T040000Z`; undefined without the instance suffix. */
export function runPrefixOf(file: string): string | undefined {
  const m = /^(.*)-i\d+of\d+\.json$/.exec(basename(file));
  return m ? m[1] : undefined;
}

export interface DirectoryRun {
  runId: string;
  summaries: InstanceSummary[];
  /** Other runs in the directory with the same id, judged not (older). */
  olderWithSameId: number;
}

/**
 * The instances of one split run in a results directory: `--run` picks the
 * id, else the run whose newest file is newest. Files of unsplit runs
 * (instances 1) and earlier verdicts are skipped. The same id in several runs
 * (EVENT_ID reused) is told apart by the file prefix; the newest is judged.
 */
export function summariesFromDirectory(dir: string, runId: string | undefined): DirectoryRun {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new InputError(`cannot read the results directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  interface Found { summary: InstanceSummary; mtime: number; prefix: string }
  const found: Found[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.endsWith('-verdict.json')).sort()) {
    const path = join(dir, name);
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      continue; // not a summary (or still being written)
    }
    if (!isObject(raw) || !isObject(raw.queue_k6) || (raw.queue_k6 as Record<string, unknown>).verdict !== undefined) continue;
    const summary = fromResultsObject(raw, path);
    if (summary === undefined || summary.meta.instances <= 1) continue;
    found.push({ summary, mtime: statSync(path).mtimeMs, prefix: runPrefixOf(name) ?? summary.meta.runId });
  }
  if (found.length === 0) throw new InputError(`no instance summaries of a split run (queue_k6.instances > 1) in ${dir}`);

  const ids = [...new Set(found.map((f) => f.summary.meta.runId))];
  let chosen = runId;
  if (chosen === undefined || chosen === 'latest') {
    chosen = found.reduce((a, b) => (b.mtime > a.mtime ? b : a)).summary.meta.runId;
  } else if (!ids.includes(chosen)) {
    throw new InputError(`no run with id ${chosen} in ${dir}; found: ${ids.join(', ')}`);
  }
  const ofRun = found.filter((f) => f.summary.meta.runId === chosen);
  const prefixes = [...new Set(ofRun.map((f) => f.prefix))];
  const newest = (p: string): number => Math.max(...ofRun.filter((f) => f.prefix === p).map((f) => f.mtime));
  const prefix = prefixes.reduce((a, b) => (newest(b) > newest(a) ? b : a));
  return {
    runId: chosen,
    summaries: ofRun.filter((f) => f.prefix === prefix).map((f) => f.summary),
    olderWithSameId: prefixes.length - 1,
  };
}
