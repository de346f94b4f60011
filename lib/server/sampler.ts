// The server sampler: run by the probe VU beside its watch (never by the
// users), every SERVER_SAMPLE_MS it scrapes each SERVER_METRICS_URLS source
// and, when the probes are on, asks the probe's Redis for INFO. In a split run
// only the instance that has the probe VU samples, so every source is sampled
// once. A source that fails is named in one line at its first failure and
// counted (queue_server_scrape_errors); it never stops the VU and is never
// recorded as 0. latestServerFigures() gives the latest figures of each source
// to the live line (and to whoever needs the server's state during the run).
import http from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { rejectionText, type RedisLike } from '../redis/probe';
import { sleepMs } from '../flow/time';
import { observe } from '../capacity/monitor';
import { processFigures, readScrape, redisFigures, SourceTrack, type LatestFigures, type RedisFigures, type ServerConfig, type ServerSource } from './figures';
import { figureQueries, queryUrl, readQueryAnswer, type PromFigure, type PromSeries } from './promql';

export const serverMetrics = {
  /** CPU of a source in cores: the rate of process_cpu_seconds_total between two scrapes, tagged by source */
  cpu: new Trend('queue_server_cpu'),
  /** CPU-seconds a source used between two scrapes (its sum: the run's CPU time, for make compare) */
  cpuSeconds: new Counter('queue_server_cpu_seconds'),
  /** resident memory of a source, bytes */
  rss: new Trend('queue_server_rss'),
  /** event-loop lag of a source, ms (prom-client's p99 since the previous scrape, else its lag gauge) */
  lag: new Trend('queue_server_eventloop_lag', true),
  /** active libuv handles of a source */
  handles: new Trend('queue_server_handles'),
  /** scrapes that answered in the Prometheus format, tagged by source */
  samples: new Counter('queue_server_samples'),
  /** scrapes that failed, tagged by source and kind (network, redirect, status, format, empty, redis) */
  scrapeErrors: new Counter('queue_server_scrape_errors'),
  /** scrapes that got no answer while the run's own disruption restarted the source (restart scenario), tagged by source: expected, not judged */
  scrapesDown: new Counter('queue_server_scrape_down'),
  /** configured sources that never answered in the run, tagged by source */
  samplesMissing: new Counter('queue_server_samples_missing'),
  /** Redis INFO: used_memory, bytes */
  redisMemory: new Trend('queue_server_redis_memory'),
  /** Redis INFO: connected_clients */
  redisClients: new Trend('queue_server_redis_clients'),
  /** Redis INFO: blocked_clients */
  redisBlocked: new Trend('queue_server_redis_blocked'),
  /** Redis INFO: instantaneous_ops_per_sec */
  redisOps: new Trend('queue_server_redis_ops'),
  /** Redis INFO: rejected_connections during the run (the counter's growth) */
  redisRejected: new Counter('queue_server_redis_rejected'),
  /** Redis INFO: evicted_keys during the run (the counter's growth) */
  redisEvicted: new Counter('queue_server_redis_evicted'),
};

const tracks = new Map<string, SourceTrack>();
let failedScrapes = 0;
let latestRedis: (RedisFigures & { at: number }) | undefined;

/** The latest figures of every source sampled in this VU (empty elsewhere), by source name. */
export function latestServerFigures(): Record<string, LatestFigures> {
  const out: Record<string, LatestFigures> = {};
  for (const [name, t] of tracks) if (t.latest !== undefined) out[name] = { ...t.latest };
  return out;
}

/** Scrapes (and INFO calls) that failed so far in this VU. */
export function scrapeErrorCount(): number {
  return failedScrapes;
}

/** The latest Redis INFO figures, when the probes read one. */
export function latestRedisFigures(): (RedisFigures & { at: number }) | undefined {
  return latestRedis === undefined ? undefined : { ...latestRedis };
}

