// Opens a report page in headless Chromium and checks, in the rendered DOM,
// that the charts are drawn with the run's numbers: the active-set line's
// highest point read back through the y axis, the threshold line's height,
// the ticks and waits drawn, no overlapping labels, nothing loaded from the
// network, no script, no horizontal scrolling on a laptop-sized window.
//
//   const measured = await checkReportInBrowser('results/x.html', {
//     verdict: 'pass', threshold: 10, active: 'at-threshold', seriesMax: { active: 10, depth: 5 },
//     screenshot: 'results/x.png',
//   });
//
// Throws one AssertionError listing every mismatch; returns what it measured.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Chromium } from './chromium.ts';

export interface ReportExpectations {
  verdict?: 'pass' | 'fail';
  /** The threshold line's value (data-v) and its drawn height on the y axis. */
  threshold?: number;
  /** Where the active-set line's highest point is drawn against the threshold line. */
  active?: 'at-threshold' | 'above-threshold' | 'at-or-below-threshold';
  /** Series maxima read back from the drawn geometry through the y axis (queue chart). */
  seriesMax?: Partial<Record<'active' | 'depth', number>>;
  /** Processor ticks drawn (data-count of the ticks lane). */
  ticks?: number;
  /** Queued users admitted (the wait chart's admitted-within-bound plus late points). */
  waits?: number;
  late?: number;
  timeouts?: number;
  /** Sections that must explain why they are empty: 'queue', 'waits', 'batches'. */
  emptySections?: string[];
  /** Write a PNG of the whole page here. */
  screenshot?: string;
  /** Default 1280 x 800, a laptop screen. */
  viewport?: { width: number; height: number };
}

export interface SeriesGeometry {
  /** data-max of the series (the run's number). */
  dataMax: number | null;
  /** The drawn line's highest point, read back through the y axis. */
  drawnMax: number | null;
  /** The drawn line's top edge in CSS pixels. */
  topPx: number | null;
}

export interface ReportMeasurements {
  verdict: string | null;
  scripts: number;
  /** URLs requested other than the page itself. */
  externalRequests: string[];
  scrollWidth: number;
  viewportWidth: number;
  charts: string[];
  emptySections: string[];
  threshold: { value: number | null; drawnValue: number | null; yPx: number | null };
  series: Record<string, SeriesGeometry>;
  /** Processor ticks in the queue chart's lane (data-count). */
  ticks: number | null;
  counts: Record<string, number | null>;
  /** Pairs of text labels whose boxes overlap, per chart. */
  overlaps: string[];
  /** The smallest rendered label height in the charts (px). */
  minLabelPx: number | null;
  /** The capacity section's time chart, when the page has one. */
  capacity: CapacityGeometry | null;
}

export interface CapacityGeometry {
  /** The first break's marker: its cause, its data-t and its line's x read back through the x axis (s). */
  break: { cause: string | null; t: number | null; drawnT: number | null } | null;
  /** The last healthy window's band, read back through the x axis (s). */
  held: { from: number | null; to: number | null; drawnFrom: number | null; drawnTo: number | null } | null;
  /** Labels of the time chart drawn partly outside its own box (clipped). */
  clipped: string[];
}

