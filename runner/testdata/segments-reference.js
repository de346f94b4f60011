// The recorded example (shared/k6-reference "Execution segments"): a
// per-vu-iterations scenario with 4 VUs and a 1-VU scenario, split in two.
import exec from 'k6/execution';
export const options = {
  scenarios: {
    four: { executor: 'per-vu-iterations', vus: 4, iterations: 1, exec: 'work' },
    one: { executor: 'per-vu-iterations', vus: 1, iterations: 1, exec: 'work' },
  },
  thresholds: { iterations: ['count>=0'] },
};
export function work() {
  console.log(`vu=${exec.vu.idInTest} scenario=${exec.scenario.name} iter=${exec.scenario.iterationInTest}`);
  if (exec.scenario.name === 'four' && exec.scenario.iterationInInstance === 0) console.log(`options ${JSON.stringify(exec.test.options)}`);
}
