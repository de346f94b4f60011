// Execution segments: how k6 splits one test over several instances
// (`--execution-segment A:B`, `--execution-segment-sequence 0,1/4,...,1`;
// shared/k6-reference "Execution segments").
//
// A segment is a half-open share (from, to] of the whole test. Every instance
// knows only its own segment and the sequence, yet all of them agree on who
// runs which VU and which iteration: the sequence is turned into a repeating
// pattern of `lcd` positions (lcd = least common denominator of the segment
// lengths), each position owned by one segment, spread out so that a segment
// of length n/lcd owns n positions as evenly spaced as possible ("striping").
// Global VU numbers and iteration numbers are then the positions a segment
// owns, counted from 1 (VUs) or 0 (iterations). This is the allocation of k6's
// lib/execution_segment.go (the sequence wrapper and its striped offsets),
// written here from its description; the tests pin it to the recorded facts.
import { invalidConfig } from './errors.ts';

/** An exact rational number (bigint numerator and positive denominator, reduced). */
export class Rat {
  readonly num: bigint;
  readonly den: bigint;

  constructor(num: bigint, den: bigint = 1n) {
    if (den === 0n) throw new Error('division by zero');
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    const g = gcd(num < 0n ? -num : num, den);
    this.num = g === 0n ? 0n : num / g;
    this.den = g === 0n ? 1n : den / g;
  }

  sub(o: Rat): Rat {
    return new Rat(this.num * o.den - o.num * this.den, this.den * o.den);
  }

  cmp(o: Rat): number {
    const d = this.num * o.den - o.num * this.den;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  }

  /** "n" or "n/d", like Go's big.Rat RatString (k6 prints segments this way). */
  toString(): string {
    return this.den === 1n ? String(this.num) : `${this.num}/${this.den}`;
  }

