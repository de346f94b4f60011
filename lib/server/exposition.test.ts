// The exposition parser against what prom-client really serves (made here,
// by the library the real services and the reference room use) and against
// the format's corners: escapes, histograms, NaN, +Inf, timestamps, no TYPE.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, Summary } from 'prom-client';
import { describeNotExposition, ExpositionError, parseExposition, parseValue, samplesNamed, sumOf, valueOf } from './exposition.ts';

describe('parseExposition on prom-client output', () => {
  it('reads the default metrics a Node service serves', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
    await new Promise((r) => setTimeout(r, 50));
    const text = await registry.metrics();
    const expo = parseExposition(text);
    const cpu = expo.families.get('process_cpu_seconds_total');
    assert.equal(cpu?.type, 'counter');
    assert.ok(cpu!.help!.length > 0);
    assert.ok(valueOf(expo, 'process_cpu_seconds_total')! > 0);
    assert.ok(valueOf(expo, 'process_resident_memory_bytes')! > 1e6);
    assert.equal(expo.families.get('nodejs_eventloop_lag_p99_seconds')?.type, 'gauge');
    assert.ok(Number.isFinite(valueOf(expo, 'nodejs_eventloop_lag_seconds')!));
    assert.ok(valueOf(expo, 'nodejs_active_handles_total')! >= 0);
    // gc durations: a histogram whose buckets, sum and count belong to it.
    const gc = expo.families.get('nodejs_gc_duration_seconds');
    assert.equal(gc?.type, 'histogram');
    assert.ok(gc!.samples.every((s) => /^nodejs_gc_duration_seconds_(bucket|sum|count)$/.test(s.name)));
    // Every sample line of the body is in exactly one family.
    const sampleLines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#')).length;
    let parsed = 0;
    for (const f of expo.families.values()) parsed += f.samples.length;
    assert.equal(parsed, sampleLines);
  });

  it('reads counters, gauges, histograms and summaries with labels that need escapes', async () => {
    const registry = new Registry();
    const c = new Counter({ name: 'room_requests_total', help: 'Requests with a "quote" and a back\\slash\nand a newline', labelNames: ['path'], registers: [registry] });
    c.inc({ path: 'a"b\\c\nd' }, 3);
    c.inc({ path: '/plain' });
    const g = new Gauge({ name: 'room_size', help: 'size', registers: [registry] });
    g.set(-2.5e-3);
    const h = new Histogram({ name: 'room_batch', help: 'batch sizes', buckets: [1, 5], registers: [registry] });
    h.observe(0.5);
    h.observe(3);
    h.observe(100);
    const s = new Summary({ name: 'room_wait_seconds', help: 'waits', percentiles: [0.5, 0.99], registers: [registry] });
    const empty = new Summary({ name: 'room_none_seconds', help: 'no observation', percentiles: [0.5], registers: [registry] });
    void empty;
    new Gauge({ name: 'room_unknown', help: 'NaN', registers: [registry] }).set(NaN);
    new Gauge({ name: 'room_unbounded', help: '+Inf', registers: [registry] }).set(Infinity);
    s.observe(1);
    s.observe(3);
    const expo = parseExposition(await registry.metrics());
    assert.equal(expo.families.get('room_requests_total')!.help, 'Requests with a "quote" and a back\\slash\nand a newline');
    assert.equal(valueOf(expo, 'room_requests_total', { path: 'a"b\\c\nd' }), 3);
    assert.equal(valueOf(expo, 'room_requests_total', { path: '/plain' }), 1);
    assert.equal(sumOf(expo, 'room_requests_total'), 4);
    assert.equal(valueOf(expo, 'room_size'), -2.5e-3);
    const buckets = samplesNamed(expo, 'room_batch_bucket').map((b) => [b.labels.le, b.value]);
    assert.deepEqual(buckets, [['1', 1], ['5', 2], ['+Inf', 3]]);
    assert.equal(valueOf(expo, 'room_batch_count'), 3);
    assert.equal(valueOf(expo, 'room_batch_sum'), 103.5);
    assert.equal(expo.families.get('room_wait_seconds')!.type, 'summary');
    assert.equal(valueOf(expo, 'room_wait_seconds_count'), 2);
    assert.ok(valueOf(expo, 'room_wait_seconds', { quantile: '0.99' })! >= 1);
    assert.equal(valueOf(expo, 'room_none_seconds_count'), 0);
    // A gauge set to NaN or +Inf is served as such, and read as such (never as 0).
    assert.ok(Number.isNaN(valueOf(expo, 'room_unknown')!));
    assert.equal(valueOf(expo, 'room_unbounded'), Infinity);
  });
});

