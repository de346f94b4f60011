// make report BASE=…: one self-contained page that sets a run beside its base
// run. First the comparison of `make compare` (compare/): the verdict against
// the tolerances, the key figures with their noise test, every threshold that
// changed; then both runs on the same axes: the queue over time aligned on the
// first scheduled arrival, the waits by position, the estimates, the batches.
// Inline CSS and SVG, no script, no network, like the single run's page.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Comparison } from '../compare/compare.ts';
import type { FigureRow } from '../compare/figures.ts';
import { DEFAULT_THRESHOLDS, loadComparison } from '../compare/load.ts';
import { countChanges, type RuleChange, type RuleState } from '../compare/rules.ts';
import { formatChange, formatPct, formatValue, identityLine, observedText, TEST_TEXT } from '../compare/text.ts';
import { describeTolerance } from '../compare/tolerance.ts';
import { sharedDefs } from './charts.ts';
import { buildModel, REPORT_METRICS, type ReportModel } from './model.ts';
import { CSS } from './render.ts';
import { emptySampleSet, describeFsError, InputError } from '../runs/samples.ts';
import { batchesOverlay, estimatesOverlay, queueOverlay, waitsOverlay } from './side-by-side-charts.ts';
import { esc, fmt, fmtMs } from './svg.ts';

const EXTRA_CSS = `
table.figures { width: 100%; }
tr.regression td { font-weight: 600; color: #b71c1c; }
tr.improved td.verdict-cell { color: #1b5e20; }
td.verdict-cell { white-space: nowrap; }
.runs th { padding-right: 16px; }
details summary { cursor: pointer; color: #333; }
`;

export interface SideBySide {
  comparison: Comparison;
  run: ReportModel;
  base: ReportModel;
}

function empty(reason: string): string {
  return `<p class="empty" data-empty="true">${reason}</p>`;
}

const VERDICT_LABEL: Record<FigureRow['verdict'], string> = { ok: 'ok', regression: 'REGRESSION', improved: 'improved', not_compared: 'not compared', info: 'not judged' };

function figureTable(c: Comparison): string {
  const rows = c.figures.map((f) => {
    const v = (x: number | null): string => (x === null ? 'n/a' : formatValue(x, f.unit));
    const change = f.change === null ? '' : `${formatChange(f.change, f.unit)}${f.changePct === null ? '' : ` (${formatPct(f.changePct)})`}`;
    return (
      `<tr class="${f.verdict}" data-figure="${esc(`${f.id} ${f.agg}`)}" data-verdict="${f.verdict}"><td>${esc(f.label)} <code>${esc(f.agg)}</code></td>` +
      `<td class="num">${esc(v(f.base))}</td><td class="num">${esc(v(f.run))}</td><td class="num">${esc(change)}</td>` +
      `<td>${f.tolerance === null ? '' : `<code>${esc(describeTolerance(f.tolerance))}</code>`}</td><td>${esc(f.testNote)}</td>` +
      `<td class="verdict-cell" title="${esc(f.why)}">${esc(VERDICT_LABEL[f.verdict])}</td></tr>`
    );
  });
  return (
    '<table class="figures" data-table="figures"><thead><tr><th>figure</th><th class="num">base</th><th class="num">run</th><th class="num">change</th><th>tolerance</th><th>noise test</th><th>verdict</th></tr></thead>' +
    `<tbody>${rows.join('')}</tbody></table>`
  );
}

function stateCell(s: RuleState | null, c: Comparison, which: 'base' | 'run'): string {
  if (s === null) return 'absent';
  const observed = observedText(c[which], s);
  const label = s.state === 'not_judged' ? `not judged${s.reason ? `: ${s.reason}` : ''}` : `${s.state}${observed === '' ? '' : ` (${observed})`}`;
  return `<span class="status ${s.state === 'passed' ? 'ok' : s.state === 'failed' ? 'failed' : 'not-judged'}">${esc(label)}</span>`;
}

