// Section 5 of the report: the server during the run (docs/server-metrics.md).
// One small chart per figure (CPU in cores, resident memory, event-loop lag,
// Redis memory, clients and ops/s), one line per source, on the queue chart's
// time axis (the same origin and span: a server point outside the queue's span
// is left out when the queue chart has one).
import { drawAxes, fittingTicks, frame, secondsLabel, stepSeries, svgOpen, timeTitle, type Axes } from './charts.ts';
import type { ReportModel, TimePoint } from './model.ts';
import type { SampleSet } from '../runs/samples.ts';
import { esc, fmt, highest, legend, linear, lowest, niceTicks, type SeriesStyle } from './svg.ts';

/** The server metrics the report reads, with their tags (the source). */
export const SERVER_REPORT_METRICS = [
  'queue_server_cpu',
  'queue_server_rss',
  'queue_server_eventloop_lag',
  'queue_server_redis_memory',
  'queue_server_redis_clients',
  'queue_server_redis_ops',
] as const;

type ServerMetric = (typeof SERVER_REPORT_METRICS)[number];

/** Per figure, per source, the points in seconds since the report's origin. */
export type ServerSeries = Partial<Record<ServerMetric, Map<string, TimePoint[]>>>;

export function serverSeries(set: SampleSet, origin: number): ServerSeries {
  const out: ServerSeries = {};
  for (const m of SERVER_REPORT_METRICS) {
    const pts = set.points.get(m);
    if (pts === undefined || pts.length === 0) continue;
    const by = new Map<string, TimePoint[]>();
    for (const p of pts) {
      const src = p.tags?.source ?? 'server';
      const list = by.get(src) ?? [];
      list.push({ t: (p.t - origin) / 1000, v: p.v });
      by.set(src, list);
    }
    for (const list of by.values()) list.sort((a, b) => a.t - b.t);
    out[m] = by;
  }
  return out;
}

const PALETTE: Array<Pick<SeriesStyle, 'color' | 'dash' | 'marker'>> = [
  { color: '#1f5fa8', dash: '', marker: 'circle' },
  { color: '#c0392b', dash: '7 4', marker: 'square' },
  { color: '#2e7d32', dash: '2 3', marker: 'triangle' },
  { color: '#6a1b9a', dash: '9 3 2 3', marker: 'diamond' },
  { color: '#ef6c00', dash: '', marker: 'cross' },
];

const FIGURES: Array<{ metric: ServerMetric; title: string; unit: string; scale: number; digits: number }> = [
  { metric: 'queue_server_cpu', title: 'CPU (cores)', unit: 'cores', scale: 1, digits: 2 },
  { metric: 'queue_server_rss', title: 'Resident memory (MB)', unit: 'MB', scale: 1 / 1048576, digits: 0 },
  { metric: 'queue_server_eventloop_lag', title: 'Event-loop lag (ms)', unit: 'ms', scale: 1, digits: 0 },
  { metric: 'queue_server_redis_memory', title: 'Redis memory (MB)', unit: 'MB', scale: 1 / 1048576, digits: 1 },
  { metric: 'queue_server_redis_clients', title: 'Redis clients', unit: 'clients', scale: 1, digits: 0 },
  { metric: 'queue_server_redis_ops', title: 'Redis operations per second', unit: 'ops/s', scale: 1, digits: 0 },
];

/** The queue chart's time span (its depth, active set, ticks and arrival phase), or null when it draws nothing. */
function queueSpan(model: ReportModel): [number, number] | null {
  const times = [...model.depth.map((p) => p.t), ...model.active.map((p) => p.t), ...model.ticks.map((k) => k.t)];
  if (model.arrival !== null) times.push(model.arrival.from, model.arrival.to);
  if (times.length === 0) return null;
  return [lowest(times, 0), highest(times)];
}

function chart(model: ReportModel, fig: (typeof FIGURES)[number], by: Map<string, TimePoint[]>): string {
  const span = queueSpan(model);
  const sources = [...by.keys()].sort();
  const styles: SeriesStyle[] = sources.map((s, i) => ({ label: s, kind: 'line', ...PALETTE[i % PALETTE.length]! }));
  const series = sources.map((s) => by.get(s)!.map((p) => ({ t: p.t, v: p.v * fig.scale })).filter((p) => span === null || (p.t >= span[0] && p.t <= span[1])));
  const all = series.flat();
  const { left, top, plotH, box, height } = frame(styles, 140);
  const tLo = span?.[0] ?? lowest(all.map((p) => p.t), 0);
  const tHi = span?.[1] ?? highest(all.map((p) => p.t));
  const vHi = Math.max(fig.unit === 'cores' ? 1 : 1e-9, highest(all.map((p) => p.v), 0));
  const xt = fittingTicks(tLo, tHi, box.width, secondsLabel, 70);
  const yt = niceTicks(0, vHi * 1.05, 4, fig.digits === 0);
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const parts = [
    svgOpen(`server-${fig.metric.replace('queue_server_', '')}`, height, fig.title),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: timeTitle(model), yTitle: fig.unit, xLabel: secondsLabel, yLabel: (v) => fmt(v, 2), xAxisY: top + plotH }),
  ];
  sources.forEach((s, i) => parts.push(stepSeries(s, styles[i]!, series[i]!, a)));
  parts.push('</svg>');
  return parts.join('');
}

function peak(by: Map<string, TimePoint[]> | undefined): Array<[string, number]> {
  if (by === undefined) return [];
  return [...by.entries()].map(([s, pts]) => [s, highest(pts.map((p) => p.v), 0)] as [string, number]).sort((a, b) => a[0].localeCompare(b[0]));
}

/** The section; `series` is undefined when the report was built without samples. */
export function serverSection(model: ReportModel, series: ServerSeries | undefined): string {
  const out = ['<section id="server" data-section="server">', '<h2>5. Server</h2>'];
  const figures = FIGURES.filter((f) => series?.[f.metric] !== undefined);
  if (series === undefined || figures.length === 0) {
    out.push(
      '<p class="empty" data-empty="true">No server figure was sampled in this run: no server source was configured (<code>SERVER_METRICS_URLS</code>) and the Redis probes were off, or no sample file was given. See docs/server-metrics.md.</p>',
      '</section>',
    );
    return out.join('\n');
  }
  const items: string[] = [];
  for (const [s, v] of peak(series.queue_server_cpu)) items.push(`<li${v >= 0.9 ? ' class="bad"' : ''}><b>${esc(s)}</b> used at most <b>${fmt(v, 2)}</b> cores.</li>`);
  for (const [s, v] of peak(series.queue_server_eventloop_lag)) items.push(`<li${v > 300 ? ' class="bad"' : ''}><b>${esc(s)}</b>'s event loop lagged at most <b>${fmt(v, 0)}</b> ms.</li>`);
  for (const [s, v] of peak(series.queue_server_rss)) items.push(`<li><b>${esc(s)}</b> held at most <b>${fmt(v / 1048576, 0)}</b> MB resident.</li>`);
  out.push(`<ul class="findings">${items.join('')}</ul>`);
  for (const f of figures) out.push(`<h3>${esc(f.title)}</h3>`, `<figure>${chart(model, f, series[f.metric]!)}</figure>`);
  out.push('</section>');
  return out.join('\n');
}

