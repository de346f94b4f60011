// The comparison as Markdown for a pull-request comment: the verdict first,
// then the key figures as a table, then the thresholds that changed (the kept
// ones folded away).
import type { Comparison } from './compare.ts';
import { countChanges, type RuleState } from './rules.ts';
import type { LoadedRun } from './figures.ts';
import { describeRun, formatChange, formatPct, formatValue, identityLine, observedText, TEST_TEXT } from './text.ts';
import { describeTolerance } from './tolerance.ts';

/** Text for a table cell: no pipes, no line breaks, no stray HTML. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function code(s: string): string {
  return '`' + s.replace(/`/g, "'") + '`';
}

function stateCell(s: RuleState | null, run: LoadedRun): string {
  if (s === null) return 'absent';
  const observed = observedText(run, s);
  const value = observed === '' ? '' : ` (${cell(observed)})`;
  return s.state === 'passed' ? `✅ passed${value}` : s.state === 'failed' ? `❌ failed${value}` : `➖ not judged${s.reason ? `: ${cell(s.reason)}` : ''}`;
}

const FIGURE_MARK = { ok: '✅ ok', regression: '❌ **regression**', improved: '✅ improved', not_compared: '➖ not compared', info: '· not judged' } as const;

export function comparisonMarkdown(c: Comparison): string {
  const out: string[] = [];
  const scenario = c.run.file.summary.queue.scenario ?? 'run';
  if (c.regressions.length === 0) out.push(`### ✅ queue-k6 compare: ${cell(scenario)}: no regression beyond the tolerances`);
  else out.push(`### ❌ queue-k6 compare: ${cell(scenario)}: ${c.regressions.length} regression${c.regressions.length === 1 ? '' : 's'}`);
  out.push('');
  out.push(`${cell(identityLine(c))}.`);
  out.push('');
  out.push(`- base: ${cell(describeRun(c, 'base'))}`);
  out.push(`- run: ${cell(describeRun(c, 'run'))}`);
  out.push(`- noise test: ${cell(TEST_TEXT(c.alpha))}`);
  if (c.blocking.length > 0) out.push(`- ⚠️ **forced**: the runs differ in ${cell(c.blocking.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', '))}`);
  if (c.other.length > 0) out.push(`- also differ: ${cell(c.other.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', '))}`);
  for (const w of c.warnings) out.push(`- ⚠️ ${cell(w)}`);
  if (c.regressions.length > 0) {
    out.push('', '**What got worse**', '');
    for (const r of c.regressions) out.push(`- ${cell(r.line)}`);
  }

  out.push('', '| figure | base | run | change | tolerance | noise test | verdict |', '| --- | ---: | ---: | ---: | --- | --- | --- |');
  for (const f of c.figures) {
    const v = (x: number | null): string => (x === null ? 'n/a' : formatValue(x, f.unit));
    const change = f.change === null ? '' : `${formatChange(f.change, f.unit)}${f.changePct === null ? '' : ` (${formatPct(f.changePct)})`}`;
    out.push(
      `| ${cell(`${f.label} ${f.agg}`)} | ${v(f.base)} | ${v(f.run)} | ${cell(change)} | ${f.tolerance === null ? '' : code(describeTolerance(f.tolerance))} | ${cell(f.testNote)} | ${FIGURE_MARK[f.verdict]} |`,
    );
  }
  const bands = c.figures.find((f) => f.bands !== undefined)?.bands;
  if (bands !== undefined) {
    out.push('', `Median wait by position: ${bands.map((b) => `${b.from === b.to ? b.from : `${b.from}–${b.to}`}: ${b.base === null ? 'n/a' : formatValue(b.base, 'ms')} → ${b.run === null ? 'n/a' : formatValue(b.run, 'ms')}`).join(', ')}.`);
  }

  // Beside the table: what a row's two values do not say (capacity: each run's held rate and window).
  const notes = c.figures.filter((f) => f.note !== undefined);
  if (notes.length > 0) out.push('', ...[...new Set(notes.map((f) => `${cell(f.label)}: ${cell(f.note!)}.`))]);

  const n = countChanges(c.rules);
  out.push('', `**Thresholds**: ${n.kept_passing} kept passing, ${n.kept_failing} kept failing, ${n.newly_failing} newly failing, ${n.newly_passing} newly passing, ${n.not_judged} not judged in one.`);
  const changed = c.rules.filter((r) => r.change !== 'kept_passing');
  const row = (r: (typeof c.rules)[number]): string =>
    `| ${code(r.metric)} | ${code(r.expression)} | ${stateCell(r.base, c.base)} | ${stateCell(r.run, c.run)} | ${r.change.replace('_', ' ')}${r.why ? `: ${cell(r.why)}` : ''} |`;
  const header = ['| metric | rule | base | run | change |', '| --- | --- | --- | --- | --- |'];
  if (changed.length > 0) out.push('', ...header, ...changed.map(row));
  const kept = c.rules.filter((r) => r.change === 'kept_passing');
  if (kept.length > 0) out.push('', `<details><summary>${kept.length} thresholds kept passing</summary>`, '', ...header, ...kept.map(row), '', '</details>');
  out.push('');
  return out.join('\n');
}
