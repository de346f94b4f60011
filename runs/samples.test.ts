// The sample reader against k6's `--out json` line format
// (shared/k6-reference/README.md, "--out json": a Metric line the first time a
// metric is seen, then Point lines; time with nanoseconds; .gz when the name says so).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError, readSamples } from './samples.ts';

const dir = mkdtempSync(join(tmpdir(), 'report-samples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The exact lines recorded from k6 v2.2.0 in the reference, plus metadata as k6 >= 0.45 writes it.
const K6_LINES = [
  '{"type":"Metric","data":{"name":"queue_probe_depth","type":"trend","contains":"default","thresholds":[],"submetrics":null},"metric":"queue_probe_depth"}',
  '{"metric":"queue_probe_depth","type":"Point","data":{"time":"2026-11-27T03:11:10.205143029Z","value":3,"tags":{"event":"e1","group":"","scenario":"default"}}}',
  '{"type":"Metric","data":{"name":"queue_admitted_immediately","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"queue_admitted_immediately"}',
  '{"metric":"queue_admitted_immediately","type":"Point","data":{"time":"2026-11-27T03:11:10.205146622Z","value":1,"tags":{"group":"","scenario":"default"}}}',
  '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-27T03:11:10.300000000Z","value":12.5,"tags":{"group":"","scenario":"default"}}}',
  '{"metric":"queue_queued","type":"Point","data":{"time":"2026-11-27T03:11:11.000000001Z","value":1,"tags":{"group":"","scenario":"users"},"metadata":{"user":"7","position":"2"}}}',
];

function write(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const wanted = { metrics: ['queue_probe_depth', 'queue_admitted_immediately', 'queue_queued'] };

test('plain file: points of wanted metrics with time, value and metadata; Metric lines give types; others skipped', async () => {
  const path = write('plain.json', K6_LINES.join('\n') + '\n');
  const set = await readSamples([path], wanted);
  assert.equal(set.lines, 6);
  assert.equal(set.kept, 3);
  assert.equal(set.ignored, 1);
  assert.equal(set.malformed, 0);
  assert.deepEqual(set.points.get('queue_probe_depth'), [{ t: Date.parse('2026-11-27T03:11:10.205Z'), v: 3 }]);
  assert.deepEqual(set.points.get('queue_queued')?.[0]?.meta, { user: '7', position: '2' });
  assert.equal(set.points.get('queue_queued')?.[0]?.tags, undefined, 'tags are dropped unless asked for');
  assert.equal(set.types.get('queue_admitted_immediately'), 'counter');
  assert.equal(set.points.has('http_req_duration'), false);
});

test('tags are kept for the metrics that ask for them', async () => {
  const path = write('tags.json', K6_LINES.join('\n'));
  const set = await readSamples([path], { metrics: ['queue_probe_depth'], keepTags: ['queue_probe_depth'] });
  assert.deepEqual(set.points.get('queue_probe_depth')?.[0]?.tags, { event: 'e1', group: '', scenario: 'default' });
});

test('.gz files are gunzipped; gzip is recognised by its magic bytes even under another name', async () => {
  const gz = gzipSync(Buffer.from(K6_LINES.join('\n') + '\n'));
  for (const name of ['s.ndjson.gz', 's-gzipped.json']) {
    const set = await readSamples([write(name, gz)], wanted);
    assert.equal(set.kept, 3, name);
    assert.equal(set.malformed, 0, name);
  }
  const plainNamedGz = await readSamples([write('plain-named.gz', K6_LINES.join('\n'))], wanted);
  assert.equal(plainNamedGz.kept, 3);
  assert.match(plainNamedGz.warnings.join('\n'), /named \.gz but is not gzip/);
});

test('malformed lines are counted and skipped, never fatal', async () => {
  const lines = [
    K6_LINES[1]!,
    'not json at all',
    '{"metric":"queue_probe_depth","type":"Point","data":{"time":"2026-11-27T03:11:10Z","value":"3"}}', // value not a number
    '{"metric":"queue_probe_depth","type":"Point","data":{"time":"yesterday","value":3}}', // bad time
    '{"metric":"queue_probe_depth","type":"Poi', // torn line of a wanted metric
    '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11', // torn line of a skipped metric
    '[1,2,3]',
    '',
    K6_LINES[1]!,
  ];
  const set = await readSamples([write('bad.json', lines.join('\n'))], wanted);
  assert.equal(set.kept, 2);
  assert.equal(set.malformed, 6);
  assert.equal(set.lines, 8, 'empty lines are not counted');
  assert.equal(set.malformedAt[0], `${join(dir, 'bad.json')}:2`);
});

test('a truncated .gz (a killed run) yields the lines before the cut and a warning', async () => {
  const many = Array.from({ length: 2000 }, (_, i) =>
    `{"metric":"queue_probe_depth","type":"Point","data":{"time":"2026-11-27T03:11:${String(10 + (i % 40)).padStart(2, '0')}.000Z","value":${i}}}`,
  ).join('\n');
  const gz = gzipSync(Buffer.from(many));
  const set = await readSamples([write('cut.ndjson.gz', gz.subarray(0, Math.floor(gz.length / 2)))], wanted);
  const kept = set.points.get('queue_probe_depth') ?? [];
  assert.ok(kept.length > 0 && kept.length < 2000, `kept ${kept.length}`);
  assert.ok(set.malformed <= 1, 'at most the torn last line');
  assert.match(set.warnings.join('\n'), /ended early/);
});

test('several files (a split run) merge into one timeline per metric', async () => {
  const a = write('i1.json', '{"metric":"queue_queued","type":"Point","data":{"time":"2026-11-27T03:11:12Z","value":1,"metadata":{"user":"1","position":"1"}}}\n');
  const b = write('i2.json', '{"metric":"queue_queued","type":"Point","data":{"time":"2026-11-27T03:11:11Z","value":1,"metadata":{"user":"2","position":"2"}}}\n');
  const set = await readSamples([a, b], wanted);
  assert.deepEqual(set.points.get('queue_queued')?.map((p) => p.meta?.user), ['2', '1']);
  assert.deepEqual(set.files, [a, b]);
});

test('a missing file is an InputError naming it', async () => {
  await assert.rejects(readSamples([join(dir, 'nope.ndjson.gz')], wanted), (err: unknown) => {
    assert.ok(err instanceof InputError);
    assert.match(err.message, /cannot read samples file '.*nope\.ndjson\.gz': no such file/);
    return true;
  });
});

test('an empty file is no samples and a warning', async () => {
  const set = await readSamples([write('empty.json', '')], wanted);
  assert.equal(set.lines, 0);
  assert.match(set.warnings.join('\n'), /holds no samples/);
});

test('lines across read chunks, CRLF endings and a last line without newline are all read', async () => {
  const lines = Array.from({ length: 6000 }, (_, i) =>
    `{"metric":"${i % 3 === 0 ? 'queue_queued' : 'http_req_duration'}","type":"Point","data":{"time":"2026-11-27T03:11:10.000Z","value":${i},"metadata":{"user":"${i}","position":"${'x'.repeat(i % 97)}"}}}`,
  );
  const text = lines.join('\r\n');
  assert.ok(text.length > 3 * 256 * 1024, 'several read chunks');
  for (const [name, data] of [['crlf.json', Buffer.from(text)], ['crlf.json.gz', gzipSync(Buffer.from(text))]] as const) {
    const set = await readSamples([write(name, data)], wanted);
    assert.equal(set.lines, 6000, name);
    assert.equal(set.malformed, 0, name);
    assert.equal(set.ignored, 4000, name);
    const users = set.points.get('queue_queued')!.map((p) => Number(p.meta!.user));
    assert.deepEqual(users, Array.from({ length: 2000 }, (_, k) => k * 3), name);
  }
});
