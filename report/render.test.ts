// Rendering: the drawn geometry and the page's text must match the run's
// numbers. The HTML is read back with a small tag scanner (no DOM in Node);
// the browser test checks the same in a real Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildModel, REPORT_METRICS } from './model.ts';
import { renderReport } from './render.ts';
import { emptySampleSet, readSamples, type SamplePoint } from '../runs/samples.ts';
import { parseSummary } from '../runs/run-file.ts';
import { syntheticRun, writeSyntheticRun, type SyntheticRunOptions } from '../test/support/synthetic-run.ts';
import { tempDirs } from '../test/support/tempdir.ts';

/** A fresh directory, removed after this file's tests. */
const tempDir = tempDirs('report-render-');

interface Tag {
  name: string;
  attrs: Record<string, string>;
  /** The tags inside it (for a container). */
  children: Tag[];
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e]!);
}

/** Tags of an HTML/SVG string as a tree; text is dropped. Enough for the report's own markup. */
function parseTags(html: string): Tag[] {
  const root: Tag = { name: '#root', attrs: {}, children: [] };
  const stack = [root];
  const re = /<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g;
  const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    const [, close, name, rawAttrs, selfClose] = m;
    if (close === '/') {
      while (stack.length > 1 && stack.pop()!.name !== name) {
        // unwind to the matching open tag
      }
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of rawAttrs!.matchAll(/([\w:-]+)="([^"]*)"/g)) attrs[a[1]!] = unescape(a[2]!);
    const tag: Tag = { name: name!, attrs, children: [] };
    stack[stack.length - 1]!.children.push(tag);
    if (selfClose !== '/' && !VOID.has(name!)) stack.push(tag);
  }
  return root.children;
}

function* walk(tags: Tag[]): Generator<Tag> {
  for (const t of tags) {
    yield t;
    yield* walk(t.children);
  }
}

function find(tags: Tag[], pred: (t: Tag) => boolean): Tag[] {
  return [...walk(tags)].filter(pred);
}

function chart(tags: Tag[], name: string): Tag {
  const c = find(tags, (t) => t.name === 'svg' && t.attrs['data-chart'] === name)[0];
  assert.ok(c, `chart ${name} drawn`);
  return c;
}

function series(scope: Tag, name: string): Tag {
  const s = find([scope], (t) => t.attrs['data-series'] === name)[0];
  assert.ok(s, `series ${name} drawn`);
  return s;
}

/** Drawn points of a series: their data-v and their y in the SVG. */
function points(s: Tag): { v: number; y: number; attrs: Record<string, string> }[] {
  return find([s], (t) => t.attrs['data-v'] !== undefined && t !== s).map((t) => ({ v: Number(t.attrs['data-v']), y: Number(t.attrs.cy ?? NaN), attrs: t.attrs }));
}

/** The y axis as a function value -> y, read from two tick lines. */
function yAxis(c: Tag): (v: number) => number {
  const ticks = find([c], (t) => t.attrs.class === 'ytick').map((t) => ({ v: Number(t.attrs['data-v']), y: Number(t.children[0]!.attrs.y1) }));
  assert.ok(ticks.length >= 2);
  const [a, b] = [ticks[0]!, ticks[ticks.length - 1]!];
  return (v) => a.y + ((v - a.v) * (b.y - a.y)) / (b.v - a.v);
}

const T0 = Date.UTC(2026, 10, 27, 4, 0, 0);

function scenario1Like(activePeak: number, thresholdOk: boolean) {
  const queue_k6 = {
    format: 1, runId: 'r', scenario: 'threshold-overflow', eventId: 'e', k6Version: 'k6 v2.2.0', instances: 1, segment: null,
    params: { users: 15, queueThreshold: 10, arrivalDelayMs: 100, processorIntervalMs: 1000, probes: true, apiUrl: 'http://localhost:3001' },
    vars: { QUEUE_THRESHOLD: 10 }, thresholds: {}, notes: thresholdOk ? [] : ['the active set went over the threshold: admission is not atomic (defect 1)'], startAt: T0,
  };
  const summary = parseSummary(
    JSON.stringify({
      metrics: {
        queue_probe_active: { type: 'trend', contains: 'default', values: { max: activePeak, avg: 5 }, thresholds: { 'max<=10': { ok: thresholdOk } } },
        queue_queued: { type: 'counter', contains: 'default', values: { count: 5, rate: 1 }, thresholds: { 'count==5': { ok: true } } },
      },
      queue_k6,
    }),
    'r.json',
  );
  const set = emptySampleSet();
  const active: SamplePoint[] = [];
  const depth: SamplePoint[] = [];
  for (let i = 0; i <= 40; i++) {
    const v = Math.min(activePeak, Math.floor(i * 0.75));
    active.push({ t: T0 + i * 250, v: i > 30 ? 0 : v });
    depth.push({ t: T0 + i * 250, v: Math.max(0, Math.min(5, i - 13)) });
  }
  set.points.set('queue_probe_active', active);
  set.points.set('queue_probe_depth', depth);
  set.points.set('queue_batch_size', [{ t: T0 + 4000, v: 0, meta: { free_slots: '0', queue_size: '5' } }]);
  set.files.push('r.ndjson.gz');
  return buildModel(summary, set);
}

