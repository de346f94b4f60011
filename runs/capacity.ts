// queue_k6.capacity as a results file carries it (lib/capacity/types.ts), read
// for the report and compare. The file is trusted no further than JSON.parse:
// an answer without a known outcome or its one-line answer is no answer (null),
// and a malformed part (a break, the series) is dropped rather than drawn wrong.
import { BREAK_CAUSES, type BreakCause, type CapacityBreak, type CapacityResult, type CapacityWindowFigures } from '../lib/capacity/types.ts';

const OUTCOMES = new Set<CapacityResult['outcome']>(['broke', 'held', 'generator', 'unknown']);

function asRecord(x: unknown): Record<string, unknown> | undefined {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function windowFigures(x: unknown): CapacityWindowFigures | null {
  const w = asRecord(x);
  if (w === undefined) return null;
  const fromS = num(w.fromS);
  const toS = num(w.toS);
  const users = num(w.users);
  const rate = num(w.rate);
  if (fromS === null || toS === null || users === null || rate === null) return null;
  return { fromS, toS, users, sockets: num(w.sockets), rate };
}

function capacityBreak(x: unknown): CapacityBreak | null {
  const b = asRecord(x);
  if (b === undefined) return null;
  const atS = num(b.atS);
  const value = num(b.value);
  const bound = num(b.bound);
  if (atS === null || value === null || bound === null || typeof b.figure !== 'string') return null;
  if (!BREAK_CAUSES.includes(b.cause as BreakCause)) return null;
  const out: CapacityBreak = { atS, cause: b.cause as BreakCause, figure: b.figure, value, bound };
  if (typeof b.instance === 'string') out.instance = b.instance;
  return out;
}

function numbers(x: unknown, length: number): number[] | null {
  if (!Array.isArray(x) || x.length !== length) return null;
  const out = x.map(num);
  return out.every((v): v is number => v !== null) ? out : null;
}

function maybeNumbers(x: unknown, length: number): Array<number | null> | null {
  if (x === undefined || x === null) return new Array<number | null>(length).fill(null);
  if (!Array.isArray(x) || x.length !== length) return null;
  return x.map(num);
}

/** The series, or null when any of its required arrays is missing or of another length than t. */
function series(x: unknown): CapacityResult['series'] {
  const s = asRecord(x);
  if (s === undefined || !Array.isArray(s.t)) return null;
  const len = s.t.length;
  const t = numbers(s.t, len);
  const users = numbers(s.users, len);
  const rate = numbers(s.rate, len);
  const scheduledRate = numbers(s.scheduledRate, len);
  const sockets = maybeNumbers(s.sockets, len);
  const connectP95Ms = maybeNumbers(s.connectP95Ms, len);
  const notifyDelayP95Ms = maybeNumbers(s.notifyDelayP95Ms, len);
  if (t === null || users === null || rate === null || scheduledRate === null || sockets === null || connectP95Ms === null || notifyDelayP95Ms === null) return null;
  return { t, users, sockets, rate, scheduledRate, connectP95Ms, notifyDelayP95Ms };
}

/** queue_k6.capacity, or null when the run has none (any scenario but capacity) or it is not an answer. */
export function parseCapacity(x: unknown): CapacityResult | null {
  const c = asRecord(x);
  if (c === undefined || typeof c.line !== 'string' || !OUTCOMES.has(c.outcome as CapacityResult['outcome'])) return null;
  const breaks = Array.isArray(c.breaks) ? c.breaks.map(capacityBreak).filter((b): b is CapacityBreak => b !== null) : [];
  const g = asRecord(c.generator);
  const gAt = num(g?.atS);
  const gRate = num(g?.rate);
  const gLag = num(g?.lagP95Ms);
  const gBound = num(g?.boundMs);
  const r = asRecord(c.requirement);
  return {
    source: c.source === 'samples' ? 'samples' : 'in-run',
    outcome: c.outcome as CapacityResult['outcome'],
    line: c.line,
    windowS: num(c.windowS) ?? 0,
    held: windowFigures(c.held),
    firstBreak: capacityBreak(c.firstBreak) ?? breaks[0] ?? null,
    breaks,
    generator: gAt === null || gRate === null || gLag === null || gBound === null ? null : { atS: gAt, rate: gRate, lagP95Ms: gLag, boundMs: gBound },
    requirement: r === undefined || typeof r.met !== 'boolean' ? null : { users: num(r.users), rate: num(r.rate), met: r.met },
    series: series(c.series),
  };
}
