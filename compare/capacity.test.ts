// make compare's capacity check, on pairs of otherwise identical runs (one
// seed, test/support/compare-fixtures.ts) that differ only in the capacity
// answer their results file carries: fewer users held beyond the tolerance is
// a regression with compare's regression exit code; as many or more is not; a
// run whose generator fell behind (or that measured too little) cannot be
// compared and says why; runs without an answer show nothing about capacity.
// The side-by-side page (report/side-by-side.ts) shows the same row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityResult } from '../lib/capacity/types.ts';
import { addCapacity, capacityResult } from '../test/support/capacity-fixtures.ts';
import { writeFixtureRun } from '../test/support/compare-fixtures.ts';
import { tempDirs } from '../test/support/tempdir.ts';
import { EXIT_OK, EXIT_REGRESSION, main, parseArgs, type CliOptions } from './cli.ts';
import type { Comparison } from './compare.ts';
import { CAPACITY_ID, type FigureRow } from './figures.ts';
import { loadComparison } from './load.ts';
import { makeSideBySideReport } from '../report/side-by-side.ts';

const tempDir = tempDirs('compare-capacity-');

/** Two runs of one seed (nothing else differs), each with its capacity answer (null: none); their paths. */
function writePair(base: CapacityResult | null, run: CapacityResult | null): { dir: string; base: string; run: string } {
  const dir = tempDir();
  const b = writeFixtureRun(dir, 'capacity-20261207T030000Z', { seed: 31, scenario: 'capacity' }).summary;
  const r = writeFixtureRun(dir, 'capacity-20261207T031000Z', { seed: 31, scenario: 'capacity' }).summary;
  if (base !== null) addCapacity(b, base);
  if (run !== null) addCapacity(r, run);
  return { dir, base: b, run: r };
}

async function compare(base: CapacityResult | null, run: CapacityResult | null, extra: Partial<CliOptions> = {}): Promise<Comparison> {
  const p = writePair(base, run);
  const parsed = parseArgs(['--base', p.base, '--run', p.run]);
  assert.equal(parsed.kind, 'options');
  const { comparison } = await loadComparison({ ...(parsed as { options: CliOptions }).options, ...extra }, () => undefined);
  return comparison;
}

function capacityRow(c: Comparison): FigureRow {
  const rows = c.figures.filter((f) => f.id === CAPACITY_ID);
  assert.equal(rows.length, 1, 'one capacity row');
  return rows[0]!;
}

test('fewer users held beyond 10 %: a regression, first among the figures, with both held rates shown', async () => {
  const c = await compare(capacityResult({ heldUsers: 400, heldRate: 20 }), capacityResult({ heldUsers: 350, heldRate: 17.5 }));
  const row = capacityRow(c);
  assert.equal(c.figures[0], row);
  assert.deepEqual({ base: row.base, run: row.run, verdict: row.verdict, agg: row.agg }, { base: 400, run: 350, verdict: 'regression', agg: 'value' });
  assert.equal(row.testNote, 'one answer per run: no sample test');
  assert.equal(row.note, 'base held 400 users at 20/s (window 34–44 s); run held 350 users at 17.5/s (window 34–44 s)');
  // Nothing else differs between the runs: the capacity is the only regression.
  assert.deepEqual(c.regressions.map((r) => r.name), ['capacity: users held value']);
  assert.match(c.regressions[0]!.line, /^capacity: users held value: 400 → 350 \(-12\.5%\), tolerance value -10%; one answer per run: no sample test$/);
});

test('as many, a little fewer (within 10 %), or more users held: not flagged', async () => {
  const same = capacityRow(await compare(capacityResult({ heldUsers: 400 }), capacityResult({ heldUsers: 400 })));
  assert.equal(same.verdict, 'ok');
  const within = await compare(capacityResult({ heldUsers: 400 }), capacityResult({ heldUsers: 361 }));
  assert.equal(capacityRow(within).verdict, 'ok');
  assert.deepEqual(within.regressions, []);
  const more = await compare(capacityResult({ heldUsers: 400 }), capacityResult({ heldUsers: 600, outcome: 'held' }));
  assert.equal(capacityRow(more).verdict, 'improved');
  assert.deepEqual(more.regressions, []);
});

test('a room that now breaks with no healthy window held nobody: a regression, not a pass', async () => {
  const broke = capacityResult({ heldUsers: 400 });
  broke.held = null;
  const c = await compare(capacityResult({ heldUsers: 400 }), broke);
  const row = capacityRow(c);
  assert.equal(row.run, 0);
  assert.equal(row.verdict, 'regression');
  assert.match(row.note!, /run held no healthy window$/);
});

test('generator saturated or unknown on one side: not compared, with the reason, and no regression', async () => {
  const gen = await compare(capacityResult({ heldUsers: 400 }), capacityResult({ outcome: 'generator', atS: 30, heldUsers: 100 }));
  const row = capacityRow(gen);
  assert.equal(row.verdict, 'not_compared');
  assert.equal(row.why, "capacity cannot be compared: this run's load generator fell behind its schedule at 30 s before the room broke: it claims no room capacity");
  assert.deepEqual(gen.regressions, []);
  const unknown = await compare(capacityResult({ outcome: 'unknown' }), capacityResult({ heldUsers: 10 }));
  assert.equal(capacityRow(unknown).verdict, 'not_compared');
  assert.match(capacityRow(unknown).why, /^capacity cannot be compared: the base run measured too little to say \(outcome unknown\)$/);
  assert.deepEqual(unknown.regressions, []);
});

