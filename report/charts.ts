// The report's four charts as inline SVG. Each series is a
// `<g data-series="NAME">` carrying data-count (points in the run), data-shown
// (points drawn after thinning) and data-max; each drawn point carries its
// numbers (data-t: seconds since t0, or data-x; data-v: the value in the
// metric's own unit, ms for waits). Axis ticks carry data-v in the same unit
// as the series, so a test can map drawn geometry back to the run's numbers.
import { downsampleMinMax, thinScatter } from './downsample.ts';
import type { ReportModel, Tick, TimePoint, UserTimeout, UserWait } from './model.ts';
import { esc, fmt, highest, legend, legendHeight, lowest, linear, markerPaint, markerPath, n, niceTicks, textWidth, type Scale, type SeriesStyle, type Ticks } from './svg.ts';

export const STYLES = {
  depth: { label: 'queue depth (ZCARD)', color: '#1f5fa8', dash: '7 4', marker: 'circle', kind: 'line', fill: '#ffffff' },
  active: { label: 'active set (SCARD)', color: '#c0392b', dash: '', marker: 'square', kind: 'line' },
  threshold: { label: 'threshold', color: '#111111', dash: '2 3', marker: 'none', kind: 'line' },
  arrival: { label: 'arrival phase', color: '#9a9a9a', dash: '', marker: 'none', kind: 'area', fill: 'url(#hatch-arrival)' },
  ticks: { label: 'processor tick (batch size)', color: '#2e7d32', dash: '', marker: 'triangle-down', kind: 'marker' },
  wait: { label: 'admitted within bound', color: '#1f5fa8', dash: '', marker: 'circle', kind: 'marker', fill: '#ffffff' },
  late: { label: 'admitted late (over bound)', color: '#c0392b', dash: '', marker: 'triangle', kind: 'marker' },
  timeout: { label: 'timed out (never admitted)', color: '#6a1b9a', dash: '', marker: 'cross', kind: 'marker' },
  bound: { label: 'starvation bound', color: '#111111', dash: '6 3', marker: 'none', kind: 'line' },
  estimate: { label: 'user (estimate, actual)', color: '#1f5fa8', dash: '', marker: 'circle', kind: 'marker', fill: '#ffffff' },
  estimateOff: { label: 'off by more than the tolerance', color: '#c0392b', dash: '', marker: 'diamond', kind: 'marker' },
  diagonal: { label: 'actual = estimate', color: '#111111', dash: '5 4', marker: 'none', kind: 'line' },
  tolerance: { label: 'within tolerance', color: '#bbbbbb', dash: '', marker: 'none', kind: 'area', fill: '#ececec' },
  batch: { label: 'batch size (users admitted)', color: '#2e7d32', dash: '', marker: 'none', kind: 'bar', fill: '#a5d6a7' },
  overAdmit: { label: 'batch over the free slots', color: '#c0392b', dash: '', marker: 'none', kind: 'bar', fill: 'url(#hatch-over)' },
  freeSlots: { label: 'free slots at the tick', color: '#111111', dash: '', marker: 'diamond', kind: 'marker', fill: 'none' },
} satisfies Record<string, SeriesStyle>;

export const WIDTH = 960;
const FONT_AXIS = 12;
export const LINE_BUCKETS = 240;
const SCATTER_CELL = 3;

/** Hatch patterns referenced by the styles; one copy per page (ids are page-wide). */
export function sharedDefs(): string {
  return (
    '<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>' +
    '<pattern id="hatch-arrival" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
    '<rect width="8" height="8" fill="#f1f1f1"/><line x1="0" y1="0" x2="0" y2="8" stroke="#c4c4c4" stroke-width="3"/></pattern>' +
    '<pattern id="hatch-over" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)">' +
    '<rect width="6" height="6" fill="#f4b6ae"/><line x1="0" y1="0" x2="0" y2="6" stroke="#c0392b" stroke-width="2"/></pattern>' +
    '</defs></svg>'
  );
}

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Ticks whose formatted labels fit side by side along `length` px. */
export function fittingTicks(lo: number, hi: number, length: number, label: (v: number) => string, minGap: number, integer = false): Ticks {
  let count = Math.max(2, Math.floor(length / minGap));
  for (;;) {
    const t = niceTicks(lo, hi, count, integer);
    const widest = Math.max(...t.values.map((v) => textWidth(label(v), FONT_AXIS)));
    const room = length / Math.max(1, t.values.length - 1);
    if (widest + 12 <= room || count <= 2) return t;
    count--;
  }
}

