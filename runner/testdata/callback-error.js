import { setTimeout } from 'k6/timers';
import { Counter } from 'k6/metrics';
const after = new Counter('after_throw');
export const options = {
  scenarios: { late: { executor: 'per-vu-iterations', vus: 1, iterations: 2, startTime: '200ms' } },
  thresholds: { after_throw: ['count==0'], iterations: ['count==2'] },
};
export default function () {
  setTimeout(() => { throw new Error('thrown in a timer'); }, 5);
  setTimeout(() => after.add(1), 50); // cancelled: the exception ended the iteration
}
