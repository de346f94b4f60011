// Reads k6 `--out json` sample files (shared/k6-reference/README.md, "--out json"):
// one JSON object per line, a `Metric` line the first time a metric is seen, then
// one `Point` line per sample. A 10,000-user run writes hundreds of thousands of
// lines, most of them k6's built-in HTTP and WebSocket metrics the report never
// draws, so the reader streams line by line, keeps only the metrics it is asked
// for and skips the others without decoding them.
//
// Failure policy: a line that is not a well-formed sample is counted as
// malformed and skipped, never fatal (a run killed mid-write leaves a torn last
// line; a truncated .gz ends early). Only an unreadable file is an error.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';

/** One sample: epoch milliseconds, value, and the metadata/tags the caller kept. */
import { InputError, describeFsError } from './errors.ts';

export { InputError, describeFsError };

export interface SamplePoint {
  t: number;
  v: number;
  /** Present only when the line had metadata (k6 omits an empty one). */
  meta?: Record<string, string>;
  /** Present only when the caller asked for this metric's tags. */
  tags?: Record<string, string>;
}

export interface ReadOptions {
  /** The metrics to keep; every other metric's lines are skipped unparsed. */
  metrics: Iterable<string>;
  /** Metrics whose tags are kept too (tags are dropped by default: they are most of a line's bytes). */
  keepTags?: Iterable<string>;
}

export interface SampleSet {
  /** Kept points per metric, in file order (files in the order given). */
  points: Map<string, SamplePoint[]>;
  /** Metric types from `Metric` lines (counter | gauge | rate | trend), for every metric seen. */
  types: Map<string, string>;
  files: string[];
  lines: number;
  /** Point lines of kept metrics. */
  kept: number;
  /** Lines of metrics nobody asked for (skipped). */
  ignored: number;
  malformed: number;
  /** Up to a few examples of malformed lines, as `file:line`. */
  malformedAt: string[];
  /** Non-fatal problems worth printing (a truncated .gz, an empty file). */
  warnings: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];
const POINT_PREFIX = '{"metric":"';
const MAX_MALFORMED_EXAMPLES = 5;

export function emptySampleSet(): SampleSet {
  return { points: new Map(), types: new Map(), files: [], lines: 0, kept: 0, ignored: 0, malformed: 0, malformedAt: [], warnings: [] };
}

/** Whether the file starts with gzip's magic bytes (the name can lie: `x.json` gzipped by hand, `x.gz` renamed). */
async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(2);
    const { bytesRead } = await fh.read(buf, 0, 2, 0);
    return bytesRead === 2 && buf[0] === GZIP_MAGIC[0] && buf[1] === GZIP_MAGIC[1];
  } finally {
    await fh.close();
  }
}

// Big reads: a 10,000-user run is ~100 MB of JSON; 16 KB chunks cost more in
// per-chunk overhead than the gunzip itself.
const CHUNK = 256 * 1024;

async function openBytes(path: string, set: SampleSet): Promise<Readable> {
  let gz: boolean;
  try {
    gz = await isGzip(path);
  } catch (err) {
    throw new InputError(`cannot read samples file '${path}': ${describeFsError(err)}`);
  }
  if (path.endsWith('.gz') && !gz) set.warnings.push(`'${path}' is named .gz but is not gzip data; read as plain text`);
  const raw = createReadStream(path, { highWaterMark: CHUNK });
  if (!gz) return raw;
  // A .gz cut short by a killed run fails at its end: readInto keeps the lines read before that.
  const gunzip = createGunzip({ chunkSize: CHUNK });
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}

const NEWLINE = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;
const POINT_PREFIX_BYTES = Buffer.from(POINT_PREFIX, 'latin1');

/**
 * Calls `line(buf, start, end)` for each line of the stream (without its
 * newline or a trailing CR). Works on bytes: most lines are skipped without
 * ever being decoded into a string.
 */
