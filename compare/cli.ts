// make compare: did this run get worse than the base run?
//   node --import tsx compare/cli.ts [--base FILE] [--run FILE] [options]
// Prints every threshold's state in both runs and the key figures side by side,
// writes a Markdown summary (for a pull request) and a JUnit file, and exits
// 0 when nothing got worse beyond the tolerances, 1 when something did (named
// on stderr), 2 for a usage or input error or for runs that are not comparable.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../runs/samples.ts';
import { RefusedError } from './compare.ts';
import { comparisonJUnit } from './junit.ts';
import { DEFAULT_THRESHOLDS, loadComparison, type LoadOptions } from './load.ts';
import { comparisonMarkdown } from './markdown.ts';
import { comparisonText } from './text.ts';
import { ToleranceError } from './tolerance.ts';

export const EXIT_OK = 0;
export const EXIT_REGRESSION = 1;
export const EXIT_USAGE = 2;

export const USAGE = `usage: node --import tsx compare/cli.ts [--base FILE] [--run FILE] [options]

Compares a run with a base run of the same scenario: every threshold's state in
both, the queue's key figures side by side with a noise test, and a verdict
against the tolerances in the "compare" section of thresholds.json.
  --base FILE          the base run: results/<scenario>-<stamp>.json, or a split run's -verdict.json
  --run FILE           the run to judge (default: the newest run in --results)
                       (neither given: the two newest runs of one scenario)
  --results DIR        where runs are found when --base or --run is missing (default: results)
  --force              compare runs of different scenario, users, threshold or interval (the differences are printed first)
  --thresholds FILE    the file with the "compare" section (default: the suite's thresholds.json)
  --base-samples FILE  the base run's k6 --out json file(s), repeatable (default: the .ndjson.gz beside it)
  --run-samples FILE   the same for the run
  --no-samples         read no samples: no noise test, the figures from the summaries only
  --junit FILE         where the JUnit file goes (default: <run>.compare.junit.xml)
  --markdown FILE      where the Markdown summary goes (default: <run>.compare.md)
  --no-color           plain text
Exit codes: 0 nothing got worse beyond the tolerances; 1 something did; 2 usage or input error, or runs that differ (without --force).
`;

export interface CliOptions extends LoadOptions {
  junit?: string;
  markdown?: string;
  noColor: boolean;
}

export type ParsedArgs = { kind: 'help' } | { kind: 'options'; options: CliOptions };

export function parseArgs(argv: string[]): ParsedArgs {
  const o: CliOptions = { results: 'results', force: false, thresholds: DEFAULT_THRESHOLDS, baseSamples: [], runSamples: [], noSamples: false, noColor: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const value = (): string => {
      const v = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '') throw new InputError(`${flag} needs a value`);
      return v;
    };
    if (flag === '-h' || flag === '--help') return { kind: 'help' };
    else if (flag === '--base') o.base = value();
    else if (flag === '--run') o.run = value();
    else if (flag === '--results') o.results = value().replace(/\/+$/, '') || '/';
    else if (flag === '--force') o.force = true;
    else if (flag === '--thresholds') o.thresholds = value();
    else if (flag === '--base-samples') o.baseSamples.push(value());
    else if (flag === '--run-samples') o.runSamples.push(value());
    else if (flag === '--no-samples') o.noSamples = true;
    else if (flag === '--junit') o.junit = value();
    else if (flag === '--markdown') o.markdown = value();
    else if (flag === '--no-color') o.noColor = true;
    else throw new InputError(`unknown argument '${a}'`);
  }
  return { kind: 'options', options: o };
}

/** `results/x.json` -> `results/x.compare<ext>`. */
export function besideRun(runPath: string, ext: string): string {
  return (runPath.endsWith('.json') ? runPath.slice(0, -'.json'.length) : runPath) + '.compare' + ext;
}

function write(path: string, content: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  } catch (err) {
    throw new InputError(`cannot write ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  colors?: boolean;
  now?: Date;
}

export async function main(argv: string[], io: Io): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.kind === 'help') {
      io.out(USAGE);
      return EXIT_OK;
    }
    const o = parsed.options;
    const { comparison: c, chosen } = await loadComparison(o, (line) => io.err(`compare: warning: ${line}\n`));
    if (c.blocking.length > 0) {
      io.err(`compare: FORCE=1: comparing runs that differ in ${c.blocking.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', ')}\n`);
    }
    io.out(comparisonText(c, { colors: !o.noColor && io.colors === true, chosen }));
    const markdown = o.markdown ?? besideRun(c.run.file.path, '.md');
    const junit = o.junit ?? besideRun(c.run.file.path, '.junit.xml');
    write(markdown, comparisonMarkdown(c));
    write(junit, comparisonJUnit(c, io.now ?? new Date()));
    io.err(`compare: wrote ${markdown} and ${junit}\n`);
    if (c.regressions.length > 0) {
      io.err(`compare: regression: ${c.regressions.map((r) => r.name).join('; ')}\n`);
      return EXIT_REGRESSION;
    }
    return EXIT_OK;
  } catch (err) {
    if (err instanceof InputError || err instanceof ToleranceError || err instanceof RefusedError) {
      io.err(`compare: ${err.message}\n`);
      if (err instanceof InputError && /^unknown argument|needs a value$/.test(err.message)) io.err(USAGE);
      return EXIT_USAGE;
    }
    io.err(`compare: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_USAGE;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s), colors: process.stdout.isTTY === true }).then((code) => {
    process.exitCode = code;
  });
}
