import { Counter } from 'k6/metrics';
import { setTimeout } from 'k6/timers';
const errors = new Counter('errors');
export const options = {
  scenarios: { busy: { executor: 'constant-vus', vus: 1, duration: '30s', gracefulStop: '0s' } },
  thresholds: { errors: [{ threshold: 'count<1', abortOnFail: true }] },
};
export default async function () {
  errors.add(1);
  await new Promise((r) => setTimeout(r, 100));
}
