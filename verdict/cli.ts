// The verdict of a split run, from the command line:
//   node --import tsx verdict/cli.ts [options] [FILE... | -]
// Prints the merged summary (the same text summary and diagnosis notes as one
// run), writes <base>.json (merged data) and <base>.junit.xml, and exits like
// k6: 0 when every threshold passed, 99 otherwise; 2 for usage or input errors.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { capacityOfFiles } from '../capacity/cli.ts';
import { pathToFileURL } from 'node:url';
import { rulesJUnit, type RuleCase } from '../lib/summary/junit.ts';
import { fileSafeName, fileTimestamp, NOTE_PREFIX } from '../lib/summary/outputs.ts';
import { judgedView } from '../lib/rules/judge.ts';
import { DEFAULT_SUMMARY_TREND_STATS } from '../lib/rules/trend-stats.ts';
import { textSummary } from '../lib/summary/text.ts';
import type { SummaryData } from '../lib/summary/types.ts';
import { runPrefixOf, summariesFromDirectory, summariesFromFile, summariesFromLog, type LogRead } from '../runs/instances.ts';
import { InputError, type InstanceSummary } from './types.ts';
import { buildVerdict, type Verdict } from './verdict.ts';

export const EXIT_PASSED = 0;
export const EXIT_USAGE = 2;
export const EXIT_FAILED = 99;

export const USAGE = `usage: node --import tsx verdict/cli.ts [options] [FILE... | -]

One verdict for a run split over k6 instances (INSTANCES > 1, k6-operator parallelism).
Inputs, one of:
  FILE...            instances' <prefix>.json summaries, or logs with QUEUE_K6_PARTIAL lines
  -                  standard input: lines containing "QUEUE_K6_PARTIAL " anywhere
                     (kubectl logs -l k6_cr=NAME,runner=true --tail=-1 | ...); other lines ignored
  (none)             the newest split run in the results directory
Options:
  --results DIR      results directory to read (no inputs) and write to (default: results)
  --run RUNID        judge this run id (default: the newest; 'latest' says so explicitly)
  --out BASE         write BASE.json and BASE.junit.xml
                     (default: <results>/<scenario>-<stamp>-verdict, the instances' prefix when known)
  --no-color         plain text summary
Exit codes: 0 every threshold passed; 99 a threshold crossed, or instances missing; 2 usage or input error.
`;

export interface CliOptions {
  results: string;
  run?: string;
  out?: string;
  noColor: boolean;
  inputs: string[];
}

export type ParsedArgs = { help: true } | { help: false; options: CliOptions };

