// SVG building blocks for the report's charts: escaping, number formatting,
// "nice" axis ticks, linear scales, markers and a legend. Plain strings, no
// DOM: the page is written once and needs no script to display.
//
// Every series is told apart by colour AND by dash pattern or marker shape, so
// the charts survive a greyscale print.

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A number for an attribute: at most 2 decimals, no trailing zeros, no '-0'. */
export function n(x: number): string {
  const r = Math.round(x * 100) / 100;
  return Object.is(r, -0) ? '0' : String(r);
}

/** A number for a reader: thousands separated, up to `digits` decimals. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  const d = abs >= 100 ? 0 : abs >= 10 ? Math.min(digits, 1) : digits;
  const fixed = x.toFixed(d);
  const s = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  const [int, frac] = s.split('.');
  const grouped = int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** Milliseconds as a reader wants them: 850 ms, 12.5 s, 3 min 20 s. */
export function fmtMs(ms: number): string {
  if (Math.abs(ms) < 1000) return `${fmt(ms, 0)} ms`;
  if (Math.abs(ms) < 120_000) return `${fmt(ms / 1000, 2)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${fmt((ms - m * 60_000) / 1000, 0)} s`;
}

/** Approximate width of text in the report's sans-serif at `size` px (no DOM to measure). */
export function textWidth(text: string, size = 12): number {
  return text.length * size * 0.58;
}

export interface Ticks {
  min: number;
  max: number;
  step: number;
  values: number[];
}

/**
 * Axis ticks at 1, 2, 2.5 or 5 x 10^k covering [lo, hi] with at most `maxCount`
 * ticks. `integer`: whole steps only (users, positions: there is no half a user).
 */
export function niceTicks(lo: number, hi: number, maxCount: number, integer = false): Ticks {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return niceTicks(0, 1, maxCount, integer);
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) hi = lo === 0 ? 1 : lo + Math.abs(lo) * 0.1;
  const count = Math.max(2, Math.floor(maxCount));
  const raw = (hi - lo) / (count - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = mag;
  for (const f of [1, 2, 2.5, 5, 10]) {
    step = f * mag;
    if (integer && !Number.isInteger(step)) continue;
    if (Math.ceil(hi / step) - Math.floor(lo / step) + 1 <= count) break;
  }
  if (integer) step = Math.max(1, step);
  const min = Math.floor(lo / step) * step;
  const max = Math.ceil(hi / step) * step;
  const values: number[] = [];
  for (let v = min; v <= max + step / 2; v += step) values.push(Math.round(v / step) * step);
  return { min, max, step, values };
}

export type Scale = (v: number) => number;

