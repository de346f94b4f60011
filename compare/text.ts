// The comparison as text, in the end-of-test summary's style: a ✓/✗ mark,
// dotted leaders up to one aligned colon, `key=value` columns. First what is
// compared with what and how noise is told apart, then every threshold's state
// in both runs, then the key figures side by side, then the verdict.
import { formatDuration, formatPercent, trimmedFixed } from '../lib/summary/format.ts';
import type { Comparison } from './compare.ts';
import { aggregationOf } from '../lib/rules/expression.ts';
import { parentName } from '../lib/summary/names.ts';
import type { FigureRow, LoadedRun, Unit } from './figures.ts';
import { countChanges, type RuleChange, type RuleState } from './rules.ts';
import { EXACT_MAX_N } from './stats.ts';
import { describeTolerance } from './tolerance.ts';

const WITHIN = 'within the tolerance';

/** A figure's value in its unit: 16.01s, 0.75/s, 3, 0.00%. */
export function formatValue(v: number, unit: Unit): string {
  switch (unit) {
    case 'ms':
      return formatDuration(v);
    case 'per_s':
      return `${trimmedFixed(v, 2)}/s`;
    case 'rate':
      return formatPercent(v);
    case 'count':
    case 'number':
      return trimmedFixed(v, 2);
  }
}

/** A change with its sign: +490ms, -0.01/s, +2. */
export function formatChange(v: number, unit: Unit): string {
  const sign = v > 0 ? '+' : v < 0 ? '-' : '±';
  return sign + formatValue(Math.abs(v), unit);
}

export function formatPct(p: number | null): string {
  if (p === null) return '';
  const r = Math.abs(p) >= 10 ? Math.round(p) : Math.round(p * 10) / 10;
  return `${r > 0 ? '+' : ''}${r}%`;
}

type Paint = (s: string, code: number) => string;
const plain: Paint = (s) => s;
const ansi: Paint = (s, code) => (s === '' ? '' : `\x1b[${code}m${s}\x1b[0m`);
const RED = 31;
const GREEN = 32;
const FAINT = 2;

const CHANGE_TEXT: Record<RuleChange['change'], string> = {
  newly_failing: 'NEWLY FAILING',
  newly_passing: 'newly passing',
  not_judged: 'not judged in one',
  kept_failing: 'kept failing',
  kept_passing: 'kept passing',
};

/** A rule's observed value in its metric's unit: 3.1s for a time trend's p(95), 15 for a count, 0.00% for a rate. */
export function observedText(run: LoadedRun | undefined, s: RuleState): string {
  if (s.observed === null) return '';
  const m = run?.file.summary.metrics[s.metric] ?? run?.file.summary.metrics[parentName(s.metric)];
  const agg = aggregationOf(s.expression);
  if (m?.type === 'rate' || agg === 'rate') return formatPercent(s.observed);
  if (m?.contains === 'time' && agg !== 'count') return formatDuration(s.observed);
  return trimmedFixed(s.observed, 3);
}

function stateText(s: RuleState | null, run: LoadedRun): string {
  if (s === null) return 'absent';
  const mark = s.state === 'passed' ? '✓' : s.state === 'failed' ? '✗' : '-';
  const observed = observedText(run, s);
  return `${mark} ${s.state === 'not_judged' ? 'not judged' : s.state}${observed === '' ? '' : ` (${observed})`}`;
}

function leaders(label: string, width: number): string {
  const dots = width - label.length;
  return label + ' ' + '.'.repeat(Math.max(2, dots)) + ':';
}

export const TEST_TEXT = (alpha: number): string =>
  `Mann–Whitney U on the runs' samples, two-sided, significance level α = ${alpha} (exact up to ${EXACT_MAX_N} samples in all, else the normal approximation with tie correction)`;

export function describeRun(c: Comparison, which: 'base' | 'run'): string {
  const r = c[which].file;
  const q = r.summary.queue;
  const parts = [`run ${q.runId ?? 'unknown'}`];
  if (q.k6Version) parts.push(q.k6Version);
  if (r.kind === 'verdict') parts.push(`split over ${q.instances ?? '?'} instances (merged verdict)`);
  parts.push(c[which].samples === null ? 'no samples' : `${c[which].samples!.files.length} samples file${c[which].samples!.files.length === 1 ? '' : 's'}`);
  return `${r.path} (${parts.join(', ')})`;
}

export function identityLine(c: Comparison): string {
  const q = c.run.file.summary.queue;
  const p = q.params;
  return `${q.scenario ?? 'unknown scenario'}: ${p.users ?? '?'} users, queue threshold ${p.queueThreshold ?? '?'}, processor interval ${p.processorIntervalMs ?? '?'} ms`;
}