export interface SamplerContext {
  cfg: ServerConfig;
  /** The probe's Redis client, for INFO; undefined when the probes are off. */
  redis: RedisLike | undefined;
  /** True once the watch is over: the sampler takes one last sample and stops. */
  done: () => boolean;
  /** Hard stop (the run's bound). */
  deadline: number;
  log: (message: string) => void;
  /**
   * The restart scenario: whether a source that gives no answer now may be
   * down because the run restarts it on purpose. Such a failure is counted in
   * queue_server_scrape_down, not as a failed scrape.
   */
  downExcused?: (now: number) => boolean;
}

/** A failed scrape that the run's own disruption explains: counted apart, said once. */
function excusedDown(name: string, ctx: SamplerContext, warned: Set<string>): boolean {
  if (ctx.downExcused === undefined || !ctx.downExcused(Date.now())) return false;
  serverMetrics.scrapesDown.add(1, { source: name });
  const key = `down:${name}`;
  if (!warned.has(key)) {
    warned.add(key);
    ctx.log(`server source ${name} did not answer during the run's disruption (it is being restarted): counted in queue_server_scrape_down, not as a failed scrape.`);
  }
  return true;
}

const TAG = { source: '' };

async function scrape(src: ServerSource, track: SourceTrack, ctx: SamplerContext, warned: Set<string>, missingSaid: Set<string>): Promise<void> {
  const res = await http.asyncRequest('GET', src.url, null, {
    redirects: 0,
    timeout: `${Math.max(1000, Math.min(10_000, ctx.cfg.sampleMs))}ms`,
    tags: { name: `server ${src.name}`, op: 'server_scrape' },
    // A scrape never counts in http_req_failed when the source answers at all: its own counter judges it.
    responseCallback: http.expectedStatuses({ min: 100, max: 599 }),
  });
  const location = (res.headers as Record<string, string> | undefined)?.Location;
  const s = readScrape({ status: res.status, body: typeof res.body === 'string' ? res.body : null, error: res.error, ...(location !== undefined ? { location } : {}) });
  const tags = { ...TAG, source: src.name };
  if (!s.ok && s.kind === 'network' && excusedDown(src.name, ctx, warned)) return;
  if (!s.ok) {
    track.failed++;
    failedScrapes++;
    serverMetrics.scrapeErrors.add(1, { ...tags, kind: s.kind });
    if (!warned.has(src.name)) {
      warned.add(src.name);
      ctx.log(`server source ${src.name} (${src.url}) failed: ${s.message}; queue_server_scrape_errors counts each failure, its figures are not measured, and the run goes on.`);
    }
    return;
  }
  const f = processFigures(s.expo);
  const now = Date.now();
  const out = track.add(now, f);
  serverMetrics.samples.add(1, tags);
  if (out.cpuCores !== undefined) serverMetrics.cpu.add(out.cpuCores, tags);
  if (out.cpuSeconds !== undefined) serverMetrics.cpuSeconds.add(out.cpuSeconds, tags);
  if (out.rssBytes !== undefined) serverMetrics.rss.add(out.rssBytes, tags);
  if (out.lagMs !== undefined) {
    serverMetrics.lag.add(out.lagMs, tags);
    observe('server_lag', out.lagMs, src.name);
  }
  if (out.handles !== undefined) serverMetrics.handles.add(out.handles, tags);
  for (const m of f.missing) {
    const key = `${src.name}/${m.figure}`;
    if (missingSaid.has(key)) continue;
    missingSaid.add(key);
    ctx.log(`server source ${src.name}: ${m.figure} not measured: it ${m.reason}.`);
  }
}