export interface Axes {
  x: Scale;
  y: Scale;
  xt: Ticks;
  yt: Ticks;
}

/** Grid, tick labels and axis titles. The x axis sits at `xAxisY` (default the plot's bottom). */
export function drawAxes(
  box: Box,
  a: Axes,
  o: { xTitle: string; yTitle: string; xLabel: (v: number) => string; yLabel: (v: number) => string; xAxisY?: number },
): string {
  const bottom = box.top + box.height;
  const axisY = o.xAxisY ?? bottom;
  const parts: string[] = ['<g class="axes">'];
  for (const v of a.yt.values) {
    const y = a.y(v);
    parts.push(
      `<g class="ytick" data-v="${n(v)}"><line x1="${n(box.left)}" x2="${n(box.left + box.width)}" y1="${n(y)}" y2="${n(y)}" class="grid"/>` +
        `<text x="${n(box.left - 6)}" y="${n(y + 4)}" text-anchor="end">${esc(o.yLabel(v))}</text></g>`,
    );
  }
  for (const v of a.xt.values) {
    const x = a.x(v);
    parts.push(
      `<g class="xtick" data-v="${n(v)}"><line x1="${n(x)}" x2="${n(x)}" y1="${n(box.top)}" y2="${n(axisY)}" class="grid"/>` +
        `<text x="${n(x)}" y="${n(axisY + 19)}" text-anchor="middle">${esc(o.xLabel(v))}</text></g>`,
    );
  }
  parts.push(`<line class="axis" x1="${n(box.left)}" x2="${n(box.left + box.width)}" y1="${n(axisY)}" y2="${n(axisY)}"/>`);
  parts.push(`<line class="axis" x1="${n(box.left)}" x2="${n(box.left)}" y1="${n(box.top)}" y2="${n(bottom)}"/>`);
  parts.push(`<text class="title" x="${n(box.left + box.width / 2)}" y="${n(axisY + 39)}" text-anchor="middle">${esc(o.xTitle)}</text>`);
  const cy = box.top + box.height / 2;
  parts.push(`<text class="title" transform="translate(16 ${n(cy)}) rotate(-90)" text-anchor="middle">${esc(o.yTitle)}</text>`);
  parts.push('</g>');
  return parts.join('');
}

export function svgOpen(chart: string, height: number, title: string): string {
  return `<svg class="chart" data-chart="${chart}" viewBox="0 0 ${WIDTH} ${n(height)}" width="100%" role="img" aria-label="${esc(title)}" preserveAspectRatio="xMinYMin meet"><title>${esc(title)}</title>`;
}

function maxOf(values: number[]): number | null {
  let m = -Infinity;
  for (const v of values) if (v > m) m = v;
  return Number.isFinite(m) ? m : null;
}

/** Sparse shape markers along a line (about one per 70 px) so the series is known without colour. */
function sparseMarkers(style: SeriesStyle, pts: { px: number; py: number }[]): string {
  if (style.marker === 'none' || pts.length === 0) return '';
  const out: string[] = [];
  let nextX = -Infinity;
  for (const p of pts) {
    if (p.px < nextX) continue;
    out.push(`<path class="mark" d="${markerPath(style.marker, p.px, p.py, 4)}" ${markerPaint(style)}/>`);
    nextX = p.px + 70;
  }
  return `<g class="marks">${out.join('')}</g>`;
}

