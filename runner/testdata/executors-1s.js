// executors.js with a constant-vus duration k6 accepts (at least 1s): executors.js itself is refused, as by k6 v2.2.0.
import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
const runs = new Counter('runs');
export const options = {
  scenarios: {
    pervu: { executor: 'per-vu-iterations', vus: 3, iterations: 2, exec: 'work' },
    shared: { executor: 'shared-iterations', vus: 2, iterations: 5, exec: 'work' },
    constant: { executor: 'constant-vus', vus: 2, duration: '1s', exec: 'paced', env: { PACE: '50' }, tags: { kind: 'paced' } },
  },
  thresholds: {
    'runs{scenario:pervu}': ['count==6'],
    'runs{scenario:shared}': ['count==5'],
    'runs{kind:paced}': ['count>=2'],
  },
};
export function work() {
  runs.add(1);
  console.log(`vu=${exec.vu.idInTest} scenario=${exec.scenario.name} iter=${exec.scenario.iterationInTest} __VU=${__VU}`);
}
export async function paced() {
  runs.add(1);
  console.log(`vu=${exec.vu.idInTest} scenario=${exec.scenario.name} iter=${exec.scenario.iterationInTest} __VU=${__VU}`);
  await new Promise((r) => setTimeout(r, Number(__ENV.PACE)));
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
