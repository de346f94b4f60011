// handleSummary naming a file in a folder that does not exist: k6 creates no
// folder, logs the failure and keeps the thresholds' exit code (99 here).
import { Counter } from 'k6/metrics';
const c = new Counter('summary_counter');
export const options = { thresholds: { summary_counter: ['count==0'] } };
export default function () { c.add(1); }
export function handleSummary() {
  return { 'results/x.json': '{"written":true}', 'here.json': '{"written":true}', stdout: 'summary on stdout\n' };
}
