// k6 durations: Go-style strings ('1m30s', '500ms', '2h') or numbers in milliseconds.
import { invalidConfig } from './errors.ts';

const unitMs: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: unknown, what: string): number {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (s === '0') return 0;
    const part = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/gy;
    let total = 0;
    let pos = 0;
    let m: RegExpExecArray | null;
    while ((m = part.exec(s)) !== null) {
      total += Number(m[1]) * unitMs[m[2]!]!;
      pos = part.lastIndex;
    }
    if (pos === s.length && pos > 0) return total;
  }
  throw invalidConfig(`invalid duration for ${what}: ${JSON.stringify(value)}; expected a string like '30s', '1m30s', '500ms' or a number of milliseconds`);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const total = Math.floor(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = (ms / 1000) % 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 || h > 0 ? `${String(m).padStart(2, '0')}m` : ''}${s.toFixed(1).padStart(4, '0')}s`;
}

/** Go's time.Duration.String(), as k6 prints durations in its messages: 300ms, 1.5s, 1m30s, 0s. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const trim = (n: number): string => String(Number(n.toFixed(9)));
  if (abs < 1e-3) return `${sign}${trim(abs * 1e6)}ns`;
  if (abs < 1) return `${sign}${trim(abs * 1e3)}µs`;
  if (abs < 1000) return `${sign}${trim(abs)}ms`;
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = trim((abs % 60_000) / 1000);
  if (h > 0) return `${sign}${h}h${m}m${s}s`;
  if (m > 0) return `${sign}${m}m${s}s`;
  return `${sign}${s}s`;
}
