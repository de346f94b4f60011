// Seeded sample sets for the percentile bounds (verdict/quantiles.ts): random
// samples in many distributions, split over k6 instances in many ways, each
// instance summarised the way k6 summarises a trend (shared/k6-reference/
// README.md, "handleSummary's data": linear interpolation between closest
// ranks), and the exact percentile of the pooled samples to compare with.

/** A seeded generator of floats in [0, 1): xorshift32, deterministic for a seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** k6's percentile of ascending samples at level u (0..1): x[j] + (x[c] - x[j])·f, in k6's operation order. */
export function k6Percentile(sorted: number[], u: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0]!;
  const h = u * (n - 1);
  const j = Math.floor(h);
  const lo = sorted[j]!;
  const hi = sorted[Math.ceil(h)]!;
  return lo + (hi - lo) * (h - j);
}

/** The level a stat reads (med 0.5, p(N) N/100), as k6 computes it. */
function levelOfStat(stat: string): number | null {
  if (stat === 'med') return 0.5;
  const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat);
  return m ? Number(m[1]) / 100 : null;
}

/** One instance's trend values as k6 reports them for these samples and summaryTrendStats (an empty trend: zeros). */
export function k6TrendValues(samples: number[], stats: string[]): Record<string, number> {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  const out: Record<string, number> = {};
  for (const stat of stats) {
    if (stat === 'count') out[stat] = n;
    else if (n === 0) out[stat] = 0;
    else if (stat === 'min') out[stat] = sorted[0]!;
    else if (stat === 'max') out[stat] = sorted[n - 1]!;
    else if (stat === 'avg') out[stat] = sorted.reduce((s, x) => s + x, 0) / n;
    else {
      const u = levelOfStat(stat);
      if (u === null) throw new Error(`unknown trend stat ${stat}`);
      out[stat] = k6Percentile(sorted, u);
    }
  }
  return out;
}

export type Distribution = 'uniform' | 'lognormal' | 'exponential' | 'bimodal' | 'ties' | 'constant' | 'heavy-tail' | 'signed';
export const DISTRIBUTIONS: Distribution[] = ['uniform', 'lognormal', 'exponential', 'bimodal', 'ties', 'constant', 'heavy-tail', 'signed'];

function normal(r: () => number): number {
  const a = 1 - r();
  return Math.sqrt(-2 * Math.log(a)) * Math.cos(2 * Math.PI * r());
}

/** One sample; `shift` moves or scales it, so instances can differ. */
export function draw(kind: Distribution, r: () => number, shift = 1): number {
  switch (kind) {
    case 'uniform':
      return 1000 * shift * r();
    case 'lognormal':
      return shift * Math.exp(5 + 0.6 * normal(r)); // a latency in ms, median ~150
    case 'exponential':
      return -200 * shift * Math.log(1 - r());
    case 'bimodal':
      return r() < 0.8 ? shift * (100 + 20 * normal(r)) : shift * (2000 + 300 * normal(r));
    case 'ties':
      return shift * Math.floor(r() * 6) * 10; // few distinct values: many equal samples
    case 'constant':
      return 42 * shift;
    case 'heavy-tail':
      return shift * 50 / Math.pow(1 - r(), 0.8); // Pareto-like
    case 'signed':
      return shift * (r() - 0.7) * 500; // negative values too
  }
}

/** How the pooled samples are dealt to instances. */
export type Split = 'round-robin' | 'random' | 'sorted-chunks' | 'one-heavy' | 'shifted' | 'one-slow' | 'tiny';
export const SPLITS: Split[] = ['round-robin', 'random', 'sorted-chunks', 'one-heavy', 'shifted', 'one-slow', 'tiny'];

export interface SplitRun {
  /** Each instance's samples. */
  parts: number[][];
  /** All samples, ascending. */
  pooled: number[];
}

/**
 * A random run: `instances` instances, about `samples` samples in all, from
 * `kind`, dealt by `split`. Some instances may end up with no samples.
 */
export function splitRun(r: () => number, kind: Distribution, split: Split, instances: number, samples: number): SplitRun {
  const parts: number[][] = Array.from({ length: instances }, () => []);
  switch (split) {
    case 'round-robin':
      for (let i = 0; i < samples; i++) parts[i % instances]!.push(draw(kind, r));
      break;
    case 'random':
      for (let i = 0; i < samples; i++) parts[Math.floor(r() * instances)]!.push(draw(kind, r));
      break;
    case 'sorted-chunks': {
      // Each instance gets a contiguous slice of the sorted samples: the most different instances can be.
      const all = Array.from({ length: samples }, () => draw(kind, r)).sort((a, b) => a - b);
      const cuts = Array.from({ length: instances - 1 }, () => Math.floor(r() * (samples + 1))).sort((a, b) => a - b);
      let from = 0;
      cuts.concat([samples]).forEach((to, i) => {
        parts[i]!.push(...all.slice(from, to));
        from = to;
      });
      // Shuffle which instance holds which slice.
      for (let i = parts.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [parts[i], parts[j]] = [parts[j]!, parts[i]!];
      }
      break;
    }
    case 'one-heavy':
      for (let i = 0; i < samples; i++) parts[instances === 1 || r() < 0.9 ? 0 : 1 + Math.floor(r() * (instances - 1))]!.push(draw(kind, r));
      break;
    case 'shifted':
      // Instances on differently loaded machines: each scales the distribution.
      for (let i = 0; i < samples; i++) {
        const at = i % instances;
        parts[at]!.push(draw(kind, r, 1 + 0.25 * at));
      }
      break;
    case 'one-slow':
      for (let i = 0; i < samples; i++) {
        const at = i % instances;
        parts[at]!.push(draw(kind, r, at === instances - 1 ? 3 : 1));
      }
      break;
    case 'tiny':
      // 1 to 3 samples per instance: the interpolation between ranks matters most here.
      for (const p of parts) {
        const n = 1 + Math.floor(r() * 3);
        for (let i = 0; i < n; i++) p.push(draw(kind, r));
      }
      break;
  }
  const pooled = parts.flat().sort((a, b) => a - b);
  return { parts, pooled };
}

/** A trend metric as one instance's summary shows it (k6's values for these samples). */
export function trendOf(samples: number[], stats: string[], contains: 'time' | 'default' = 'time'): { type: 'trend'; contains: 'time' | 'default'; values: Record<string, number> } {
  return { type: 'trend', contains, values: k6TrendValues(samples, stats) };
}
