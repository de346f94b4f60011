import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
const c = new Counter('after_sleep');
export const options = { thresholds: { after_sleep: ['count==0'] } };
export default function () { sleep(1); c.add(1); }