export function parseArgs(argv: string[]): ParsedArgs {
  const o: CliOptions = { results: 'results', noColor: false, inputs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new InputError(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '-h' || flag === '--help') return { help: true };
    else if (flag === '--results') o.results = value();
    else if (flag === '--run') o.run = value();
    else if (flag === '--out') o.out = value();
    else if (flag === '--no-color') o.noColor = true;
    else if (a === '-' || !a.startsWith('-')) o.inputs.push(a);
    else throw new InputError(`unknown option ${a}\n${USAGE}`);
  }
  return { help: false, options: o };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    throw new InputError('standard input is a terminal: pipe the runners\' logs in (kubectl logs -l k6_cr=<TestRun name>,runner=true --tail=-1 | make verdict), or give files or --run');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

interface Collected {
  summaries: InstanceSummary[];
  warnings: string[];
}

async function collect(o: CliOptions): Promise<Collected> {
  if (o.inputs.length === 0) {
    const found = summariesFromDirectory(o.results, o.run);
    const warnings = found.olderWithSameId > 0
      ? [`${o.results} holds ${found.olderWithSameId + 1} runs with id ${found.runId} (EVENT_ID reused?): judging the newest; give the files to judge another`]
      : [];
    return { summaries: found.summaries, warnings };
  }
  const reads: LogRead[] = [];
  for (const input of o.inputs) reads.push(input === '-' ? summariesFromLog(await readStdin(), 'stdin') : summariesFromFile(input));
  let summaries = reads.flatMap((r) => r.summaries);
  const warnings = reads.flatMap((r) => r.problems);
  if (o.run !== undefined && o.run !== 'latest') {
    const ids = [...new Set(summaries.map((s) => s.meta.runId))];
    summaries = summaries.filter((s) => s.meta.runId === o.run);
    if (summaries.length === 0) throw new InputError(`no instance of run ${o.run} in the inputs; found: ${ids.join(', ') || 'none'}`);
  }
  if (summaries.length === 0) {
    throw new InputError(`no instance summaries in the input${warnings.length > 0 ? ` (${warnings.length} unreadable QUEUE_K6_PARTIAL line(s): ${warnings.join('; ')})` : ': no QUEUE_K6_PARTIAL lines (were the runner pods deleted before their logs were read?)'}`);
  }
  return { summaries, warnings };
}

/** Where the verdict's files go: --out, else next to the instances' files, else under --results. */
export function outputBase(o: CliOptions, v: Verdict, summaries: InstanceSummary[], now: Date): string {
  if (o.out !== undefined) return o.out.replace(/\.json$/, '');
  const prefixes = new Set(summaries.map((s) => (runPrefixOf(s.source) === undefined ? undefined : join(dirname(s.source), runPrefixOf(s.source)!))));
  if (prefixes.size === 1) {
    const only = [...prefixes][0];
    if (only !== undefined) return `${only}-verdict`;
  }
  return join(o.results, `${fileSafeName(v.data.queue_k6.scenario)}-${fileTimestamp(now)}-verdict`);
}

/** The JUnit report: the thresholds, plus a failing case when instances are missing, so CI shows it. */
export function verdictJUnit(v: Verdict, now: Date): string {
  let data: SummaryData = v.data;
  const rules: RuleCase[] = [...v.rules];
  if (!v.complete) {
    const meta = v.data.queue_k6.verdict;
    const expression = `count==${meta.instancesExpected}`;
    data = {
      ...v.data,
      metrics: {
        ...v.data.metrics,
        queue_k6_instances: { type: 'counter', contains: 'default', values: { count: meta.instancesFound, rate: 0 }, thresholds: { [expression]: { ok: false } } },
      },
    };
    rules.push({ metric: 'queue_k6_instances', expression, state: 'failed' });
  }
  return rulesJUnit(rules, data, { suiteName: `${v.data.queue_k6.scenario} (verdict)`, timestamp: now.toISOString().slice(0, 19) });
}

/** The text printed on stdout: the summary, the verdict's lines, the diagnosis. */
export function verdictText(v: Verdict, colors: boolean): string {
  // Only judged rules carry a ✓ or ✗; the quantile ladder stays out of the columns.
  const view = { ...v.data, metrics: judgedView(v.data.metrics, v.rules) };
  const lines = [textSummary(view, { indent: ' ', enableColors: colors, summaryTrendStats: DEFAULT_SUMMARY_TREND_STATS }).replace(/\n+$/, ''), ''];
  for (const n of v.verdictNotes) lines.push('verdict: ' + n);
  for (const n of v.diagnosis) lines.push(NOTE_PREFIX + n);
  return lines.join('\n') + '\n';
}

function write(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}

export async function main(argv: string[], now = new Date()): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.help) {
      process.stdout.write(USAGE);
      return EXIT_PASSED;
    }
    const o = parsed.options;
    const { summaries, warnings } = await collect(o);
    for (const w of warnings) process.stderr.write(`verdict: warning: ${w}\n`);
    const v = buildVerdict(summaries);
    process.stdout.write(verdictText(v, !o.noColor && process.stdout.isTTY === true));
    // Capacity: the knee over every instance's samples on one time axis (capacity/cli.ts).
    if (summaries.some((s) => s.meta.scenario === 'capacity')) {
      try {
        const capacity = await capacityOfFiles(summaries.map((s) => s.source).filter((p) => p.endsWith('.json')));
        (v.data.queue_k6 as unknown as Record<string, unknown>).capacity = capacity;
        process.stdout.write(`${capacity.line}\n`);
      } catch (err) {
        process.stderr.write(`verdict: no exact capacity knee: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }

    const base = outputBase(o, v, summaries, now);
    write(`${base}.json`, JSON.stringify(v.data, null, 2) + '\n');
    write(`${base}.junit.xml`, verdictJUnit(v, now));
    process.stderr.write(`verdict: wrote ${base}.json and ${base}.junit.xml\n`);

    if (v.crossed.length > 0) process.stderr.write(`thresholds on metrics '${v.crossed.join(', ')}' have been crossed\n`);
    if (!v.complete) {
      const m = v.data.queue_k6.verdict;
      process.stderr.write(`verdict: only ${m.instancesFound} of ${m.instancesExpected} instances: not a pass\n`);
    }
    return v.passed ? EXIT_PASSED : EXIT_FAILED;
  } catch (err) {
    if (err instanceof InputError) {
      process.stderr.write(`verdict: ${err.message.replace(/\n+$/, '')}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`verdict: unexpected error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
