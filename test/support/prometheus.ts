// A throwaway Prometheus (Debian's `prometheus` package) on a free loopback
// port, scraping the given targets every second, its data in a temp folder.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.ts';

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? 'prometheus';

/** Why the Prometheus tests cannot run here, or undefined when they can. */
export function prometheusMissing(): string | undefined {
  const r = spawnSync(PROMETHEUS_BIN, ['--version'], { encoding: 'utf8' });
  return r.error !== undefined || r.status !== 0 ? `${PROMETHEUS_BIN} not found (apt-get install prometheus; .ci/run installs it)` : undefined;
}

export interface PrometheusServer {
  url: string;
  /** Resolves once `query` returns at least one series (e.g. after two scrapes, for irate). */
  waitFor(query: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** `targets`: host:port of each /metrics, with the labels every series of it gets (e.g. pod). */
export async function startPrometheus(targets: Array<{ address: string; labels: Record<string, string> }>, timeoutMs = 30_000): Promise<PrometheusServer> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-prometheus-'));
  const port = await freePort();
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    '  - job_name: room',
    '    static_configs:',
    ...targets.flatMap((t) => [`      - targets: ['${t.address}']`, `        labels: ${JSON.stringify(t.labels)}`]),
    '',
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config);
  const child: ChildProcess = spawn(PROMETHEUS_BIN, [
    `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const until = async (what: string, ok: () => Promise<boolean>, ms: number): Promise<void> => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`prometheus exited (${child.exitCode}): ${log}`);
      if (await ok().catch(() => false)) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`prometheus: ${what} within ${ms} ms; log: ${log}`);
  };
  try {
    await until('not ready', async () => (await fetch(`${url}/-/ready`)).status === 200, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    url,
    waitFor: (query, ms = timeoutMs) => until(`no series for ${query}`, async () => {
      const r = (await (await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`)).json()) as { data?: { result?: unknown[] } };
      return (r.data?.result?.length ?? 0) > 0;
    }, ms),
    stop,
  };
}
