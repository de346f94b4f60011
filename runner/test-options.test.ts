// exec.test.options: the consolidated options object as k6 builds it (its
// documented default shape: k6's own test of `console.log(exec.test.options)`
// for `k6 run --iterations 1`).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goDuration } from './duration.ts';
import { consolidatedOptions } from './test-options.ts';

describe('exec.test.options', () => {
  it('Go duration strings, as k6 encodes durations', () => {
    assert.equal(goDuration(0), '0s');
    assert.equal(goDuration(500), '500ms');
    assert.equal(goDuration(1500), '1.5s');
    assert.equal(goDuration(30_000), '30s');
    assert.equal(goDuration(60_000), '1m0s');
    assert.equal(goDuration(90_500), '1m30.5s');
    assert.equal(goDuration(3_600_000), '1h0m0s');
    assert.equal(goDuration(0.25), '250µs');
  });

  it('k6 run --iterations 1 with an empty script: every option null but the derived scenario and the defaults', () => {
    const o = consolidatedOptions({ script: { iterations: 1 }, executionSegment: null, executionSegmentSequence: null });
    // k6's expected object for exactly this case (JSON equality, so key order aside).
    const k6 = {
      paused: null, executionSegment: null, executionSegmentSequence: null, noSetup: null, setupTimeout: null, noTeardown: null,
      teardownTimeout: null, rps: null, dns: { ttl: null, select: null, policy: null }, maxRedirects: null, userAgent: null, batch: null,
      batchPerHost: null, httpDebug: null, insecureSkipTLSVerify: null, tlsCipherSuites: null, tlsVersion: null, tlsAuth: null, throw: null,
      thresholds: null, blacklistIPs: null, blockHostnames: null, hosts: null, noConnectionReuse: null, noVUConnectionReuse: null,
      minIterationDuration: null, ext: null, summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'], summaryTimeUnit: null,
      systemTags: ['check', 'error', 'error_code', 'expected_response', 'group', 'method', 'name', 'proto', 'scenario', 'service', 'status', 'subproto', 'tls_version', 'url'],
      tags: null, metricSamplesBufferSize: null, noCookiesReset: null, discardResponseBodies: null, consoleOutput: null,
      scenarios: { default: { vus: null, iterations: 1, executor: 'shared-iterations', maxDuration: null, startTime: null, env: null, tags: null, gracefulStop: null, exec: null } },
      localIPs: null,
    };
    assert.deepEqual(JSON.parse(JSON.stringify(o)), k6);
  });

  it("the suite's shape: scenarios as given (durations in Go form), thresholds as lists, segments, frozen", () => {
    const o = consolidatedOptions({
      script: {
        scenarios: {
          users: { executor: 'per-vu-iterations', vus: 2, iterations: 1, maxDuration: '90s', gracefulStop: '30s', exec: 'users' },
          paced: { executor: 'constant-vus', vus: 1, duration: '1m', exec: 'paced', env: { A: '1' } },
        },
        thresholds: { queue_queued: ['count==80'], errors: [{ threshold: 'count<1', abortOnFail: true, delayAbortEval: '10s' }, { threshold: 'rate<1' }] },
        setupTimeout: '70s',
        summaryTrendStats: ['avg', 'count'],
        tags: { team: 'q' },
        cloud: { name: 'queue-k6 mass-burst' },
        vus: 3,
      },
      executionSegment: '0:1/2',
      executionSegmentSequence: '0,1/2,1',
    });
    assert.equal(o.executionSegment, '0:1/2');
    assert.equal(o.executionSegmentSequence, '0,1/2,1');
    assert.equal(o.setupTimeout, '1m10s');
    assert.deepEqual(o.summaryTrendStats, ['avg', 'count']);
    assert.deepEqual(o.tags, { team: 'q' });
    assert.deepEqual(o.cloud, { name: 'queue-k6 mass-burst' });
    assert.equal('vus' in o, false, 'the shortcut options are removed, as in k6');
    assert.deepEqual(o.thresholds, { queue_queued: ['count==80'], errors: [{ threshold: 'count<1', abortOnFail: true, delayAbortEval: '10s' }, 'rate<1'] });
    const scs = o.scenarios as Record<string, Record<string, unknown>>;
    assert.deepEqual(scs.users, { vus: 2, iterations: 1, maxDuration: '1m30s', executor: 'per-vu-iterations', startTime: null, gracefulStop: '30s', env: null, exec: 'users', tags: null });
    assert.deepEqual(scs.paced, { vus: 1, duration: '1m0s', executor: 'constant-vus', startTime: null, gracefulStop: null, env: { A: '1' }, exec: 'paced', tags: null });
    assert.ok(Object.isFrozen(o) && Object.isFrozen(scs.users) && Object.isFrozen(o.thresholds));
  });
});
