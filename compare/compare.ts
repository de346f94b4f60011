// Two runs side by side: are they comparable, what happened to each
// threshold, how did each key figure move, and did anything get worse beyond
// its tolerance (and beyond noise)? Pure: files are read by the CLI.
import { capacityRows } from './capacity.ts';
import { CAPACITY_ID, compareFigure, FIGURES, MEASURED_FIGURES, metricFigure, waitsByPosition, type FigureDef, type FigureRow, type LoadedRun } from './figures.ts';
import { compareRules, ruleStates, type RuleChange } from './rules.ts';
import { describeTolerance, parseTolerance, ToleranceError, type CompareSection, type Tolerance } from './tolerance.ts';

export interface Difference {
  what: string;
  base: string;
  run: string;
}

export interface Comparison {
  base: LoadedRun;
  run: LoadedRun;
  /** Scenario, users, threshold, interval: runs that differ here are refused unless forced. */
  blocking: Difference[];
  /** Other parameters that differ: printed, never refused. */
  other: Difference[];
  forced: boolean;
  alpha: number;
  rules: RuleChange[];
  ruleSources: { base: 'rules' | 'summary'; run: 'rules' | 'summary' };
  figures: FigureRow[];
  /** What got worse (empty: exit 0): a short name and the whole line. */
  regressions: Regression[];
  warnings: string[];
}

export interface Regression {
  /** `threshold <metric> <expression>`, or `<figure> <aggregation>`. */
  name: string;
  line: string;
}

export class RefusedError extends Error {
  constructor(readonly differences: Difference[]) {
    super(
      `these runs differ in ${differences.map((d) => `${d.what} (base ${d.base}, run ${d.run})`).join(', ')}: ` +
        'their figures are not comparable. Compare runs of one scenario with the same parameters, or set FORCE=1 (--force) to compare them anyway',
    );
    this.name = 'RefusedError';
  }
}

function show(v: unknown): string {
  return v === undefined || v === null ? 'unknown' : String(v);
}

function identityOf(r: LoadedRun): Record<string, unknown> {
  const q = r.file.summary.queue;
  return {
    scenario: q.scenario,
    users: q.params.users ?? q.vars.USERS,
    'queue threshold': q.params.queueThreshold ?? q.vars.QUEUE_THRESHOLD,
    'processor interval (ms)': q.params.processorIntervalMs ?? q.vars.QUEUE_PROCESSOR_INTERVAL,
  };
}

