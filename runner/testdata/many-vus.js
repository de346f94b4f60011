// More VUs than Node's default listener limit (10), all waiting at once.
import { setTimeout } from 'k6/timers';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 15, iterations: 1 } } };

export default async function () {
  await new Promise((resolve) => setTimeout(resolve, 200));
}
