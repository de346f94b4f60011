// From files to a comparison: the two run files, the compare section of
// thresholds.json and each run's samples, read once. The CLI and the
// side-by-side report (report/side-by-side.ts) both go through here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError, readSamples, type SampleSet } from '../runs/samples.ts';
import { compareRuns, type Comparison } from './compare.ts';
import { extraSampleMetrics, SAMPLE_METRICS, SAMPLE_TAGS, type LoadedRun } from './figures.ts';
import { choosePair, loadRunFile, sampleFilesOf } from './runs.ts';
import { formatValue } from './text.ts';
import { readCompareSection, type CompareSection } from './tolerance.ts';

export const DEFAULT_THRESHOLDS = fileURLToPath(new URL('../thresholds.json', import.meta.url));

export interface LoadOptions {
  base?: string;
  run?: string;
  /** Where runs are found when base or run is missing. */
  results: string;
  force: boolean;
  /** The file with the "compare" section. */
  thresholds: string;
  /** Sample files; empty: the ones beside each run file. */
  baseSamples: string[];
  runSamples: string[];
  noSamples: boolean;
  /** More metrics to keep from the samples (the report's). */
  alsoRead?: readonly string[];
}

export function loadSection(path: string): CompareSection {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`cannot read ${path} (the tolerances' file): give --thresholds FILE`);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${path} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  return readCompareSection(obj, path);
}

async function samplesOf(files: string[], metrics: string[], warn: (s: string) => void, which: string): Promise<SampleSet | null> {
  if (files.length === 0) return null;
  const set = await readSamples(files, { metrics, keepTags: SAMPLE_TAGS });
  for (const w of set.warnings) warn(`${which}: ${w}`);
  if (set.malformed > 0) warn(`${which}: ${set.malformed} malformed sample line(s) skipped (first at ${set.malformedAt.join(', ')})`);
  return set;
}

/** The comparison of the chosen runs, and how they were chosen; `warn` gets each non-fatal problem as one line. */
export async function loadComparison(o: LoadOptions, warn: (line: string) => void): Promise<{ comparison: Comparison; chosen: string }> {
  const pair = choosePair(o.results, o.base, o.run);
  const baseFile = loadRunFile(pair.base);
  const runFile = loadRunFile(pair.run);
  const section = loadSection(o.thresholds);
  const metrics = [...new Set([...SAMPLE_METRICS, ...extraSampleMetrics(section.tolerances.keys()), ...(o.alsoRead ?? [])])];
  const files = (given: string[], path: string): string[] => (o.noSamples ? [] : given.length > 0 ? given : sampleFilesOf(path));
  const base: LoadedRun = { file: baseFile, samples: await samplesOf(files(o.baseSamples, pair.base), metrics, warn, 'base') };
  const run: LoadedRun = { file: runFile, samples: await samplesOf(files(o.runSamples, pair.run), metrics, warn, 'run') };
  const comparison = compareRuns(base, run, { section, force: o.force, format: formatValue });
  return { comparison, chosen: pair.chosen };
}
