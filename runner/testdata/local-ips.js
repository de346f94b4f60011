// --local-ips: each VU's HTTP requests and WebSockets come from its own
// address, handed out in VU order. The servers answer /whoami with the peer's
// address; the check's name records what each VU was seen from.
import { check } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';

export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 1 } } };

export default async function () {
  const res = http.get(`${__ENV.BASE}/whoami`);
  const wsFrom = await new Promise((resolve) => {
    const ws = new WebSocket(`${__ENV.WS_URL}whoami`);
    ws.onmessage = (e) => { resolve(String(e.data)); ws.close(); };
    ws.onerror = () => resolve('error');
  });
  check(res, { [`vu ${exec.vu.idInInstance}: http from ${res.body}, ws from ${wsFrom}`]: () => true });
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
