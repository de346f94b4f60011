// The capacity section: built only from queue_k6.capacity; the answer's line
// (escaped), the outcome, the requirement, the held window, every break and
// the generator's saturation in words; the time chart with the first break
// drawn where the axis puts its time; the two charts against users held, and
// "no sample" when a figure was never measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildModel } from './model.ts';
import { renderReport } from './render.ts';
import { makeReport } from './report.ts';
import { capacityView } from './capacity.ts';
import { emptySampleSet } from '../runs/samples.ts';
import { parseSummary } from '../runs/run-file.ts';
import type { CapacityResult } from '../lib/capacity/types.ts';
import { capacityResult, writeCapacityRun } from '../test/support/capacity-fixtures.ts';
import { tempDirs } from '../test/support/tempdir.ts';

const tempDir = tempDirs('report-capacity-');

function page(capacity: CapacityResult | null): string {
  const queue: Record<string, unknown> = { params: {}, vars: {}, thresholds: {}, notes: [], startAt: Date.UTC(2026, 11, 7, 3, 0, 0), scenario: 'capacity' };
  if (capacity !== null) queue.capacity = capacity;
  return renderReport(buildModel(parseSummary(JSON.stringify({ metrics: {}, queue_k6: queue }), 'x.json'), emptySampleSet()));
}

/** The markup of one chart. */
function chart(html: string, name: string): string {
  const m = new RegExp(`<svg class="chart" data-chart="${name}"[\\s\\S]*?</svg>`).exec(html);
  assert.ok(m, `chart ${name} drawn`);
  return m[0];
}

/** The x axis of a chart as value -> px, from its first and last tick lines. */
function xAxis(svg: string): (v: number) => number {
  const ticks = [...svg.matchAll(/<g class="xtick" data-v="([-\d.]+)"><line x1="([-\d.]+)"/g)].map((m) => ({ v: Number(m[1]), x: Number(m[2]) }));
  assert.ok(ticks.length >= 2, 'at least two x ticks');
  const a = ticks[0]!;
  const b = ticks[ticks.length - 1]!;
  return (v) => a.x + ((v - a.v) * (b.x - a.x)) / (b.v - a.v);
}

/** A series' group opening tag (its data attributes). */
function seriesTag(svg: string, name: string): string {
  const m = new RegExp(`<g data-series="${name}"[^>]*>`).exec(svg);
  assert.ok(m, `series ${name} drawn`);
  return m[0];
}

