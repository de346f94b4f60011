// The side-by-side report's charts: a run and its base run on the same axes.
// Time charts share one origin, each run's first scheduled arrival (START_AT),
// so the two queues line up from the moment users start arriving; waits and
// estimates share the position and wait axes. The run is drawn in the single
// report's styles, the base in lighter colours with its own dashes and hollow
// markers, so the two stay apart in greyscale too. Series names follow the
// single report's (`active`, `wait`, `batch`, ...) for the run, and carry a
// `base-` prefix for the base.
import { downsampleMinMax } from './downsample.ts';
import type { ReportModel, Tick, UserWait } from './model.ts';
import {
  boundsByPosition,
  drawAxes,
  fittingTicks,
  frame,
  LINE_BUCKETS,
  msAsSeconds,
  scatterSeries,
  secondsLabel,
  stepSeries,
  STYLES,
  svgOpen,
  type Axes,
} from './charts.ts';
import { esc, fmt, highest, legend, legendHeight, linear, lowest, n, niceTicks, type SeriesStyle } from './svg.ts';

export const BASE_STYLES = {
  active: { label: 'active set, base', color: '#e39a92', dash: '3 3', marker: 'square', kind: 'line', fill: '#ffffff' },
  depth: { label: 'queue depth, base', color: '#86a9d6', dash: '1 4', marker: 'circle', kind: 'line', fill: '#ffffff' },
  wait: { label: 'admitted, base', color: '#8a8a8a', dash: '', marker: 'diamond', kind: 'marker', fill: 'none' },
  estimate: { label: 'user, base', color: '#8a8a8a', dash: '', marker: 'diamond', kind: 'marker', fill: 'none' },
  batch: { label: 'batch size, base', color: '#7a7a7a', dash: '', marker: 'none', kind: 'bar', fill: '#e4e4e4' },
} satisfies Record<string, SeriesStyle>;

const RUN = {
  active: { ...STYLES.active, label: 'active set, run' },
  depth: { ...STYLES.depth, label: 'queue depth, run' },
  wait: { ...STYLES.wait, label: 'admitted, run', fill: STYLES.wait.color },
  estimate: { ...STYLES.estimate, label: 'user, run', fill: STYLES.estimate.color },
  batch: { ...STYLES.batch, label: 'batch size, run' },
} satisfies Record<string, SeriesStyle>;

function timeAxisTitle(run: ReportModel, base: ReportModel): string {
  return run.t0Source === 'startAt' && base.t0Source === 'startAt'
    ? 'time since each run\'s first scheduled arrival (s)'
    : 'time since each run\'s first scheduled arrival, or its first sample (s)';
}

