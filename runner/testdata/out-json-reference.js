// The recorded --out json example (shared/k6-reference "--out json").
import { Counter, Trend } from 'k6/metrics';
const depth = new Trend('queue_probe_depth');
const admitted = new Counter('queue_admitted_immediately');
export default function () {
  depth.add(3, { event: 'e1' });
  admitted.add(1);
}
export function handleSummary() {
  return {};
}
