// Unit tests of the pure parts: sinks and percentiles, thresholds, durations, CLI args, the VU event loop.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from './args.ts';
import { parseDuration } from './duration.ts';
import { RunError } from './errors.ts';
import { Registry, TrendSink, aggregate, defineBuiltins } from './metrics.ts';
import { Runtime } from './runtime.ts';
import { buildThresholds, crossedAbortOnFail, evaluate, parseExpression, parseMetricKey } from './thresholds.ts';
import { EventLoop, VU } from './vu.ts';

describe('metrics', () => {
  it('percentiles interpolate between closest ranks (the reference: 10,20,30,40)', () => {
    const t = new TrendSink();
    for (const v of [40, 10, 30, 20]) t.add(v);
    assert.equal(t.percentile(90), 37);
    assert.equal(t.percentile(95), 38.5);
    assert.equal(aggregate(t, 'med', 1), 25);
    assert.equal(aggregate(t, 'avg', 1), 25);
    assert.equal(aggregate(t, 'p(99.9)', 1), 39.97);
  });
  it('a trend grows past its initial buffer and stays sorted after more samples', () => {
    const t = new TrendSink();
    for (let i = 1000; i >= 1; i--) t.add(i);
    assert.equal(t.percentile(50), 500.5);
    t.add(0);
    assert.equal(aggregate(t, 'min', 1), 0);
    assert.equal(t.percentile(0), 0);
  });
  it('empty sinks aggregate to zero', () => {
    const r = new Registry();
    defineBuiltins(r);
    assert.equal(aggregate(r.define('x', 'trend').sink, 'p(95)', 1), 0);
    assert.equal(aggregate(r.define('y', 'rate').sink, 'rate', 1), 0);
    assert.equal(aggregate(r.define('z', 'gauge').sink, 'value', 1), 0);
  });
  it('names are validated and a name keeps its type', () => {
    const r = new Registry();
    assert.throws(() => r.define('bad-name', 'counter'), /invalid metric name/);
    assert.throws(() => r.define('a'.repeat(129), 'counter'), /invalid metric name/);
    r.define('m', 'counter');
    assert.throws(() => r.define('m', 'trend'), /already exists as a counter/);
    assert.equal(r.define('m', 'counter'), r.define('m', 'counter'));
  });
  it('sub-metrics see only samples whose tags match', () => {
    const r = new Registry();
    const m = r.define('t', 'trend');
    const sub = r.submetric(m, 't{kind:a}', [['kind', 'a']]);
    r.add(m, 1, { kind: 'a' });
    r.add(m, 2, { kind: 'b' });
    assert.equal(sub.sink.samples, 1);
    assert.equal(m.sink.samples, 2);
  });
});

describe('thresholds', () => {
  it('parses expressions and sub-metric keys', () => {
    assert.deepEqual(parseExpression('p(95) < 100'), { agg: 'p(95)', op: '<', value: 100 });
    assert.deepEqual(parseExpression('rate>=0.5'), { agg: 'rate', op: '>=', value: 0.5 });
    assert.deepEqual(parseExpression('count===4'), { agg: 'count', op: '===', value: 4 });
    assert.equal(parseExpression('p95<1'), null);
    assert.equal(parseExpression('avg << 1'), null);
    assert.deepEqual(parseMetricKey('http_req_duration{group:::setup,name:x}'), { name: 'http_req_duration', tags: [['group', '::setup'], ['name', 'x']] });
  });
  it('rejects aggregations that do not fit the metric type (exit 104)', () => {
    const r = new Registry();
    r.define('t', 'trend');
    r.define('g', 'gauge');
    const code = (cfg: unknown): number | undefined => {
      try {
        buildThresholds(cfg, r);
        return undefined;
      } catch (e) {
        return (e as RunError).exitCode;
      }
    };
    assert.equal(code({ t: ['count>1'] }), 104);
    assert.equal(code({ g: ['max>1'] }), 104);
    assert.equal(code({ t: ['p(90)<1'] }), undefined);
    assert.equal(code({ nope: ['rate>0'] }), 104);
    assert.equal(code({ t: ['avg is low'] }), 104);
  });
  it('evaluates on empty metrics and reports crossed metrics sorted', () => {
    const r = new Registry();
    r.define('b', 'counter');
    r.define('a', 'rate');
    const ts = buildThresholds({ b: ['count>0'], a: ['rate<1', { threshold: 'rate>0', abortOnFail: true, delayAbortEval: '10s' }] }, r);
    // An empty rate has no value in k6 and stays passed; an empty counter counts 0 (see the test below).
    assert.deepEqual(evaluate(ts, 1), ['b']);
    assert.equal(ts[2]!.abortOnFail, true);
    assert.equal(ts[2]!.delayAbortEvalMs, 10_000);
  });
});