test('the active series: its drawn maximum is the data maximum, and it sits on the threshold line in a passing run', () => {
  const tags = parseTags(renderReport(scenario1Like(10, true)));
  const c = chart(tags, 'queue');
  const active = series(c, 'active');
  assert.equal(active.attrs['data-max'], '10');
  assert.equal(active.attrs['data-count'], '41');
  const pts = points(active);
  assert.equal(Math.max(...pts.map((p) => p.v)), 10);
  const threshold = series(c, 'threshold');
  assert.equal(threshold.attrs['data-v'], '10');
  const thresholdY = Number(threshold.children[0]!.attrs.y1);
  const y = yAxis(c);
  assert.ok(Math.abs(thresholdY - y(10)) < 0.01, `threshold line at y(10): ${thresholdY} vs ${y(10)}`);
  const topY = Math.min(...pts.map((p) => p.y));
  assert.ok(Math.abs(topY - thresholdY) < 0.01, 'the peak touches the threshold line');
  for (const p of pts) assert.ok(Math.abs(p.y - y(p.v)) < 0.01, `point ${p.v} drawn at its value`);
});

test('an over-admitting run: the active line goes above the threshold line; the failed threshold is listed with its observed value', () => {
  const html = renderReport(scenario1Like(13, false));
  const tags = parseTags(html);
  const c = chart(tags, 'queue');
  const pts = points(series(c, 'active'));
  const thresholdY = Number(series(c, 'threshold').children[0]!.attrs.y1);
  assert.ok(Math.min(...pts.map((p) => p.y)) < thresholdY - 20, 'peak drawn well above the threshold line');
  const failedRow = find(tags, (t) => t.name === 'tr' && t.attrs['data-threshold'] === 'queue_probe_active max<=10')[0];
  assert.equal(failedRow?.attrs['data-ok'], 'false');
  assert.match(html, /data-threshold="queue_probe_active max&lt;=10" data-ok="false">.*?max = 13<\/td>/);
  assert.match(html, /data-verdict="fail"/);
  assert.match(html, /admission is not atomic \(defect 1\)/, 'the diagnosis notes are shown');
  assert.match(html, /k6 v2\.2\.0/);
  assert.match(html, /http:\/\/localhost:3001/);
});

