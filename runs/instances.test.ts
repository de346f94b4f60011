// Reading instance summaries: marker lines in logs (kubectl may prefix them),
// results files with queue_k6, and a results directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PARTIAL_MARKER, runPrefixOf, summariesFromDirectory, summariesFromFile, summariesFromLog } from './instances.ts';
import { correctHalves, counter, instance, partialLine } from '../test/support/verdict-fixtures.ts';
import { InputError } from './errors.ts';

test('marker lines are found anywhere in a line, kubectl prefixes included; other lines are ignored', () => {
  const [a, b] = correctHalves();
  const log = [
    '[pod/queue-k6-mass-burst-1-x7k2p/k6] mass-burst: event 1111, 100 users over 2 VU(s)',
    partialLine(a!, '[pod/queue-k6-mass-burst-1-x7k2p/k6] '),
    'time="2026-11-27T04:00:00Z" level=info msg="something else"',
    partialLine(b!, '2026-11-27T04:00:01.000000000Z '),
    '',
  ].join('\n');
  const r = summariesFromLog(log, 'stdin');
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.summaries.map((s) => s.meta.segment), ['0:1/2', '1/2:1']);
  assert.equal(r.summaries[1]!.source, 'stdin line 4');
  assert.equal(r.summaries[0]!.data.metrics.queue_queued!.values.count, 30);
});

test('a marker line wrapped by a logger (logfmt msg="...") is unquoted and read', () => {
  const [a] = correctHalves();
  const json = JSON.stringify({ ...a!.meta, data: a!.data });
  const line = `time="2026-11-27T04:00:00Z" level=info msg=${JSON.stringify(PARTIAL_MARKER + json)} source=console`;
  const r = summariesFromLog(line, 'stdin');
  assert.deepEqual(r.problems, []);
  assert.equal(r.summaries[0]!.meta.runId, 'run-a');
});

test('a cut marker line is reported, not silently dropped', () => {
  const [a] = correctHalves();
  const line = partialLine(a!).slice(0, 200);
  const r = summariesFromLog(`x\n${line}\n`, 'pod.log');
  assert.equal(r.summaries.length, 0);
  assert.match(r.problems[0]!, /^pod\.log line 2: a QUEUE_K6_PARTIAL line that is not complete JSON/);
});

test('queue_k6 without the fields the verdict needs is refused with the source named', () => {
  const bad = `${PARTIAL_MARKER}${JSON.stringify({ format: 1, scenario: 'mass-burst', instances: 2, thresholds: {}, data: { metrics: {} } })}`;
  const r = summariesFromLog(bad, 'stdin');
  assert.match(r.problems[0]!, /^stdin line 1: invalid queue_k6; reason: expected a runId string/);
});

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'queue-k6-verdict-'));
}

function resultsFile(dir: string, name: string, s: ReturnType<typeof instance>, mtimeS: number): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ root_group: { name: '', path: '', id: '', groups: [], checks: [] }, ...s.data, queue_k6: s.meta }));
  utimesSync(path, mtimeS, mtimeS);
  return path;
}

test('a results file: handleSummary data plus queue_k6; a summary without queue_k6 is refused', () => {
  const dir = tempDir();
  try {
    const [a] = correctHalves();
    const path = resultsFile(dir, 'mass-burst-20261127T040000Z-i1of2.json', a!, 1000);
    const r = summariesFromFile(path);
    assert.equal(r.summaries[0]!.meta.segment, '0:1/2');
    assert.equal(r.summaries[0]!.source, path);
    writeFileSync(join(dir, 'plain.json'), JSON.stringify({ metrics: {} }));
    assert.throws(() => summariesFromFile(join(dir, 'plain.json')), (e: unknown) => e instanceof InputError && /has no queue_k6/.test(e.message));
    assert.throws(() => summariesFromFile(join(dir, 'missing.json')), (e: unknown) => e instanceof InputError && /cannot read .*missing\.json: ENOENT/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a results directory: the newest split run, unsplit runs and earlier verdicts skipped, --run picks another', () => {
  const dir = tempDir();
  try {
    const [a, b] = correctHalves();
    const old = (s: typeof a) => ({ ...s!, meta: { ...s!.meta, runId: 'run-old' } });
    resultsFile(dir, 'mass-burst-20261127T030000Z-i1of2.json', old(a), 1000);
    resultsFile(dir, 'mass-burst-20261127T030000Z-i2of2.json', old(b), 1001);
    resultsFile(dir, 'mass-burst-20261127T040000Z-i1of2.json', a!, 2000);
    resultsFile(dir, 'mass-burst-20261127T040000Z-i2of2.json', b!, 2001);
    resultsFile(dir, 'mass-burst-20261127T050000Z.json', instance({ meta: { runId: 'run-unsplit', instances: 1, segment: null }, metrics: { c: counter(1) } }), 3000);
    writeFileSync(join(dir, 'mass-burst-20261127T040000Z-verdict.json'), JSON.stringify({ metrics: {}, queue_k6: { ...a!.meta, verdict: {} } }));

    const newest = summariesFromDirectory(dir, undefined);
    assert.equal(newest.runId, 'run-a');
    assert.deepEqual(newest.summaries.map((s) => s.meta.segment).sort(), ['0:1/2', '1/2:1']);
    assert.equal(summariesFromDirectory(dir, 'run-old').summaries.length, 2);
    assert.throws(() => summariesFromDirectory(dir, 'nope'), (e: unknown) => e instanceof InputError && /no run with id nope .*found: run-old, run-a/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the same run id in two runs of a directory (EVENT_ID reused): the newest run by file prefix', () => {
  const dir = tempDir();
  try {
    const [a, b] = correctHalves();
    resultsFile(dir, 'mass-burst-20261127T030000Z-i1of2.json', a!, 1000);
    resultsFile(dir, 'mass-burst-20261127T030000Z-i2of2.json', b!, 1001);
    resultsFile(dir, 'mass-burst-20261127T040000Z-i1of2.json', a!, 2000);
    resultsFile(dir, 'mass-burst-20261127T040000Z-i2of2.json', b!, 2001);
    const r = summariesFromDirectory(dir, undefined);
    assert.equal(r.olderWithSameId, 1);
    assert.ok(r.summaries.every((s) => s.source.includes('040000Z')), r.summaries.map((s) => s.source).join(', '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('runPrefixOf strips the instance suffix only', () => {
  assert.equal(runPrefixOf('results/mass-burst-20261127T040000Z-i2of4.json'), 'mass-burst-20261127T040000Z');
  assert.equal(runPrefixOf('results/mass-burst-20261127T040000Z.json'), undefined);
});