async function redisInfo(ctx: SamplerContext, first: { rejected?: number; evicted?: number }, warned: Set<string>): Promise<void> {
  if (ctx.redis === undefined) return;
  let text: string;
  try {
    text = String(await ctx.redis.sendCommand('INFO'));
  } catch (err) {
    if (excusedDown('redis', ctx, warned)) return;
    failedScrapes++;
    serverMetrics.scrapeErrors.add(1, { source: 'redis', kind: 'redis' });
    if (!warned.has('redis')) {
      warned.add('redis');
      ctx.log(`server source redis: INFO failed (${rejectionText(err)}); queue_server_scrape_errors counts each failure, and the run goes on.`);
    }
    return;
  }
  const f = redisFigures(text);
  const tags = { source: 'redis' };
  serverMetrics.samples.add(1, tags);
  latestRedis = { ...f, at: Date.now() };
  if (f.usedMemoryBytes !== undefined) serverMetrics.redisMemory.add(f.usedMemoryBytes, tags);
  if (f.connectedClients !== undefined) serverMetrics.redisClients.add(f.connectedClients, tags);
  if (f.blockedClients !== undefined) serverMetrics.redisBlocked.add(f.blockedClients, tags);
  if (f.opsPerSec !== undefined) serverMetrics.redisOps.add(f.opsPerSec, tags);
  // Growth since the first INFO of the run: what this run saw, not since Redis started.
  if (f.rejectedConnections !== undefined) {
    if (first.rejected === undefined) first.rejected = f.rejectedConnections;
    else if (f.rejectedConnections > first.rejected) {
      serverMetrics.redisRejected.add(f.rejectedConnections - first.rejected, tags);
      first.rejected = f.rejectedConnections;
    }
  }
  if (f.evictedKeys !== undefined) {
    if (first.evicted === undefined) first.evicted = f.evictedKeys;
    else if (f.evictedKeys > first.evicted) {
      serverMetrics.redisEvicted.add(f.evictedKeys - first.evicted, tags);
      first.evicted = f.evictedKeys;
    }
  }
}

const PROM_SOURCE = 'prometheus';
let promAnswered = 0;
const promLastAt = new Map<string, number>();

/** One sample of every pod the selector matches, through the Prometheus API. */
async function promSample(ctx: SamplerContext, warned: Set<string>, missingSaid: Set<string>): Promise<void> {
  const p = ctx.cfg.prometheus;
  if (p === undefined) return;
  const fail = (kind: string, message: string): void => {
    failedScrapes++;
    serverMetrics.scrapeErrors.add(1, { source: PROM_SOURCE, kind });
    if (warned.has(PROM_SOURCE)) return;
    warned.add(PROM_SOURCE);
    ctx.log(`server source prometheus (${p.url}) failed: ${message}; queue_server_scrape_errors counts each failure, its figures are not measured, and the run goes on.`);
  };
  const found: Partial<Record<PromFigure, PromSeries[]>> = {};
  const queries = figureQueries(p.selector);
  for (const fig of Object.keys(queries) as PromFigure[]) {
    for (const q of queries[fig]) {
      const res = await http.asyncRequest('GET', queryUrl(p.url, q.query), null, {
        redirects: 0,
        timeout: `${Math.max(1000, Math.min(10_000, ctx.cfg.sampleMs))}ms`,
        tags: { name: 'server prometheus', op: 'server_scrape' },
        responseCallback: http.expectedStatuses({ min: 100, max: 599 }),
      });
      if (res.status === 0) return fail('network', `no answer (${res.error})`);
      if (res.status >= 300 && res.status < 400) return fail('redirect', `a redirect (${res.status}), e.g. to a login page: give the Prometheus server's own URL`);
      const a = readQueryAnswer(res.status, typeof res.body === 'string' ? res.body : null);
      if (!a.ok) return fail('format', a.message);
      if (a.series.length === 0) continue;
      found[fig] = a.series.map((x) => ({ name: x.name, value: x.value * q.scale }));
      break;
    }
  }
  if (found.cpu === undefined && found.rss === undefined) {
    return fail('no_series', `the selector ${p.selector} matched no series of ${queries.cpu.map((q) => q.from).join(', ')} or ${queries.rss.map((q) => q.from).join(', ')}: check PROMETHEUS_SELECTOR (and that Prometheus scrapes those pods)`);
  }
  promAnswered++;
  for (const fig of ['lag', 'handles'] as const) {
    if (found[fig] !== undefined || missingSaid.has(`prometheus/${fig}`)) continue;
    missingSaid.add(`prometheus/${fig}`);
    ctx.log(`server source prometheus: ${fig} not measured: no series of ${queries[fig].map((q) => q.from).join(' or ')} matches ${p.selector}.`);
  }
  const now = Date.now();
  const pods = new Map<string, LatestFigures>();
  const at = (name: string): LatestFigures => {
    const f = pods.get(name) ?? { at: now };
    pods.set(name, f);
    return f;
  };
  for (const s of found.cpu ?? []) at(s.name).cpuCores = s.value;
  for (const s of found.rss ?? []) at(s.name).rssBytes = s.value;
  for (const s of found.lag ?? []) at(s.name).lagMs = s.value;
  for (const s of found.handles ?? []) at(s.name).handles = s.value;
  for (const [name, f] of pods) {
    const tags = { source: name };
    const last = promLastAt.get(name);
    promLastAt.set(name, now);
    if (f.cpuCores !== undefined && last !== undefined) f.cpuSeconds = f.cpuCores * ((now - last) / 1000);
    serverMetrics.samples.add(1, tags);
    if (f.cpuCores !== undefined) serverMetrics.cpu.add(f.cpuCores, tags);
    if (f.cpuSeconds !== undefined) serverMetrics.cpuSeconds.add(f.cpuSeconds, tags);
    if (f.rssBytes !== undefined) serverMetrics.rss.add(f.rssBytes, tags);
    if (f.lagMs !== undefined) serverMetrics.lag.add(f.lagMs, tags);
    if (f.handles !== undefined) serverMetrics.handles.add(f.handles, tags);
    const track = tracks.get(name) ?? new SourceTrack();
    tracks.set(name, track);
    track.set(f);
  }
}

