import { Trend } from 'k6/metrics';
const t = new Trend('slow');
export const options = { thresholds: { slow: ['p(95)<10'], iterations: ['count>100'] } };
export default function () { t.add(50); }
