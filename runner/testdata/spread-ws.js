// One VU, K WebSockets at once. Each sends M numbered frames on open; the
// server (spread.test.ts) sends each socket M numbered frames on connect and
// closes it (4000) once it has the socket's M frames. Checks: each socket is
// told its frames in order, all before its close; and (CHECK_INTERLEAVE=1)
// the deliveries of different sockets interleave.
import { WebSocket } from 'k6/websockets';
import { check } from 'k6';

const K = Number(__ENV.K || 8);
const M = Number(__ENV.M || 50);
export const options = { thresholds: { checks: ['rate==1'] } };

export default function () {
  const order = []; // socket number of every message, in the order the script was told
  let closed = 0;
  for (let s = 0; s < K; s++) {
    const ws = new WebSocket(`${__ENV.WS_URL}?s=${s}`);
    const got = [];
    ws.onopen = () => {
      for (let j = 0; j < M; j++) ws.send(String(j));
    };
    ws.onmessage = (e) => {
      got.push(Number(e.data));
      order.push(s);
    };
    ws.onclose = (e) => {
      check(got, { 'a socket is told its frames in order, all before its close': (g) => e.code === 4000 && g.length === M && g.every((v, j) => v === j) });
      if (++closed < K) return;
      if (__ENV.CHECK_INTERLEAVE === '1') {
        let switches = 0;
        for (let i = 1; i < order.length; i++) if (order[i] !== order[i - 1]) switches++;
        // K - 1 switches if each socket's frames were handed over as one block
        check(switches, { 'the deliveries of different sockets interleave': (n) => n > K - 1 });
      }
    };
  }
}

export function handleSummary(data) { return { stdout: JSON.stringify(data) }; }