export function linear(d0: number, d1: number, r0: number, r1: number): Scale {
  const k = d1 === d0 ? 0 : (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'triangle-down' | 'diamond' | 'cross' | 'none';

/** The visual identity of one series: used by the drawing and by its legend entry. */
export interface SeriesStyle {
  label: string;
  color: string;
  /** stroke-dasharray, '' for solid */
  dash: string;
  marker: MarkerShape;
  /** Legend glyph: a line (with its marker), a marker alone, a shaded box, or a bar. */
  kind: 'line' | 'marker' | 'area' | 'bar';
  /** Fill for markers and areas; 'none' for hollow markers. */
  fill?: string;
}

/** A marker's outline centred on (x, y), `s` its half size. */
export function markerPath(shape: MarkerShape, x: number, y: number, s: number): string {
  switch (shape) {
    case 'circle':
      return `M${n(x - s)},${n(y)}a${n(s)},${n(s)} 0 1,0 ${n(2 * s)},0a${n(s)},${n(s)} 0 1,0 ${n(-2 * s)},0Z`;
    case 'square':
      return `M${n(x - s)},${n(y - s)}h${n(2 * s)}v${n(2 * s)}h${n(-2 * s)}Z`;
    case 'triangle':
      return `M${n(x)},${n(y - s * 1.2)}L${n(x + s * 1.1)},${n(y + s * 0.8)}L${n(x - s * 1.1)},${n(y + s * 0.8)}Z`;
    case 'triangle-down':
      return `M${n(x)},${n(y + s * 1.2)}L${n(x + s * 1.1)},${n(y - s * 0.8)}L${n(x - s * 1.1)},${n(y - s * 0.8)}Z`;
    case 'diamond':
      return `M${n(x)},${n(y - s * 1.3)}L${n(x + s * 1.3)},${n(y)}L${n(x)},${n(y + s * 1.3)}L${n(x - s * 1.3)},${n(y)}Z`;
    case 'cross':
      return `M${n(x - s)},${n(y - s)}L${n(x + s)},${n(y + s)}M${n(x - s)},${n(y + s)}L${n(x + s)},${n(y - s)}`;
    case 'none':
      return '';
  }
}

/** Paint attributes of a marker in `style`. Crosses are strokes only. */
export function markerPaint(style: SeriesStyle): string {
  if (style.marker === 'cross') return `fill="none" stroke="${style.color}" stroke-width="1.8"`;
  const fill = style.fill ?? style.color;
  return `fill="${fill}" stroke="${style.color}" stroke-width="1.2"`;
}

const LEGEND_ROW = 18;
const LEGEND_GLYPH = 26;

/** How tall a legend of these entries is when laid out in rows within `width`. */
export function legendHeight(styles: SeriesStyle[], width: number): number {
  return legendLayout(styles, width).rows * LEGEND_ROW;
}

function legendLayout(styles: SeriesStyle[], width: number): { rows: number; at: { x: number; row: number }[] } {
  const at: { x: number; row: number }[] = [];
  let x = 0;
  let row = 0;
  for (const s of styles) {
    const w = LEGEND_GLYPH + 6 + textWidth(s.label) + 18;
    if (x > 0 && x + w > width) {
      row++;
      x = 0;
    }
    at.push({ x, row });
    x += w;
  }
  return { rows: styles.length === 0 ? 0 : row + 1, at };
}

function legendGlyph(s: SeriesStyle, x: number, y: number): string {
  const mid = x + LEGEND_GLYPH / 2;
  switch (s.kind) {
    case 'area':
      return `<rect x="${n(x)}" y="${n(y - 6)}" width="${LEGEND_GLYPH}" height="12" fill="${s.fill ?? s.color}" stroke="${s.color}" stroke-width="1"/>`;
    case 'bar':
      return `<rect x="${n(mid - 5)}" y="${n(y - 7)}" width="10" height="14" fill="${s.fill ?? s.color}" stroke="${s.color}" stroke-width="1"/>`;
    case 'marker':
      return `<path d="${markerPath(s.marker, mid, y, 4.5)}" ${markerPaint(s)}/>`;
    case 'line': {
      const line = `<line x1="${n(x)}" y1="${n(y)}" x2="${n(x + LEGEND_GLYPH)}" y2="${n(y)}" stroke="${s.color}" stroke-width="2"${s.dash === '' ? '' : ` stroke-dasharray="${s.dash}"`}/>`;
      return s.marker === 'none' ? line : line + `<path d="${markerPath(s.marker, mid, y, 4)}" ${markerPaint(s)}/>`;
    }
  }
}

/** A legend starting at (x, y), wrapping at `width`. */
export function legend(styles: SeriesStyle[], x: number, y: number, width: number): string {
  const { at } = legendLayout(styles, width);
  const parts = styles.map((s, i) => {
    const px = x + at[i]!.x;
    const py = y + at[i]!.row * LEGEND_ROW + LEGEND_ROW / 2;
    return `<g class="legend-item" data-legend="${esc(s.label)}">${legendGlyph(s, px, py)}<text x="${n(px + LEGEND_GLYPH + 6)}" y="${n(py + 4)}">${esc(s.label)}</text></g>`;
  });
  return `<g class="legend">${parts.join('')}</g>`;
}

/** The largest of `values` and `floor` (no argument spreading: runs have tens of thousands of points). */
export function highest(values: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const v of values) if (v > m) m = v;
  return m;
}

/** The smallest of `values` and `ceiling`. */
export function lowest(values: Iterable<number>, ceiling = Infinity): number {
  let m = ceiling;
  for (const v of values) if (v < m) m = v;
  return m;
}
