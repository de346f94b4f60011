// The report page: one self-contained HTML file (inline CSS and SVG, no script,
// no network) in four sections: the verdict, the queue over time, the waits,
// the batches. A section without data says why instead of drawing an empty chart.
import { batchChart, estimateChart, queueChart, sharedDefs, timeTitle, waitChart } from './charts.ts';
import type { ReportModel } from './model.ts';
import { restartSection } from './restart.ts';
import { capacitySection } from './capacity.ts';
import type { ThresholdOutcome } from '../runs/run-file.ts';
import { esc, fmt, fmtMs, highest } from './svg.ts';
import { serverSection, type ServerSeries } from './server.ts';

export const CSS = `
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a; background: #fff; margin: 0; }
main { max-width: 1000px; margin: 0 auto; padding: 16px 20px 40px; }
h1 { font-size: 22px; margin: 8px 0 4px; }
h2 { font-size: 18px; margin: 28px 0 6px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
.meta { color: #444; margin: 0 0 8px; }
.verdict { display: inline-block; font-weight: 700; font-size: 18px; padding: 2px 12px; border: 2px solid; border-radius: 4px; letter-spacing: .04em; }
.verdict.pass { color: #1b5e20; background: #e8f5e9; }
.verdict.fail { color: #b71c1c; background: #ffebee; }
table { border-collapse: collapse; margin: 6px 0 10px; font-size: 14px; }
table.thresholds { width: 100%; }
thead th { font-weight: 600; color: #444; border-bottom: 1px solid #bbb; }
th, td { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; border-bottom: 1px solid #eee; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td { font-weight: 600; }
.status { font-weight: 700; }
.status.failed::before { content: "\\2717  "; }
.status.ok::before { content: "\\2713  "; }
.status.not-judged { color: #6b7280; }
.status.not-judged::before { content: "\\2013  "; }
.params { columns: 2 300px; font-size: 13px; }
.params div { break-inside: avoid; }
.params code { color: #333; }
.empty { border: 1px dashed #999; padding: 10px 14px; color: #333; background: #fafafa; }
.findings { margin: 4px 0 8px; padding-left: 20px; }
.notes li { white-space: pre-line; }
.findings .bad { font-weight: 600; }
.warn { color: #8a4b00; }
.answer { font-size: 17px; font-weight: 600; margin: 6px 0 8px; padding: 6px 12px; border-left: 4px solid #1f5fa8; background: #f3f7fc; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; }
.row > .half { flex: 1 1 420px; min-width: 320px; }
figure { margin: 8px 0; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: #222; }
svg.chart text.title { font-weight: 600; }
svg.chart text.tick-label { font-size: 10px; fill: #2e7d32; }
svg.chart .grid { stroke: #e6e6e6; stroke-width: 1; }
svg.chart .axis { stroke: #444; stroke-width: 1; }
footer { margin-top: 30px; color: #555; font-size: 13px; }
@media print {
  main { max-width: none; padding: 0; }
  section { break-inside: avoid-page; }
  .row { display: block; }
}
`;

function observedText(o: ThresholdOutcome): string {
  if (o.observed === null) return 'not in the summary';
  const unit = o.contains === 'time' && o.stat !== 'count' && o.stat !== 'rate' ? ' ms' : '';
  return `${o.stat} = ${fmt(o.observed, 3)}${unit}`;
}

function notJudgedTable(outcomes: ThresholdOutcome[]): string {
  return (
    '<table class="thresholds not-judged" data-thresholds="not-judged"><thead><tr><th>result</th><th>metric</th><th>rule</th><th>why not judged</th></tr></thead><tbody>' +
    outcomes
      .map(
        (o) =>
          `<tr class="not-judged" data-threshold="${esc(`${o.metric} ${o.expression}`)}" data-ok="not-judged">` +
          `<td class="status not-judged">not judged</td><td><code>${esc(o.metric)}</code></td><td><code>${esc(o.expression)}</code></td><td>${esc(o.reason ?? 'its needs were not met')}</td></tr>`,
      )
      .join('') +
    '</tbody></table>'
  );
}

function thresholdTable(kind: 'failed' | 'passed', outcomes: ThresholdOutcome[]): string {
  return (
    `<table class="thresholds ${kind}" data-thresholds="${kind}"><thead><tr><th>result</th><th>metric</th><th>rule</th><th class="num">observed</th></tr></thead><tbody>` +
    thresholdRows(outcomes) +
    '</tbody></table>'
  );
}