/** Queue depth and active set of both runs over time, aligned on the first arrival, with the threshold. */
export function queueOverlay(run: ReportModel, base: ReportModel): string {
  const styles: SeriesStyle[] = [RUN.active, RUN.depth, BASE_STYLES.active, BASE_STYLES.depth];
  const threshold = run.threshold ?? base.threshold;
  if (threshold !== null) styles.push(STYLES.threshold);
  const { left, top, plotH, box, height } = frame(styles, 300, 96);
  const all = [run, base];
  const times = all.flatMap((m) => [...m.depth.map((p) => p.t), ...m.active.map((p) => p.t)]);
  const tLo = lowest(times, 0);
  const tHi = highest(times, 1);
  const vHi = Math.max(1, ...all.map((m) => Math.max(m.findings.depthMax ?? 0, m.findings.activeMax ?? 0)), threshold ?? 0);
  const xt = fittingTicks(tLo, tHi, box.width, secondsLabel, 70);
  const yt = niceTicks(0, vHi * 1.05, Math.max(3, Math.floor(plotH / 40)), true);
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const parts = [
    svgOpen('queue', height, 'Queue depth and active set of both runs over time'),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: timeAxisTitle(run, base), yTitle: 'users', xLabel: secondsLabel, yLabel: (v) => fmt(v, 2) }),
    // The base first, so the run is drawn over it.
    stepSeries('base-depth', BASE_STYLES.depth, base.depth, a),
    stepSeries('base-active', BASE_STYLES.active, base.active, a),
    stepSeries('depth', RUN.depth, run.depth, a),
    stepSeries('active', RUN.active, run.active, a),
  ];
  if (threshold !== null) {
    const y = a.y(threshold);
    parts.push(
      `<g data-series="threshold" data-v="${n(threshold)}"><line x1="${n(left)}" x2="${n(left + box.width)}" y1="${n(y)}" y2="${n(y)}" stroke="${STYLES.threshold.color}" stroke-width="1.6" stroke-dasharray="${STYLES.threshold.dash}"/>` +
        `<text x="${n(left + box.width + 6)}" y="${n(y + 4)}">threshold ${esc(fmt(threshold))}</text></g>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}

function waitPoints(waits: UserWait[]): { x: number; y: number; attrs: string }[] {
  return waits.map((w) => ({ x: w.position, y: w.waitMs, attrs: `data-x="${n(w.position)}" data-v="${n(w.waitMs)}"${w.late ? ' data-late="true"' : ''}` }));
}

/** Each admitted user's wait by position, both runs, with the run's starvation bound. */
export function waitsOverlay(run: ReportModel, base: ReportModel): string {
  const styles: SeriesStyle[] = [RUN.wait, BASE_STYLES.wait];
  const bounds = boundsByPosition(run.waits, run.timeouts);
  if (bounds.length > 0) styles.push(STYLES.bound);
  const { left, top, plotH, box, height } = frame(styles, 300);
  const positions = [...run.waits, ...base.waits].map((w) => w.position);
  const ys = [...run.waits, ...base.waits].map((w) => w.waitMs);
  const xt = fittingTicks(0, highest(positions, 1), box.width, (v) => fmt(v), 60, true);
  const yt = niceTicks(0, highest([...ys, ...bounds.map((b) => b.v)], 1000) * 1.05, Math.max(3, Math.floor(plotH / 40)));
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const parts = [
    svgOpen('waits', height, 'Wait for admission by position, both runs'),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: 'position first reported (1 = front of the queue)', yTitle: 'wait from check to admission (s)', xLabel: (v) => fmt(v), yLabel: msAsSeconds }),
  ];
  if (bounds.length > 0) {
    const shown = downsampleMinMax(bounds, LINE_BUCKETS, (b) => b.x, (b) => b.v);
    let d = '';
    shown.forEach((b, i) => {
      d += i === 0 ? `M${n(a.x(b.x))},${n(a.y(b.v))}` : `H${n(a.x(b.x))}V${n(a.y(b.v))}`;
    });
    parts.push(
      `<g data-series="bound" data-count="${bounds.length}" data-shown="${shown.length}" data-max="${n(highest(bounds.map((b) => b.v)))}">` +
        `<path class="line" d="${d}" fill="none" stroke="${STYLES.bound.color}" stroke-width="1.6" stroke-dasharray="${STYLES.bound.dash}"/></g>`,
    );
  }
  parts.push(scatterSeries('base-wait', BASE_STYLES.wait, waitPoints(base.waits), a));
  parts.push(scatterSeries('wait', RUN.wait, waitPoints(run.waits), a));
  parts.push('</svg>');
  return parts.join('');
}

/** Estimated against actual wait, both runs, with y = x. Square, so the diagonal is 45 degrees. */
export function estimatesOverlay(run: ReportModel, base: ReportModel): string {
  const users = (m: ReportModel): UserWait[] => m.waits.filter((w) => w.estimateMs !== null);
  const styles: SeriesStyle[] = [RUN.estimate, BASE_STYLES.estimate, STYLES.diagonal];
  const size = 460;
  const left = 64;
  const plot = size - left - 20;
  const top = 12 + legendHeight(styles, plot) + 10;
  const height = top + plot + 48;
  const hi = highest([...users(run), ...users(base)].map((w) => Math.max(w.estimateMs!, w.waitMs)), 1000) * 1.05;
  const t = niceTicks(0, hi, 6);
  const a: Axes = { xt: t, yt: t, x: linear(t.min, t.max, left, left + plot), y: linear(t.min, t.max, top + plot, top) };
  const pts = (m: ReportModel): { x: number; y: number; attrs: string }[] =>
    users(m).map((w) => ({ x: w.estimateMs!, y: w.waitMs, attrs: `data-x="${n(w.estimateMs!)}" data-v="${n(w.waitMs)}" data-position="${n(w.position)}"` }));
  return [
    `<svg class="chart" data-chart="estimates" viewBox="0 0 ${size} ${n(height)}" width="100%" role="img" aria-label="Estimated against actual wait, both runs" preserveAspectRatio="xMinYMin meet"><title>Estimated against actual wait, both runs</title>`,
    legend(styles, left, 8, plot),
    drawAxes({ left, top, width: plot, height: plot }, a, { xTitle: 'estimated wait at check (s)', yTitle: 'actual wait (s)', xLabel: msAsSeconds, yLabel: msAsSeconds }),
    `<line data-series="diagonal" x1="${n(a.x(0))}" y1="${n(a.y(0))}" x2="${n(a.x(t.max))}" y2="${n(a.y(t.max))}" stroke="${STYLES.diagonal.color}" stroke-width="1.4" stroke-dasharray="${STYLES.diagonal.dash}"/>`,
    scatterSeries('base-estimate', BASE_STYLES.estimate, pts(base), a),
    scatterSeries('estimate', RUN.estimate, pts(run), a),
    '</svg>',
  ].join('');
}

function bars(name: string, style: SeriesStyle, ticks: Tick[], a: Axes, barW: number, offset: number): string {
  const shown = downsampleMinMax(ticks, 120, (k) => k.t, (k) => k.size);
  const base = a.y(0);
  const rects = shown.map((k) => {
    const y = a.y(k.size);
    return `<rect class="bar" data-t="${n(k.t)}" data-v="${n(k.size)}"${k.freeSlots === null ? '' : ` data-free="${n(k.freeSlots)}"`} x="${n(a.x(k.t) + offset - barW / 2)}" y="${n(y)}" width="${n(barW)}" height="${n(Math.max(0, base - y))}" fill="${style.fill}" stroke="${style.color}" stroke-width="1"/>`;
  });
  return `<g data-series="${name}" data-count="${ticks.length}" data-shown="${shown.length}" data-max="${n(highest(ticks.map((k) => k.size), 0))}">${rects.join('')}</g>`;
}

/** Each processor batch of both runs on one time axis (from each run's first arrival); the base's bars sit just left of their tick. */
export function batchesOverlay(run: ReportModel, base: ReportModel): string {
  const styles: SeriesStyle[] = [RUN.batch, BASE_STYLES.batch];
  const { left, top, plotH, box, height } = frame(styles, 240);
  const ts = [...run.ticks, ...base.ticks].map((k) => k.t);
  const tMin = lowest(ts, 0);
  const tMax = highest(ts, 1);
  const count = Math.max(run.ticks.length, base.ticks.length, 1);
  const pad = (tMax - tMin) / Math.max(1, count - 1) / 2 || 1;
  const xt = fittingTicks(tMin - pad, tMax + pad, box.width, secondsLabel, 70);
  const vHi = highest([...run.ticks, ...base.ticks].map((k) => k.size), 1);
  const yt = niceTicks(0, vHi * 1.05, Math.max(3, Math.floor(plotH / 40)), true);
  const a: Axes = { xt, yt, x: linear(xt.min, xt.max, left, left + box.width), y: linear(yt.min, yt.max, top + plotH, top) };
  const barW = Math.max(2, Math.min(10, (box.width / Math.max(1, count)) * 0.3));
  return [
    svgOpen('batches', height, 'Batch size per processor tick, both runs'),
    legend(styles, left, 8, box.width),
    drawAxes(box, a, { xTitle: timeAxisTitle(run, base), yTitle: 'users', xLabel: secondsLabel, yLabel: (v) => fmt(v, 2) }),
    bars('base-batch', BASE_STYLES.batch, base.ticks, a, barW, -barW / 2),
    bars('batch', RUN.batch, run.ticks, a, barW, barW / 2),
    '</svg>',
  ].join('');
}
