// The server's figures from a Prometheus server (PROMETHEUS_URL), per pod,
// through its HTTP API (/api/v1/query): for clusters where a port-forward
// reaches one pod of a Deployment while Prometheus scrapes them all. Pure (no
// k6 import): the queries, and the reading of the API's JSON.
//
// Per figure, the first query that matches a series wins:
//   cpu       cAdvisor's container_cpu_usage_seconds_total (per pod, containers
//             summed), else the process' process_cpu_seconds_total: irate over 1m
//   rss       container_memory_working_set_bytes, else process_resident_memory_bytes
//   lag       nodejs_eventloop_lag_p99_seconds, else nodejs_eventloop_lag_seconds
//   handles   nodejs_active_handles_total
// A series is named by its pod label, else its instance, else its job.
import { ConfigError, type Env } from '../env';

export interface PromSourceConfig {
  url: string;
  /** A PromQL label selector, braces included: {namespace="tiketi",pod=~"backend-.*"}. */
  selector: string;
}

/** PROMETHEUS_URL and PROMETHEUS_SELECTOR; undefined when PROMETHEUS_URL is unset. */
export function loadPromConfig(env: Env): PromSourceConfig | undefined {
  const url = (env.PROMETHEUS_URL ?? '').trim().replace(/\/+$/, '');
  if (url === '') return undefined;
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new ConfigError('PROMETHEUS_URL', 'the Prometheus server\'s http:// or https:// URL, such as http://localhost:9090', url);
  const selector = (env.PROMETHEUS_SELECTOR ?? '').trim();
  if (!/^\{\s*[a-zA-Z_][a-zA-Z0-9_]*\s*(=|!=|=~|!~)\s*"[^"]*".*\}$/.test(selector)) {
    throw new ConfigError('PROMETHEUS_SELECTOR', 'a PromQL label selector with at least one matcher, such as {namespace="tiketi",pod=~"backend-.*"}', env.PROMETHEUS_SELECTOR);
  }
  return { url, selector };
}

/** The selector with more matchers added inside its braces. */
function withMatchers(selector: string, extra: string): string {
  return `${selector.slice(0, -1).replace(/,\s*$/, '')},${extra}}`;
}

export type PromFigure = 'cpu' | 'rss' | 'lag' | 'handles';

/** The queries of each figure, in order of preference. Lag and CPU values are converted by `scale`. */
export function figureQueries(selector: string): Record<PromFigure, Array<{ query: string; scale: number; from: string }>> {
  const containers = withMatchers(selector, 'container!="",container!="POD"');
  return {
    cpu: [
      { query: `sum by (pod) (irate(container_cpu_usage_seconds_total${containers}[1m]))`, scale: 1, from: 'container_cpu_usage_seconds_total' },
      { query: `irate(process_cpu_seconds_total${selector}[1m])`, scale: 1, from: 'process_cpu_seconds_total' },
    ],
    rss: [
      { query: `sum by (pod) (container_memory_working_set_bytes${containers})`, scale: 1, from: 'container_memory_working_set_bytes' },
      { query: `process_resident_memory_bytes${selector}`, scale: 1, from: 'process_resident_memory_bytes' },
    ],
    lag: [
      { query: `nodejs_eventloop_lag_p99_seconds${selector}`, scale: 1000, from: 'nodejs_eventloop_lag_p99_seconds' },
      { query: `nodejs_eventloop_lag_seconds${selector}`, scale: 1000, from: 'nodejs_eventloop_lag_seconds' },
    ],
    handles: [{ query: `nodejs_active_handles_total${selector}`, scale: 1, from: 'nodejs_active_handles_total' }],
  };
}

export function queryUrl(base: string, query: string): string {
  return `${base}/api/v1/query?query=${encodeURIComponent(query)}`;
}

export interface PromSeries {
  /** The pod, else the instance, else the job: the k6 tag `source`. */
  name: string;
  value: number;
}

export type PromAnswer = { ok: true; series: PromSeries[] } | { ok: false; message: string };

/** A series' name as a k6 tag value. */
export function seriesName(labels: Record<string, string>): string {
  const raw = labels.pod ?? labels.instance ?? labels.job ?? 'prometheus';
  return raw.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

/** Reads an instant query's answer: a vector of series, or why not (not JSON, an error status, not a vector). */
export function readQueryAnswer(status: number, body: string | null): PromAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body ?? '');
  } catch {
    return { ok: false, message: status === 200 ? 'the answer is not JSON: is PROMETHEUS_URL the Prometheus server (not Grafana)?' : `HTTP ${status}, not the Prometheus API` };
  }
  const j = json as { status?: unknown; error?: unknown; data?: { resultType?: unknown; result?: unknown } };
  if (j.status !== 'success') return { ok: false, message: `the query failed (HTTP ${status}: ${typeof j.error === 'string' ? j.error : 'no error text'})` };
  if (j.data?.resultType !== 'vector' || !Array.isArray(j.data.result)) return { ok: false, message: 'the answer is not an instant vector' };
  const series: PromSeries[] = [];
  for (const r of j.data.result as Array<{ metric?: Record<string, string>; value?: [number, string] }>) {
    const v = Number(r.value?.[1]);
    if (!Number.isFinite(v)) continue; // NaN or +Inf: no figure, never a 0
    series.push({ name: seriesName(r.metric ?? {}), value: v });
  }
  return { ok: true, series };
}