test('runs without a capacity answer: no capacity row at all', async () => {
  const c = await compare(null, null);
  assert.equal(c.figures.find((f) => f.id === CAPACITY_ID), undefined);
  assert.deepEqual(c.warnings, []);
});

test('the tolerance comes from the compare section\'s capacity_users', async () => {
  const dir = tempDir();
  const file = join(dir, 'thresholds.json');
  writeFileSync(file, JSON.stringify({ compare: { capacity_users: 'value -30%' } }));
  const c = await compare(capacityResult({ heldUsers: 400 }), capacityResult({ heldUsers: 300 }), { thresholds: file });
  const row = capacityRow(c);
  assert.equal(row.verdict, 'ok');
  assert.equal(row.tolerance?.written, 'value -30%');
  assert.deepEqual(c.warnings, [], 'capacity_users is a known key, not an unknown metric');
  // A section that does not name it: 10 % all the same.
  writeFileSync(file, JSON.stringify({ compare: {} }));
  const unnamed = capacityRow(await compare(capacityResult({ heldUsers: 400 }), capacityResult({ heldUsers: 350 }), { thresholds: file }));
  assert.equal(unnamed.tolerance?.written, 'value -10%');
  assert.equal(unnamed.verdict, 'regression');
});

test('make compare: exit 1 on fewer users held, named in the text, the Markdown and the JUnit; a generator run says why it is skipped', async () => {
  const io = (): { io: Parameters<typeof main>[1]; out: () => string; err: () => string } => {
    let out = '';
    let err = '';
    return { io: { out: (s) => { out += s; }, err: (s) => { err += s; }, now: new Date(Date.UTC(2026, 11, 7, 5, 0, 0)) }, out: () => out, err: () => err };
  };
  const p = writePair(capacityResult({ heldUsers: 400, heldRate: 20 }), capacityResult({ heldUsers: 300, heldRate: 15 }));
  const md = join(p.dir, 'c.md');
  const junit = join(p.dir, 'c.xml');
  const a = io();
  const code = await main(['--base', p.base, '--run', p.run, '--markdown', md, '--junit', junit, '--no-color'], a.io);
  assert.equal(code, EXIT_REGRESSION, a.err());
  assert.match(a.err(), /compare: regression: capacity: users held value\n/);
  assert.match(a.out(), /✗ capacity: users held value \.+: base=400 run=300 change=-100 \(-25%\) tolerance=value -10% → REGRESSION\n {6}worse beyond the tolerance; judged on the tolerance alone \(one answer per run: no sample test\)\n {6}base held 400 users at 20\/s \(window 34–44 s\); run held 300 users at 15\/s \(window 34–44 s\)\n/);
  const mdText = readFileSync(md, 'utf8');
  assert.match(mdText, /\| capacity: users held value \| 400 \| 300 \| -100 \(-25%\) \| `value -10%` \| one answer per run: no sample test \| ❌ \*\*regression\*\* \|/);
  assert.match(mdText, /\ncapacity: users held: base held 400 users at 20\/s \(window 34–44 s\); run held 300 users at 15\/s \(window 34–44 s\)\.\n/);
  assert.match(readFileSync(junit, 'utf8'), /<testcase classname="compare.figures" name="capacity: users held value">\n {6}<failure type="regression" message="base=400 run=300 [^"]*run held 300 users at 15\/s/);

  const g = writePair(capacityResult({ heldUsers: 400 }), capacityResult({ outcome: 'generator', atS: 30 }));
  const b = io();
  const gCode = await main(['--base', g.base, '--run', g.run, '--markdown', md, '--junit', junit, '--no-color'], b.io);
  assert.equal(gCode, EXIT_OK, b.err());
  assert.match(b.out(), /- capacity: users held value \.+: base=400 run=n\/a tolerance=value -10% → not compared\n {6}capacity cannot be compared: this run's load generator fell behind its schedule at 30 s before the room broke: it claims no room capacity\n {6}base held 400 users at 20\/s \(window 34–44 s\); run claims no room capacity \(its load generator fell behind at 30 s\)\n/);
  assert.match(readFileSync(junit, 'utf8'), /name="capacity: users held value">\n {6}<skipped message="capacity cannot be compared: this run&apos;s load generator fell behind/);
});

test('the side-by-side page (make report BASE=…) shows the capacity row and both held rates', async () => {
  const p = writePair(capacityResult({ heldUsers: 400, heldRate: 20 }), capacityResult({ heldUsers: 300, heldRate: 15 }));
  const made = await makeSideBySideReport({ runSummaryPath: p.run, baseSummaryPath: p.base, runSamplePaths: [], baseSamplePaths: [] });
  const html = readFileSync(made.outPath, 'utf8');
  assert.match(html, /<li class="bad" data-regression="capacity: users held value">/);
  assert.match(html, /<tr class="regression" data-figure="capacity_users value" data-verdict="regression">/);
  assert.match(html, /<p class="meta" data-note="capacity_users">capacity: users held: base held 400 users at 20\/s \(window 34–44 s\); run held 300 users at 15\/s \(window 34–44 s\)\.<\/p>/);
});