test('a run without a capacity answer has no capacity section', () => {
  const html = page(null);
  assert.doesNotMatch(html, /id="capacity"|data-chart="capacity-/);
  // A malformed answer (no outcome) is no answer either, not a broken section.
  const bad = page({ line: 'x' } as unknown as CapacityResult);
  assert.doesNotMatch(bad, /id="capacity"/);
});

test('broke: the line, the outcome, the held window, every break, and the break marked at its time', () => {
  const c = capacityResult({ heldUsers: 420, heldRate: 21, atS: 45 });
  c.breaks.push({ atS: 52, cause: 'errors', figure: 'errors 7.5% > 5%', value: 0.075, bound: 0.05, instance: 'i2of2' });
  c.requirement = { users: 500, rate: null, met: false };
  const html = page(c);
  assert.match(html, /<section id="capacity" data-section="capacity">/);
  // The answer comes right after the verdict.
  assert.ok(html.indexOf('id="capacity"') < html.indexOf('id="queue"'));
  assert.match(html, /<p class="answer" data-capacity-line="">capacity: held 420 users at 21\/s; broke at 45 s on connect_time<\/p>/);
  assert.match(html, /data-outcome="broke">Outcome: <b>broke<\/b>/);
  assert.match(html, /data-requirement="not-met">Requirement \(500 users\): <b>NOT met<\/b>/);
  assert.match(html, /data-held-users="420">Last healthy window: <b>420<\/b> users held, <b>420<\/b> sockets open, <b>21<\/b> arrivals per second \(window 34–44 s\)/);
  assert.match(html, /<tr data-break="connect_time" data-t="45"><td>connect time \(<code>connect_time<\/code>\)<\/td><td class="num">45 s<\/td><td>connect p95 1,500 ms &gt; 1,000 ms<\/td><td><\/td><\/tr>/);
  assert.match(html, /<tr data-break="errors" data-t="52">.*<td>errors 7\.5% &gt; 5%<\/td><td>i2of2<\/td><\/tr>/);
  assert.doesNotMatch(html, /data-generator=/);

  const svg = chart(html, 'capacity-time');
  const brk = /<g data-series="break" data-t="([\d.]+)" data-cause="connect_time"><line x1="([\d.]+)"/.exec(svg);
  assert.ok(brk, 'the first break is marked');
  assert.equal(Number(brk[1]), 45);
  assert.ok(Math.abs(Number(brk[2]) - xAxis(svg)(45)) < 0.02, `the marker at x(45) = ${xAxis(svg)(45)}, drawn at ${brk[2]}`);
  // Only the first break is marked on the timeline.
  assert.equal(svg.match(/data-series="break"/g)?.length, 1);
  assert.match(svg, /<rect data-series="held" data-from="34" data-to="44"/);
  assert.match(svg, /data-legend="last healthy window"/);
  for (const name of ['users', 'rate', 'scheduled-rate']) assert.match(seriesTag(svg, name), /data-count="60"/);
  assert.match(seriesTag(svg, 'users'), /data-max="669"/);
  // The schedule is dashed, the measured rate is not.
  assert.match(svg, /<g data-series="scheduled-rate"[^>]*><path class="line" d="[^"]*" fill="none" stroke="#2e7d32" stroke-width="2" stroke-dasharray="6 4"\/>/);
  assert.match(svg, /<g data-series="rate"[^>]*><path class="line" d="[^"]*" fill="none" stroke="#2e7d32" stroke-width="2"\/>/);

  const connect = chart(html, 'capacity-connect');
  // t = 1 measured no connect time: skipped, not drawn at 0.
  assert.match(seriesTag(connect, 'connect-p95'), /data-count="59"/);
  assert.match(connect, /<g data-series="bound" data-v="1000">/);
  assert.match(connect, /<g data-series="held-users" data-x="420">/);
  assert.match(connect, /<path class="pt" data-t="45" data-x="\d+" data-v="1500"/);
  const notify = chart(html, 'capacity-notify');
  assert.match(seriesTag(notify, 'notify-p95'), /data-count="58"/);
});

test('a break at the end of the run is labelled to the left of its line, inside the plot', () => {
  // The run stops a few seconds after its first break, so the marker often sits at the right edge.
  const svg = chart(page(capacityResult({ points: 12, atS: 12 })), 'capacity-time');
  const m = /<g data-series="break"[^>]*><line x1="([\d.]+)"[^>]*\/><text x="([\d.]+)" y="[\d.]+"( text-anchor="end")?>first break/.exec(svg);
  assert.ok(m, 'the break is labelled');
  assert.equal(m[3], ' text-anchor="end"');
  assert.ok(Number(m[2]) < Number(m[1]), 'the label ends left of the line');
  // Early in the run there is room on the right: the label starts after the line.
  const early = chart(page(capacityResult({ points: 60, atS: 10 })), 'capacity-time');
  const e = /<g data-series="break"[^>]*><line x1="([\d.]+)"[^>]*\/><text x="([\d.]+)" y="[\d.]+"( text-anchor="end")?>first break/.exec(early);
  assert.ok(e !== null && e[3] === undefined && Number(e[2]) > Number(e[1]));
});

test('the one-line answer is escaped', () => {
  const html = page(capacityResult({ line: 'capacity: <script>alert("x")</script> & \'more\'' }));
  assert.match(html, /data-capacity-line="">capacity: &lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &#39;more&#39;<\/p>/);
  assert.doesNotMatch(html, /<script/);
});

test('generator: no room capacity is claimed, the saturation is marked, and nothing broke', () => {
  const html = page(capacityResult({ outcome: 'generator', atS: 30, requirement: { users: 100, rate: 5, met: true } }));
  assert.match(html, /data-outcome="generator">Outcome: <b>generator<\/b>: the load generator could not keep the scheduled rate/);
  assert.match(html, /data-generator="30">The load generator fell behind its schedule at <b>30 s<\/b>.*<b>No room capacity is claimed<\/b>/);
  assert.match(html, /data-requirement="met">Requirement \(100 users at 5 arrivals per second\): <b>met<\/b>/);
  const svg = chart(html, 'capacity-time');
  const g = /<g data-series="generator" data-t="30"><line x1="([\d.]+)"/.exec(svg);
  assert.ok(g, 'the saturation is marked');
  assert.ok(Math.abs(Number(g[1]) - xAxis(svg)(30)) < 0.02);
  assert.doesNotMatch(svg, /data-series="break"/);
  assert.match(html, /<p>Nothing broke before the generator fell behind\.<\/p>/);
  assert.match(svg, /data-legend="best window"/);
});

test('a figure never measured says "no sample" instead of an empty chart', () => {
  const html = page(capacityResult({ outcome: 'held', notify: 'none' }));
  assert.match(html, /Outcome: <b>held<\/b>: nothing broke up to the end of the load/);
  assert.match(html, /data-held-users="400">Best window:/);
  assert.doesNotMatch(html, /data-chart="capacity-notify"/);
  assert.match(html, /No notification delay was measured in any window: no sample\./);
  assert.match(html, /data-chart="capacity-connect"/);
  // Nothing broke: no bound to draw.
  assert.doesNotMatch(chart(html, 'capacity-connect'), /data-series="bound"/);
  assert.equal(capacityView(parseSummary(JSON.stringify({ metrics: {}, queue_k6: { capacity: capacityResult({ notify: 'none' }) } }), 'x.json'))!.notify.length, 0);
});

test('unknown with no series: the answer in words, nothing drawn', () => {
  const c = capacityResult({ outcome: 'unknown' });
  c.series = null;
  const html = page(c);
  assert.match(html, /No window of the run was healthy/);
  assert.match(html, /The answer carries no series, so there is nothing to draw\./);
  assert.doesNotMatch(html, /data-chart="capacity-/);
});

test('from the results file: make report reads queue_k6.capacity through loadSummary', async () => {
  const dir = tempDir();
  const summary = writeCapacityRun(dir, 'capacity-20261207T030000Z', capacityResult({ heldUsers: 900 }));
  const made = await makeReport({ summaryPath: summary, samplePaths: [] });
  assert.equal(made.model.capacity?.result.held?.users, 900);
  const html = readFileSync(made.outPath, 'utf8');
  assert.match(html, /data-held-users="900"/);
  assert.match(html, /data-chart="capacity-time"/);
  // Self-contained: no script, nothing fetched.
  assert.doesNotMatch(html, /<script|src="http|href="http/);
});
