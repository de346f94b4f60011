// Execution segments: which VUs and iterations this instance runs (runner/segments.test.ts).
import exec from 'k6/execution';
export const options = {
  scenarios: {
    pervu: { executor: 'per-vu-iterations', vus: 8, iterations: 2, exec: 'work' },
    shared: { executor: 'shared-iterations', vus: 4, iterations: 12, exec: 'work' },
    paced: { executor: 'constant-vus', vus: 4, duration: '1s', exec: 'paced' },
  },
};
function line() {
  return `vu=${exec.vu.idInTest} local=${exec.vu.idInInstance} __VU=${__VU} scenario=${exec.scenario.name} iter=${exec.scenario.iterationInTest} iterLocal=${exec.scenario.iterationInInstance}`;
}
export function work() {
  console.log(line());
}
export async function paced() {
  // One iteration per VU is enough to see which VUs run here; then idle until the duration ends.
  if (exec.vu.iterationInScenario === 0) console.log(line());
  await new Promise((r) => setTimeout(r, 200));
}
