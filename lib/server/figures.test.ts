// The server figures: sources, what a scrape's answer means, the CPU rate,
// "not measured", Redis INFO, and the live line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { loadServerConfig, parseSources, processFigures, readScrape, redisFigures, SourceTrack } from './figures.ts';
import { parseExposition } from './exposition.ts';
import { arrivedBy, liveLine } from './line.ts';

describe('server sources', () => {
  it('reads named and unnamed URLs, and refuses what is not one', () => {
    assert.deepEqual(parseSources('gateway=http://localhost:3001/metrics, http://127.0.0.1:3002/metrics'), [
      { name: 'gateway', url: 'http://localhost:3001/metrics' },
      { name: '127.0.0.1_3002', url: 'http://127.0.0.1:3002/metrics' },
    ]);
    assert.deepEqual(parseSources(''), []);
    assert.deepEqual(parseSources(undefined), []);
    assert.throws(() => parseSources('gateway=ftp://x'), /invalid SERVER_METRICS_URLS; reason: expected a comma-separated list of \[name=\]http/);
    assert.throws(() => parseSources('a=http://x/m,a=http://y/m'), /each source named once/);
    assert.throws(() => parseSources('a b=http://x/m'), /source names of letters/);
    assert.throws(() => loadServerConfig({ SERVER_SAMPLE_MS: 'fast' }), /invalid SERVER_SAMPLE_MS; reason: expected an integer from 100/);
    assert.deepEqual(loadServerConfig({}), { sources: [], sampleMs: 5000, liveEveryMs: 10_000 });
    assert.equal(loadServerConfig({ LIVE_EVERY_MS: '0' }).liveEveryMs, 0);
  });
});

describe('readScrape', () => {
  it('names every kind of bad answer in one phrase', () => {
    const bad = (r: Parameters<typeof readScrape>[0]) => {
      const s = readScrape(r);
      assert.equal(s.ok, false);
      return s.ok ? '' : `${s.kind}: ${s.message}`;
    };
    assert.match(bad({ status: 0, body: null, error: 'dial: connection refused' }), /^network: no answer \(dial: connection refused\)/);
    assert.match(bad({ status: 302, body: '', location: '/login' }), /^redirect: a redirect \(302 to \/login\)/);
    assert.match(bad({ status: 404, body: '{"error":"not found"}' }), /^status: HTTP 404/);
    assert.match(bad({ status: 200, body: '<!DOCTYPE html><html>Grafana</html>' }), /^format: an HTML or XML page, not Prometheus metrics/);
    assert.match(bad({ status: 200, body: '{"ok":true}' }), /^format: a JSON body/);
    assert.match(bad({ status: 200, body: 'hello world' }), /^format: not the Prometheus text format \(line 1: bad value "world"/);
    assert.match(bad({ status: 200, body: '# nothing\n' }), /^empty:/);
    const good = readScrape({ status: 200, body: 'process_cpu_seconds_total 1.5\n' });
    assert.equal(good.ok, true);
  });
});

describe('process figures', () => {
  it('reads prom-client defaults, and the CPU as a rate across scrapes', async () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const f = processFigures(parseExposition(await registry.metrics()));
    assert.deepEqual(f.missing, []);
    assert.ok(f.rssBytes! > 1e6 && f.cpuSecondsTotal! > 0 && f.lagMs! >= 0 && f.handles! >= 0);
    const t = new SourceTrack();
    assert.equal(t.add(1000, { cpuSecondsTotal: 10, missing: [] }).cpuCores, undefined);
    assert.equal(t.add(3000, { cpuSecondsTotal: 13, rssBytes: 5, missing: [] }).cpuCores, 1.5);
    // A restarted process (the counter went down): no rate across it, then rates again.
    assert.equal(t.add(4000, { cpuSecondsTotal: 1, missing: [] }).cpuCores, undefined);
    assert.equal(t.add(5000, { cpuSecondsTotal: 1.25, missing: [] }).cpuCores, 0.25);
    assert.deepEqual(t.latest, { at: 5000, cpuCores: 0.25, cpuSeconds: 0.25, rssBytes: 5 });
    assert.equal(t.answered, 4);
  });

  it('says what a source does not export, never 0, and falls back to the plain lag gauge', () => {
    const f = processFigures(parseExposition('nodejs_eventloop_lag_seconds 0.02\nnodejs_eventloop_lag_p99_seconds NaN\n'));
    assert.equal(f.lagMs, 20);
    assert.equal(f.cpuSecondsTotal, undefined);
    assert.deepEqual(f.missing.map((m) => m.figure), ['cpu', 'rss', 'handles']);
    const g = processFigures(parseExposition('go_goroutines 12\n'));
    assert.match(g.missing.find((m) => m.figure === 'lag')!.reason, /neither nodejs_eventloop_lag_p99_seconds nor nodejs_eventloop_lag_seconds/);
  });
});

describe('redisFigures', () => {
  it('reads INFO fields over every section', () => {
    const info = '# Server\r\nredis_version:7.0.15\r\n# Clients\r\nconnected_clients:14\r\nblocked_clients:0\r\n# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\n# Stats\r\ninstantaneous_ops_per_sec:310\r\nrejected_connections:0\r\nevicted_keys:2\r\n';
    assert.deepEqual(redisFigures(info), { usedMemoryBytes: 1048576, connectedClients: 14, blockedClients: 0, opsPerSec: 310, rejectedConnections: 0, evictedKeys: 2 });
    assert.deepEqual(redisFigures('# Dragonfly\nconnected_clients:3\n'), { connectedClients: 3 });
  });
});

describe('the live line', () => {
  it('counts arrivals by the schedule and prints one line', () => {
    const cfg = { users: 100, arrivalDelayMs: 50, race: false, raceAtMs: 0 };
    assert.equal(arrivedBy(cfg, -1), 0);
    assert.equal(arrivedBy(cfg, 0), 1);
    assert.equal(arrivedBy(cfg, 1000), 21);
    assert.equal(arrivedBy(cfg, 60_000), 100);
    assert.equal(arrivedBy({ ...cfg, race: true, raceAtMs: 5000 }, 4999), 0);
    const line = liveLine({
      elapsedMs: 30_400, arrived: 61, users: 100, threshold: 20, errors: 1,
      state: { counts: { depth: 41, active: 20 }, admitted: 20, told: 19, probeErrors: 1, violations: 0 },
      servers: { room: { at: 0, cpuCores: 0.314, rssBytes: 85 * 1048576, lagMs: 12.4 }, other: { at: 0 } },
      redis: { usedMemoryBytes: 2 * 1048576, connectedClients: 14, opsPerSec: 310 },
    });
    assert.equal(line, 'live 30s: arrived 61/100, active 20/20, waiting 41, admitted from queue 20, told 19, errors 1, violations 0 | room cpu 0.31 rss 85MB lag 12ms | other not measured | redis 2MB 14 clients 310 ops/s');
    assert.ok(!line.includes('\n'));
  });
});
