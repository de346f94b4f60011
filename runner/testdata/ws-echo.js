import { WebSocket } from 'k6/websockets';
import { check } from 'k6';
import { setTimeout } from 'k6/timers';
export const options = { vus: 2, iterations: 2, thresholds: { checks: ['rate==1'], ws_msgs_received: ['count==4'] } };
export default function () {
  const ws = new WebSocket(__ENV.WS_URL);
  let got = [];
  ws.addEventListener('open', () => { ws.send('hello'); ws.send('world'); });
  ws.onmessage = (e) => {
    got.push(e.data);
    if (got.length === 2) {
      check(got, { 'echoed both, as strings': (g) => g[0] === 'hello' && g[1] === 'world' && typeof g[0] === 'string' });
      setTimeout(() => ws.close(), 10);
    }
  };
  ws.onclose = (e) => { check(e, { 'closed normally': (c) => c.code === 1000 }); };
  const bad = new WebSocket('ws://127.0.0.1:1/');
  const seen = [];
  bad.onerror = (e) => seen.push(`error:${typeof e.error}`);
  bad.onclose = () => { seen.push('close'); check(seen, { 'failure: error then close': (s) => s.join(',') === 'error:string,close' }); };
}
export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
