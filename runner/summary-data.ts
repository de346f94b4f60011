// handleSummary's `data` (the shape recorded from a real k6 in
// shared/k6-reference/summary-data.json), the default text summary, and the
// writing of handleSummary's return value.
import { closeSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { invalidConfig } from './errors.ts';
import { summaryValues, type Contains, type MetricType, type Sink } from './metrics.ts';
import type { GroupNode, Runtime } from './runtime.ts';

export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

export interface SummaryMetric {
  type: MetricType;
  contains: Contains;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

export interface SummaryData {
  root_group: GroupNode;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  /** What setup() returned (k6's js/summary.go); absent or undefined when it returned nothing. */
  setup_data?: unknown;
}

/**
 * options.summaryTrendStats, validated as k6 does: avg, min, med, max,
 * count (k6 accepts it: the number of samples) or p(N) with 0 <= N <= 100.
 */
export function trendStatsOf(options: Record<string, unknown>): string[] {
  const s = options.summaryTrendStats;
  if (!Array.isArray(s) || s.length === 0) return DEFAULT_TREND_STATS;
  const stats = s.map(String);
  for (const stat of stats) {
    if (['avg', 'min', 'med', 'max', 'count'].includes(stat)) continue;
    if (!stat.startsWith('p(') || !stat.endsWith(')')) throw invalidConfig(`invalid trend stat '${stat}', unknown format; use avg, min, med, max, count or p(N)`);
    const p = stat.slice(2, -1);
    if (!/^\d+(\.\d+)?$/.test(p) || Number(p) > 100) throw invalidConfig(`invalid percentile trend stat value '${stat}', provide a number between 0 and 100`);
  }
  return stats;
}

export function buildSummaryData(rt: Runtime, durationMs: number, flags: { noColor: boolean }): SummaryData {
  const trendStats = trendStatsOf(rt.options);
  const durationSec = durationMs / 1000;
  const metrics: Record<string, SummaryMetric> = {};
  const thresholdsOf = (key: string): Record<string, { ok: boolean }> | undefined => {
    const ts = rt.thresholds.filter((t) => t.metricKey === key);
    if (ts.length === 0) return undefined;
    const out: Record<string, { ok: boolean }> = {};
    for (const t of ts) out[t.expr] = { ok: t.ok };
    return out;
  };
  const entry = (type: MetricType, contains: Contains, sink: Sink, thresholds: Record<string, { ok: boolean }> | undefined): SummaryMetric => ({
    type,
    contains,
    values: summaryValues(sink, durationSec, trendStats),
    ...(thresholds !== undefined ? { thresholds } : {}),
  });
  for (const m of rt.registry.metrics.values()) {
    const th = thresholdsOf(m.name);
    if (m.sink.samples > 0 || th !== undefined) metrics[m.name] = entry(m.type, m.contains, m.sink, th);
    for (const sub of m.submetrics) {
      const sth = thresholdsOf(sub.key);
      if (sth !== undefined || sub.sink.samples > 0) metrics[sub.key] = entry(m.type, m.contains, sub.sink, sth);
    }
  }
  return {
    root_group: JSON.parse(JSON.stringify(rt.groups.root)) as GroupNode,
    options: {
      summaryTrendStats: trendStats,
      summaryTimeUnit: typeof rt.options.summaryTimeUnit === 'string' ? rt.options.summaryTimeUnit : '',
      noColor: flags.noColor,
    },
    state: { isStdOutTTY: process.stdout.isTTY === true, isStdErrTTY: process.stderr.isTTY === true, testRunDurationMs: durationMs },
    metrics,
    // k6 (js/summary.go) adds what setup() returned, or undefined when it returned nothing.
    setup_data: rt.setupData === undefined ? undefined : (JSON.parse(rt.setupData) as unknown),
  };
}

function fmtNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(Math.abs(n) >= 1 ? 2 : 4).replace(/\.?0+$/, '');
}

function fmtTime(ms: number): string {
  if (ms >= 60_000) return `${(ms / 60_000).toFixed(2)}m`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)}s`;
  if (ms >= 1) return `${ms.toFixed(2)}ms`;
  return `${(ms * 1000).toFixed(2)}µs`;
}

function fmtBytes(b: number): string {
  if (b >= 1e9) return `${(b / 1e9).toFixed(1)} GB`;
  if (b >= 1e6) return `${(b / 1e6).toFixed(1)} MB`;
  if (b >= 1e3) return `${(b / 1e3).toFixed(1)} kB`;
  return `${b} B`;
}

/** A compact text summary, printed when the script has no handleSummary. */
export function textSummary(data: SummaryData): string {
  const lines: string[] = [];
  const checks = (g: GroupNode, indent: string): void => {
    for (const c of g.checks) lines.push(`${indent}${c.fails === 0 ? '✓' : '✗'} ${c.name}${c.fails === 0 ? '' : `  ↳ ${Math.round((100 * c.passes) / (c.passes + c.fails))}% — ✓ ${c.passes} / ✗ ${c.fails}`}`);
    for (const sub of g.groups) {
      lines.push(`${indent}█ ${sub.name}`);
      checks(sub, `${indent}  `);
    }
  };
  checks(data.root_group, '     ');
  if (lines.length > 0) lines.push('');
  const names = Object.keys(data.metrics).sort();
  const width = Math.max(20, ...names.map((n) => n.length + 2));
  for (const name of names) {
    const m = data.metrics[name]!;
    const v = m.values;
    let text: string;
    const unit = (x: number): string => (m.contains === 'time' ? fmtTime(x) : m.contains === 'data' ? fmtBytes(x) : fmtNumber(x));
    if (m.type === 'counter') text = `${unit(v.count!)}  ${m.contains === 'data' ? `${fmtBytes(v.rate!)}/s` : `${fmtNumber(v.rate!)}/s`}`;
    else if (m.type === 'gauge') text = `${unit(v.value!)}  min=${unit(v.min!)} max=${unit(v.max!)}`;
    else if (m.type === 'rate') text = `${(100 * v.rate!).toFixed(2)}% ✓ ${v.passes} ✗ ${v.fails}`;
    else text = Object.entries(v).map(([k, x]) => `${k}=${k === 'count' ? String(x) : unit(x)}`).join(' '); // k6 prints count=N, unitless
    const th = m.thresholds === undefined ? ' ' : Object.values(m.thresholds).every((t) => t.ok) ? '✓' : '✗';
    lines.push(`   ${th} ${`${name}`.padEnd(width, '.')}: ${text}`);
    if (m.thresholds !== undefined) for (const [expr, t] of Object.entries(m.thresholds)) lines.push(`       ${t.ok ? '✓' : '✗'} ${expr}`);
  }
  return `\n${lines.join('\n')}\n\n`;
}

function toBytes(v: unknown): string | Uint8Array {
  if (typeof v === 'string') return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Go's text for the errno of a failed open or write (what k6's error names). */
const GO_ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

function goErrno(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return (err.code !== undefined ? GO_ERRNO_TEXT[err.code] : undefined) ?? err.message;
}

/** handleSummary's outputs could not all be written; the message is k6's. */
export class SummaryWriteError extends Error {
  override name = 'SummaryWriteError';
}

/**
 * Writes handleSummary's result: stdout, stderr, or a file per other key.
 * Like k6, it creates no folder: a key in a missing folder fails (shared/
 * k6-reference/README.md, "Exit codes"), the other keys are still written, and
 * the failures come back as one SummaryWriteError with k6's wording.
 */
export async function writeOutputs(result: unknown, cwd = process.cwd()): Promise<void> {
  if (result === undefined || result === null) return;
  if (typeof result !== 'object') throw new Error(`handleSummary() must return an object of output → content, got ${typeof result}`);
  const errors: string[] = [];
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    const content = toBytes(value);
    if (key === 'stdout') await writeStream(process.stdout, content);
    else if (key === 'stderr') await writeStream(process.stderr, content);
    else {
      let fd: number;
      try {
        fd = openSync(resolve(cwd, key), 'w', 0o666);
      } catch (e) {
        errors.push(`could not open '${key}': open ${key}: ${goErrno(e)}`);
        continue;
      }
      const bytes = typeof content === 'string' ? Buffer.from(content) : content;
      let written = 0;
      try {
        while (written < bytes.length) written += writeSync(fd, bytes, written);
      } catch (e) {
        errors.push(`error saving summary to '${key}' after ${written} bytes: write ${key}: ${goErrno(e)}`);
      } finally {
        closeSync(fd);
      }
    }
  }
  if (errors.length > 0) throw new SummaryWriteError(['Could not save some summary information:', ...errors.map((e) => `\t- ${e}`)].join('\n'));
}

export function writeStream(stream: NodeJS.WriteStream, content: string | Uint8Array): Promise<void> {
  return new Promise((r) => {
    stream.write(content, () => r());
  });
}