function ruleRows(c: Comparison, rules: RuleChange[]): string {
  return rules
    .map(
      (r) =>
        `<tr data-threshold="${esc(`${r.metric} ${r.expression}`)}" data-change="${r.change}"><td><code>${esc(r.metric)}</code></td><td><code>${esc(r.expression)}</code></td>` +
        `<td>${stateCell(r.base, c, 'base')}</td><td>${stateCell(r.run, c, 'run')}</td><td>${esc(r.change.replace('_', ' '))}${r.why ? `: ${esc(r.why)}` : ''}</td></tr>`,
    )
    .join('');
}

function ruleTable(c: Comparison, rules: RuleChange[]): string {
  return `<table class="thresholds"><thead><tr><th>metric</th><th>rule</th><th>base</th><th>run</th><th>change</th></tr></thead><tbody>${ruleRows(c, rules)}</tbody></table>`;
}

function runsTable(s: SideBySide): string {
  const rows: [string, (m: ReportModel, which: 'base' | 'run') => string][] = [
    ['file', (m) => `<code>${esc(m.summary.path)}</code>`],
    ['run id', (m) => esc(m.summary.queue.runId ?? 'unknown')],
    ['own verdict', (m, which) => `<span data-run-verdict="${which}:${m.passed ? 'pass' : 'fail'}">${m.passed ? 'passed' : 'FAILED'}</span> (${m.outcomes.filter((o) => !o.ok).length} failed)`],
    ['k6', (m) => esc(m.summary.queue.k6Version ?? 'unknown')],
    ['target (apiUrl)', (m) => esc(String(m.summary.queue.params.apiUrl ?? 'unknown'))],
    ['duration', (m) => (m.summary.testRunDurationMs === null ? 'unknown' : esc(fmtMs(m.summary.testRunDurationMs)))],
    ['samples', (m) => (m.samples.files.length === 0 ? 'none' : `${fmt(m.samples.kept)} points from ${m.samples.files.length} file${m.samples.files.length === 1 ? '' : 's'}`)],
  ];
  return (
    '<table class="runs"><thead><tr><th></th><th>base</th><th>run</th></tr></thead><tbody>' +
    rows.map(([k, f]) => `<tr><th>${esc(k)}</th><td>${f(s.base, 'base')}</td><td>${f(s.run, 'run')}</td></tr>`).join('') +
    '</tbody></table>'
  );
}

