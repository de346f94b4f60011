// Bench (b), the floor: k6's own WebSocket holding the same number of
// connections to the same Socket.IO server, with nothing of the suite. Each
// socket opens /socket.io/?EIO=4&transport=websocket, counts as connected on
// the Engine.IO open packet, and answers the server's pings ("2") with "3".
import exec from 'k6/execution';
import { WebSocket } from 'k6/websockets';
import { Conductor } from './conductor';
import { envInt, envStr } from './env';

const USERS = envInt('USERS');
const USERS_PER_VU = envInt('USERS_PER_VU', 500);
const WS_URL = envStr('API_URL').replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
const CONDUCTOR_URL = envStr('CONDUCTOR_URL');

export const options = {
  scenarios: {
    users: { executor: 'per-vu-iterations', vus: Math.ceil(USERS / USERS_PER_VU), iterations: 1, maxDuration: '20m', gracefulStop: '10s' },
  },
};

export default async function (): Promise<void> {
  const conductor = new Conductor(CONDUCTOR_URL);
  const count = Math.min(USERS, (exec.scenario.iterationInTest + 1) * USERS_PER_VU) - exec.scenario.iterationInTest * USERS_PER_VU;
  await conductor.report({ loggedIn: count });
  await conductor.reach('connect');
  let connected = 0;
  let errors = 0;
  let done: () => void = () => undefined;
  const allOpen = new Promise<void>((resolve) => { done = resolve; });
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(WS_URL);
    ws.onmessage = (e) => {
      const d: unknown = e?.data;
      if (d === '2') ws.send('3');
      else if (typeof d === 'string' && d.charAt(0) === '0') {
        if (++connected + errors === count) done();
      }
    };
    ws.onerror = () => {
      if (connected + ++errors === count) done();
    };
    sockets.push(ws);
  }
  await Promise.race([allOpen, conductor.reach('close')]); // the bench moves on if some never open
  await conductor.report({ connected, checked: connected, errors });
  await conductor.reach('close');
  for (const ws of sockets) ws.close();
}
