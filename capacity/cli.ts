// make capacity, after k6: the exact knee from the run's samples. Reads the
// results file(s) (one, or a split run's instance files), the k6 --out json
// samples beside them, computes the knee over all of them on one time axis,
// prints the one-line answer and writes it into the results file given by
// --write (default: the first) as queue_k6.capacity (source 'samples').
//
//   node --import tsx capacity/cli.ts results/capacity-<stamp>.json
//   node --import tsx capacity/cli.ts --write results/x-verdict.json results/x-i1of2.json results/x-i2of2.json
//
// Exit codes: 0 answered; 2 bad input (no capacity run, no samples, unreadable files).
import { readFile, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { readSamples } from '../runs/samples.ts';
import { InputError } from '../runs/errors.ts';
import type { CapacityResult } from '../lib/capacity/types.ts';
import { CAPACITY_METRICS, CAPACITY_TAGGED, capacityInputs, kneeFromSamples } from './compute.ts';

const USAGE = `usage: node --import tsx capacity/cli.ts [--write FILE] RESULTS.json [RESULTS.json ...]
  Computes a capacity run's knee from the samples beside its results file(s)
  (<prefix>.ndjson.gz) and writes it into FILE (default: the first) as queue_k6.capacity.
`;

/** The knee of the run behind these results files, or an InputError saying what is missing. */
export async function capacityOfFiles(paths: string[]): Promise<CapacityResult> {
  const inputs = await capacityInputs(paths);
  if (inputs === null) throw new InputError(`${paths.join(', ')}: not a capacity run's results (no queue_k6.capacityPlan and startAt): run the capacity scenario (make capacity)`);
  if (inputs.files.length === 0) throw new InputError(`no samples beside ${paths.join(', ')} (expected <prefix>.ndjson.gz, k6 --out json=<prefix>.ndjson.gz): the exact knee needs them; the summary's in-run answer stands`);
  const parts = [];
  for (const f of inputs.files) {
    parts.push({ instance: inputs.files.length > 1 ? f.instance : undefined, samples: await readSamples([f.samples], { metrics: CAPACITY_METRICS, keepTags: CAPACITY_TAGGED }) });
  }
  return kneeFromSamples(parts, inputs.rec, inputs.startAt, inputs.endAt, inputs.stopped);
}

/** Puts the answer into a results file, beside what k6 and the scenario wrote. */
export async function writeCapacity(path: string, result: CapacityResult): Promise<void> {
  const data = JSON.parse(await readFile(path, 'utf8')) as { queue_k6?: Record<string, unknown> };
  data.queue_k6 = { ...(data.queue_k6 ?? {}), capacity: result };
  await writeFile(path, JSON.stringify(data, null, 2) + '\n');
}

export async function main(argv: string[]): Promise<number> {
  const files: string[] = [];
  let target: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (a === '--write') {
      target = argv[++i];
      if (target === undefined) {
        process.stderr.write(`capacity: --write needs a file\n${USAGE}`);
        return 2;
      }
    } else if (a.startsWith('-')) {
      process.stderr.write(`capacity: unknown option ${a}\n${USAGE}`);
      return 2;
    } else files.push(a);
  }
  if (files.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  try {
    const result = await capacityOfFiles(files);
    const out = target ?? files[0];
    await writeCapacity(out, result);
    process.stdout.write(`${result.line}\n`);
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`capacity: ${err instanceof InputError ? message : `cannot compute the knee: ${message}`}\n`);
    return 2;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
