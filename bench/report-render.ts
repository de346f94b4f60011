// How long `make report` takes on a big run, and how big the page gets.
//
//   node --import tsx bench/report-render.ts
//
// Writes a synthetic 10,000-user mass burst in the contract's formats
// (test/support/synthetic-run.ts): threshold 1,000, 9,000 queued and admitted in 9
// batches, a processor tick every 6 s and a probe sample every 250 ms for about
// 10 minutes, plus k6's built-in HTTP/WebSocket lines that the report has to
// skip. Then builds the report in this process (parse and render timed apart)
// and once more through the CLI as a child process (what `make report` costs,
// tsx start-up included). Prints the figures; asserts nothing.
// Environment: BENCH_REPORT_USERS (10000), BENCH_REPORT_NOISE (k6 built-in lines per user, 40).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeReport } from '../report/report.ts';
import { syntheticRun, writeSyntheticRun } from '../test/support/synthetic-run.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USERS = Number(process.env.BENCH_REPORT_USERS ?? 10_000);
const NOISE = Number(process.env.BENCH_REPORT_NOISE ?? 40);

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KB`;
}

/** Writes the synthetic run; only the file names and the run's truth outlive it (the lines are garbage after). */
async function generate(dir: string, threshold: number) {
  const run = syntheticRun({
    scenario: 'mass-burst',
    users: USERS,
    threshold,
    processorIntervalMs: 6000,
    arrivalDelayMs: 0,
    arrivalGraceMs: 30_000,
    // One batch per ~60 s: 9 batches make a ~10 minute run with ~100 ticks.
    dwellMs: 54_000,
    probeIntervalMs: 250,
    noiseLinesPerUser: NOISE,
  });
  const files = await writeSyntheticRun(run, join(dir, 'mass-burst'));
  return { files, truth: run.truth };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  try {
    const threshold = Math.max(1, Math.round(USERS / 10));
    let t = performance.now();
    const { files, truth } = await generate(dir, threshold);
    const run = { truth };
    const genMs = performance.now() - t;
    const samplesBytes = statSync(files.samples).size;

    const rssBefore = process.memoryUsage().rss;
    t = performance.now();
    const made = await makeReport({ summaryPath: files.summary, samplePaths: [files.samples], outPath: join(dir, 'in-process.html') });
    const totalMs = performance.now() - t;
    const rssAfter = process.memoryUsage().rss;

    // The CLI as `make report` runs it, three times (the machine is shared: the median is the figure).
    const cliTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      const cli = spawnSync(process.execPath, ['--import', 'tsx', 'report/cli.ts', '--summary', files.summary, '--samples', files.samples], { cwd: ROOT, encoding: 'utf8' });
      cliTimes.push(performance.now() - t);
      if (cli.status !== 0) throw new Error(`report/cli.ts exited ${cli.status}: ${cli.stderr.trim()}`);
    }
    const cliMs = median(cliTimes);
    // Node + tsx start-up alone, to tell it from the report's own work.
    const helpTimes: number[] = [];
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      spawnSync(process.execPath, ['--import', 'tsx', 'report/cli.ts', '--help'], { cwd: ROOT });
      helpTimes.push(performance.now() - t);
    }

    const s = made.model.samples;
    const durationS = (made.model.summary.testRunDurationMs ?? 0) / 1000;
    const rows: [string, string][] = [
      ['run', `${USERS} users, threshold ${threshold}, ${run.truth.queued} queued, ${run.truth.ticks} ticks, ${made.model.active.length} probe samples, ${Math.round(durationS)} s`],
      ['samples file', `${mb(samplesBytes)} gzip, ${s.lines.toLocaleString('en')} lines (${s.kept.toLocaleString('en')} used), made in ${(genMs / 1000).toFixed(1)} s`],
      ['parse (read + gunzip + filter)', `${made.readMs.toFixed(0)} ms`],
      ['model + render', `${made.renderMs.toFixed(0)} ms`],
      ['in-process total (incl. write)', `${totalMs.toFixed(0)} ms, RSS +${mb(Math.max(0, rssAfter - rssBefore))}`],
      ['CLI end to end (node + tsx)', `${cliMs.toFixed(0)} ms (median of ${cliTimes.map((x) => x.toFixed(0)).join(', ')})`],
      ['CLI start-up alone (--help)', `${median(helpTimes).toFixed(0)} ms`],
      ['page', `${kb(made.bytes)}`],
      ['machine', `${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    process.stdout.write(`report render benchmark (${new Date().toISOString()})\n`);
    for (const [k, v] of rows) process.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/report-render: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
