import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { jUnit, textSummary } from './text';
import type { SummaryData } from './types';

// The fixture recorded from a real k6 0.48 (repo root/../shared/k6-reference).
const FIXTURE = new URL('../../test/fixtures/k6-reference/summary-data.json', import.meta.url);
const fixture = (): SummaryData => JSON.parse(readFileSync(FIXTURE, 'utf8')) as SummaryData;

const ANSI = /\x1b\[/;
const plain = (data: SummaryData = fixture()) => textSummary(data, { enableColors: false });

/** The line showing `label` followed by its dotted leader. */
function lineOf(text: string, label: string): string {
  const found = text.split('\n').filter((l) => l.includes(' ' + label + '.'));
  assert.equal(found.length, 1, `one line for ${label}, got ${found.length}:\n${text}`);
  return found[0];
}

test('every metric of the fixture has a line, in sorted order', () => {
  const data = fixture();
  const text = plain(data);
  const order = [
    'checks', 'data_received', 'data_sent', 'group_duration', 'iteration_duration', 'iterations',
    'ref_counter', 'ref_gauge', 'ref_rate', 'ref_time', 'ref_trend', '{ kind:a }',
  ];
  assert.equal(Object.keys(data.metrics).length, order.length);
  const positions = order.map((label) => text.indexOf(lineOf(text, label)));
  assert.deepEqual([...positions].sort((a, b) => a - b), positions);
});

test('threshold marks follow ok: ✗ when any threshold failed, ✓ when all passed, none without thresholds', () => {
  const text = plain();
  assert.match(lineOf(text, 'ref_gauge'), /^   ✗ ref_gauge\./);
  assert.match(lineOf(text, 'ref_trend'), /^   ✗ ref_trend\./);
  for (const ok of ['checks', 'ref_counter', 'ref_rate', 'ref_time']) {
    assert.match(lineOf(text, ok), new RegExp(`^   ✓ ${ok}\\.`));
  }
  for (const none of ['data_sent', 'iterations', 'group_duration']) {
    assert.match(lineOf(text, none), new RegExp(`^     ${none}\\.`));
  }
});

test('the sub-metric is listed right under its parent, indented, with its own mark', () => {
  const lines = plain().split('\n');
  const parent = lines.findIndex((l) => l.includes(' ref_trend.'));
  assert.match(lines[parent + 1], /^     ✓ \{ kind:a \}\.+: avg=15 +min=10 /);
});

test('colons line up after the dotted leaders', () => {
  const metricLines = plain().split('\n').filter((l) => /\.\.\.:/.test(l));
  assert.equal(metricLines.length, 12);
  const columns = new Set(metricLines.map((l) => l.indexOf('.:')));
  assert.equal(columns.size, 1, metricLines.join('\n'));
});

test('values by type: counter, gauge, rate, data', () => {
  const text = plain();
  assert.match(lineOf(text, 'iterations'), /: 5 +15959\.399288\/s$/);
  assert.match(lineOf(text, 'ref_counter'), /: 4 +12767\.519431\/s$/);
  assert.match(lineOf(text, 'ref_gauge'), /: 3 +min=3 +max=7$/);
  assert.match(lineOf(text, 'ref_rate'), /: 50\.00% +✓ 2 +✗ 2$/);
  assert.match(lineOf(text, 'checks'), /: 100\.00% +✓ 4 +✗ 0$/);
  assert.match(lineOf(text, 'data_sent'), /: 0 B +0 B\/s$/);
});

test('trends follow summaryTrendStats; time values are humanised', () => {
  const text = plain();
  const it = lineOf(text, 'iteration_duration');
  // 0.0699096 ms is below a millisecond: shown in µs.
  assert.match(it, /p\(90\)=69\.91µs/);
  assert.match(it, /avg=36\.73µs +min=9\.2µs +med=26\.92µs +max=98\.32µs +p\(90\)=69\.91µs +p\(95\)=84\.11µs$/);
  assert.match(lineOf(text, 'ref_time'), /avg=5ms +min=5ms +med=5ms +max=5ms +p\(90\)=5ms +p\(95\)=5ms$/);
  assert.match(lineOf(text, 'ref_trend'), /avg=25 +min=10 +med=25 +max=40 +p\(90\)=37 +p\(95\)=38\.5$/);

  const data = fixture();
  data.options.summaryTrendStats = ['min', 'max'];
  assert.match(lineOf(plain(data), 'ref_trend'), /: min=10 +max=40$/);
  const fixed = textSummary(fixture(), { enableColors: false, summaryTimeUnit: 'ms' });
  assert.match(lineOf(fixed, 'ref_time'), /avg=5\.00ms/);
  // A stat the data does not have is shown as n/a, not as a crash.
  assert.match(lineOf(textSummary(fixture(), { enableColors: false, summaryTrendStats: ['p(99)'] }), 'ref_trend'), /p\(99\)=n\/a/);
});

test('checks are shown as a tree by group, before the metrics', () => {
  const text = plain();
  assert.ok(text.startsWith('     █ g1\n\n       ✓ is number\n\n'), text);

  const data = fixture();
  data.root_group.checks.push({ name: 'status 200', path: '::status 200', id: 'x', passes: 2, fails: 2 });
  data.root_group.groups[0].groups.push({ name: 'inner', path: '::g1::inner', id: 'y', groups: [], checks: [{ name: 'deep', path: '::g1::inner::deep', id: 'z', passes: 1, fails: 3 }] });
  const lines = plain(data).split('\n');
  assert.deepEqual(lines.slice(0, 11), [
    '     ✗ status 200',
    '      ↳  50% — ✓ 2 / ✗ 2',
    '',
    '     █ g1',
    '',
    '       ✓ is number',
    '',
    '       █ inner',
    '',
    '         ✗ deep',
    '          ↳  25% — ✓ 1 / ✗ 3',
  ]);
});

test('no ANSI codes without colours; colours (green ✓, red ✗, faint leaders) with them', () => {
  assert.doesNotMatch(plain(), ANSI);
  const coloured = textSummary(fixture(), { enableColors: true });
  assert.match(coloured, /\x1b\[31m✗\x1b\[0m ref_gauge/);
  assert.match(coloured, /\x1b\[32m✓\x1b\[0m checks/);
  assert.match(coloured, /\x1b\[2m\.+:\x1b\[0m/);
  // The jslib's default is colours on.
  assert.match(textSummary(fixture()), ANSI);
  // Colour codes are the only difference.
  assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain());
});

test('indent prefixes every line; output is deterministic', () => {
  const text = textSummary(fixture(), { enableColors: false, indent: '>>' });
  for (const line of text.split('\n')) if (line !== '') assert.ok(line.startsWith('>>'), line);
  assert.equal(plain(), plain());
  // Key order in the data does not change the text.
  const data = fixture();
  const reversed: SummaryData = { ...data, metrics: Object.fromEntries(Object.entries(data.metrics).reverse()) };
  assert.equal(plain(reversed), plain(data));
});

test('jUnit is exported with the jslib signature', () => {
  const xml = jUnit(fixture());
  assert.match(xml, /<testsuite name="k6 thresholds" tests="14" failures="2"/);
  assert.match(jUnit(fixture(), { name: 'mine' }), /<testsuite name="mine"/);
});