function comparisonSection(s: SideBySide): string {
  const c = s.comparison;
  const ok = c.regressions.length === 0;
  const out = ['<section id="comparison" data-section="comparison">', '<h2>1. Comparison</h2>'];
  out.push(
    `<p><span class="verdict ${ok ? 'pass' : 'fail'}" data-verdict="${ok ? 'pass' : 'fail'}">${ok ? 'NO REGRESSION' : 'REGRESSION'}</span> ` +
      `${ok ? 'nothing got worse beyond the tolerances' : `${c.regressions.length} thing${c.regressions.length === 1 ? '' : 's'} got worse`}</p>`,
  );
  out.push(`<p class="meta">${esc(identityLine(c))}. Noise test: ${esc(TEST_TEXT(c.alpha))}; a figure regresses when it is worse beyond its tolerance and, where both runs have samples, beyond noise.</p>`);
  if (c.blocking.length > 0) out.push(`<p class="warn" data-forced="true">Compared although the runs differ in ${esc(c.blocking.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', '))}.</p>`);
  if (c.other.length > 0) out.push(`<p class="meta">Also differ: ${esc(c.other.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', '))}.</p>`);
  for (const w of c.warnings) out.push(`<p class="warn">${esc(w)}</p>`);
  if (!ok) out.push(`<ul class="findings">${c.regressions.map((r) => `<li class="bad" data-regression="${esc(r.name)}">${esc(r.line)}</li>`).join('')}</ul>`);
  out.push('<h3>Key figures</h3>', figureTable(c));
  const bands = c.figures.find((f) => f.bands !== undefined)?.bands;
  if (bands !== undefined) {
    out.push(
      `<p class="meta">Median wait by position: ${bands.map((b) => `${b.from === b.to ? b.from : `${b.from}–${b.to}`}: ${b.base === null ? 'n/a' : esc(formatValue(b.base, 'ms'))} → ${b.run === null ? 'n/a' : esc(formatValue(b.run, 'ms'))}`).join(', ')}.</p>`,
    );
  }
  // What a row's two values do not say (capacity: each run's held rate and window), as make compare prints it.
  for (const f of c.figures) if (f.note !== undefined) out.push(`<p class="meta" data-note="${esc(f.id)}">${esc(f.label)}: ${esc(f.note)}.</p>`);
  const n = countChanges(c.rules);
  out.push('<h3>Thresholds</h3>', `<p>${n.kept_passing} kept passing, ${n.kept_failing} kept failing, ${n.newly_failing} newly failing, ${n.newly_passing} newly passing, ${n.not_judged} not judged in one.</p>`);
  const changed = c.rules.filter((r) => r.change !== 'kept_passing');
  if (changed.length > 0) out.push(ruleTable(c, changed));
  const kept = c.rules.filter((r) => r.change === 'kept_passing');
  if (kept.length > 0) out.push(`<details><summary>${kept.length} thresholds kept passing</summary>${ruleTable(c, kept)}</details>`);
  out.push('<h3>The two runs</h3>', runsTable(s), '</section>');
  return out.join('\n');
}

function noSamples(s: SideBySide): string | null {
  const missing = (['base', 'run'] as const).filter((w) => s[w].samples.files.length === 0);
  if (missing.length === 0) return null;
  if (missing.length === 2) return 'Neither run has a samples file (k6 <code>--out json</code>), so there is nothing to draw.';
  return `${missing[0] === 'base' ? 'The base run' : 'This run'} has no samples file (k6 <code>--out json</code>): only the ${missing[0] === 'base' ? 'run' : 'base'} is drawn.`;
}

function queueSection(s: SideBySide): string {
  const out = ['<section id="queue" data-section="queue">', '<h2>2. Queue over time</h2>'];
  const none = [s.run, s.base].every((m) => m.depth.length === 0 && m.active.length === 0);
  if (none) return [...out, empty('Neither run has queue-depth or active-set samples (<code>queue_probe_depth</code>, <code>queue_probe_active</code>): the Redis probes were off or found nothing.'), '</section>'].join('\n');
  const note = noSamples(s);
  if (note !== null) out.push(`<p class="warn" data-missing-samples="true">${note}</p>`);
  out.push('<p class="meta">Both runs from their first scheduled arrival: the run in full colour, the base lighter and dotted.</p>', `<figure>${queueOverlay(s.run, s.base)}</figure>`, '</section>');
  return out.join('\n');
}

function waitsSection(s: SideBySide): string {
  const out = ['<section id="waits" data-section="waits">', '<h2>3. Waits</h2>'];
  if (s.run.waits.length === 0 && s.base.waits.length === 0) {
    return [...out, empty('Neither run has admitted users with a position (<code>queue_admission_wait</code> samples with metadata).'), '</section>'].join('\n');
  }
  out.push('<h3>Wait by position</h3>', '<p class="meta">Filled: the run; hollow: the base. A slower processor lifts the run\'s band above the base\'s.</p>', `<figure>${waitsOverlay(s.run, s.base)}</figure>`);
  out.push('<h3>Estimated against actual wait</h3>');
  if ([s.run, s.base].some((m) => m.waits.some((w) => w.estimateMs !== null))) {
    out.push(`<div class="row"><figure class="half">${estimatesOverlay(s.run, s.base)}</figure><p class="half meta">Each admitted user at (estimate given at check, actual wait). A correct estimate sits on the diagonal.</p></div>`);
  } else {
    out.push(empty('No admission in either run carried an <code>estimate_ms</code>.'));
  }
  out.push('</section>');
  return out.join('\n');
}