function ruleLines(c: Comparison, paint: Paint): string[] {
  const n = countChanges(c.rules);
  const lines = [
    `  THRESHOLDS  ${c.rules.length} in either run: ${n.kept_passing} kept passing, ${n.kept_failing} kept failing, ${n.newly_failing} newly failing, ${n.newly_passing} newly passing, ${n.not_judged} not judged in one`,
  ];
  if (c.ruleSources.base !== c.ruleSources.run || c.ruleSources.base === 'summary') {
    lines.push(paint(`    (states from ${c.ruleSources.base === 'rules' ? 'queue_k6.rules' : "k6's threshold results"} in the base, ${c.ruleSources.run === 'rules' ? 'queue_k6.rules' : "k6's threshold results"} in the run)`, FAINT));
  }
  const labels = c.rules.map((r) => `${r.metric} ${r.expression}`);
  const width = Math.min(64, Math.max(20, ...labels.map((l) => l.length + 3)));
  c.rules.forEach((r, i) => {
    const bad = r.change === 'newly_failing' || r.change === 'kept_failing';
    const mark = bad ? '✗' : r.change === 'not_judged' ? '-' : '✓';
    let line = `    ${mark} ${leaders(labels[i]!, width)} ${CHANGE_TEXT[r.change]}`;
    if (r.change !== 'kept_passing') line += `  base ${stateText(r.base, c.base)} → run ${stateText(r.run, c.run)}`;
    if (r.why !== undefined) line += `  (${r.why})`;
    lines.push(r.change === 'newly_failing' ? paint(line, RED) : r.change === 'newly_passing' ? paint(line, GREEN) : line);
  });
  return lines;
}

const VERDICT_MARK: Record<FigureRow['verdict'], string> = { ok: '✓', regression: '✗', improved: '✓', not_compared: '-', info: '·' };
const VERDICT_TEXT: Record<FigureRow['verdict'], string> = { ok: 'ok', regression: 'REGRESSION', improved: 'improved', not_compared: 'not compared', info: 'not judged' };

export function figureValues(row: FigureRow): string {
  const v = (x: number | null): string => (x === null ? 'n/a' : formatValue(x, row.unit));
  const parts = [`base=${v(row.base)}`, `run=${v(row.run)}`];
  if (row.change !== null) parts.push(`change=${formatChange(row.change, row.unit)}${row.changePct === null ? '' : ` (${formatPct(row.changePct)})`}`);
  if (row.tolerance !== null) parts.push(`tolerance=${describeTolerance(row.tolerance)}`);
  return parts.join(' ');
}

function figureLines(c: Comparison, paint: Paint): string[] {
  const lines = ['  KEY FIGURES'];
  const labels = c.figures.map((f) => `${f.label} ${f.agg}`);
  const width = Math.max(24, ...labels.map((l) => l.length + 3));
  c.figures.forEach((row, i) => {
    const head = `    ${VERDICT_MARK[row.verdict]} ${leaders(labels[i]!, width)} ${figureValues(row)} → ${VERDICT_TEXT[row.verdict]}`;
    lines.push(row.verdict === 'regression' ? paint(head, RED) : row.verdict === 'improved' ? paint(head, GREEN) : head);
    const indent = ' '.repeat(6);
    const detail: string[] = [];
    if (row.test !== null) detail.push(`noise: ${row.testNote}`);
    // "within the tolerance" goes without saying; anything else is said.
    if (row.verdict !== 'info' && !(row.verdict === 'ok' && row.why === WITHIN)) detail.push(row.why);
    if (row.note !== undefined) detail.push(row.note);
    for (const d of detail) lines.push(paint(indent + d, FAINT));
    if (row.bands !== undefined) {
      const v = (x: number | null): string => (x === null ? 'n/a' : formatValue(x, 'ms'));
      const bands = row.bands.map((b) => `${b.from === b.to ? b.from : `${b.from}-${b.to}`}: ${v(b.base)} → ${v(b.run)}`);
      lines.push(paint(`${indent}median wait by position: ${bands.join(', ')}`, FAINT));
    }
  });
  return lines;
}

/** The whole text; `colors` adds ANSI colours (a terminal). */
export function comparisonText(c: Comparison, opts: { colors: boolean; chosen?: string }): string {
  const paint = opts.colors ? ansi : plain;
  const lines: string[] = [];
  lines.push(`compare: ${identityLine(c)}`);
  lines.push(`  base  ${describeRun(c, 'base')}`);
  lines.push(`  run   ${describeRun(c, 'run')}`);
  if (opts.chosen !== undefined && opts.chosen !== 'as given') lines.push(paint(`  (${opts.chosen})`, FAINT));
  lines.push(`  noise test: ${TEST_TEXT(c.alpha)}; a figure regresses when it is worse beyond its tolerance and, where both runs have samples, beyond noise`);
  if (c.blocking.length > 0) {
    lines.push(paint(`  FORCED: the runs differ in ${c.blocking.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', ')}`, RED));
  }
  if (c.other.length > 0) lines.push(`  also differ: ${c.other.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', ')}`);
  for (const w of c.warnings) lines.push(paint(`  warning: ${w}`, RED));
  lines.push('', ...ruleLines(c, paint), '', ...figureLines(c, paint), '');
  if (c.regressions.length === 0) {
    lines.push(paint('compare: no regression beyond the tolerances', GREEN));
  } else {
    lines.push(paint(`compare: REGRESSION: ${c.regressions.length} thing${c.regressions.length === 1 ? '' : 's'} got worse`, RED));
    for (const r of c.regressions) lines.push(paint(`  - ${r.line}`, RED));
  }
  return lines.join('\n') + '\n';
}
