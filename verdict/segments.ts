// Execution segments (`--execution-segment 1/4:2/4`): which share of the run an
// instance executed. The verdict orders instances by segment, refuses
// duplicates and overlaps, and names the shares no instance covered.
import { InputError } from './types.ts';

export interface Segment {
  text: string;
  from: number;
  to: number;
}

// Segment bounds compare as floats; k6's sequences are fractions like 1/3.
const EPSILON = 1e-9;

/** One bound: '0', '1', '1/4', '0.25' or '25%'. */
function parseBound(text: string, whole: string): number {
  const t = text.trim();
  let v: number;
  const frac = /^(\d+)\/(\d+)$/.exec(t);
  if (frac) v = Number(frac[1]) / Number(frac[2]);
  else if (/^\d+(\.\d+)?%$/.test(t)) v = Number(t.slice(0, -1)) / 100;
  else if (/^\d+(\.\d+)?$/.test(t)) v = Number(t);
  else v = NaN;
  if (!Number.isFinite(v) || v < -EPSILON || v > 1 + EPSILON) {
    throw new InputError(`invalid segment '${whole}'; reason: expected from:to with fractions between 0 and 1 (e.g. 1/4:2/4), got '${t}'`);
  }
  return v;
}

/** '1/4:2/4' → { from: 0.25, to: 0.5 }. A bare '1/4' means 0:1/4, as k6 reads it. */
export function parseSegment(text: string): Segment {
  const parts = text.split(':');
  if (parts.length > 2) throw new InputError(`invalid segment '${text}'; reason: expected from:to, e.g. 1/4:2/4`);
  const from = parts.length === 2 ? parseBound(parts[0]!, text) : 0;
  const to = parseBound(parts[parts.length - 1]!, text);
  if (to <= from + EPSILON) throw new InputError(`invalid segment '${text}'; reason: its end is not after its start`);
  return { text, from, to };
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) < EPSILON;
}

/** A share as a short fraction when it is one with a small denominator: 0.75 → '3/4'. */
export function formatBound(v: number): string {
  if (near(v, 0)) return '0';
  if (near(v, 1)) return '1';
  for (let d = 2; d <= 64; d++) {
    const n = Math.round(v * d);
    if (near(n / d, v)) return `${n}/${d}`;
  }
  return String(Number(v.toFixed(6)));
}

export interface Coverage {
  /** Shares of [0, 1] that no segment covers, as 'from:to'. */
  missing: string[];
  complete: boolean;
}

/**
 * Whether the segments cover the whole run exactly once. Duplicates and
 * overlaps mean instances of different splits (or the same instance twice):
 * refused, with the sources named.
 */
export function coverage(segments: Array<{ segment: Segment; source: string }>): Coverage {
  const sorted = [...segments].sort((a, b) => a.segment.from - b.segment.from || a.segment.to - b.segment.to);
  const missing: string[] = [];
  let at = 0;
  let previous: { segment: Segment; source: string } | undefined;
  for (const s of sorted) {
    if (previous && near(previous.segment.from, s.segment.from) && near(previous.segment.to, s.segment.to)) {
      throw new InputError(`segment ${s.segment.text} appears twice (${previous.source} and ${s.source}): give each instance of the run once`);
    }
    if (s.segment.from < at - EPSILON) {
      throw new InputError(`segments ${previous?.segment.text ?? '?'} (${previous?.source ?? '?'}) and ${s.segment.text} (${s.source}) overlap: they are not instances of one split run`);
    }
    if (s.segment.from > at + EPSILON) missing.push(`${formatBound(at)}:${formatBound(s.segment.from)}`);
    at = Math.max(at, s.segment.to);
    previous = s;
  }
  if (at < 1 - EPSILON) missing.push(`${formatBound(at)}:1`);
  return { missing, complete: missing.length === 0 };
}