/** A time series as a step line (a probe sample holds until the next), with its points. */
export function stepSeries(name: string, style: SeriesStyle, points: TimePoint[], a: Axes): string {
  const shown = downsampleMinMax(points, LINE_BUCKETS, (p) => p.t, (p) => p.v);
  const px = shown.map((p) => ({ px: a.x(p.t), py: a.y(p.v), p }));
  let d = '';
  px.forEach((q, i) => {
    d += i === 0 ? `M${n(q.px)},${n(q.py)}` : `H${n(q.px)}V${n(q.py)}`;
  });
  const dots = px
    .map((q) => `<circle class="pt" data-t="${n(q.p.t)}" data-v="${n(q.p.v)}" cx="${n(q.px)}" cy="${n(q.py)}" r="1.6"/>`)
    .join('');
  const m = maxOf(points.map((p) => p.v));
  return (
    `<g data-series="${name}" data-count="${points.length}" data-shown="${shown.length}" data-max="${m === null ? '' : n(m)}" fill="${style.color}">` +
    `<path class="line" d="${d}" fill="none" stroke="${style.color}" stroke-width="2"${style.dash === '' ? '' : ` stroke-dasharray="${style.dash}"`}/>` +
    `<g class="points">${dots}</g>${sparseMarkers(style, px)}</g>`
  );
}

export function timeTitle(model: ReportModel): string {
  return model.t0Source === 'startAt' ? 'time since the first scheduled arrival (s)' : 'time since the first sample (s)';
}

export function secondsLabel(v: number): string {
  return fmt(v, 2);
}

/**
 * A chart's frame at the page width: the legend's height above, the plot box,
 * room for the x axis below. The queue, waits and batches charts share it.
 */
export function frame(styles: SeriesStyle[], plotH: number, right = 24): { left: number; top: number; plotH: number; box: Box; height: number } {
  const left = 64;
  const top = 12 + legendHeight(styles, WIDTH - left - right) + 10;
  return { left, top, plotH, box: { left, top, width: WIDTH - left - right, height: plotH }, height: top + plotH + 48 };
}

