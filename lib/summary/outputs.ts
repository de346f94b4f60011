// What a scenario's handleSummary returns: the text for stdout (with the
// scenario's diagnosis after it) and two files per run under results/, the
// raw summary data as JSON (what the end-to-end tests assert on) and the
// thresholds as JUnit XML (for CI).
//
//   export function handleSummary(data) {
//     return summaryOutputs({ scenario: 'scenario-1', data, now: new Date(),
//       text: textSummary(data, { enableColors: true }), notes: diagnose(data) });
//   }

import { rulesJUnit, thresholdsJUnit, type RuleCase } from './junit';
import type { SummaryData } from './types';

export interface SummaryOutputsOptions {
  /** Names the files; characters outside [A-Za-z0-9._-] become '-'. */
  scenario: string;
  data: SummaryData;
  /** The end of the run; names the files, so runs do not overwrite each other. */
  now: Date;
  /** Directory of the files, relative to where k6 runs; default 'results'. */
  resultsDir?: string;
  /** The already-rendered summary text, printed first. */
  text: string;
  /** Diagnosis lines printed after the text, each prefixed with 'diagnosis: '. */
  notes?: string[];
  /**
   * The files' path without extension (RESULTS_PREFIX, e.g. results/mass-burst-20261127T040000Z-i1of4);
   * default `<resultsDir>/<scenario>-<UTC stamp>`.
   */
  prefix?: string;
  /** Stored beside k6's data in the JSON file as `queue_k6` (the run's identity and parameters). */
  meta?: Record<string, unknown>;
  /** One instance of a split run: also print the partial summary as one marked line for `make verdict`. */
  partial?: boolean;
  /** Each rule's outcome: JUnit lists rules not judged as skipped. Without it, JUnit lists k6's thresholds. */
  rules?: readonly RuleCase[];
}

/** Marks the line that carries an instance's partial summary on stdout (found anywhere in a log line). */
export const PARTIAL_MARKER = 'QUEUE_K6_PARTIAL ';

export const NOTE_PREFIX = 'diagnosis: ';

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** A UTC timestamp usable in file names on every OS: 2026-11-25T13:15:00.123Z -> 20261125T131500Z. */
export function fileTimestamp(now: Date): string {
  const t = now.getTime();
  if (!isFinite(t)) throw new Error('invalid now; reason: expected a valid Date, got an invalid one');
  return (
    String(now.getUTCFullYear()) +
    pad2(now.getUTCMonth() + 1) +
    pad2(now.getUTCDate()) +
    'T' +
    pad2(now.getUTCHours()) +
    pad2(now.getUTCMinutes()) +
    pad2(now.getUTCSeconds()) +
    'Z'
  );
}

/** The scenario name made safe for a file name. */
export function fileSafeName(scenario: string): string {
  const safe = scenario.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  if (safe === '') {
    throw new Error(`invalid scenario; reason: expected a name with letters or digits, got '${scenario}'`);
  }
  return safe;
}

/** Each note on its own line(s), prefixed; continuation lines indented under the first. */
function formatNotes(notes: string[]): string {
  const continuation = ' '.repeat(NOTE_PREFIX.length);
  return notes
    .map((note) => NOTE_PREFIX + note.split('\n').join('\n' + continuation))
    .join('\n');
}

/** The object handleSummary returns: stdout, `<dir>/<scenario>-<ts>.json` and `<dir>/<scenario>-<ts>.junit.xml`. */
export function summaryOutputs(opts: SummaryOutputsOptions): Record<string, string> {
  const name = fileSafeName(opts.scenario);
  const stamp = fileTimestamp(opts.now);
  const dir = (opts.resultsDir === undefined ? 'results' : opts.resultsDir).replace(/\/+$/, '');
  const given = opts.prefix === undefined ? '' : opts.prefix.trim();
  const base = given !== '' ? given : (dir === '' ? '' : dir + '/') + name + '-' + stamp;

  let stdout = opts.text.replace(/\n+$/, '') + '\n';
  const notes = (opts.notes || []).filter((n) => n !== '');
  if (notes.length > 0) stdout += '\n' + formatNotes(notes) + '\n';
  const data = opts.meta === undefined ? opts.data : { ...opts.data, queue_k6: opts.meta };
  if (opts.partial === true) {
    const partial = { ...(opts.meta || {}), data: { metrics: opts.data.metrics, state: opts.data.state, options: opts.data.options } };
    stdout += '\n' + PARTIAL_MARKER + JSON.stringify(partial) + '\n';
  }

  // JUnit's timestamp is an ISO 8601 date-time without a zone (always UTC here).
  const isoSeconds = opts.now.toISOString().slice(0, 19);
  return {
    stdout,
    [base + '.json']: JSON.stringify(data, null, 2) + '\n',
    [base + '.junit.xml']: opts.rules !== undefined
      ? rulesJUnit(opts.rules, opts.data, { suiteName: opts.scenario, timestamp: isoSeconds })
      : thresholdsJUnit(opts.data, { suiteName: opts.scenario, timestamp: isoSeconds }),
  };
}
