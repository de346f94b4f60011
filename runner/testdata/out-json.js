// --out json and exec.vu.metrics (runner/output-json.test.ts). MODE: ok | fail | abort | many | wait
import exec from 'k6/execution';
import { check, group } from 'k6';
import { Counter, Trend } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
const depth = new Trend('queue_probe_depth');
const admitted = new Counter('queue_admitted_immediately');
const queued = new Counter('queue_queued');
const wait = new Trend('queue_admission_wait', true);
export const options = {
  scenarios: { default: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } },
  thresholds: {
    queue_admitted_immediately: [__ENV.MODE === 'fail' ? 'count==2' : 'count==1'],
    'queue_queued{user:7}': ['count==0'], // metadata never selects a sub-metric
  },
  summaryTrendStats: ['avg', 'min', 'max', 'count'],
};
export default async function () {
  const mode = __ENV.MODE || 'ok';
  if (mode === 'many') {
    const n = Number(__ENV.N || 10000);
    for (let i = 0; i < n; i++) depth.add(i, { event: 'e1' });
    admitted.add(1);
    return;
  }
  depth.add(3, { event: 'e1' });
  admitted.add(1);
  exec.vu.metrics.metadata.user = '7';
  exec.vu.metrics.metadata.position = 3;
  queued.add(1);
  exec.vu.metrics.tags.region = 'eu';
  delete exec.vu.metrics.metadata.position;
  group('g', () => {
    wait.add(1500);
  });
  delete exec.vu.metrics.metadata.user;
  delete exec.vu.metrics.tags.region;
  check(1, { 'is one': (v) => v === 1 });
  let typeError = '';
  try {
    exec.vu.metrics.metadata.bad = { a: 1 };
  } catch (e) {
    typeError = `${e.name}: ${e.message}`;
  }
  console.log(`metadata now ${JSON.stringify(exec.vu.metrics.metadata)} tags ${JSON.stringify(exec.vu.metrics.tags)} typeError=${typeError}`);
  if (mode === 'abort') exec.test.abort('stop here');
  if (mode === 'wait') {
    console.log('waiting for a signal');
    await new Promise((r) => setTimeout(r, 20000));
  }
}
