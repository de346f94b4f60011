// summaryTrendStats with 'count' (k6 accepts it): handleSummary's data (runner/output-json.test.ts).
import { Trend } from 'k6/metrics';
const wait = new Trend('wait_ms', true);
export const options = { summaryTrendStats: ['avg', 'p(95)', 'count'], thresholds: { wait_ms: ['avg<100'] } };
export default function () {
  for (const v of [10, 20, 30, 40]) wait.add(v);
}
export function handleSummary(data) {
  return { stdout: JSON.stringify(data) };
}