function thresholdRows(outcomes: ThresholdOutcome[]): string {
  return outcomes
    .map(
      (o) =>
        `<tr class="${o.ok ? 'ok' : 'failed'}" data-threshold="${esc(`${o.metric} ${o.expression}`)}" data-ok="${o.ok}">` +
        `<td class="status ${o.ok ? 'ok' : 'failed'}">${o.ok ? 'passed' : 'FAILED'}</td><td><code>${esc(o.metric)}</code></td>` +
        `<td><code>${esc(o.expression)}</code></td><td class="num">${esc(observedText(o))}</td></tr>`,
    )
    .join('');
}

function paramsList(params: Record<string, unknown>): string {
  const keys = Object.keys(params).sort();
  if (keys.length === 0) return '<p class="empty">The summary carries no run parameters (no <code>queue_k6.params</code>).</p>';
  return `<div class="params">${keys.map((k) => `<div><code>${esc(k)}</code> = <code>${esc(String(params[k]))}</code></div>`).join('')}</div>`;
}

function verdictSection(model: ReportModel): string {
  const q = model.summary.queue;
  const failed = model.outcomes.filter((o) => !o.ok);
  const passed = model.outcomes.filter((o) => o.ok && o.notJudged !== true);
  const unjudged = model.outcomes.filter((o) => o.notJudged === true);
  const lines: string[] = ['<section id="verdict" data-section="verdict">', '<h2>1. Verdict</h2>'];
  const label = model.outcomes.length === 0 ? 'NO THRESHOLDS' : model.passed ? 'PASSED' : 'FAILED';
  lines.push(
    `<p><span class="verdict ${model.passed ? 'pass' : 'fail'}" data-verdict="${model.passed ? 'pass' : 'fail'}">${label}</span> ` +
      `${failed.length} of ${model.outcomes.length} thresholds failed${unjudged.length > 0 ? `, ${unjudged.length} not judged` : ''}</p>`,
  );
  const facts: [string, string][] = [
    ['scenario', q.scenario ?? 'unknown'],
    ['target (apiUrl)', String(q.params.apiUrl ?? 'unknown')],
    ['k6', q.k6Version ?? 'unknown'],
    ['run', q.runId ?? 'unknown'],
    ['event', q.eventId ?? 'unknown'],
  ];
  if (q.instances !== undefined && q.instances > 1) facts.push(['instances', `${q.instances}${q.segment ? ` (this summary: segment ${q.segment})` : ' (merged verdict)'}`]);
  if (model.summary.testRunDurationMs !== null) facts.push(['duration', fmtMs(model.summary.testRunDurationMs)]);
  lines.push(`<table class="facts">${facts.map(([k, v]) => `<tr><th>${esc(k)}</th><td data-fact="${esc(k)}">${esc(v)}</td></tr>`).join('')}</table>`);
  if (!model.summary.hasQueueInfo) {
    lines.push('<p class="warn">This summary has no <code>queue_k6</code> key (written before the suite recorded its parameters): the parameters, notes and time origin are unknown.</p>');
  }
  if (q.segment) {
    lines.push(
      '<p class="warn">This is one instance of a split run: its rules on global totals were neutral (<code>count&gt;=0</code>). Give the merged verdict summary for the whole run\'s verdict.</p>',
    );
  }
  if (failed.length > 0) {
    lines.push('<h3>Failed thresholds</h3>', thresholdTable('failed', failed));
  }
  if (q.notes.length > 0) {
    lines.push('<h3>Diagnosis</h3>', `<ul class="notes">${q.notes.map((note) => `<li>${esc(note)}</li>`).join('')}</ul>`);
  }
  if (passed.length > 0) {
    lines.push('<h3>Passed thresholds</h3>', thresholdTable('passed', passed));
  }
  if (unjudged.length > 0) {
    lines.push('<h3>Not judged</h3>', '<p>What these rules need was not measured in this run, so they neither passed nor failed.</p>', notJudgedTable(unjudged));
  }
  lines.push('<h3>Parameters</h3>', paramsList(q.params), '</section>');
  return lines.join('\n');
}