/** Section 2: queue depth and active set over time, the threshold, the arrival phase and the ticks. */
export function queueChart(model: ReportModel): string {
  const styles: SeriesStyle[] = [STYLES.active, STYLES.depth];
  if (model.threshold !== null) styles.push(STYLES.threshold);
  if (model.arrival !== null) styles.push({ ...STYLES.arrival, label: model.arrival.source === 'schedule' ? 'arrival phase (schedule)' : 'arrival phase (first to last check)' });
  if (model.ticks.length > 0) styles.push(STYLES.ticks);
  const { left, top, plotH, box } = frame(styles, 300, 96);
  const laneH = model.ticks.length > 0 ? 64 : 0;
  const laneGap = laneH > 0 ? 10 : 0;
  const axisY = top + plotH + laneGap + laneH;
  const height = axisY + 48;

  const times = [...model.depth.map((p) => p.t), ...model.active.map((p) => p.t), ...model.ticks.map((k) => k.t)];
  if (model.arrival !== null) times.push(model.arrival.from, model.arrival.to);
  const tLo = lowest(times, 0);
  const tHi = highest(times);
  const vHi = Math.max(1, model.findings.depthMax ?? 0, model.findings.activeMax ?? 0, model.threshold ?? 0);
  const xt = fittingTicks(tLo, tHi, box.width, secondsLabel, 70);
  const yt = niceTicks(0, vHi * 1.05, Math.max(3, Math.floor(plotH / 40)), true);
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };

  const parts: string[] = [svgOpen('queue', height, 'Queue depth and active-set size over time'), legend(styles, left, 8, box.width)];
  if (model.arrival !== null) {
    const x0 = a.x(model.arrival.from);
    const x1 = Math.max(a.x(model.arrival.to), x0 + 2);
    parts.push(
      `<rect data-series="arrival" data-from="${n(model.arrival.from)}" data-to="${n(model.arrival.to)}" data-source="${model.arrival.source}" ` +
        `x="${n(x0)}" y="${n(top)}" width="${n(x1 - x0)}" height="${n(plotH)}" fill="url(#hatch-arrival)" stroke="#9a9a9a" stroke-width="0.8"/>`,
    );
  }
  parts.push(
    drawAxes(box, a, { xTitle: timeTitle(model), yTitle: 'users', xLabel: secondsLabel, yLabel: (v) => fmt(v, 2), xAxisY: axisY }),
  );
  parts.push(stepSeries('depth', STYLES.depth, model.depth, a));
  parts.push(stepSeries('active', STYLES.active, model.active, a));
  // Drawn over the series: an active set held at the threshold must not hide the line.
  if (model.threshold !== null) {
    const y = a.y(model.threshold);
    parts.push(
      `<g data-series="threshold" data-v="${n(model.threshold)}"><line x1="${n(left)}" x2="${n(left + box.width)}" y1="${n(y)}" y2="${n(y)}" stroke="${STYLES.threshold.color}" stroke-width="1.6" stroke-dasharray="${STYLES.threshold.dash}"/>` +
        `<text x="${n(left + box.width + 6)}" y="${n(y + 4)}">threshold ${esc(fmt(model.threshold))}</text></g>`,
    );
  }
  if (laneH > 0) parts.push(tickLane(model.ticks, a, { left, width: box.width, top: top + plotH + laneGap, height: laneH }));
  // The restart scenario: the disruption on the timeline (report/restart.ts has the rest).
  if (model.restart !== null && model.restart.at >= xt.min && model.restart.at <= xt.max) {
    const x = a.x(model.restart.at);
    parts.push(
      `<g data-series="disruption" data-t="${n(model.restart.at)}"><line x1="${n(x)}" x2="${n(x)}" y1="${n(top)}" y2="${n(top + plotH)}" stroke="#c0392b" stroke-width="1.6" stroke-dasharray="4 3"/>` +
        `<text x="${n(x + 4)}" y="${n(top + 12)}">disruption</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** The processor's ticks in a lane under the queue chart: a stem as tall as the batch, labelled where labels fit. */
function tickLane(ticks: Tick[], a: Axes, lane: Box): string {
  const maxSize = highest(ticks.map((k) => k.size), 1);
  const base = lane.top + lane.height;
  const stemMax = lane.height - 22;
  const parts: string[] = [
    `<g data-series="ticks" data-count="${ticks.length}" data-max="${n(maxSize)}">`,
    `<line class="axis" x1="${n(lane.left)}" x2="${n(lane.left + lane.width)}" y1="${n(base)}" y2="${n(base)}"/>`,
    `<text class="lane-title" x="${n(lane.left - 6)}" y="${n(lane.top + lane.height / 2 + 4)}" text-anchor="end">ticks</text>`,
  ];
  const shown = downsampleMinMax(ticks, Math.floor(lane.width / 4), (k) => k.t, (k) => k.size);
  let labelEnd = -Infinity;
  for (const k of shown) {
    const x = a.x(k.t);
    const top = base - (k.size / maxSize) * stemMax;
    let label = '';
    const text = fmt(k.size);
    const w = textWidth(text, 10);
    if (x - w / 2 > labelEnd + 3) {
      label = `<text class="tick-label" x="${n(x)}" y="${n(top - 8)}" text-anchor="middle">${esc(text)}</text>`;
      labelEnd = x + w / 2;
    }
    parts.push(
      `<g class="tick" data-t="${n(k.t)}" data-v="${n(k.size)}"${k.freeSlots === null ? '' : ` data-free="${n(k.freeSlots)}"`}>` +
        `<line x1="${n(x)}" x2="${n(x)}" y1="${n(base)}" y2="${n(top)}" stroke="${STYLES.ticks.color}" stroke-width="1.5"/>` +
        `<path d="${markerPath('triangle-down', x, top - 1, 3.2)}" ${markerPaint(STYLES.ticks)}/>${label}</g>`,
    );
  }
  parts.push('</g>');
  return parts.join('');
}

export interface ScatterPoint {
  x: number;
  y: number;
  attrs: string;
}

/** Markers for a scatter series, thinned to one per few-pixel cell, the highest value kept in each. */
export function scatterSeries(name: string, style: SeriesStyle, points: ScatterPoint[], a: Axes, extra = ''): string {
  const byValue = [...points].sort((p, q) => q.y - p.y);
  const shown = thinScatter(byValue, SCATTER_CELL, (p) => a.x(p.x), (p) => a.y(p.y)).sort((p, q) => p.x - q.x);
  const m = maxOf(points.map((p) => p.y));
  const marks = shown.map((p) => `<path class="pt" ${p.attrs} d="${markerPath(style.marker, a.x(p.x), a.y(p.y), 3.2)}"/>`).join('');
  return `<g data-series="${name}" data-count="${points.length}" data-shown="${shown.length}" data-max="${m === null ? '' : n(m)}"${extra} ${markerPaint(style)}>${marks}</g>`;
}

export function msAsSeconds(v: number): string {
  return fmt(v / 1000, 2);
}

/** Section 3a: each queued user's wait against the position first reported, with the starvation bound. */
export function waitChart(model: ReportModel): string {
  const { waits, timeouts } = model;
  const okWaits = waits.filter((w) => !w.late);
  const lateWaits = waits.filter((w) => w.late);
  const styles: SeriesStyle[] = [STYLES.wait];
  if (lateWaits.length > 0) styles.push(STYLES.late);
  if (timeouts.length > 0) styles.push(STYLES.timeout);
  const bounds = boundsByPosition(waits, timeouts);
  if (bounds.length > 0) styles.push(STYLES.bound);

  const { left, top, plotH, box, height } = frame(styles, 300);
  const positions = [...waits.map((w) => w.position), ...timeouts.map((t) => t.position)];
  const timeoutY = (t: UserTimeout): number | null => t.waitedMs ?? t.boundMs;
  const ys = [...waits.map((w) => w.waitMs), ...bounds.map((b) => b.v), ...timeouts.map(timeoutY).filter((v): v is number => v !== null)];
  const xt = fittingTicks(0, highest(positions, 1), box.width, (v) => fmt(v), 60, true);
  const yt = niceTicks(0, highest(ys, 1000) * 1.05, Math.max(3, Math.floor(plotH / 40)));
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };

  const userAttrs = (w: UserWait): string =>
    `data-x="${n(w.position)}" data-v="${n(w.waitMs)}"${w.boundMs === null ? '' : ` data-bound="${n(w.boundMs)}"`}`;
  const parts = [
    svgOpen('waits', height, 'Wait for admission by position in the queue'),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: 'position first reported (1 = front of the queue)', yTitle: 'wait from check to admission (s)', xLabel: (v) => fmt(v), yLabel: msAsSeconds }),
  ];
  if (bounds.length > 0) {
    const shown = downsampleMinMax(bounds, LINE_BUCKETS, (b) => b.x, (b) => b.v);
    let d = '';
    shown.forEach((b, i) => {
      d += i === 0 ? `M${n(a.x(b.x))},${n(a.y(b.v))}` : `H${n(a.x(b.x))}V${n(a.y(b.v))}`;
    });
    const dots = shown.map((b) => `<circle class="pt" data-x="${n(b.x)}" data-v="${n(b.v)}" cx="${n(a.x(b.x))}" cy="${n(a.y(b.v))}" r="1.4"/>`).join('');
    parts.push(
      `<g data-series="bound" data-count="${bounds.length}" data-shown="${shown.length}" data-max="${n(highest(bounds.map((b) => b.v)))}" fill="${STYLES.bound.color}">` +
        `<path class="line" d="${d}" fill="none" stroke="${STYLES.bound.color}" stroke-width="1.6" stroke-dasharray="${STYLES.bound.dash}"/><g class="points">${dots}</g></g>`,
    );
  }
  parts.push(scatterSeries('wait', STYLES.wait, okWaits.map((w) => ({ x: w.position, y: w.waitMs, attrs: userAttrs(w) })), a));
  if (lateWaits.length > 0) parts.push(scatterSeries('late', STYLES.late, lateWaits.map((w) => ({ x: w.position, y: w.waitMs, attrs: userAttrs(w) })), a));
  const drawnTimeouts = timeouts.filter((t) => timeoutY(t) !== null);
  if (drawnTimeouts.length > 0) {
    parts.push(
      scatterSeries(
        'timeout',
        STYLES.timeout,
        drawnTimeouts.map((t) => ({
          x: t.position,
          y: timeoutY(t)!,
          // Without the user's check sample the wait is unknown: drawn at the bound, flagged.
          attrs: `data-x="${n(t.position)}" data-v="${n(timeoutY(t)!)}"${t.waitedMs === null ? ' data-at-bound="true"' : ''}`,
        })),
        a,
      ),
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

/** One starvation bound per position (the largest reported), sorted by position. */
export function boundsByPosition(waits: UserWait[], timeouts: UserTimeout[]): { x: number; v: number }[] {
  const by = new Map<number, number>();
  for (const u of [...waits, ...timeouts]) {
    if (u.boundMs === null) continue;
    by.set(u.position, Math.max(by.get(u.position) ?? -Infinity, u.boundMs));
  }
  return [...by.entries()].map(([x, v]) => ({ x, v })).sort((p, q) => p.x - q.x);
}

/** Section 3b: estimated against actual wait, with y = x and the tolerance band. Square, so the diagonal is 45 degrees. */
export function estimateChart(model: ReportModel): string {
  const users = model.waits.filter((w) => w.estimateMs !== null);
  const tol = model.findings.estimateToleranceMs;
  const off = (w: UserWait): boolean => tol !== null && Math.abs(w.estimateMs! - w.waitMs) > tol;
  const styles: SeriesStyle[] = [STYLES.estimate];
  if (users.some(off)) styles.push(STYLES.estimateOff);
  styles.push(STYLES.diagonal);
  if (tol !== null) styles.push({ ...STYLES.tolerance, label: `within ±${msAsSeconds(tol)} s (tolerance)` });
  const size = 460;
  const left = 64;
  const plot = size - left - 20;
  const top = 12 + legendHeight(styles, plot) + 10;
  const height = top + plot + 48;
  const hi = highest(users.map((w) => Math.max(w.estimateMs!, w.waitMs)), 1000) * 1.05;
  const t = niceTicks(0, hi, 6);
  const box: Box = { left, top, width: plot, height: plot };
  const a: Axes = { xt: t, yt: t, x: linear(t.min, t.max, left, left + plot), y: linear(t.min, t.max, top + plot, top) };
  const parts = [
    `<svg class="chart" data-chart="estimates" viewBox="0 0 ${size} ${n(height)}" width="100%" role="img" aria-label="Estimated against actual wait" preserveAspectRatio="xMinYMin meet"><title>Estimated against actual wait</title>`,
    legend(styles, left, 8, plot),
  ];
  if (tol !== null) {
    const D = t.max;
    const t1 = Math.min(tol, D);
    const band: [number, number][] = [[0, 0], [t1, 0], [D, Math.max(0, D - tol)], [D, D], [Math.max(0, D - tol), D], [0, t1]];
    parts.push(`<polygon data-series="tolerance" data-v="${n(tol)}" points="${band.map(([x, y]) => `${n(a.x(x))},${n(a.y(y))}`).join(' ')}" fill="${STYLES.tolerance.fill}" stroke="none"/>`);
  }
  parts.push(drawAxes(box, a, { xTitle: 'estimated wait at check (s)', yTitle: 'actual wait (s)', xLabel: msAsSeconds, yLabel: msAsSeconds }));
  parts.push(
    `<line data-series="diagonal" x1="${n(a.x(0))}" y1="${n(a.y(0))}" x2="${n(a.x(t.max))}" y2="${n(a.y(t.max))}" stroke="${STYLES.diagonal.color}" stroke-width="1.4" stroke-dasharray="${STYLES.diagonal.dash}"/>`,
  );
  const attrs = (w: UserWait): string => `data-x="${n(w.estimateMs!)}" data-v="${n(w.waitMs)}" data-position="${n(w.position)}"`;
  parts.push(scatterSeries('estimate', STYLES.estimate, users.filter((w) => !off(w)).map((w) => ({ x: w.estimateMs!, y: w.waitMs, attrs: attrs(w) })), a));
  const offUsers = users.filter(off);
  if (offUsers.length > 0) parts.push(scatterSeries('estimate-off', STYLES.estimateOff, offUsers.map((w) => ({ x: w.estimateMs!, y: w.waitMs, attrs: attrs(w) })), a));
  parts.push('</svg>');
  return parts.join('');
}

/** Section 4: per tick, the batch size as a bar and the free slots as a hollow diamond. */
export function batchChart(model: ReportModel): string {
  const ticks = model.ticks;
  const over = (k: Tick): boolean => k.freeSlots !== null && k.size > k.freeSlots;
  const withFree = ticks.filter((k) => k.freeSlots !== null);
  const styles: SeriesStyle[] = [STYLES.batch];
  if (ticks.some(over)) styles.push(STYLES.overAdmit);
  if (withFree.length > 0) styles.push(STYLES.freeSlots);
  const { left, top, plotH, box, height } = frame(styles, 240);
  const ts = ticks.map((k) => k.t);
  const tMin = lowest(ts);
  const tMax = highest(ts);
  const span = tMax - tMin;
  const pad = ticks.length > 1 ? span / (ticks.length - 1) / 2 : 1;
  const xt = fittingTicks(tMin - pad, tMax + pad, box.width, secondsLabel, 70);
  const vHi = Math.max(highest(ticks.map((k) => k.size), 1), highest(withFree.map((k) => k.freeSlots!)));
  const yt = niceTicks(0, vHi * 1.05, Math.max(3, Math.floor(plotH / 40)), true);
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const shown = downsampleMinMax(ticks, Math.floor(box.width / 8), (k) => k.t, (k) => k.size);
  const slot = box.width / Math.max(1, shown.length);
  const barW = Math.max(2, Math.min(14, slot * 0.6));
  const base = a.y(0);
  const parts = [
    svgOpen('batches', height, 'Batch size against free slots per processor tick'),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: timeTitle(model), yTitle: 'users', xLabel: secondsLabel, yLabel: (v) => fmt(v, 2) }),
  ];
  const bars = shown.map((k) => {
    const x = a.x(k.t) - barW / 2;
    const y = a.y(k.size);
    const style = over(k) ? STYLES.overAdmit : STYLES.batch;
    return `<rect class="bar" data-t="${n(k.t)}" data-v="${n(k.size)}"${k.freeSlots === null ? '' : ` data-free="${n(k.freeSlots)}"`}${over(k) ? ' data-over="true"' : ''} x="${n(x)}" y="${n(y)}" width="${n(barW)}" height="${n(Math.max(0, base - y))}" fill="${style.fill}" stroke="${style.color}" stroke-width="1"/>`;
  });
  parts.push(`<g data-series="batch" data-count="${ticks.length}" data-shown="${shown.length}" data-max="${n(highest(ticks.map((k) => k.size)))}">${bars.join('')}</g>`);
  const free = shown.filter((k) => k.freeSlots !== null);
  if (free.length > 0) {
    const marks = free.map((k) => `<path class="pt" data-t="${n(k.t)}" data-v="${n(k.freeSlots!)}" d="${markerPath('diamond', a.x(k.t), a.y(k.freeSlots!), 3.6)}"/>`);
    parts.push(`<g data-series="free-slots" data-count="${withFree.length}" data-shown="${free.length}" ${markerPaint(STYLES.freeSlots)}>${marks.join('')}</g>`);
  }
  parts.push('</svg>');
  return parts.join('');
}