// Runs in the page: everything the checks need, measured with getBoundingClientRect.
const MEASURE = `(() => {
  const num = (s) => (s === null || s === undefined || s === '' ? null : Number(s));
  const out = {
    verdict: document.querySelector('[data-verdict]')?.getAttribute('data-verdict') ?? null,
    scripts: document.scripts.length,
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    charts: [...document.querySelectorAll('svg[data-chart]')].map((s) => s.getAttribute('data-chart')),
    emptySections: [...document.querySelectorAll('section[data-section]')].filter((s) => s.querySelector('[data-empty]')).map((s) => s.getAttribute('data-section')),
    threshold: { value: null, drawnValue: null, yPx: null },
    series: {},
    ticks: null,
    counts: {},
    overlaps: [],
    minLabelPx: null,
    capacity: null,
  };
  const queue = document.querySelector('svg[data-chart="queue"]');
  if (queue) {
    const ticks = [...queue.querySelectorAll('.ytick')].map((g) => ({ v: Number(g.getAttribute('data-v')), y: g.querySelector('line').getBoundingClientRect().y }));
    const a = ticks[0], b = ticks[ticks.length - 1];
    const valueAt = (y) => a.v + ((y - a.y) * (b.v - a.v)) / (b.y - a.y);
    const th = queue.querySelector('[data-series="threshold"]');
    if (th) {
      const y = th.querySelector('line').getBoundingClientRect().y;
      out.threshold = { value: num(th.getAttribute('data-v')), drawnValue: valueAt(y), yPx: y };
    }
    for (const name of ['active', 'depth']) {
      const g = queue.querySelector('[data-series="' + name + '"]');
      const path = g?.querySelector('path.line');
      const empty = !path || path.getAttribute('d') === '';
      const top = empty ? null : path.getBoundingClientRect().y;
      out.series[name] = { dataMax: num(g?.getAttribute('data-max')), drawnMax: top === null ? null : valueAt(top), topPx: top };
    }
    out.ticks = num(queue.querySelector('[data-series="ticks"]')?.getAttribute('data-count'));
  }
  for (const name of ['wait', 'late', 'timeout', 'bound', 'estimate', 'estimate-off', 'batch', 'free-slots']) {
    out.counts[name] = num(document.querySelector('[data-series="' + name + '"]')?.getAttribute('data-count'));
  }
  let minLabel = Infinity;
  for (const svg of document.querySelectorAll('svg[data-chart]')) {
    const boxes = [...svg.querySelectorAll('text')].map((t) => ({ t: t.textContent, r: t.getBoundingClientRect() })).filter((b) => b.r.width > 0);
    for (const b of boxes) minLabel = Math.min(minLabel, b.r.height);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const p = boxes[i].r, q = boxes[j].r;
        const ox = Math.min(p.right, q.right) - Math.max(p.left, q.left);
        const oy = Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top);
        // Glyph boxes include line spacing: a pixel of contact is not an overlap.
        if (ox > 1 && oy > 2) out.overlaps.push(svg.getAttribute('data-chart') + ': "' + boxes[i].t + '" / "' + boxes[j].t + '"');
      }
    }
  }
  out.minLabelPx = Number.isFinite(minLabel) ? minLabel : null;
  const cap = document.querySelector('svg[data-chart="capacity-time"]');
  if (cap) {
    const xt = [...cap.querySelectorAll('.xtick')].map((g) => ({ v: Number(g.getAttribute('data-v')), x: g.querySelector('line').getBoundingClientRect().x }));
    const a = xt[0], b = xt[xt.length - 1];
    const tAt = (x) => (xt.length < 2 ? null : a.v + ((x - a.x) * (b.v - a.v)) / (b.x - a.x));
    const mark = cap.querySelector('[data-series="break"]');
    const band = cap.querySelector('rect[data-series="held"]');
    const box = cap.getBoundingClientRect();
    const bandBox = band?.getBoundingClientRect();
    out.capacity = {
      break: mark ? { cause: mark.getAttribute('data-cause'), t: num(mark.getAttribute('data-t')), drawnT: tAt(mark.querySelector('line').getBoundingClientRect().x) } : null,
      held: band ? { from: num(band.getAttribute('data-from')), to: num(band.getAttribute('data-to')), drawnFrom: tAt(bandBox.left), drawnTo: tAt(bandBox.right) } : null,
      clipped: [...cap.querySelectorAll('text')].map((t) => ({ t: t.textContent, r: t.getBoundingClientRect() }))
        .filter((l) => l.r.width > 0 && (l.r.left < box.left - 0.5 || l.r.right > box.right + 0.5 || l.r.top < box.top - 0.5 || l.r.bottom > box.bottom + 0.5))
        .map((l) => l.t),
    };
  }
  return out;
})()`;

/** Within half a pixel's worth of value: what a drawn point can be read back to. */
function near(a: number | null, b: number, tolerance: number): boolean {
  return a !== null && Math.abs(a - b) <= tolerance;
}

