// The report's capacity section (scenario capacity, docs/capacity.md): the
// run's one-line answer, what broke and when, and three charts of the run's
// sliding windows: users held and arrival rate over time with the first break
// marked, then connect time and notification delay against users held, where
// a knee shows as the point the curve leaves the floor. Everything is read
// from queue_k6.capacity (lib/capacity/types.ts); nothing is recomputed here,
// so the page says exactly what make capacity and make verdict say.
import type { BreakCause, CapacityResult } from '../lib/capacity/types.ts';
import type { RunSummary } from '../runs/run-file.ts';
import { drawAxes, fittingTicks, frame, scatterSeries, secondsLabel, stepSeries, svgOpen, type Axes, type ScatterPoint } from './charts.ts';
import type { TimePoint } from './model.ts';
import { esc, fmt, fmtMs, highest, legend, linear, lowest, n, niceTicks, type SeriesStyle } from './svg.ts';

/** One window of the series against the users it held. */
export interface UsersPoint {
  t: number;
  users: number;
  v: number;
}

export interface CapacityView {
  result: CapacityResult;
  users: TimePoint[];
  rate: TimePoint[];
  scheduledRate: TimePoint[];
  /** The windows that measured each figure (nulls skipped). */
  connect: UsersPoint[];
  notify: UsersPoint[];
}

/** null when the run carries no capacity answer (every scenario but capacity). */
export function capacityView(summary: RunSummary): CapacityView | null {
  const result = summary.queue.capacity;
  if (result === undefined) return null;
  const s = result.series;
  const line = (values: number[] | undefined): TimePoint[] => (s === null || values === undefined ? [] : s.t.map((t, i) => ({ t, v: values[i]! })));
  const against = (values: Array<number | null> | undefined): UsersPoint[] => {
    if (s === null || values === undefined) return [];
    const out: UsersPoint[] = [];
    s.t.forEach((t, i) => {
      const v = values[i];
      if (v !== null && v !== undefined) out.push({ t, users: s.users[i]!, v });
    });
    return out;
  };
  return {
    result,
    users: line(s?.users),
    rate: line(s?.rate),
    scheduledRate: line(s?.scheduledRate),
    connect: against(s?.connectP95Ms),
    notify: against(s?.notifyDelayP95Ms),
  };
}

const STYLES = {
  users: { label: 'users held', color: '#1f5fa8', dash: '', marker: 'circle', kind: 'line', fill: '#ffffff' },
  rate: { label: 'arrivals per second', color: '#2e7d32', dash: '', marker: 'square', kind: 'line' },
  scheduled: { label: 'scheduled arrivals per second', color: '#2e7d32', dash: '6 4', marker: 'none', kind: 'line' },
  held: { label: 'last healthy window', color: '#9a9a9a', dash: '', marker: 'none', kind: 'area', fill: '#eef3ea' },
  break: { label: 'first break', color: '#c0392b', dash: '4 3', marker: 'none', kind: 'line' },
  generator: { label: 'generator saturated', color: '#6a1b9a', dash: '2 3', marker: 'none', kind: 'line' },
  connect: { label: 'connect time p95 (window)', color: '#1f5fa8', dash: '', marker: 'circle', kind: 'marker', fill: '#ffffff' },
  notify: { label: 'notification delay p95 (window)', color: '#ef6c00', dash: '', marker: 'diamond', kind: 'marker' },
  bound: { label: 'the bound that broke', color: '#111111', dash: '6 3', marker: 'none', kind: 'line' },
  heldUsers: { label: 'users held (the answer)', color: '#9a9a9a', dash: '3 3', marker: 'none', kind: 'line' },
} satisfies Record<string, SeriesStyle>;

const OUTCOME_TEXT: Record<CapacityResult['outcome'], string> = {
  broke: 'the room broke; the figures below are of the last healthy window before it',
  held: 'nothing broke up to the end of the load: the room held at least this much, and its limit lies beyond the load given',
  generator: 'the load generator could not keep the scheduled rate before anything broke',
  unknown: 'too little was measured to say',
};

const CAUSE_TEXT: Record<BreakCause, string> = {
  entry_time: 'time to get in',
  connect_time: 'connect time',
  errors: 'errors',
  not_told: 'admitted users not told',
  invariant: 'queue invariant',
  wait_bound: 'waits past their bound',
  server_lag: 'server event-loop lag',
};

