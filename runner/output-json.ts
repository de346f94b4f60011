// `--out json=FILE[.gz]`: every sample as one JSON line, in k6's format
// (shared/k6-reference "--out json"): a `Metric` line the first time a
// metric is seen, then one `Point` line per sample, `time` in RFC 3339 with
// nanoseconds, tags sorted by key, `metadata` only when there is some.
//
// Cheap by design: lines are encoded straight into one preallocated byte
// buffer and written with one synchronous write per 256 KiB (or per second,
// whichever comes first): no string concatenation to flatten, no stream.
// A `.gz` file gets one gzip member per write: concatenated members are a
// valid gzip file (RFC 1952; gunzip, zcat, Go, Python and Node read them
// whole), deflate's 32 KiB window makes them as small as one long stream, and
// no asynchronous compressor is left holding data when the process exits.
// Pending lines are also written from process 'exit', so the file is complete
// however the run ends short of SIGKILL.
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Metadata, Metric, Tags } from './metrics.ts';

const FLUSH_BYTES = 256 * 1024;
/** Room for one more line past FLUSH_BYTES; a longer line is written on its own. */
const BUFFER_BYTES = 1024 * 1024;
const FLUSH_EVERY_MS = 1000;

/** Wall-clock time in nanoseconds as [whole seconds since the epoch, nanoseconds]; monotonic within a run. */
export class NanoClock {
  private readonly baseSec: number;
  private readonly baseNs: number;
  private readonly hr0: bigint;

  constructor() {
    const ms = Date.now();
    this.hr0 = process.hrtime.bigint();
    this.baseSec = Math.floor(ms / 1000);
    this.baseNs = (ms % 1000) * 1e6;
  }

  now(): [number, number] {
    // The delta stays far below 2^53 ns (104 days), so plain numbers are exact.
    const ns = this.baseNs + Number(process.hrtime.bigint() - this.hr0);
    return [this.baseSec + Math.floor(ns / 1e9), ns % 1e9];
  }
}

