import { Counter } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
const done = new Counter('done');
export const options = { iterations: 3, thresholds: { iterations: ['count==3'] } };
export default async function () {
  done.add(1);
  await new Promise((r) => setTimeout(r, 10));
  throw new Error('rejected on purpose');
}