/** About how wide a chart label of 12 px is drawn (system-ui and DejaVu Sans run about 0.55 em a character). */
const labelWidth = (text: string): number => text.length * 6.8;

/**
 * A vertical marker across the plot at time `t`, labelled to the right of the
 * line, or to its left when the label would run past the plot's right edge
 * (a break near the end of the run), into the right-hand axis.
 */
function marker(name: string, style: SeriesStyle, t: number, label: string, a: Axes, top: number, plotH: number, labelY: number, right: number, extra = ''): string {
  const x = a.x(t);
  const toLeft = x + 4 + labelWidth(label) > right;
  return (
    `<g data-series="${name}" data-t="${n(t)}"${extra}><line x1="${n(x)}" x2="${n(x)}" y1="${n(top)}" y2="${n(top + plotH)}" stroke="${style.color}" stroke-width="1.6" stroke-dasharray="${style.dash}"/>` +
    `<text x="${n(toLeft ? x - 4 : x + 4)}" y="${n(labelY)}"${toLeft ? ' text-anchor="end"' : ''}>${esc(label)}</text></g>`
  );
}

/** Users held and the arrival rate over time (the rate on the right axis), the held window, the first break and the generator's saturation. */
export function capacityTimeChart(view: CapacityView): string {
  const r = view.result;
  const styles: SeriesStyle[] = [STYLES.users, STYLES.rate, STYLES.scheduled];
  // Said as the section says it: the last healthy window before a break, else the run's best.
  const heldStyle: SeriesStyle = { ...STYLES.held, label: r.outcome === 'broke' ? 'last healthy window' : 'best window' };
  if (r.held !== null) styles.push(heldStyle);
  if (r.firstBreak !== null) styles.push(STYLES.break);
  if (r.generator !== null) styles.push(STYLES.generator);
  const { left, top, plotH, box, height } = frame(styles, 260, 72);
  const times = [...view.users.map((p) => p.t)];
  if (r.firstBreak !== null) times.push(r.firstBreak.atS);
  if (r.generator !== null) times.push(r.generator.atS);
  if (r.held !== null) times.push(r.held.fromS, r.held.toS);
  const xt = fittingTicks(lowest(times, 0), highest(times, 1), box.width, secondsLabel, 70);
  const yt = niceTicks(0, Math.max(1, highest(view.users.map((p) => p.v), 1)) * 1.05, Math.max(3, Math.floor(plotH / 40)), true);
  const x = linear(xt.min, xt.max, left, left + box.width);
  const a: Axes = { xt, yt, x, y: linear(yt.min, yt.max, top + plotH, top) };
  // The rate has its own unit: its own scale, labelled on the right.
  const rt = niceTicks(0, Math.max(1, highest([...view.rate, ...view.scheduledRate].map((p) => p.v), 1)) * 1.05, Math.max(3, Math.floor(plotH / 40)));
  const ra: Axes = { xt, yt: rt, x, y: linear(rt.min, rt.max, top + plotH, top) };
  const right = left + box.width;
  const parts: string[] = [svgOpen('capacity-time', height, 'Users held and arrivals per second over time, with the first break'), legend(styles, left, 8, box.width)];
  if (r.held !== null) {
    const x0 = a.x(r.held.fromS);
    const x1 = Math.max(a.x(r.held.toS), x0 + 2);
    parts.push(
      `<rect data-series="held" data-from="${n(r.held.fromS)}" data-to="${n(r.held.toS)}" x="${n(x0)}" y="${n(top)}" width="${n(x1 - x0)}" height="${n(plotH)}" fill="${STYLES.held.fill}" stroke="${STYLES.held.color}" stroke-width="0.8"/>`,
    );
  }
  parts.push(drawAxes(box, a, { xTitle: 'time since the first scheduled arrival (s)', yTitle: 'users held', xLabel: secondsLabel, yLabel: (v) => fmt(v, 2) }));
  const rightAxis = rt.values.map(
    (v) =>
      `<g class="ytick-right" data-v="${n(v)}"><line x1="${n(right)}" x2="${n(right + 4)}" y1="${n(ra.y(v))}" y2="${n(ra.y(v))}" class="axis"/>` +
      `<text x="${n(right + 7)}" y="${n(ra.y(v) + 4)}">${esc(fmt(v, 2))}</text></g>`,
  );
  parts.push(
    `<g class="axes-right"><line class="axis" x1="${n(right)}" x2="${n(right)}" y1="${n(top)}" y2="${n(top + plotH)}"/>${rightAxis.join('')}` +
      `<text class="title" transform="translate(${n(right + 60)} ${n(top + plotH / 2)}) rotate(90)" text-anchor="middle">arrivals per second</text></g>`,
  );
  parts.push(stepSeries('scheduled-rate', STYLES.scheduled, view.scheduledRate, ra));
  parts.push(stepSeries('rate', STYLES.rate, view.rate, ra));
  parts.push(stepSeries('users', STYLES.users, view.users, a));
  if (r.generator !== null) parts.push(marker('generator', STYLES.generator, r.generator.atS, 'generator saturated', a, top, plotH, top + 26, right));
  if (r.firstBreak !== null) {
    const b = r.firstBreak;
    parts.push(marker('break', STYLES.break, b.atS, `first break: ${CAUSE_TEXT[b.cause]}`, a, top, plotH, top + 12, right, ` data-cause="${b.cause}"`));
  }
  parts.push('</svg>');
  return parts.join('');
}

