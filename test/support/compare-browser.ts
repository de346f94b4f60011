// Opens a side-by-side report (report/side-by-side.ts) in headless Chromium and
// checks it the way checkReportInBrowser checks a single run's page (no script,
// no network, no sideways scrolling, no overlapping labels, the run's queue
// lines drawn at their values), and then what only this page has: the base
// run's lines drawn on the same axes at the base's values, both runs' waits and
// batches, and the comparison's verdict per figure.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Chromium } from './chromium.ts';
import { checkReportInBrowser, type ReportExpectations, type ReportMeasurements } from './report-browser.ts';

export interface SideBySideExpectations extends ReportExpectations {
  /** The base run's queue lines, read back from the drawn geometry through the shared y axis. */
  baseSeriesMax?: Partial<Record<'active' | 'depth', number>>;
  /** data-count of series drawn: wait, base-wait, batch, base-batch, estimate, base-estimate. */
  counts?: Record<string, number>;
  /** Figure id -> its verdict in the table (ok, regression, improved, not_compared, info). */
  figures?: Record<string, string>;
  /** Each run's own verdict. */
  runVerdicts?: { base: 'pass' | 'fail'; run: 'pass' | 'fail' };
}

interface Extra {
  base: Record<string, { dataMax: number | null; drawnMax: number | null }>;
  counts: Record<string, number | null>;
  figures: Record<string, string>;
  runVerdicts: string[];
  /** The two queue charts' series share one y axis: the run's active line and the base's read through the same ticks. */
  axisTicks: number;
}

const MEASURE = `(() => {
  const num = (s) => (s === null || s === undefined || s === '' ? null : Number(s));
  const out = { base: {}, counts: {}, figures: {}, runVerdicts: [], axisTicks: 0 };
  const queue = document.querySelector('svg[data-chart="queue"]');
  if (queue) {
    const ticks = [...queue.querySelectorAll('.ytick')].map((g) => ({ v: Number(g.getAttribute('data-v')), y: g.querySelector('line').getBoundingClientRect().y }));
    out.axisTicks = ticks.length;
    const a = ticks[0], b = ticks[ticks.length - 1];
    const valueAt = (y) => a.v + ((y - a.y) * (b.v - a.v)) / (b.y - a.y);
    for (const name of ['active', 'depth']) {
      const g = queue.querySelector('[data-series="base-' + name + '"]');
      const path = g?.querySelector('path.line');
      const top = !path || path.getAttribute('d') === '' ? null : path.getBoundingClientRect().y;
      out.base[name] = { dataMax: num(g?.getAttribute('data-max')), drawnMax: top === null ? null : valueAt(top) };
    }
  }
  for (const name of ['wait', 'base-wait', 'batch', 'base-batch', 'estimate', 'base-estimate']) {
    out.counts[name] = num(document.querySelector('[data-series="' + name + '"]')?.getAttribute('data-count'));
  }
  for (const tr of document.querySelectorAll('tr[data-figure]')) out.figures[tr.getAttribute('data-figure').split(' ')[0]] = tr.getAttribute('data-verdict');
  out.runVerdicts = [...document.querySelectorAll('[data-run-verdict]')].map((e) => e.getAttribute('data-run-verdict'));
  return out;
})()`;

export async function checkSideBySideInBrowser(htmlPath: string, expect: SideBySideExpectations = {}): Promise<ReportMeasurements & Extra> {
  // Everything a report page must do, and the run's lines.
  const common = await checkReportInBrowser(htmlPath, expect);
  const viewport = expect.viewport ?? { width: 1280, height: 800 };
  const browser = await Chromium.launch(viewport);
  let extra: Extra;
  try {
    const page = await browser.open(pathToFileURL(resolve(htmlPath)).href, viewport);
    extra = await page.evaluate<Extra>(MEASURE);
  } finally {
    await browser.close();
  }
  const problems: string[] = [];
  const check = (ok: boolean, what: string): void => {
    if (!ok) problems.push(what);
  };
  for (const [name, want] of Object.entries(expect.baseSeriesMax ?? {})) {
    const g = extra.base[name];
    check(g?.dataMax === want, `base-${name} data-max ${g?.dataMax}, expected ${want}`);
    const drawn = g?.drawnMax ?? null;
    check(drawn !== null && Math.abs(drawn - want) <= Math.max(0.05, Math.abs(want) * 0.01), `base-${name} drawn up to ${drawn}, expected ${want}`);
  }
  for (const [name, want] of Object.entries(expect.counts ?? {})) check(extra.counts[name] === want, `${name}: ${extra.counts[name]} points, expected ${want}`);
  for (const [id, want] of Object.entries(expect.figures ?? {})) check(extra.figures[id] === want, `figure ${id}: ${extra.figures[id]}, expected ${want}`);
  if (expect.runVerdicts !== undefined) {
    const want = [`base:${expect.runVerdicts.base}`, `run:${expect.runVerdicts.run}`];
    check(JSON.stringify(extra.runVerdicts) === JSON.stringify(want), `run verdicts ${extra.runVerdicts.join(', ')}, expected ${want.join(', ')}`);
  }
  assert.ok(problems.length === 0, `side-by-side report ${htmlPath} in Chromium:\n- ${problems.join('\n- ')}`);
  return { ...common, ...extra };
}