test('the page is self-contained: no script, no external reference', () => {
  const html = renderReport(scenario1Like(10, true));
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /\s(src|href)=/i);
  assert.doesNotMatch(html, /@import|url\((?!#)/);
});

test('probes off: the queue section says why instead of drawing an empty chart', () => {
  const summary = parseSummary(JSON.stringify({ metrics: {}, queue_k6: { params: { probes: false, users: 3 }, vars: {}, thresholds: {}, notes: [], startAt: T0 } }), 's.json');
  const set = emptySampleSet();
  set.files.push('s.ndjson');
  const html = renderReport(buildModel(summary, set));
  assert.doesNotMatch(html, /data-chart="queue"/);
  assert.match(html, /<section id="queue"[^]*?data-empty="true">The Redis probes were off/);
  assert.match(html, /<section id="batches"[^]*?data-empty="true">No processor tick was observed/);
  const noSamples = renderReport(buildModel(summary, emptySampleSet()));
  assert.match(noSamples, /No samples file was given/);
});

async function syntheticModel(opts: SyntheticRunOptions) {
  const run = syntheticRun(opts);
  const dir = tempDir();
  const p = await writeSyntheticRun(run, join(dir, 'run'));
  const set = await readSamples([p.samples], { metrics: REPORT_METRICS });
  return { run, model: buildModel(parseSummary(JSON.stringify(run.summary), p.summary), set) };
}

const processingRate = { users: 20, threshold: 5, processorIntervalMs: 1500, arrivalDelayMs: 100, dwellMs: 400 };

test('waits: late users drawn above their bound; the bound line drawn per position', async () => {
  const { model } = await syntheticModel({ ...processingRate, fault: 'stall' });
  const tags = parseTags(renderReport(model));
  const c = chart(tags, 'waits');
  const late = points(series(c, 'late'));
  assert.equal(late.length, model.findings.late);
  assert.ok(late.length > 0);
  for (const p of late) assert.ok(p.v > Number(p.attrs['data-bound']), 'late means over the bound');
  const bound = points(series(c, 'bound'));
  assert.deepEqual([...new Set(bound.map((p) => p.attrs['data-x']))].length, bound.length);
});

test('LIFO stands out: out-of-order admissions counted and waits falling with position', async () => {
  const { model } = await syntheticModel({ ...processingRate, fault: 'lifo' });
  assert.ok(model.findings.outOfOrder >= 5, `out of order: ${model.findings.outOfOrder}`);
  const html = renderReport(model);
  assert.match(html, /<li class="bad"><b>\d+<\/b> admitted after someone who queued behind them/);
  const first = model.waits.find((w) => w.position === 1)!;
  const last = model.waits.find((w) => w.position === 15)!;
  assert.ok(first.waitMs > last.waitMs, 'the front of the queue waited longest');
});

test('batches: bars carry the batch size and free slots; over-admitting bars are marked', async () => {
  const { run, model } = await syntheticModel({ ...processingRate, fault: 'over-admit' });
  const tags = parseTags(renderReport(model));
  const bars = find([series(chart(tags, 'batches'), 'batch')], (t) => t.name === 'rect');
  assert.equal(bars.length, run.truth.ticks);
  const over = bars.filter((b) => b.attrs['data-over'] === 'true');
  assert.ok(over.length > 0);
  for (const b of over) assert.ok(Number(b.attrs['data-v']) > Number(b.attrs['data-free']));
  assert.equal(Math.max(...bars.map((b) => Number(b.attrs['data-v']))), run.truth.maxBatch);
});

test('estimates: wrong estimates drawn off the diagonal, outside the tolerance', async () => {
  const { model } = await syntheticModel({ ...processingRate, fault: 'wrong-estimate' });
  const tags = parseTags(renderReport(model));
  const c = chart(tags, 'estimates');
  const off = points(series(c, 'estimate-off'));
  assert.ok(off.length > 0);
  const tol = Number(find([c], (t) => t.attrs['data-series'] === 'tolerance')[0]!.attrs['data-v']);
  for (const p of off) assert.ok(Math.abs(Number(p.attrs['data-x']) - p.v) > tol);
  series(c, 'diagonal');
});

test('a 2,000-user run is thinned for drawing but keeps its extremes', async () => {
  const { run, model } = await syntheticModel({ users: 2000, threshold: 200, processorIntervalMs: 2000, arrivalDelayMs: 5, dwellMs: 1000, probeIntervalMs: 20 });
  const html = renderReport(model);
  const tags = parseTags(html);
  const q = chart(tags, 'queue');
  for (const name of ['active', 'depth']) {
    const s = series(q, name);
    assert.ok(Number(s.attrs['data-shown']) < Number(s.attrs['data-count']), `${name} thinned`);
    assert.equal(Math.max(...points(s).map((p) => p.v)), name === 'active' ? run.truth.activeMax : run.truth.depthMax, `${name} peak kept`);
  }
  const waits = series(chart(tags, 'waits'), 'wait');
  assert.equal(Number(waits.attrs['data-count']), run.truth.admittedFromQueue);
  assert.equal(Math.max(...points(waits).map((p) => p.v)), Number(waits.attrs['data-max']), 'the longest wait is drawn');
  assert.ok(html.length < 600_000, `page ${html.length} bytes`);
});

test('rules not judged are listed with their reason, neither passed nor failed', () => {
  const summary = parseSummary(JSON.stringify({
    metrics: {
      queue_http_errors: { type: 'counter', contains: 'default', values: { count: 0 }, thresholds: { 'count==0': { ok: true } } },
      queue_tick_irregular: { type: 'counter', contains: 'default', values: { count: 0 }, thresholds: { 'count==0': { ok: true } } },
    },
    queue_k6: {
      format: 2, scenario: 'processing-rate', params: {}, vars: {}, thresholds: {}, notes: [], startAt: null,
      rules: [
        { metric: 'queue_http_errors', expression: 'count==0', state: 'passed' },
        { metric: 'queue_tick_irregular', expression: 'count==0', state: 'not_judged', reason: 'needs samples of queue_tick_interval, and there were none: nothing was checked' },
      ],
    },
  }), 'x.json');
  const html = renderReport(buildModel(summary, emptySampleSet()));
  assert.match(html, /data-verdict="pass"/);
  assert.match(html, /0 of 2 thresholds failed, 1 not judged/);
  assert.match(html, /<h3>Not judged<\/h3>/);
  assert.match(html, /data-threshold="queue_tick_irregular count==0" data-ok="not-judged">.*needs samples of queue_tick_interval/);
  assert.doesNotMatch(html, /data-threshold="queue_tick_irregular count==0" data-ok="true"/, 'not among the passed');
});