/** RFC 3339 in UTC with up to nine fraction digits, trailing zeros dropped (Go's RFC3339Nano, as k6 writes). */
export function formatTime(sec: number, ns: number, cache?: { sec: number; text: string }): string {
  let head: string;
  if (cache !== undefined && cache.sec === sec) head = cache.text;
  else {
    head = new Date(sec * 1000).toISOString().slice(0, 19);
    if (cache !== undefined) {
      cache.sec = sec;
      cache.text = head;
    }
  }
  if (ns === 0) return `${head}Z`;
  return `${head}.${String(ns).padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** Strings that need no escaping in JSON (the usual tag names and values): quoted as they are. */
const PLAIN = /^[^"\\\u0000-\u001f\u007f-\uffff]*$/;
const quote = (s: string): string => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

/** A JSON object with keys in sorted order (k6 writes tag and metadata maps sorted). */
export function sortedObject(o: Record<string, string>): string {
  const keys = Object.keys(o);
  // Insertion sort: a handful of keys, mostly in order already.
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i]!;
    let j = i - 1;
    while (j >= 0 && keys[j]! > k) {
      keys[j + 1] = keys[j]!;
      j--;
    }
    keys[j + 1] = k;
  }
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    if (i > 0) out += ',';
    out += `${quote(keys[i]!)}:${quote(String(o[keys[i]!]))}`;
  }
  return `${out}}`;
}

function hasKeys(o: Metadata | undefined): o is Metadata {
  if (o === undefined) return false;
  for (const _ in o) return true;
  return false;
}

/** What the Metric line says about a metric: its thresholds and sub-metrics, as defined when it was first seen. */
export interface MetricDescription {
  thresholds: unknown[];
  submetrics: { name: string; suffix: string; tags: Record<string, string> }[] | null;
}

export interface JsonOutputOptions {
  /** '' or '-' = stdout, else a file; a name ending in .gz is gzipped. */
  target: string;
  cwd?: string;
  describe?: (metric: Metric) => MetricDescription;
}

export class JsonOutput {
  private fd: number;
  private readonly ownsFd: boolean;
  private readonly gzip: boolean;
  private readonly seen = new Set<Metric>();
  private readonly clock = new NanoClock();
  private readonly timeCache = { sec: -1, text: '' };
  private readonly buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;
  private timer: NodeJS.Timeout | null;
  private closed = false;
  private readonly onExit = (): void => this.closeSync();
  private readonly describe: (metric: Metric) => MetricDescription;
  readonly description: string;

  /** Opens the file at once (throws when it cannot), like k6 before the test starts. */
  constructor(o: JsonOutputOptions) {
    this.describe = o.describe ?? (() => ({ thresholds: [], submetrics: null }));
    if (o.target === '' || o.target === '-') {
      this.fd = 1;
      this.ownsFd = false;
      this.gzip = false;
      this.description = 'json (stdout)';
    } else {
      const path = resolve(o.cwd ?? process.cwd(), o.target);
      try {
        this.fd = openSync(path, 'w');
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new Error(`could not create the 'json' output: open ${o.target}: ${err.code === 'ENOENT' ? 'no such file or directory' : (err.code ?? err.message)}`);
      }
      this.ownsFd = true;
      this.gzip = o.target.endsWith('.gz');
      this.description = `json (${o.target})`;
    }
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
    process.on('exit', this.onExit);
  }

  /**
   * One sample; the first sample of a metric is preceded by its Metric line.
   * `at` is the sample's time from a shared NanoClock (several outputs write
   * the same time); now by default.
   */
  sample(metric: Metric, value: number, tags: Tags, metadata: Metadata | undefined, at?: [number, number]): void {
    if (this.closed) return;
    const name = JSON.stringify(metric.name);
    if (!this.seen.has(metric)) {
      this.seen.add(metric);
      const d = this.describe(metric);
      this.append(`{"type":"Metric","data":{"name":${name},"type":"${metric.type}","contains":"${metric.contains}","thresholds":${JSON.stringify(d.thresholds)},"submetrics":${JSON.stringify(d.submetrics)}},"metric":${name}}\n`);
    }
    const [sec, ns] = at ?? this.clock.now();
    // JSON has no NaN or Infinity; k6 never emits them, a script might.
    const v = Number.isFinite(value) ? String(value) : '0';
    this.append(`{"metric":${name},"type":"Point","data":{"time":"${formatTime(sec, ns, this.timeCache)}","value":${v},"tags":${sortedObject(tags)}${hasKeys(metadata) ? `,"metadata":${sortedObject(metadata)}` : ''}}}\n`);
  }

  private append(line: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    if (this.used + line.length * 3 > BUFFER_BYTES) {
      this.flush();
      if (line.length * 3 > BUFFER_BYTES) {
        this.writeOut(Buffer.from(line));
        return;
      }
    }
    this.used += this.buffer.write(line, this.used);
    if (this.used >= FLUSH_BYTES) this.flush();
  }

  /** Writes what is buffered (synchronously: see the top of the file). */
  flush(): void {
    if (this.used === 0) return;
    const bytes = this.buffer.subarray(0, this.used);
    this.used = 0;
    this.writeOut(bytes);
  }

  private writeOut(bytes: Buffer): void {
    if (!this.ownsFd) {
      // stdout: through the stream (a copy: the buffer is reused), so the lines stay in order with everything else printed there.
      process.stdout.write(Buffer.from(bytes));
      return;
    }
    const out = this.gzip ? gzipSync(bytes) : bytes;
    let off = 0;
    while (off < out.length) off += writeSync(this.fd, out, off, out.length - off);
  }

  private closeSync(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    process.off('exit', this.onExit);
    if (this.ownsFd) closeSync(this.fd);
    this.fd = -1;
  }

  /** Flushes and closes; later samples are dropped. */
  close(): Promise<void> {
    this.closeSync();
    return Promise.resolve();
  }
}
