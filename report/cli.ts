// make report: one self-contained HTML page per run.
//   node --import tsx report/cli.ts --summary results/X.json --samples results/X.ndjson.gz [--samples more.ndjson.gz ...] [--out results/X.html]
// With --base results/B.json [--base-samples B.ndjson.gz ...] the page sets the
// run beside that base run (side-by-side.ts; default out: results/X.compare.html).
// Prints the page's path. Exit 0 whenever the page was written (a failed run
// gets its report too), 1 for an unreadable input or output, 2 for a usage error.
import { pathToFileURL } from 'node:url';
import { makeReport } from './report.ts';
import { InputError } from '../runs/samples.ts';
import { makeSideBySideReport } from './side-by-side.ts';
import { RefusedError } from '../compare/compare.ts';
import { ToleranceError } from '../compare/tolerance.ts';

export const USAGE = `usage: report/cli.ts --summary results/X.json [--samples results/X.ndjson.gz ...] [--out results/X.html]
  --summary FILE   the run's results JSON (or a split run's merged verdict summary)
  --samples FILE   k6 --out json samples, plain or .gz; repeat for each instance of a split run
  --out FILE       where to write the page (default: beside the summary, .html)
  --base FILE      a base run to set beside this one (make report BASE=...): both runs on the same axes,
                   with make compare's verdict (default out: beside the summary, .compare.html)
  --base-samples FILE  the base run's samples, repeatable (default: the ones beside --base)
`;

export interface CliArgs {
  summary: string;
  samples: string[];
  out?: string;
  base?: string;
  baseSamples?: string[];
}

export type ParsedArgs = { kind: 'args'; args: CliArgs } | { kind: 'help' } | { kind: 'error'; message: string };

export function parseArgs(argv: string[]): ParsedArgs {
  let summary: string | undefined;
  let out: string | undefined;
  let base: string | undefined;
  const samples: string[] = [];
  const baseSamples: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--summary' && flag !== '--samples' && flag !== '--out' && flag !== '--base' && flag !== '--base-samples') return { kind: 'error', message: `unknown argument '${arg}'` };
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined || value === '') return { kind: 'error', message: `${flag} needs a file name` };
    if (flag === '--summary') {
      if (summary !== undefined) return { kind: 'error', message: '--summary given twice; a report is about one run' };
      summary = value;
    } else if (flag === '--out') out = value;
    else if (flag === '--base') {
      if (base !== undefined) return { kind: 'error', message: '--base given twice; a side-by-side report has one base run' };
      base = value;
    } else if (flag === '--base-samples') baseSamples.push(value);
    else samples.push(value);
  }
  if (summary === undefined) return { kind: 'error', message: '--summary is required (the results/<run>.json a scenario wrote)' };
  const args: CliArgs = { summary, samples };
  if (out !== undefined) args.out = out;
  if (base !== undefined) args.base = base;
  if (baseSamples.length > 0) {
    if (base === undefined) return { kind: 'error', message: '--base-samples needs --base (the base run they belong to)' };
    args.baseSamples = baseSamples;
  }
  return { kind: 'args', args };
}

export async function main(argv: string[], io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.err(`report: ${parsed.message}\n${USAGE}`);
    return 2;
  }
  const { args } = parsed;
  if (args.base !== undefined) return sideBySide(args, args.base, io);
  try {
    const made = await makeReport({ summaryPath: args.summary, samplePaths: args.samples, ...(args.out === undefined ? {} : { outPath: args.out }) });
    const s = made.model.samples;
    for (const w of s.warnings) io.err(`report: warning: ${w}\n`);
    if (s.malformed > 0) io.err(`report: warning: ${s.malformed} malformed sample line(s) skipped (first at ${s.malformedAt.join(', ')})\n`);
    io.out(`${made.outPath}\n`);
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      io.err(`report: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

async function sideBySide(args: CliArgs, base: string, io: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  try {
    const made = await makeSideBySideReport({
      runSummaryPath: args.summary,
      baseSummaryPath: base,
      runSamplePaths: args.samples,
      baseSamplePaths: args.baseSamples ?? [],
      ...(args.out === undefined ? {} : { outPath: args.out }),
      warn: (line) => io.err(`report: warning: ${line}\n`),
    });
    for (const d of made.page.comparison.blocking) io.err(`report: warning: the runs differ in ${d.what} (base ${d.base}, run ${d.run}): drawn side by side anyway\n`);
    io.out(`${made.outPath}\n`);
    return 0;
  } catch (err) {
    if (err instanceof InputError || err instanceof ToleranceError || err instanceof RefusedError) {
      io.err(`report: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`report: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
