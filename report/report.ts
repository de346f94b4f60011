// One call from files to page: read the summary and the samples, build the
// model, render, write. The CLI and the benchmark both go through here.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { buildModel, REPORT_METRICS, type ReportModel } from './model.ts';
import { renderReport } from './render.ts';
import { SERVER_REPORT_METRICS, serverSeries } from './server.ts';
import { InputError, describeFsError, emptySampleSet, readSamples } from '../runs/samples.ts';
import { loadSummary } from '../runs/run-file.ts';

export interface MakeReportOptions {
  summaryPath: string;
  samplePaths: string[];
  /** Default: beside the summary, `.json` replaced by `.html`. */
  outPath?: string;
}

export interface MadeReport {
  outPath: string;
  bytes: number;
  model: ReportModel;
  /** Milliseconds spent reading (summary and samples) and building the page. */
  readMs: number;
  renderMs: number;
}

/** `results/x.json` -> `results/x.html`; any other name gets `.html` appended. */
export function defaultOutPath(summaryPath: string): string {
  return summaryPath.endsWith('.json') ? summaryPath.slice(0, -'.json'.length) + '.html' : summaryPath + '.html';
}

export async function makeReport(opts: MakeReportOptions): Promise<MadeReport> {
  const started = performance.now();
  const summary = await loadSummary(opts.summaryPath);
  const samples = opts.samplePaths.length === 0 ? emptySampleSet() : await readSamples(opts.samplePaths, { metrics: [...REPORT_METRICS, ...SERVER_REPORT_METRICS], keepTags: SERVER_REPORT_METRICS });
  const read = performance.now();
  const model = buildModel(summary, samples);
  const html = renderReport(model, { server: opts.samplePaths.length === 0 ? undefined : serverSeries(samples, model.t0 ?? 0) });
  const rendered = performance.now();
  const outPath = opts.outPath ?? defaultOutPath(opts.summaryPath);
  try {
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, html);
  } catch (err) {
    throw new InputError(`cannot write the report to '${outPath}': ${describeFsError(err)}`);
  }
  return { outPath, bytes: Buffer.byteLength(html), model, readMs: read - started, renderMs: rendered - read };
}