/** The target's host: a local reference room gets a new port every run, which is no difference. */
function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}${u.pathname}`;
  } catch {
    return url;
  }
}

/** Parameters that differ from run to run by design, and say nothing about comparability. */
const VOLATILE = new Set(['eventId', 'testId', 'startAt', 'apiUrl', 'socketUrl', 'redisUrl', 'scenario', 'users', 'queueThreshold', 'processorIntervalMs']);

export function differences(base: LoadedRun, run: LoadedRun): { blocking: Difference[]; other: Difference[] } {
  const blocking: Difference[] = [];
  const a = identityOf(base);
  const b = identityOf(run);
  for (const what of Object.keys(a)) {
    if (a[what] === undefined || b[what] === undefined || a[what] !== b[what]) blocking.push({ what, base: show(a[what]), run: show(b[what]) });
  }
  const other: Difference[] = [];
  const pa = base.file.summary.queue.params;
  const pb = run.file.summary.queue.params;
  for (const k of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) {
    if (VOLATILE.has(k)) continue;
    if (pa[k] !== pb[k]) other.push({ what: k, base: show(pa[k]), run: show(pb[k]) });
  }
  const qa = base.file.summary.queue;
  const qb = run.file.summary.queue;
  if ((qa.k6Version ?? null) !== (qb.k6Version ?? null)) other.push({ what: 'k6', base: show(qa.k6Version), run: show(qb.k6Version) });
  if (hostOf(pa.apiUrl) !== hostOf(pb.apiUrl)) other.push({ what: 'target (apiUrl)', base: show(pa.apiUrl), run: show(pb.apiUrl) });
  const rulesOf = (t: Record<string, string[]>): Set<string> => new Set(Object.entries(t).flatMap(([k, list]) => list.map((e) => `${k} ${e}`)));
  const ra = rulesOf(qa.thresholds);
  const rb = rulesOf(qb.thresholds);
  const onlyA = [...ra].filter((x) => !rb.has(x)).length;
  const onlyB = [...rb].filter((x) => !ra.has(x)).length;
  if (onlyA + onlyB > 0) other.push({ what: 'threshold rules', base: `${ra.size} (${onlyA} not in the run)`, run: `${rb.size} (${onlyB} not in the base)` });
  return { blocking, other };
}

function rowRegression(row: FigureRow, fmt: (v: number, unit: FigureRow['unit']) => string): Regression {
  const tol = row.tolerance === null ? '' : `, tolerance ${describeTolerance(row.tolerance)}`;
  const pct = row.changePct === null ? '' : ` (${row.changePct >= 0 ? '+' : ''}${Math.round(row.changePct * 10) / 10}%)`;
  const name = `${row.label} ${row.agg}`;
  return { name, line: `${name}: ${fmt(row.base!, row.unit)} → ${fmt(row.run!, row.unit)}${pct}${tol}; ${row.testNote}` };
}

export interface CompareOptions {
  section: CompareSection;
  force: boolean;
  /** Formats a value for the regression lines (the text module's formatter). */
  format: (v: number, unit: FigureRow['unit']) => string;
}

/** The comparison of `run` against `base`; throws RefusedError for incomparable runs unless forced. */
export function compareRuns(base: LoadedRun, run: LoadedRun, opts: CompareOptions): Comparison {
  const { blocking, other } = differences(base, run);
  if (blocking.length > 0 && !opts.force) throw new RefusedError(blocking);
  const warnings: string[] = [];
  for (const [which, r] of [['base', base], ['run', run]] as const) {
    if (r.file.kind === 'instance') {
      warnings.push(`the ${which} file ${r.file.path} is one instance of a split run (segment ${show(r.file.summary.queue.segment)}): its rules on totals were neutral; compare the run's -verdict.json`);
    }
    if (!r.file.summary.hasQueueInfo) warnings.push(`the ${which} file ${r.file.path} has no queue_k6 key (written before the suite recorded its parameters)`);
  }

  const baseRules = ruleStates(base.file);
  const runRules = ruleStates(run.file);
  const rules = compareRules(baseRules.states, runRules.states);

  // Tolerances are filled from the base's threshold variables (the run's where the base lacks one).
  const vars = { ...run.file.summary.queue.vars, ...base.file.summary.queue.vars };
  // A capacity run's answer comes first: it is what the run was for.
  const rows: FigureRow[] = capacityRows(base, run, opts.section, vars, (line) => warnings.push(line));
  const named = new Set(opts.section.tolerances.keys());
  const defs: FigureDef[] = [...FIGURES, ...MEASURED_FIGURES.filter((d) => d.fromSummary(base, d.defaultAgg) !== null || d.fromSummary(run, d.defaultAgg) !== null)];
  for (const key of named) {
    if (defs.some((d) => d.id === key)) continue;
    // The capacity answer is judged by compare/capacity.ts, below.
    if (key === CAPACITY_ID) continue;
    // A figure neither run measured (e.g. server CPU without a server source) is left out, not shown empty.
    if (MEASURED_FIGURES.some((d) => d.id === key)) continue;
    const def = metricFigure(key, [base, run]);
    if (def === undefined) {
      warnings.push(`compare.${key}: neither run's summary has a metric ${key}, and it is not a figure (${FIGURES.map((f) => f.id).join(', ')})`);
      continue;
    }
    defs.push(def);
  }
  for (const def of defs) {
    const written = opts.section.tolerances.get(def.id);
    const tolerances: (Tolerance | null)[] = [];
    if (written === undefined) tolerances.push(null);
    else {
      for (const w of written) {
        try {
          tolerances.push(parseTolerance(def.id, w, def.type, def.unit === 'ms', vars));
        } catch (err) {
          if (!(err instanceof ToleranceError)) throw err;
          if (!/is not among this run's threshold variables/.test(err.message)) throw err;
          // A placeholder this (older) run file cannot fill: the row says so instead of the whole comparison failing.
          warnings.push(err.message);
          tolerances.push(null);
        }
      }
    }
    for (const t of tolerances) {
      const row = compareFigure(def, t, base, run, opts.section.alpha);
      if (def.id === 'queue_admission_wait') {
        const bands = waitsByPosition(base, run);
        if (bands.length > 0) row.bands = bands;
      }
      rows.push(row);
    }
  }

  const regressions: Regression[] = [];
  for (const c of rules) {
    if (c.change !== 'newly_failing') continue;
    const name = `threshold ${c.metric} ${c.expression}`;
    regressions.push({ name, line: `${name}: passed in the base, fails now` });
  }
  for (const row of rows) if (row.verdict === 'regression') regressions.push(rowRegression(row, opts.format));
  return {
    base, run, blocking, other, forced: opts.force, alpha: opts.section.alpha, rules,
    ruleSources: { base: baseRules.source, run: runRules.source }, figures: rows, regressions, warnings,
  };
}