/** One figure's windows against the users they held, with the users held (the answer) and, when this figure broke, its bound. */
export function againstUsersChart(view: CapacityView, which: 'connect' | 'notify'): string {
  const r = view.result;
  const pts = view[which];
  const style = STYLES[which];
  // Only connect time has a bound in the same unit as the chart (not_told counts users, not ms).
  const bound = which === 'connect' ? (r.breaks.find((b) => b.cause === 'connect_time')?.bound ?? null) : null;
  const styles: SeriesStyle[] = [style];
  if (r.held !== null) styles.push(STYLES.heldUsers);
  if (bound !== null) styles.push(STYLES.bound);
  const { left, top, plotH, box, height } = frame(styles, 220);
  const xt = fittingTicks(0, Math.max(1, highest(pts.map((p) => p.users), 1), r.held?.users ?? 0), box.width, (v) => fmt(v), 60, true);
  const yt = niceTicks(0, Math.max(1, highest(pts.map((p) => p.v), 1), bound ?? 0) * 1.05, Math.max(3, Math.floor(plotH / 40)));
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const name = which === 'connect' ? 'connect-p95' : 'notify-p95';
  const title = which === 'connect' ? 'Socket.IO connect time p95 against users held' : 'Notification delay p95 against users held';
  const parts: string[] = [
    svgOpen(`capacity-${which}`, height, title),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: 'users held (window)', yTitle: which === 'connect' ? 'connect p95 (ms)' : 'notification delay p95 (ms)', xLabel: (v) => fmt(v), yLabel: (v) => fmt(v, 0) }),
  ];
  if (r.held !== null) {
    const x = a.x(r.held.users);
    parts.push(
      `<g data-series="held-users" data-x="${n(r.held.users)}"><line x1="${n(x)}" x2="${n(x)}" y1="${n(top)}" y2="${n(top + plotH)}" stroke="${STYLES.heldUsers.color}" stroke-width="1.4" stroke-dasharray="${STYLES.heldUsers.dash}"/></g>`,
    );
  }
  if (bound !== null) {
    const y = a.y(bound);
    parts.push(
      `<g data-series="bound" data-v="${n(bound)}"><line x1="${n(left)}" x2="${n(left + box.width)}" y1="${n(y)}" y2="${n(y)}" stroke="${STYLES.bound.color}" stroke-width="1.4" stroke-dasharray="${STYLES.bound.dash}"/></g>`,
    );
  }
  const points: ScatterPoint[] = pts.map((p) => ({ x: p.users, y: p.v, attrs: `data-t="${n(p.t)}" data-x="${n(p.users)}" data-v="${n(p.v)}"` }));
  parts.push(scatterSeries(name, style, points, a));
  parts.push('</svg>');
  return parts.join('');
}

function windowText(w: NonNullable<CapacityResult['held']>): string {
  const sockets = w.sockets === null ? '' : `, <b>${esc(fmt(w.sockets, 0))}</b> sockets open`;
  return `<b>${esc(fmt(w.users, 0))}</b> users held${sockets}, <b>${esc(fmt(w.rate, 2))}</b> arrivals per second (window ${esc(fmt(w.fromS, 1))}–${esc(fmt(w.toS, 1))} s)`;
}

