// The server figures of a run, as pure functions (no k6 import: unit-tested in
// Node). A source is a Prometheus text endpoint (SERVER_METRICS_URLS); the
// Redis figures come from INFO. What a source does not export is "not
// measured" for it, with the reason, never 0.
import { ConfigError, type Env } from '../env';
import { loadPromConfig, type PromSourceConfig } from './promql';
import { describeNotExposition, ExpositionError, parseExposition, sumOf, valueOf, type Exposition } from './exposition';

export interface ServerSource {
  /** The k6 tag `source`: given as name=url, else host_port of the URL. */
  name: string;
  url: string;
}

export interface ServerConfig {
  sources: ServerSource[];
  /** SERVER_SAMPLE_MS: the time between two scrapes of every source. */
  sampleMs: number;
  /** LIVE_EVERY_MS: the live line's period; 0 turns it off. */
  liveEveryMs: number;
  /** PROMETHEUS_URL and PROMETHEUS_SELECTOR: the figures per pod from a Prometheus server. */
  prometheus?: PromSourceConfig;
}

/** A server source is configured: the rules that need one are judged. */
export function serverConfigured(c: ServerConfig): boolean {
  return c.sources.length > 0 || c.prometheus !== undefined;
}

const NAME_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/** SERVER_METRICS_URLS: "name=url,url,...": every URL http(s), every name unique. */
export function parseSources(text: string | undefined, variable = 'SERVER_METRICS_URLS'): ServerSource[] {
  const out: ServerSource[] = [];
  for (const item of (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=');
    const named = eq > 0 && !/^https?:/i.test(item);
    const name = named ? item.slice(0, eq).trim() : '';
    const url = named ? item.slice(eq + 1).trim() : item;
    const m = /^https?:\/\/([^\s/?#]+)/i.exec(url);
    if (m === null) throw new ConfigError(variable, 'a comma-separated list of [name=]http://host:port/metrics', item);
    const n = name !== '' ? name : m[1]!.replace(/[^A-Za-z0-9_.-]/g, '_');
    if (!NAME_RE.test(n)) throw new ConfigError(variable, 'source names of letters, digits, _ . - (at most 64)', n);
    if (out.some((s) => s.name === n)) throw new ConfigError(variable, 'each source named once', n);
    out.push({ name: n, url });
  }
  return out;
}

export function loadServerConfig(env: Env): ServerConfig {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const v = (env[name] ?? '').trim();
    if (v === '') return fallback;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new ConfigError(name, `an integer from ${min} to ${max}`, v);
    return Number(v);
  };
  const prometheus = loadPromConfig(env);
  return {
    sources: parseSources(env.SERVER_METRICS_URLS),
    sampleMs: int('SERVER_SAMPLE_MS', 5000, 100, 3_600_000),
    liveEveryMs: int('LIVE_EVERY_MS', 10_000, 0, 3_600_000),
    ...(prometheus !== undefined ? { prometheus } : {}),
  };
}

/** Why a scrape failed, as counted in queue_server_scrape_errors{kind}. */
export type ScrapeErrorKind = 'network' | 'redirect' | 'status' | 'format' | 'empty';

export type Scrape =
  | { ok: true; expo: Exposition }
  | { ok: false; kind: ScrapeErrorKind; message: string };

/** What k6's response says about a scrape: the exposition, or why not, in one phrase. */
export function readScrape(res: { status: number; body: string | null; error?: string; location?: string }): Scrape {
  if (res.status === 0) return { ok: false, kind: 'network', message: `no answer (${res.error ?? 'connection failed'})` };
  if (res.status >= 300 && res.status < 400) {
    return { ok: false, kind: 'redirect', message: `a redirect (${res.status}${res.location ? ` to ${res.location}` : ''}), e.g. to a login page: give the metrics endpoint itself` };
  }
  if (res.status !== 200) return { ok: false, kind: 'status', message: `HTTP ${res.status}, not 200: is the path /metrics?` };
  const body = res.body ?? '';
  const what = describeNotExposition(body);
  if (what !== undefined) return { ok: false, kind: 'format', message: `${what}, not Prometheus metrics` };
  let expo: Exposition;
  try {
    expo = parseExposition(body);
  } catch (e) {
    return { ok: false, kind: 'format', message: `not the Prometheus text format (${e instanceof ExpositionError ? e.message : String(e)})` };
  }
  if (expo.families.size === 0) return { ok: false, kind: 'empty', message: 'an empty body: the endpoint exports no metric' };
  return { ok: true, expo };
}

/** The figures of one scrape; a figure the source does not export is absent and listed in `missing`. */
export interface ProcessFigures {
  cpuSecondsTotal?: number;
  rssBytes?: number;
  /** Event-loop lag in ms (prom-client's p99 since the last scrape, else its plain lag gauge). */
  lagMs?: number;
  handles?: number;
  missing: Array<{ figure: Figure; reason: string }>;
}

export type Figure = 'cpu' | 'rss' | 'lag' | 'handles';

function finite(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) ? v : undefined;
}

export function processFigures(expo: Exposition): ProcessFigures {
  const f: ProcessFigures = { missing: [] };
  const cpu = finite(valueOf(expo, 'process_cpu_seconds_total'));
  if (cpu !== undefined) f.cpuSecondsTotal = cpu;
  else f.missing.push({ figure: 'cpu', reason: 'exports no process_cpu_seconds_total' });
  const rss = finite(valueOf(expo, 'process_resident_memory_bytes'));
  if (rss !== undefined) f.rssBytes = rss;
  else f.missing.push({ figure: 'rss', reason: 'exports no process_resident_memory_bytes' });
  const p99 = finite(valueOf(expo, 'nodejs_eventloop_lag_p99_seconds'));
  const plain = finite(valueOf(expo, 'nodejs_eventloop_lag_seconds'));
  if (p99 !== undefined) f.lagMs = p99 * 1000;
  else if (plain !== undefined) f.lagMs = plain * 1000;
  else f.missing.push({ figure: 'lag', reason: 'exports neither nodejs_eventloop_lag_p99_seconds nor nodejs_eventloop_lag_seconds (not a Node.js process, or prom-client without default metrics)' });
  const handles = finite(valueOf(expo, 'nodejs_active_handles_total') ?? sumOf(expo, 'nodejs_active_handles'));
  if (handles !== undefined) f.handles = handles;
  else f.missing.push({ figure: 'handles', reason: 'exports no nodejs_active_handles_total' });
  return f;
}

/** The latest figures of one source, derived across scrapes (CPU is a rate). */
export interface LatestFigures {
  at: number;
  /** CPU in cores over the time since the previous scrape. */
  cpuCores?: number;
  /** CPU-seconds used since the previous scrape. */
  cpuSeconds?: number;
  rssBytes?: number;
  lagMs?: number;
  handles?: number;
}

/** Follows one source across scrapes: the CPU rate needs the previous counter. */
export class SourceTrack {
  private prevCpu: { at: number; value: number } | undefined;
  latest: LatestFigures | undefined;
  answered = 0;
  failed = 0;

  /** Takes figures already derived elsewhere (Prometheus computes the CPU rate itself). */
  set(out: LatestFigures): void {
    this.answered++;
    this.latest = { ...(this.latest ?? {}), ...out };
  }

  /** Folds in one scrape's figures at `at` (ms); returns what to record now. */
  add(at: number, f: ProcessFigures): LatestFigures {
    const out: LatestFigures = { at };
    if (f.cpuSecondsTotal !== undefined) {
      const prev = this.prevCpu;
      // A counter that went down is a restarted process: no rate across it.
      if (prev !== undefined && at > prev.at && f.cpuSecondsTotal >= prev.value) {
        out.cpuCores = (f.cpuSecondsTotal - prev.value) / ((at - prev.at) / 1000);
        out.cpuSeconds = f.cpuSecondsTotal - prev.value;
      }
      this.prevCpu = { at, value: f.cpuSecondsTotal };
    }
    if (f.rssBytes !== undefined) out.rssBytes = f.rssBytes;
    if (f.lagMs !== undefined) out.lagMs = f.lagMs;
    if (f.handles !== undefined) out.handles = f.handles;
    this.answered++;
    this.latest = { ...(this.latest ?? {}), ...out };
    return out;
  }
}

/** Redis INFO fields the run records. */
export interface RedisFigures {
  usedMemoryBytes?: number;
  connectedClients?: number;
  blockedClients?: number;
  opsPerSec?: number;
  rejectedConnections?: number;
  evictedKeys?: number;
}

/** Reads INFO's "field:value" lines (every section); a field Redis (or Dragonfly) does not give stays absent. */
export function redisFigures(info: string): RedisFigures {
  const fields: Record<string, number> = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^([a-z_]+):(-?\d+(?:\.\d+)?)$/.exec(line.trim());
    if (m !== null) fields[m[1]!] = Number(m[2]);
  }
  const out: RedisFigures = {};
  const put = (k: keyof RedisFigures, f: string) => {
    if (fields[f] !== undefined) out[k] = fields[f];
  };
  put('usedMemoryBytes', 'used_memory');
  put('connectedClients', 'connected_clients');
  put('blockedClients', 'blocked_clients');
  put('opsPerSec', 'instantaneous_ops_per_sec');
  put('rejectedConnections', 'rejected_connections');
  put('evictedKeys', 'evicted_keys');
  return out;
}

/** "1.23 cores" / "85 MB" / "12 ms" for the live line. */
export function shortFigures(name: string, f: LatestFigures): string {
  const parts: string[] = [];
  if (f.cpuCores !== undefined) parts.push(`cpu ${f.cpuCores.toFixed(2)}`);
  if (f.rssBytes !== undefined) parts.push(`rss ${Math.round(f.rssBytes / 1048576)}MB`);
  if (f.lagMs !== undefined) parts.push(`lag ${Math.round(f.lagMs)}ms`);
  return parts.length === 0 ? `${name} not measured` : `${name} ${parts.join(' ')}`;
}
