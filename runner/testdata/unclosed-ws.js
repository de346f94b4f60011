import { WebSocket } from 'k6/websockets';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '500ms' } } };
export default function () {
  const ws = new WebSocket(__ENV.WS_URL);
  ws.onopen = () => console.log('opened and never closed');
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