function requirementText(req: NonNullable<CapacityResult['requirement']>): string {
  const asked = [req.users === null ? '' : `${fmt(req.users, 0)} users`, req.rate === null ? '' : `${fmt(req.rate, 2)} arrivals per second`].filter((s) => s !== '').join(' at ');
  return `<li${req.met ? '' : ' class="bad"'} data-requirement="${req.met ? 'met' : 'not-met'}">Requirement${asked === '' ? '' : ` (${esc(asked)})`}: <b>${req.met ? 'met' : 'NOT met'}</b>${req.met ? ', held for a whole window with no break' : ''}.</li>`;
}

/** The section, or '' when the run has no capacity answer. */
export function capacitySection(view: CapacityView | null): string {
  if (view === null) return '';
  const r = view.result;
  const items: string[] = [`<li data-outcome="${r.outcome}">Outcome: <b>${r.outcome}</b>: ${esc(OUTCOME_TEXT[r.outcome])}.</li>`];
  if (r.requirement !== null) items.push(requirementText(r.requirement));
  if (r.held !== null) items.push(`<li data-held-users="${n(r.held.users)}">${r.outcome === 'broke' ? 'Last healthy window' : 'Best window'}: ${windowText(r.held)}.</li>`);
  else items.push('<li>No window of the run was healthy: there are no held figures.</li>');
  if (r.generator !== null) {
    const g = r.generator;
    items.push(
      `<li class="bad" data-generator="${n(g.atS)}">The load generator fell behind its schedule at <b>${esc(fmt(g.atS, 1))} s</b> (${esc(fmt(g.rate, 2))} arrivals per second; arrival lateness p95 ${esc(fmtMs(g.lagP95Ms))} over ${esc(fmtMs(g.boundMs))}). ` +
        '<b>No room capacity is claimed</b>: the limit measured was the generator\'s, not the room\'s; give the load more generators (split runs) and run again.</li>',
    );
  }
  const out = [
    '<section id="capacity" data-section="capacity">',
    '<h2>Capacity</h2>',
    `<p class="answer" data-capacity-line="">${esc(r.line)}</p>`,
    `<ul class="findings">${items.join('')}</ul>`,
  ];
  if (r.breaks.length > 0) {
    out.push(
      '<h3>What broke</h3>',
      '<table class="breaks" data-breaks=""><thead><tr><th>cause</th><th class="num">at</th><th>figure</th><th>instance</th></tr></thead><tbody>' +
        r.breaks
          .map(
            (b) =>
              `<tr data-break="${b.cause}" data-t="${n(b.atS)}"><td>${esc(CAUSE_TEXT[b.cause])} (<code>${b.cause}</code>)</td><td class="num">${esc(fmt(b.atS, 1))} s</td>` +
              `<td>${esc(b.figure)}</td><td>${b.instance === undefined ? '' : esc(b.instance)}</td></tr>`,
          )
          .join('') +
        '</tbody></table>',
    );
  } else if (r.outcome !== 'unknown') {
    out.push(`<p>Nothing broke${r.outcome === 'generator' ? ' before the generator fell behind' : ''}.</p>`);
  }
  out.push(`<p class="meta">Each point is a sliding window of ${esc(fmt(r.windowS, 1))} s, stepped by 1 s; figures from ${r.source === 'samples' ? 'every sample of every instance (make capacity)' : 'what the run itself saw (handleSummary)'}.</p>`);
  if (r.series === null || view.users.length === 0) {
    out.push('<p class="empty" data-empty="true">The answer carries no series, so there is nothing to draw.</p>', '</section>');
    return out.join('\n');
  }
  out.push('<h3>Users held and arrival rate over time</h3>', `<figure>${capacityTimeChart(view)}</figure>`);
  out.push('<h3>Connect time against users held</h3>');
  out.push(view.connect.length > 0 ? `<figure>${againstUsersChart(view, 'connect')}</figure>` : '<p class="empty" data-empty="true">No connect time was measured in any window: no sample.</p>');
  out.push('<h3>Notification delay against users held</h3>');
  out.push(view.notify.length > 0 ? `<figure>${againstUsersChart(view, 'notify')}</figure>` : '<p class="empty" data-empty="true">No notification delay was measured in any window: no sample.</p>');
  out.push('</section>');
  return out.join('\n');
}
