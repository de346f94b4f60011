// PROMETHEUS_URL: the settings, the queries per figure, and the API's answers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { figureQueries, loadPromConfig, queryUrl, readQueryAnswer, seriesName } from './promql.ts';
import { loadServerConfig, serverConfigured } from './figures.ts';

describe('Prometheus source', () => {
  it('reads PROMETHEUS_URL and a selector, and refuses a missing or bad one', () => {
    assert.equal(loadPromConfig({}), undefined);
    assert.deepEqual(loadPromConfig({ PROMETHEUS_URL: 'http://localhost:9090/', PROMETHEUS_SELECTOR: '{namespace="tiketi",pod=~"backend-.*"}' }),
      { url: 'http://localhost:9090', selector: '{namespace="tiketi",pod=~"backend-.*"}' });
    assert.throws(() => loadPromConfig({ PROMETHEUS_URL: 'http://p:9090' }), /invalid PROMETHEUS_SELECTOR; reason: expected a PromQL label selector/);
    assert.throws(() => loadPromConfig({ PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_SELECTOR: 'pod="x"' }), /invalid PROMETHEUS_SELECTOR/);
    assert.throws(() => loadPromConfig({ PROMETHEUS_URL: 'prometheus:9090', PROMETHEUS_SELECTOR: '{a="b"}' }), /invalid PROMETHEUS_URL/);
    assert.equal(serverConfigured(loadServerConfig({ PROMETHEUS_URL: 'http://p:9090', PROMETHEUS_SELECTOR: '{job="room"}' })), true);
    assert.equal(serverConfigured(loadServerConfig({})), false);
  });

  it('asks cAdvisor first, the process metrics otherwise, with the selector in every query', () => {
    const q = figureQueries('{namespace="tiketi",pod=~"backend-.*"}');
    assert.equal(q.cpu[0]!.query, 'sum by (pod) (irate(container_cpu_usage_seconds_total{namespace="tiketi",pod=~"backend-.*",container!="",container!="POD"}[1m]))');
    assert.equal(q.cpu[1]!.query, 'irate(process_cpu_seconds_total{namespace="tiketi",pod=~"backend-.*"}[1m])');
    assert.equal(q.rss[0]!.from, 'container_memory_working_set_bytes');
    assert.equal(q.lag[0]!.scale, 1000);
    assert.equal(queryUrl('http://p:9090', 'up{a="b"}'), 'http://p:9090/api/v1/query?query=up%7Ba%3D%22b%22%7D');
  });

  it('reads a vector per pod, and says what is wrong with any other answer', () => {
    const body = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [
      { metric: { pod: 'backend-7d9f-abc' }, value: [1700000000.1, '0.25'] },
      { metric: { instance: '10.0.0.5:3001', job: 'x' }, value: [1700000000.1, '12'] },
      { metric: { pod: 'nan' }, value: [1700000000.1, 'NaN'] },
    ] } });
    assert.deepEqual(readQueryAnswer(200, body), { ok: true, series: [{ name: 'backend-7d9f-abc', value: 0.25 }, { name: '10.0.0.5_3001', value: 12 }] });
    assert.deepEqual(readQueryAnswer(200, JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } })), { ok: true, series: [] });
    assert.match((readQueryAnswer(200, '<html>Grafana</html>') as { message: string }).message, /not JSON: is PROMETHEUS_URL the Prometheus server/);
    assert.match((readQueryAnswer(400, JSON.stringify({ status: 'error', error: 'parse error at char 5' })) as { message: string }).message, /the query failed \(HTTP 400: parse error at char 5\)/);
    assert.equal(seriesName({ job: 'room' }), 'room');
    assert.equal(seriesName({}), 'prometheus');
  });
});
