// The original redis.js on k6 v2.2.0 (shared/k6-reference/README.md, "The
// runner's own testdata scripts"): an uncaught nil reply ends the iteration
// with `Uncaught (in promise) redis: nil`; the run still exits 0.
import redis from 'k6/x/redis';
import { Counter } from 'k6/metrics';
const after = new Counter('after_nil');
const client = new redis.Client(__ENV.REDIS_URL);
export const options = { thresholds: { after_nil: ['count==0'] } };
export default async function () {
  await client.sendCommand('DEL', 'nope');
  await client.sendCommand('GET', 'nope');
  after.add(1);
}
