import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileSafeName, fileTimestamp, NOTE_PREFIX, summaryOutputs } from './outputs';
import { textSummary } from './text';
import type { SummaryData } from './types';

const FIXTURE = new URL('../../test/fixtures/k6-reference/summary-data.json', import.meta.url);
const fixture = (): SummaryData => JSON.parse(readFileSync(FIXTURE, 'utf8')) as SummaryData;
const NOW = new Date('2026-11-25T13:15:00.789Z');

test('file names: results/<scenario>-<UTC timestamp>.{json,junit.xml}', () => {
  const data = fixture();
  const out = summaryOutputs({ scenario: 'scenario-1', data, now: NOW, text: 'T' });
  assert.deepEqual(Object.keys(out).sort(), [
    'results/scenario-1-20261125T131500Z.json',
    'results/scenario-1-20261125T131500Z.junit.xml',
    'stdout',
  ]);
  const other = summaryOutputs({ scenario: 'scenario-1', data, now: NOW, text: 'T', resultsDir: 'out/runs/' });
  assert.ok('out/runs/scenario-1-20261125T131500Z.json' in other);
});

test('the JSON file round-trips to the same data', () => {
  const data = fixture();
  const out = summaryOutputs({ scenario: 's', data, now: NOW, text: '' });
  assert.deepEqual(JSON.parse(out['results/s-20261125T131500Z.json']), data);
  assert.match(out['results/s-20261125T131500Z.json'], /^\{\n  "root_group": \{/, 'pretty-printed');
});

test('the JUnit file reports the thresholds with the scenario as suite name', () => {
  const xml = summaryOutputs({ scenario: 'scenario-2', data: fixture(), now: NOW, text: '' })['results/scenario-2-20261125T131500Z.junit.xml'];
  assert.match(xml, /<testsuite name="scenario-2" tests="14" failures="2" errors="0" skipped="0" time="0" timestamp="2026-11-25T13:15:00">/);
});

test('stdout is the text, then each note prefixed', () => {
  const data = fixture();
  const text = textSummary(data, { enableColors: false });
  const out = summaryOutputs({
    scenario: 's', data, now: NOW, text,
    notes: ['ref_trend p(90)<35 crossed: admission is slow', 'two\nlines', ''],
  });
  assert.equal(
    out.stdout,
    text + '\n\n' +
      'diagnosis: ref_trend p(90)<35 crossed: admission is slow\n' +
      'diagnosis: two\n' + ' '.repeat(NOTE_PREFIX.length) + 'lines\n',
  );
  assert.equal(summaryOutputs({ scenario: 's', data, now: NOW, text: 'T\n\n' }).stdout, 'T\n');
});

test('timestamps and names are filesystem-safe', () => {
  assert.equal(fileTimestamp(new Date('2026-01-02T03:04:05Z')), '20260102T030405Z');
  assert.match(fileTimestamp(new Date(0)), /^\d{8}T\d{6}Z$/);
  assert.throws(() => fileTimestamp(new Date('nope')), /invalid now/);
  assert.equal(fileSafeName('scenario 1/../x:y'), 'scenario-1-..-x-y');
  assert.equal(fileSafeName('../etc'), 'etc');
  assert.throws(() => fileSafeName('///'), /invalid scenario; reason: expected/);
  assert.throws(() => summaryOutputs({ scenario: '', data: fixture(), now: NOW, text: '' }), /invalid scenario/);
});
