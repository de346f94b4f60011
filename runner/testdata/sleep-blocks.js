// sleep() blocks: the code after it runs once the time has passed (a lower
// bound, never a speed limit). Date.now() has 1 ms steps, hence 299.
import { sleep, check } from 'k6';
export const options = { thresholds: { checks: ['rate==1'] } };
export default function () {
  const started = Date.now();
  sleep(0.3);
  const waited = Date.now() - started;
  check(waited, { 'the code after sleep(0.3) runs 300 ms later or more': (w) => w >= 299 });
}
