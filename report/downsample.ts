// Thinning for charts with thousands of points. A 10-minute run probed every
// 250 ms has 2,400 samples per series and a 10,000-user run 9,000 waits; drawn
// as they are they would make a page of megabytes for no visible gain. The
// rules keep what a reader looks for: a line keeps every bucket's minimum and
// maximum (the peak of the active set survives exactly), a scatter keeps one
// point per few-pixel cell (a point hidden under another is not lost to the eye).

export interface XY {
  x: number;
  y: number;
}

/**
 * At most 4 points per bucket of equal x width: the first, the minimum, the
 * maximum and the last, in x order. Returns `points` itself when it already
 * has no more than `buckets * 2` points. `points` must be sorted by x.
 */
export function downsampleMinMax<P>(points: P[], buckets: number, x: (p: P) => number, y: (p: P) => number): P[] {
  if (points.length <= buckets * 2 || points.length < 3) return points;
  const x0 = x(points[0]!);
  const span = x(points[points.length - 1]!) - x0;
  if (span <= 0) return points;
  const out: P[] = [];
  let i = 0;
  while (i < points.length) {
    const b = Math.min(buckets - 1, Math.floor(((x(points[i]!) - x0) / span) * buckets));
    let j = i;
    let lo = i;
    let hi = i;
    while (j < points.length && Math.min(buckets - 1, Math.floor(((x(points[j]!) - x0) / span) * buckets)) === b) {
      if (y(points[j]!) < y(points[lo]!)) lo = j;
      if (y(points[j]!) > y(points[hi]!)) hi = j;
      j++;
    }
    const keep = [...new Set([i, lo, hi, j - 1])].sort((a, c) => a - c);
    for (const k of keep) out.push(points[k]!);
    i = j;
  }
  return out;
}

/**
 * One point per `cell` x `cell` pixel square; the first point in the order
 * given wins its cell (sort by value first to keep each cell's extreme).
 * `px`/`py` map a point to pixels.
 */
export function thinScatter<P>(points: P[], cell: number, px: (p: P) => number, py: (p: P) => number): P[] {
  const seen = new Set<number>();
  const out: P[] = [];
  for (const p of points) {
    const key = Math.floor(px(p) / cell) * 100_003 + Math.floor(py(p) / cell);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}