/** Samples until ctx.done() (one last sample then) or the deadline. */
export async function runServerSampler(ctx: SamplerContext): Promise<void> {
  if (ctx.cfg.sources.length === 0 && ctx.cfg.prometheus === undefined && ctx.redis === undefined) return;
  for (const s of ctx.cfg.sources) if (!tracks.has(s.name)) tracks.set(s.name, new SourceTrack());
  const warned = new Set<string>();
  const missingSaid = new Set<string>();
  const first: { rejected?: number; evicted?: number } = {};
  const once = () => Promise.all([
    ...ctx.cfg.sources.map((s) => scrape(s, tracks.get(s.name)!, ctx, warned, missingSaid).catch((err: unknown) => {
      failedScrapes++;
    serverMetrics.scrapeErrors.add(1, { source: s.name, kind: 'network' });
      if (!warned.has(s.name)) {
        warned.add(s.name);
        ctx.log(`server source ${s.name} (${s.url}) failed: ${String(err instanceof Error ? err.message : err)}; the run goes on.`);
      }
    })),
    redisInfo(ctx, first, warned),
    promSample(ctx, warned, missingSaid).catch((err: unknown) => {
      failedScrapes++;
      serverMetrics.scrapeErrors.add(1, { source: PROM_SOURCE, kind: 'network' });
      ctx.log(`server source prometheus failed: ${String(err instanceof Error ? err.message : err)}; the run goes on.`);
    }),
  ]);
  let next = Date.now();
  for (;;) {
    await once();
    next += ctx.cfg.sampleMs;
    // Wait for the next sample in short steps, so the end of the watch is seen soon.
    while (Date.now() < next && !ctx.done() && Date.now() < ctx.deadline) await sleepMs(Math.min(250, next - Date.now()));
    if (Date.now() >= ctx.deadline) break;
    if (ctx.done()) {
      await once();
      break;
    }
  }
  if (ctx.cfg.prometheus !== undefined && promAnswered === 0) {
    serverMetrics.samplesMissing.add(1, { source: PROM_SOURCE });
    ctx.log(`server source prometheus (${ctx.cfg.prometheus.url}) never answered with a series in this run: queue_server_samples_missing fails the run.`);
  }
  for (const s of ctx.cfg.sources) {
    const t = tracks.get(s.name)!;
    if (t.answered === 0) {
      serverMetrics.samplesMissing.add(1, { source: s.name });
      ctx.log(`server source ${s.name} (${s.url}) never answered with metrics in this run (${t.failed} failed scrape(s)): queue_server_samples_missing fails the run.`);
    }
  }
}