  /** Two decimals, for error messages (k6 uses FloatString(2)). */
  toFixed2(): string {
    return (Number(this.num) / Number(this.den)).toFixed(2);
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

const ZERO = new Rat(0n);
const ONE = new Rat(1n);

/** A number as k6 accepts it in segments: `25%` (whole percent), `1/4`, `0.25`, `2.5e-1`. */
export function parseRat(text: string): Rat {
  const s = text.trim();
  if (s.endsWith('%')) {
    const p = s.slice(0, -1);
    if (!/^[+-]?\d+$/.test(p)) throw new Error(`'${text}' is not a valid percentage`);
    return new Rat(BigInt(p), 100n);
  }
  const frac = /^([+-]?\d+)\/(\d+)$/.exec(s);
  if (frac !== null) {
    if (BigInt(frac[2]!) === 0n) throw new Error(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
    return new Rat(BigInt(frac[1]!), BigInt(frac[2]!));
  }
  const dec = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s);
  if (dec !== null && (dec[2]! + (dec[3] ?? '')).length > 0) {
    const digits = BigInt(`${dec[1]}${dec[2]!}${dec[3] ?? ''}` || '0');
    let exp = -(dec[3] ?? '').length + (dec[4] === undefined ? 0 : Number(dec[4]));
    if (Math.abs(exp) > 1000) throw new Error(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
    let den = 1n;
    let num = digits;
    for (; exp < 0; exp++) den *= 10n;
    for (; exp > 0; exp--) num *= 10n;
    return new Rat(num, den);
  }
  throw new Error(`'${text}' is not a valid percentage, decimal, fraction or interval value`);
}

export class Segment {
  constructor(
    readonly from: Rat,
    readonly to: Rat,
  ) {}

  get length(): Rat {
    return this.to.sub(this.from);
  }

  equals(o: Segment): boolean {
    return this.from.cmp(o.from) === 0 && this.to.cmp(o.to) === 0;
  }

  /** "from:to" in lowest terms, as k6 prints it (exec.test.options.executionSegment). */
  toString(): string {
    return `${this.from}:${this.to}`;
  }
}

function checkedSegment(from: Rat, to: Rat): Segment {
  if (from.cmp(ZERO) < 0) throw new Error(`segment start value must be at least 0 but was ${from.toFixed2()}`);
  if (from.cmp(to) >= 0) throw new Error(`segment start(${from.toFixed2()}) must be less than its end(${to.toFixed2()})`);
  if (to.cmp(ONE) > 0) throw new Error(`segment end value can't be more than 1 but was ${to.toFixed2()}`);
  return new Segment(from, to);
}

/** `A:B` is (A, B]; a single value `B` is (0, B]; empty is the whole test. */
export function parseSegment(text: string): Segment {
  const s = text.trim() === '' ? '1' : text.trim();
  const colon = s.indexOf(':');
  if (colon < 0) return checkedSegment(ZERO, parseRat(s));
  return checkedSegment(parseRat(s.slice(0, colon)), parseRat(s.slice(colon + 1)));
}

/** `r0,r1,...,rn` is the chain (r0, r1], (r1, r2], ...; empty means no sequence. */
export function parseSequence(text: string): Segment[] {
  if (text.trim() === '') return [];
  const points = text.split(',');
  if (points.length < 2) throw new Error(`at least 2 points are needed for an execution segment sequence, ${points.length} given`);
  const rats = points.map(parseRat);
  const out: Segment[] = [];
  for (let i = 1; i < rats.length; i++) out.push(checkedSegment(rats[i - 1]!, rats[i]!));
  return out;
}

export function sequenceToString(seq: Segment[]): string {
  return seq.length === 0 ? '' : [String(seq[0]!.from), ...seq.map((s) => String(s.to))].join(',');
}

/** Completes a sequence to cover (0, 1]: the missing head and tail become segments of their own. */
function filled(seq: Segment[], segment: Segment | null): Segment[] {
  let out: Segment[];
  if (seq.length === 0) {
    if (segment === null || segment.length.cmp(ONE) === 0) return [new Segment(ZERO, ONE)];
    out = [segment];
  } else out = [...seq];
  if (out[0]!.from.cmp(ZERO) !== 0) out.unshift(new Segment(ZERO, out[0]!.from));
  if (out[out.length - 1]!.to.cmp(ONE) !== 0) out.push(new Segment(out[out.length - 1]!.to, ONE));
  return out;
}

/** The positions one segment owns in each cycle of `lcd`: the first, then the gaps to the next (the last gap wraps around). */
interface Stripe {
  start: number;
  gaps: number[];
}

/** A full sequence with its striping computed once. */
export class StripedSequence {
  readonly lcd: number;
  readonly stripes: Stripe[];

  constructor(readonly segments: Segment[]) {
    let lcd = 1n;
    for (const s of segments) lcd = (lcd * s.length.den) / gcd(lcd, s.length.den);
    if (lcd > 1_000_000n) throw new Error(`the execution segment sequence ${sequenceToString(segments)} is too fine-grained (its common denominator is ${lcd})`);
    this.lcd = Number(lcd);
    // Each segment's share in positions per cycle: length × lcd.
    const share = segments.map((s) => Number((s.length.num * lcd) / s.length.den));
    // Larger segments choose first (stable for equal sizes): they need the most positions and are hardest to spread.
    const order = share.map((_, i) => i).sort((a, b) => share[b]! - share[a]!);
    const owned: number[][] = segments.map(() => []);
    for (let pos = 0; pos < this.lcd; pos++) {
      for (const i of order) {
        // Segment i's k-th position is due at k × lcd / share; give it this one once that point is reached.
        if (pos * share[i]! >= owned[i]!.length * this.lcd) {
          owned[i]!.push(pos);
          break;
        }
      }
    }
    this.stripes = owned.map((ps) => {
      const gaps: number[] = [];
      for (let k = 1; k < ps.length; k++) gaps.push(ps[k]! - ps[k - 1]!);
      gaps.push(ps[0]! + this.lcd - ps[ps.length - 1]!);
      return { start: ps[0]!, gaps };
    });
  }

  /** How many of the first `value` positions (0..value-1) segment `index` owns. */
  scale(index: number, value: number): number {
    if (this.segments.length === 1) return value;
    const { start, gaps } = this.stripes[index]!;
    let n = Math.floor(value / this.lcd) * gaps.length;
    const rest = value % this.lcd;
    for (let k = 0, pos = start; pos < rest; pos += gaps[k++]!) n++;
    return n;
  }
}

/** One instance's place in a split test: the full sequence and which segment of it this instance runs. */
export class ExecutionTuple {
  constructor(
    readonly sequence: StripedSequence,
    readonly index: number,
  ) {}

  /** This instance's share of `value` things (VUs, shared iterations); the shares of all segments add up to `value`. */
  scale(value: number): number {
    return this.sequence.scale(this.index, value);
  }

  /**
   * The tuple re-cut by how `value` things were shared out: segments that got
   * none disappear and the others get the exact share they received. k6 uses
   * it for shared-iterations, whose iterations follow its VUs. Null when this
   * segment got none.
   */
  rescaled(value: number): ExecutionTuple | null {
    if (value < 1) return null;
    if (value % this.sequence.lcd === 0) return this;
    const segs: Segment[] = [];
    let index = -1;
    let before = 0;
    this.sequence.segments.forEach((_, i) => {
      const n = this.sequence.scale(i, value);
      if (n === 0) return;
      if (i === this.index) index = segs.length;
      segs.push(new Segment(new Rat(BigInt(before), BigInt(value)), new Rat(BigInt(before + n), BigInt(value))));
      before += n;
    });
    return index < 0 ? null : new ExecutionTuple(new StripedSequence(segs), index);
  }

  /** A counter over the positions this segment owns: next() gives [local, global], both from 1. */
  index1(): StripedCounter {
    return new StripedCounter(this.sequence.stripes[this.index]!);
  }
}

export class StripedCounter {
  private local = 0;
  private global = 0;

  constructor(private readonly stripe: Stripe) {}

  next(): [number, number] {
    const { start, gaps } = this.stripe;
    this.global += this.local === 0 ? start + 1 : gaps[(this.local - 1) % gaps.length]!;
    this.local++;
    return [this.local, this.global];
  }
}

export interface SegmentConfig {
  segment: Segment | null;
  sequence: Segment[];
  tuple: ExecutionTuple;
}

/**
 * Builds this instance's tuple from the option strings (either may be empty).
 * A sequence without a segment, or a segment the sequence does not contain, is an error.
 */
export function segmentConfig(segmentText: string | null, sequenceText: string | null): SegmentConfig {
  const segment = segmentText === null ? null : parseSegment(segmentText);
  const sequence = sequenceText === null ? [] : parseSequence(sequenceText);
  const full = filled(sequence, segment);
  const wanted = segment ?? new Segment(ZERO, ONE);
  const index = full.findIndex((s) => s.equals(wanted));
  if (index < 0) throw new Error(`couldn't find segment ${wanted} in sequence ${sequenceToString(full)}`);
  return { segment, sequence, tuple: new ExecutionTuple(new StripedSequence(full), index) };
}

/** Where each setting came from, for error messages. */
const SOURCE_NAMES = { flag: ['--execution-segment', '--execution-segment-sequence'], env: ['K6_EXECUTION_SEGMENT', 'K6_EXECUTION_SEGMENT_SEQUENCE'], script: ['options.executionSegment', 'options.executionSegmentSequence'] } as const;

export interface ResolvedSegments extends SegmentConfig {
  /** In lowest terms, as exec.test.options shows them; null when not set. */
  segmentText: string | null;
  sequenceText: string | null;
}

/**
 * This instance's segment from k6's sources, highest first: the flags, the
 * K6_EXECUTION_SEGMENT(_SEQUENCE) environment variables, the script's
 * options. Errors end the run as an invalid config (exit 104) naming the source.
 */
export function resolveSegments(
  flags: { segment?: string | undefined; sequence?: string | undefined },
  env: Readonly<Record<string, string | undefined>>,
  script: Record<string, unknown>,
): ResolvedSegments {
  const pick = (i: 0 | 1, flag: string | undefined, envName: string, scriptValue: unknown): { text: string | null; from: string } => {
    if (flag !== undefined) return { text: flag, from: SOURCE_NAMES.flag[i] };
    const e = env[envName];
    if (e !== undefined && e !== '') return { text: e, from: SOURCE_NAMES.env[i] };
    if (scriptValue !== undefined && scriptValue !== null) {
      if (typeof scriptValue !== 'string') throw invalidConfig(`invalid ${SOURCE_NAMES.script[i]}: expected a string like ${i === 0 ? "'0:1/2'" : "'0,1/2,1'"}, got ${JSON.stringify(scriptValue)}`);
      return { text: scriptValue, from: SOURCE_NAMES.script[i] };
    }
    return { text: null, from: '' };
  };
  const seg = pick(0, flags.segment, 'K6_EXECUTION_SEGMENT', script.executionSegment);
  const seq = pick(1, flags.sequence, 'K6_EXECUTION_SEGMENT_SEQUENCE', script.executionSegmentSequence);
  let segment: Segment | null;
  let sequence: Segment[];
  try {
    segment = seg.text === null || seg.text.trim() === '' ? null : parseSegment(seg.text);
  } catch (e) {
    throw invalidConfig(`invalid ${seg.from} '${seg.text}': ${(e as Error).message}; expected FROM:TO with 0 <= FROM < TO <= 1, e.g. 0:1/2 or 50%:100%`);
  }
  try {
    sequence = seq.text === null ? [] : parseSequence(seq.text);
  } catch (e) {
    throw invalidConfig(`invalid ${seq.from} '${seq.text}': ${(e as Error).message}; expected increasing points from 0 to 1, e.g. 0,1/4,1/2,3/4,1`);
  }
  let config: SegmentConfig;
  try {
    config = segmentConfig(segment === null ? null : String(segment), sequence.length === 0 ? null : sequenceToString(sequence));
  } catch (e) {
    const which = segment === null ? `no ${SOURCE_NAMES.flag[0]} is given` : `${seg.from} ${segment} is not one of its segments`;
    throw invalidConfig(`invalid execution segments: ${(e as Error).message} (${which}); give each instance one segment of the sequence, e.g. --execution-segment 0:1/2 --execution-segment-sequence 0,1/2,1`);
  }
  return {
    ...config,
    segmentText: segment === null ? null : String(segment),
    sequenceText: sequence.length === 0 ? null : sequenceToString(sequence),
  };
}