function empty(reason: string): string {
  return `<p class="empty" data-empty="true">${reason}</p>`;
}

function noSamplesReason(model: ReportModel): string | null {
  if (model.samples.files.length === 0) {
    return 'No samples file was given (<code>--samples</code>), so there is nothing to draw: run k6 with <code>--out json=results/&lt;name&gt;.ndjson.gz</code> and pass that file.';
  }
  return null;
}

function queueSection(model: ReportModel): string {
  const out = ['<section id="queue" data-section="queue">', '<h2>2. Queue over time</h2>'];
  const reason = noSamplesReason(model);
  if (reason !== null) return [...out, empty(reason), '</section>'].join('\n');
  if (model.depth.length === 0 && model.active.length === 0) {
    const probesOff = model.summary.queue.params.probes === false;
    out.push(
      empty(
        probesOff
          ? 'The Redis probes were off in this run (<code>REDIS_URL</code> empty or Redis unreachable), so there are no queue-depth or active-set samples to draw. Processor ticks are in section 4.'
          : 'The samples hold no <code>queue_probe_depth</code> or <code>queue_probe_active</code> points (did the probe reach Redis?). Processor ticks are in section 4.',
      ),
      '</section>',
    );
    return out.join('\n');
  }
  const f = model.findings;
  const items: string[] = [];
  if (f.activeMax !== null) {
    const over = model.threshold !== null && f.activeMax > model.threshold;
    items.push(
      `<li${over ? ' class="bad"' : ''}>The active set peaked at <b>${fmt(f.activeMax)}</b>${model.threshold === null ? '' : ` (threshold ${fmt(model.threshold)})`}` +
        `${over ? `: over the threshold in ${f.activeOverThreshold} probe sample${f.activeOverThreshold === 1 ? '' : 's'}` : ''}.</li>`,
    );
  }
  if (f.depthMax !== null) items.push(`<li>The queue peaked at <b>${fmt(f.depthMax)}</b> waiting users.</li>`);
  items.push(`<li>${model.ticks.length} processor tick${model.ticks.length === 1 ? '' : 's'} observed${model.ticks.length > 0 ? ', drawn under the chart with their batch sizes' : ''}.</li>`);
  if (model.arrival !== null) {
    items.push(`<li>Arrivals ${model.arrival.source === 'schedule' ? 'were scheduled' : 'checked in'} from ${fmt(model.arrival.from)} s to ${fmt(model.arrival.to)} s (shaded).</li>`);
  }
  out.push(`<ul class="findings">${items.join('')}</ul>`, `<figure>${queueChart(model)}</figure>`, '</section>');
  return out.join('\n');
}

function waitsSection(model: ReportModel): string {
  const out = ['<section id="waits" data-section="waits">', '<h2>3. Waits</h2>'];
  const reason = noSamplesReason(model);
  if (reason !== null) return [...out, empty(reason), '</section>'].join('\n');
  const { waits, timeouts, findings: f } = model;
  if (waits.length === 0 && timeouts.length === 0) {
    const queued = model.summary.metrics.queue_queued?.values.count;
    out.push(
      empty(
        queued === 0
          ? 'No user was queued in this run (every user was admitted at once), so there are no waits to draw.'
          : 'The samples hold no <code>queue_admission_wait</code> or <code>queue_admission_timeouts</code> points with a position (per-user metadata needs k6 0.45 or later).',
      ),
      '</section>',
    );
    return out.join('\n');
  }
  const items: string[] = [`<li><b>${waits.length}</b> queued user${waits.length === 1 ? ' was' : 's were'} admitted from the queue.</li>`];
  const bad = (cond: boolean): string => (cond ? ' class="bad"' : '');
  items.push(`<li${bad(f.late > 0)}><b>${f.late}</b> admitted later than the starvation bound for their position.</li>`);
  items.push(`<li${bad(timeouts.length > 0)}><b>${timeouts.length}</b> timed out without an admission.</li>`);
  items.push(`<li${bad(f.outOfOrder > 0)}><b>${f.outOfOrder}</b> admitted after someone who queued behind them (LIFO or out-of-order admission).</li>`);
  if (f.estimateErrorP95Ms !== null) {
    items.push(
      `<li${bad(f.estimateOffCount > 0)}>Wait estimates were off by ${fmtMs(f.estimateErrorP95Ms)} at p(95), ${fmtMs(f.estimateErrorMaxMs ?? 0)} at most` +
        `${f.estimateToleranceMs === null ? '' : `; ${f.estimateOffCount} beyond the tolerance of ${fmtMs(f.estimateToleranceMs)}`}.</li>`,
    );
  }
  out.push(`<ul class="findings">${items.join('')}</ul>`);
  out.push('<h3>Wait by position</h3>', '<p class="meta">FIFO admission draws a rising band under the bound; LIFO falls from left to right; late users sit above the bound.</p>');
  out.push(`<figure>${waitChart(model)}</figure>`);
  out.push('<h3>Estimated against actual wait</h3>');
  if (waits.some((w) => w.estimateMs !== null)) {
    out.push(
      `<div class="row"><figure class="half">${estimateChart(model)}</figure><p class="half meta">Each admitted user at (estimate given at check, actual wait). ` +
        'A correct estimate sits on the diagonal; points above it waited longer than promised, points below less.</p></div>',
    );
  } else {
    out.push(empty('No admission carried an <code>estimate_ms</code>, so estimates cannot be compared.'));
  }
  out.push('</section>');
  return out.join('\n');
}

