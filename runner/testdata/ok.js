import { check } from 'k6';
import { Counter } from 'k6/metrics';
const c = new Counter('ok_counter');
export const options = { vus: 2, iterations: 4, thresholds: { ok_counter: ['count==4'], checks: ['rate==1'] } };
export default function () { c.add(1); check(1, { one: (v) => v === 1 }); }
