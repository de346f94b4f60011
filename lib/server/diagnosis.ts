// The diagnosis of the server's figures: which sampled process looked
// saturated (its event loop lagging, its CPU near the one core a Node.js
// process can use), named by its source. Reads the per-source sub-metrics the
// script keeps in the summary (serverThresholds).
import type { SummaryData } from '../summary/types';
import type { ServerSource } from './figures';

/** The neutral sub-metric thresholds that keep each source's figures in the summary. */
export function serverThresholds(sources: readonly ServerSource[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of sources) {
    out[`queue_server_eventloop_lag{source:${s.name}}`] = ['max>=0'];
    out[`queue_server_cpu{source:${s.name}}`] = ['max>=0'];
  }
  return out;
}

/** A source whose lag p95 is above this (ms) is called saturated (the lag rule's bound). */
export const SATURATED_LAG_MS = 300;
/** A Node.js process runs JavaScript on one core: near it, it is saturated. */
export const SATURATED_CPU_CORES = 0.9;

export interface SourceLoad { source: string; lagP95Ms?: number; lagMaxMs?: number; cpuMaxCores?: number }

/** Each source's lag and CPU, as the summary holds them. */
export function sourceLoads(data: Pick<SummaryData, 'metrics'>): SourceLoad[] {
  const by = new Map<string, SourceLoad>();
  for (const [key, m] of Object.entries(data.metrics)) {
    const k = /^queue_server_(eventloop_lag|cpu)\{source:([^}]+)\}$/.exec(key);
    if (k === null) continue;
    const src = k[2]!;
    const load = by.get(src) ?? { source: src };
    const v = m.values;
    const count = v.count;
    if (count === 0) continue;
    if (k[1] === 'eventloop_lag') {
      if (v['p(95)'] !== undefined) load.lagP95Ms = v['p(95)'];
      if (v.max !== undefined) load.lagMaxMs = v.max;
    } else if (v.max !== undefined) {
      load.cpuMaxCores = v.max;
    }
    by.set(src, load);
  }
  return [...by.values()];
}

/** One note per saturated source, naming it. */
export function serverNotes(data: Pick<SummaryData, 'metrics'>): string[] {
  const notes: string[] = [];
  for (const l of sourceLoads(data)) {
    const lagged = l.lagP95Ms !== undefined && l.lagP95Ms > SATURATED_LAG_MS;
    const busy = l.cpuMaxCores !== undefined && l.cpuMaxCores >= SATURATED_CPU_CORES;
    if (!lagged && !busy) continue;
    const what: string[] = [];
    if (l.lagP95Ms !== undefined) what.push(`its event loop lagged ${Math.round(l.lagP95Ms)} ms at p95 (max ${Math.round(l.lagMaxMs ?? l.lagP95Ms)} ms)`);
    if (l.cpuMaxCores !== undefined) what.push(`its CPU reached ${l.cpuMaxCores.toFixed(2)} cores`);
    notes.push(`the server process ${l.source} looks saturated: ${what.join(' and ')}; while it is, every request, socket event and processor batch it serves waits, so late admissions, slow connects and timeouts in this run may come from this process being overloaded rather than from the queue's logic (scale it out, or find what blocks its event loop).`);
  }
  return notes;
}