describe('parseExposition edge cases', () => {
  it('reads +Inf, -Inf, NaN, exponents and timestamps', () => {
    const expo = parseExposition([
      '# TYPE a gauge',
      'a{x="1"} +Inf',
      'a{x="2"} -Inf 1700000000000',
      'a{x="3"} NaN',
      'a{x="4"} 1.5e+3 -5',
      'a{x="5",} .5',
    ].join('\n'));
    const ss = samplesNamed(expo, 'a');
    assert.equal(ss[0]!.value, Infinity);
    assert.equal(ss[1]!.value, -Infinity);
    assert.equal(ss[1]!.timestampMs, 1700000000000);
    assert.ok(Number.isNaN(ss[2]!.value));
    assert.equal(ss[3]!.value, 1500);
    assert.equal(ss[3]!.timestampMs, -5);
    assert.equal(ss[4]!.value, 0.5);
    assert.deepEqual(ss[4]!.labels, { x: '5' });
  });

  it('makes a family of a sample without TYPE (untyped), and keeps comments and blank lines out', () => {
    const expo = parseExposition('# a plain comment\n\nfoo 1\r\n#HELP is not a keyword without a space\nbar{a="b"} 2\n');
    assert.equal(expo.families.get('foo')!.type, 'untyped');
    assert.equal(valueOf(expo, 'bar', { a: 'b' }), 2);
    assert.equal(valueOf(expo, 'bar', { a: 'c' }), undefined);
    assert.equal(valueOf(expo, 'nothing'), undefined);
    assert.equal(sumOf(expo, 'nothing'), undefined);
  });

  it('reads a histogram whose TYPE comes before its samples, with le="+Inf"', () => {
    const expo = parseExposition([
      '# HELP h_seconds A histogram.',
      '# TYPE h_seconds histogram',
      'h_seconds_bucket{le="0.1"} 1',
      'h_seconds_bucket{le="+Inf"} 2',
      'h_seconds_sum 0.3',
      'h_seconds_count 2',
    ].join('\n'));
    assert.equal(expo.families.size, 1);
    assert.equal(expo.families.get('h_seconds')!.samples.length, 4);
    assert.equal(valueOf(expo, 'h_seconds_bucket', { le: '+Inf' }), 2);
  });

  it('refuses what is not the format, naming the line', () => {
    const bad: Array<[string, RegExp]> = [
      ['<!DOCTYPE html>\n<html><body>Sign in</body></html>', /line 1: expected a metric name/],
      ['ok 1\nfoo{a="b} 1', /line 2: unterminated value of label a/],
      ['foo{a="\\x"} 1', /unknown escape \\x/],
      ['foo 1 2 3', /expected a value and an optional timestamp/],
      ['foo one', /bad value "one"/],
      ['foo 1 1.5', /bad timestamp "1.5"/],
      ['foo{a="1",a="2"} 1', /label a appears twice/],
      ['# TYPE foo bogus', /unknown TYPE/],
      ['foo{a="1"}1', /expected a space/],
      ['{"status":"ok"}', /expected a metric name/],
    ];
    for (const [text, re] of bad) {
      assert.throws(() => parseExposition(text), (e: unknown) => e instanceof ExpositionError && re.test(e.message), text);
    }
  });

  it('parses Go floats and tells HTML and JSON bodies apart', () => {
    assert.equal(parseValue('inf'), Infinity);
    assert.equal(parseValue('1e-3'), 0.001);
    assert.equal(parseValue('0x10'), undefined);
    assert.equal(parseValue(''), undefined);
    assert.equal(describeNotExposition('  <html>'), 'an HTML or XML page');
    assert.equal(describeNotExposition('{"a":1}'), 'a JSON body');
    assert.equal(describeNotExposition('foo 1'), undefined);
  });

  it('reads an empty body as no family', () => {
    assert.equal(parseExposition('').families.size, 0);
  });
});
