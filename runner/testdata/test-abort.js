import exec from 'k6/execution';
import { setTimeout } from 'k6/timers';
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '30s' } } };
export default async function () {
  await new Promise((r) => setTimeout(r, 50));
  if (exec.vu.idInTest === 1 && exec.vu.iterationInScenario === 2) exec.test.abort('enough of this');
}
