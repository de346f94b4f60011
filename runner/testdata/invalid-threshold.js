import { Trend } from 'k6/metrics';
const t = new Trend('latency');
export const options = { thresholds: { latency: ['count>1'] } };
export default function () { t.add(1); }