describe('durations', () => {
  it('parses k6 strings and milliseconds', () => {
    assert.equal(parseDuration('10s', 'x'), 10_000);
    assert.equal(parseDuration('1m30s', 'x'), 90_000);
    assert.equal(parseDuration('500ms', 'x'), 500);
    assert.equal(parseDuration('1h', 'x'), 3_600_000);
    assert.equal(parseDuration(250, 'x'), 250);
    assert.equal(parseDuration('0', 'x'), 0);
    assert.throws(() => parseDuration('10', 'x'), /invalid duration for x/);
    assert.throws(() => parseDuration('ten', 'x'), (e: RunError) => e.exitCode === 104);
  });
});

describe('cli args', () => {
  it('run with repeated -e, -q, --no-color', () => {
    const p = parseArgs(['run', '-e', 'A=1', '--env', 'B=x=y', '--env=C=3', '-q', '--no-color', 's.js']);
    assert.deepEqual(p, { command: 'run', options: { script: 's.js', env: { A: '1', B: 'x=y', C: '3' }, quiet: true, noColor: true } });
  });
  it('unknown flags and missing scripts are usage errors', () => {
    assert.equal(parseArgs(['run', '--vus', '2', 's.js']).command, 'error');
    assert.equal(parseArgs(['run']).command, 'error');
    assert.equal(parseArgs(['frobnicate']).command, 'error');
    assert.equal(parseArgs(['version']).command, 'version');
  });
});

describe('VU event loop', () => {
  it('is idle only when no work is pending after microtasks', async () => {
    const loop = new EventLoop();
    const order: string[] = [];
    const release = loop.ref();
    const idle = loop.idle().then(() => order.push('idle'));
    setTimeout(() => {
      release();
      // work registered from a microtask right after the release keeps the loop busy
      void Promise.resolve().then(() => {
        const again = loop.ref();
        setTimeout(() => {
          order.push('second');
          again();
        }, 5);
      });
    }, 5);
    await idle;
    assert.deepEqual(order, ['second', 'idle']);
  });
  it('interrupt cancels tracked work and its promise never settles', async () => {
    const loop = new EventLoop();
    let settled = false;
    let cancelled = false;
    void loop.track(new Promise((r) => setTimeout(r, 20)), () => (cancelled = true)).then(() => (settled = true));
    loop.interrupt();
    await loop.idle();
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(cancelled, true);
    assert.equal(settled, false);
  });
  it('an iteration waits for its timers and reports an async rejection as an error', async () => {
    const rt = new Runtime({});
    const vu = new VU(rt, 1);
    vu.phase = 'run';
    const stop = new AbortController();
    const ok = await vu.iterate(() => new Promise<void>((r) => setTimeout(r, 5)), [], stop.signal);
    assert.equal(ok, 'ok');
    const lines: string[] = [];
    const { setLogSink } = await import('./log.ts');
    setLogSink((l) => lines.push(l));
    const err = await vu.iterate(() => Promise.reject(new Error('nope')), [], stop.signal);
    setLogSink((l) => process.stderr.write(l));
    assert.equal(err, 'error');
    assert.match(lines.join(''), /Uncaught \(in promise\) Error: nope/);
    assert.equal(rt.registry.metrics.get('iterations')!.sink.samples, 2);
  });
});

it('an empty rate errors and stays passed, as in k6 (metrics/thresholds.go, grafana/k6#2520); empty trends and counters are zero', () => {
  const r = new Registry();
  defineBuiltins(r);
  r.define('restored', 'rate');
  r.define('waits', 'trend');
  r.define('seen', 'counter');
  const ts = buildThresholds({ restored: ['rate==1'], waits: ['min>=100', 'max<=20'], seen: ['count==3'] }, r);
  const errors: string[] = [];
  const crossed = evaluate(ts, 1, (m) => errors.push(m));
  assert.deepEqual(crossed, ['seen', 'waits']);
  assert.equal(ts.find((t) => t.metricKey === 'restored')!.ok, true);
  assert.equal(ts.find((t) => t.expr === 'max<=20')!.ok, true, 'an empty trend is judged on zeros');
  assert.equal(errors.length, 1);
  assert.match(errors[0]!, /^Threshold error: unable to apply threshold rate==1/);
});

it('abortOnFail is not judged on an empty sink while the run goes on (k6 metrics/engine: ignoreEmptySinks during the run)', () => {
  const r = new Registry();
  r.define('restored', 'rate');
  r.define('seen', 'counter');
  const ts = buildThresholds({ restored: [{ threshold: 'rate==1', abortOnFail: true }], seen: [{ threshold: 'count>0', abortOnFail: true }] }, r);
  assert.deepEqual(crossedAbortOnFail(ts, 5000), []);
  r.metrics.get('seen')!.sink.add(0);
  assert.deepEqual(crossedAbortOnFail(ts, 5000).map((t) => t.metricKey), ['seen'], 'once it has a sample, the rule is judged');
});