function batchesSection(model: ReportModel): string {
  const out = ['<section id="batches" data-section="batches">', '<h2>4. Batches</h2>'];
  const reason = noSamplesReason(model);
  if (reason !== null) return [...out, empty(reason), '</section>'].join('\n');
  if (model.ticks.length === 0) {
    out.push(
      empty('No processor tick was observed (no <code>queue_batch_size</code> points): the observer did not join the room, or the processor never ran a batch.'),
      '</section>',
    );
    return out.join('\n');
  }
  const f = model.findings;
  const biggest = highest(model.ticks.map((k) => k.size));
  out.push(
    `<ul class="findings"><li>${model.ticks.length} ticks; the largest batch admitted <b>${fmt(biggest)}</b> users.</li>` +
      `<li${f.overAdmitTicks > 0 ? ' class="bad"' : ''}><b>${f.overAdmitTicks}</b> tick${f.overAdmitTicks === 1 ? '' : 's'} admitted more users than there were free slots.</li></ul>`,
    `<figure>${batchChart(model)}</figure>`,
    '</section>',
  );
  return out.join('\n');
}

function footer(model: ReportModel): string {
  const s = model.samples;
  const parts = [
    `Summary <code>${esc(model.summary.path)}</code>.`,
    s.files.length === 0
      ? 'No samples.'
      : `Samples: ${s.files.map((f) => `<code>${esc(f)}</code>`).join(', ')}; ${fmt(s.lines)} lines, ${fmt(s.kept)} used, ${fmt(s.malformed)} malformed${
          s.malformedAt.length > 0 ? ` (first at ${s.malformedAt.map(esc).join(', ')})` : ''
        }.`,
    model.t0 === null ? '' : `Time 0 = ${esc(new Date(model.t0).toISOString())} (${model.t0Source === 'startAt' ? 'the first scheduled arrival' : 'the first sample'}).`,
  ];
  const warnings = s.warnings.map((w) => `<div class="warn">${esc(w)}</div>`).join('');
  return `<footer data-section="footer">${parts.filter((p) => p !== '').join(' ')}${warnings}</footer>`;
}

/** The whole page for one run. */
export function renderReport(model: ReportModel, extra: { server?: ServerSeries } = {}): string {
  const q = model.summary.queue;
  const title = `queue-k6 report: ${q.scenario ?? 'run'}${q.runId ? ` (${q.runId})` : ''}: ${model.passed ? 'passed' : 'failed'}`;
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    sharedDefs(),
    '<main>',
    `<h1>${esc(q.scenario ?? 'queue-k6 run')}</h1>`,
    `<p class="meta">Waiting-room load test report${q.runId ? `, run <code>${esc(q.runId)}</code>` : ''}.</p>`,
    verdictSection(model),
    // The capacity run's answer comes right after the verdict: it is what the run was for.
    capacitySection(model.capacity),
    queueSection(model),
    waitsSection(model),
    batchesSection(model),
    serverSection(model, extra.server),
    restartSection(model.restart, timeTitle(model)),
    footer(model),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