function batchesSection(s: SideBySide): string {
  const out = ['<section id="batches" data-section="batches">', '<h2>4. Batches</h2>'];
  if (s.run.ticks.length === 0 && s.base.ticks.length === 0) {
    return [...out, empty('Neither run observed a processor batch (<code>queue_batch_size</code> samples).'), '</section>'].join('\n');
  }
  out.push(
    `<ul class="findings"><li>The run saw <b>${s.run.ticks.length}</b> batches, the base <b>${s.base.ticks.length}</b>.</li></ul>`,
    `<figure>${batchesOverlay(s.run, s.base)}</figure>`,
    '</section>',
  );
  return out.join('\n');
}

/** The whole page. */
export function renderSideBySide(s: SideBySide): string {
  const q = s.run.summary.queue;
  const ok = s.comparison.regressions.length === 0;
  const title = `queue-k6 compare: ${q.scenario ?? 'run'}: ${ok ? 'no regression' : 'regression'}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}${EXTRA_CSS}</style>`,
    '</head>',
    '<body>',
    sharedDefs(),
    '<main>',
    `<h1>${esc(q.scenario ?? 'queue-k6 run')}: run against base</h1>`,
    `<p class="meta">Run <code>${esc(s.run.summary.path)}</code> against base <code>${esc(s.base.summary.path)}</code>.</p>`,
    comparisonSection(s),
    queueSection(s),
    waitsSection(s),
    batchesSection(s),
    `<footer data-section="footer">Time 0 of each run is its first scheduled arrival (START_AT${[s.run, s.base].some((m) => m.t0Source !== 'startAt') ? '; a run without it starts at its first sample' : ''}). Written by report/side-by-side.ts from the same comparison as <code>make compare</code>.</footer>`,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

export interface SideBySideOptions {
  runSummaryPath: string;
  baseSummaryPath: string;
  runSamplePaths: string[];
  baseSamplePaths: string[];
  /** Default: beside the run, `.compare.html`. */
  outPath?: string;
  /** The tolerances' file; default the suite's thresholds.json. */
  thresholdsPath?: string;
  warn?: (line: string) => void;
}

export function defaultSideBySidePath(runSummaryPath: string): string {
  return (runSummaryPath.endsWith('.json') ? runSummaryPath.slice(0, -'.json'.length) : runSummaryPath) + '.compare.html';
}

/** Reads both runs, compares them (runs that differ are drawn anyway and say so), writes the page. */
export async function makeSideBySideReport(opts: SideBySideOptions): Promise<{ outPath: string; bytes: number; page: SideBySide }> {
  const { comparison } = await loadComparison(
    {
      base: opts.baseSummaryPath,
      run: opts.runSummaryPath,
      results: dirname(opts.runSummaryPath),
      force: true,
      thresholds: opts.thresholdsPath ?? DEFAULT_THRESHOLDS,
      baseSamples: opts.baseSamplePaths,
      runSamples: opts.runSamplePaths,
      noSamples: false,
      alsoRead: REPORT_METRICS,
    },
    opts.warn ?? (() => undefined),
  );
  const model = (which: 'base' | 'run'): ReportModel => buildModel(comparison[which].file.summary, comparison[which].samples ?? emptySampleSet());
  const page: SideBySide = { comparison, run: model('run'), base: model('base') };
  const html = renderSideBySide(page);
  const outPath = opts.outPath ?? defaultSideBySidePath(opts.runSummaryPath);
  try {
    await mkdir(dirname(outPath), { recursive: true });
    await writeFile(outPath, html);
  } catch (err) {
    throw new InputError(`cannot write the report to '${outPath}': ${describeFsError(err)}`);
  }
  return { outPath, bytes: Buffer.byteLength(html), page };
}