export async function checkReportInBrowser(htmlPath: string, expect: ReportExpectations = {}): Promise<ReportMeasurements> {
  const viewport = expect.viewport ?? { width: 1280, height: 800 };
  const url = pathToFileURL(resolve(htmlPath)).href;
  const browser = await Chromium.launch(viewport);
  let m: ReportMeasurements;
  try {
    const page = await browser.open(url, viewport);
    const measured = await page.evaluate<Omit<ReportMeasurements, 'externalRequests'>>(MEASURE);
    m = { ...measured, externalRequests: page.requests.filter((u) => u !== url) };
    if (expect.screenshot !== undefined) {
      mkdirSync(dirname(expect.screenshot), { recursive: true });
      writeFileSync(expect.screenshot, await page.screenshot());
    }
  } finally {
    await browser.close();
  }

  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  check(m.scripts === 0, `the page has ${m.scripts} script(s); it must need none`);
  check(m.externalRequests.length === 0, `the page requested ${m.externalRequests.join(', ')}`);
  check(m.scrollWidth <= m.viewportWidth, `the page scrolls sideways at ${m.viewportWidth} px (${m.scrollWidth} px wide)`);
  check(m.overlaps.length === 0, `overlapping labels: ${m.overlaps.slice(0, 5).join('; ')}`);
  check(m.minLabelPx === null || m.minLabelPx >= 10, `chart labels as small as ${m.minLabelPx} px`);
  check((m.capacity?.clipped.length ?? 0) === 0, `capacity chart labels cut off at its edge: ${m.capacity?.clipped.join('; ')}`);
  if (expect.verdict !== undefined) check(m.verdict === expect.verdict, `verdict ${m.verdict}, expected ${expect.verdict}`);

  const active = m.series.active;
  // A value read back from pixels is good to about a pixel: 1 % of the value (or 0.05).
  const valueTolerance = (v: number): number => Math.max(0.05, Math.abs(v) * 0.01);
  if (expect.threshold !== undefined) {
    check(m.threshold.value === expect.threshold, `threshold line data-v ${m.threshold.value}, expected ${expect.threshold}`);
    check(near(m.threshold.drawnValue, expect.threshold, valueTolerance(expect.threshold)), `threshold line drawn at ${m.threshold.drawnValue}, expected ${expect.threshold}`);
  }
  for (const [name, want] of Object.entries(expect.seriesMax ?? {})) {
    const g = m.series[name];
    check(g?.dataMax === want, `${name} data-max ${g?.dataMax}, expected ${want}`);
    check(near(g?.drawnMax ?? null, want, valueTolerance(want)), `${name} drawn up to ${g?.drawnMax}, expected ${want}`);
  }
  if (expect.active !== undefined) {
    const top = active?.topPx ?? null;
    const line = m.threshold.yPx;
    if (top === null || line === null) problems.push('no active line or threshold line to compare');
    else if (expect.active === 'at-threshold') check(Math.abs(top - line) <= 1.5, `active line tops out ${line - top} px from the threshold line, expected on it`);
    else if (expect.active === 'above-threshold') check(top < line - 1.5, `active line tops out at ${top} px, not above the threshold line at ${line} px`);
    else check(top >= line - 1.5, `active line tops out at ${top} px, above the threshold line at ${line} px`);
  }
  if (expect.ticks !== undefined) check(m.ticks === expect.ticks, `${m.ticks} ticks drawn, expected ${expect.ticks}`);
  if (expect.waits !== undefined) {
    const drawn = (m.counts.wait ?? 0) + (m.counts.late ?? 0);
    check(drawn === expect.waits, `${drawn} admitted users drawn, expected ${expect.waits}`);
  }
  if (expect.late !== undefined) check((m.counts.late ?? 0) === expect.late, `${m.counts.late ?? 0} late users drawn, expected ${expect.late}`);
  if (expect.timeouts !== undefined) check((m.counts.timeout ?? 0) === expect.timeouts, `${m.counts.timeout ?? 0} timeouts drawn, expected ${expect.timeouts}`);
  for (const s of expect.emptySections ?? []) check(m.emptySections.includes(s), `section ${s} should say why it is empty`);
  assert.ok(problems.length === 0, `report ${htmlPath} in Chromium:\n- ${problems.join('\n- ')}`);
  return m;
}