async function forEachLine(input: Readable, line: (buf: Buffer, start: number, end: number) => void): Promise<void> {
  const emit = (buf: Buffer, start: number, nl: number): void => line(buf, start, nl > start && buf[nl - 1] === CR ? nl - 1 : nl);
  // The unfinished last line of the previous chunks (only that is copied, never a whole chunk).
  let rest: Buffer[] = [];
  for await (const chunk of input) {
    const buf = chunk as Buffer;
    let start = 0;
    let nl = buf.indexOf(NEWLINE);
    if (rest.length > 0) {
      if (nl < 0) {
        rest.push(buf);
        continue;
      }
      const joined = Buffer.concat([...rest, buf.subarray(0, nl + 1)]);
      emit(joined, 0, joined.length - 1);
      rest = [];
      start = nl + 1;
      nl = buf.indexOf(NEWLINE, start);
    }
    for (; nl >= 0; nl = buf.indexOf(NEWLINE, start)) {
      emit(buf, start, nl);
      start = nl + 1;
    }
    if (start < buf.length) rest.push(buf.subarray(start));
  }
  if (rest.length > 0) {
    const last = Buffer.concat(rest);
    line(last, 0, last.length);
  }
}

function isStringRecord(x: unknown): x is Record<string, string> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Adds one file's lines to `set`. */
async function readInto(path: string, set: SampleSet, wanted: Set<string>, keepTags: Set<string>): Promise<void> {
  set.files.push(path);
  const input = await openBytes(path, set);
  let lineNo = 0;
  const bad = (): void => {
    set.malformed++;
    if (set.malformedAt.length < MAX_MALFORMED_EXAMPLES) set.malformedAt.push(`${path}:${lineNo}`);
  };
  const onLine = (buf: Buffer, start: number, end: number): void => {
    lineNo++;
    if (end === start) return;
    set.lines++;
    // Fast path: k6 writes Point lines with "metric" first. A metric nobody
    // wants is skipped undecoded; a torn line (no closing brace) is still counted.
    if (end - start > POINT_PREFIX_BYTES.length && buf.compare(POINT_PREFIX_BYTES, 0, POINT_PREFIX_BYTES.length, start, start + POINT_PREFIX_BYTES.length) === 0) {
      const nameStart = start + POINT_PREFIX_BYTES.length;
      const nameEnd = buf.indexOf(QUOTE, nameStart);
      if (nameEnd > 0 && nameEnd < end && !wanted.has(buf.toString('latin1', nameStart, nameEnd))) {
        if (buf[end - 1] === CLOSE_BRACE) set.ignored++;
        else bad();
        return;
      }
    }
    let obj: unknown;
    try {
      obj = JSON.parse(buf.toString('utf8', start, end));
    } catch {
      bad();
      return;
    }
    const rec = obj as { type?: unknown; metric?: unknown; data?: unknown };
    if (typeof rec !== 'object' || rec === null || typeof rec.metric !== 'string' || typeof rec.data !== 'object' || rec.data === null) {
      bad();
      return;
    }
    if (rec.type === 'Metric') {
      const t = (rec.data as { type?: unknown }).type;
      if (typeof t === 'string') set.types.set(rec.metric, t);
      return;
    }
    if (rec.type !== 'Point') {
      bad();
      return;
    }
    if (!wanted.has(rec.metric)) {
      set.ignored++;
      return;
    }
    const data = rec.data as { time?: unknown; value?: unknown; tags?: unknown; metadata?: unknown };
    const t = typeof data.time === 'string' ? Date.parse(data.time) : NaN;
    if (!Number.isFinite(t) || typeof data.value !== 'number' || !Number.isFinite(data.value)) {
      bad();
      return;
    }
    const point: SamplePoint = { t, v: data.value };
    if (isStringRecord(data.metadata)) point.meta = data.metadata;
    if (keepTags.has(rec.metric) && isStringRecord(data.tags)) point.tags = data.tags;
    let list = set.points.get(rec.metric);
    if (list === undefined) set.points.set(rec.metric, (list = []));
    list.push(point);
    set.kept++;
  };
  try {
    await forEachLine(input, onLine);
  } catch (err) {
    // A corrupt or truncated gzip stream: keep what was read.
    set.warnings.push(`'${path}' ended early after ${lineNo} lines (${describeFsError(err)}); the report uses what was read`);
  }
  if (lineNo === 0) set.warnings.push(`'${path}' holds no samples`);
}

/**
 * Reads k6 JSON sample files (plain or gzip, by magic bytes) into one SampleSet.
 * Throws InputError only for a file that cannot be opened.
 */
export async function readSamples(paths: string[], opts: ReadOptions): Promise<SampleSet> {
  const set = emptySampleSet();
  const wanted = new Set(opts.metrics);
  const keepTags = new Set(opts.keepTags ?? []);
  for (const path of paths) await readInto(path, set, wanted, keepTags);
  // Several instances' files interleave in time: one timeline per metric.
  if (paths.length > 1) for (const list of set.points.values()) list.sort((a, b) => a.t - b.t);
  return set;
}
