// The report's restart section (issue 28, docs/restart.md): when the run
// disrupted the room, the disruption on the timeline, the users' sockets
// connected over time, and the two recovery times.
import type { SamplePoint, SampleSet } from '../runs/samples.ts';
import type { TimePoint } from './model.ts';
import { drawAxes, fittingTicks, frame, secondsLabel, stepSeries, svgOpen, type Axes } from './charts.ts';
import { esc, fmt, fmtMs, highest, lowest, linear, n, niceTicks, type SeriesStyle } from './svg.ts';

/** The samples this section reads (added to the report's list). */
export const RESTART_METRICS = ['queue_disruption_at', 'queue_socket_connect', 'queue_socket_drops', 'queue_socket_reconnects', 'queue_left_at', 'queue_admission_after_disruption', 'queue_socket_back_after_disruption'] as const;

export interface RestartView {
  /** When the disruption started, s since t0. */
  at: number;
  /** The users' sockets connected: connects and returns up, drops and leaves down. */
  connected: TimePoint[];
  drops: number;
  reconnects: number;
  /** From the planned disruption to the first admission after it (min), and to the last socket back (max). */
  firstAdmissionMs: number | null;
  allBackMs: number | null;
}

function minV(list: SamplePoint[] | undefined): number | null {
  if (list === undefined || list.length === 0) return null;
  return lowest(list.map((p) => p.v));
}

function maxV(list: SamplePoint[] | undefined): number | null {
  if (list === undefined || list.length === 0) return null;
  return highest(list.map((p) => p.v));
}

/** null when the run had no disruption (no queue_disruption_at sample). */
export function restartView(set: SampleSet, origin: number): RestartView | null {
  const at = set.points.get('queue_disruption_at')?.[0];
  if (at === undefined) return null;
  const events: Array<{ t: number; d: number }> = [];
  const add = (metric: string, d: number) => {
    for (const p of set.points.get(metric) ?? []) events.push({ t: p.t, d });
  };
  add('queue_socket_connect', 1);
  add('queue_socket_reconnects', 1);
  add('queue_socket_drops', -1);
  add('queue_left_at', -1);
  events.sort((a, b) => a.t - b.t);
  let count = 0;
  const connected: TimePoint[] = [];
  for (const e of events) {
    count = Math.max(0, count + e.d);
    connected.push({ t: (e.t - origin) / 1000, v: count });
  }
  return {
    at: (at.v - origin) / 1000,
    connected,
    drops: set.points.get('queue_socket_drops')?.length ?? 0,
    reconnects: set.points.get('queue_socket_reconnects')?.length ?? 0,
    firstAdmissionMs: minV(set.points.get('queue_admission_after_disruption')),
    allBackMs: maxV(set.points.get('queue_socket_back_after_disruption')),
  };
}

const CONNECTED: SeriesStyle = { label: 'users\' sockets connected', color: '#1f5fa8', dash: '', marker: 'circle', kind: 'line', fill: '#ffffff' };
const DISRUPTION: SeriesStyle = { label: 'disruption', color: '#c0392b', dash: '4 3', marker: 'none', kind: 'line' };

export function connectedChart(view: RestartView, xTitle: string): string {
  const { left, top, plotH, box, height } = frame([CONNECTED, DISRUPTION], 220);
  const times = [...view.connected.map((p) => p.t), view.at];
  const xt = fittingTicks(lowest(times, 0), highest(times), box.width, secondsLabel, 70);
  const yt = niceTicks(0, Math.max(1, highest(view.connected.map((p) => p.v), 1)) * 1.05, Math.max(3, Math.floor(plotH / 40)), true);
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const x = a.x(view.at);
  return [
    svgOpen('sockets', height, 'The users\' sockets connected over time, and the disruption'),
    drawAxes(box, a, { xTitle, yTitle: 'sockets', xLabel: secondsLabel, yLabel: (v) => fmt(v, 2) }),
    stepSeries('connected', CONNECTED, view.connected, a),
    `<g data-series="disruption" data-t="${n(view.at)}"><line x1="${n(x)}" x2="${n(x)}" y1="${n(top)}" y2="${n(top + plotH)}" stroke="${DISRUPTION.color}" stroke-width="1.6" stroke-dasharray="${DISRUPTION.dash}"/>` +
      `<text x="${n(x + 4)}" y="${n(top + 12)}">disruption</text></g>`,
    '</svg>',
  ].join('');
}

/** The section, or '' when the run had no disruption. */
export function restartSection(view: RestartView | null, xTitle: string): string {
  if (view === null) return '';
  const items = [
    `<li>The disruption started at <strong>${esc(fmt(view.at, 2))} s</strong> (dashed line).</li>`,
    `<li>Recovery to the first admission after it: <strong>${view.firstAdmissionMs === null ? 'none measured' : esc(fmtMs(view.firstAdmissionMs))}</strong> (<code>queue_admission_after_disruption</code>, min).</li>`,
    `<li>Recovery to the last dropped socket back: <strong>${view.allBackMs === null ? 'no socket dropped' : esc(fmtMs(view.allBackMs))}</strong> (<code>queue_socket_back_after_disruption</code>, max).</li>`,
    `<li>${view.drops} socket(s) dropped, ${view.reconnects} came back.</li>`,
  ];
  return [
    '<section id="restart" data-section="restart">',
    '<h2>Restart</h2>',
    `<ul class="findings">${items.join('')}</ul>`,
    `<figure>${connectedChart(view, xTitle)}</figure>`,
    '</section>',
  ].join('\n');
}
