// Bench (d), the fair CPU floor: the same work as the suite's (a), done naively
// with nothing of the suite. Each user logs in with a plain k6 http.asyncRequest
// (JSON.stringify the body, JSON.parse the answer), opens a bare k6 WebSocket to
// /socket.io/?EIO=4&transport=websocket, answers the Engine.IO open packet with
// a Socket.IO CONNECT carrying its token, and on the server's CONNECT emits
// join-queue and calls check (HTTP calls in flight bounded per VU, as in (a)).
// It answers pings ("2") with "3". In the drain the users admitted at once
// leave (POST leave, then close), as in (a); an admission frame that contains
// the user's id is parsed and counted. No timers, no metrics, no listeners list,
// no codec: what (a) costs above this is the suite's client.
import exec from 'k6/execution';
import http from 'k6/http';
import { WebSocket } from 'k6/websockets';
import { httpPoolOptions } from '../../lib/run/http-pool';
import { Conductor } from './conductor';
import { envInt, envStr } from './env';

const USERS = envInt('USERS');
const USERS_PER_VU = envInt('USERS_PER_VU', 500);
const API_URL = envStr('API_URL');
const WS_URL = API_URL.replace(/^http/, 'ws') + '/socket.io/?EIO=4&transport=websocket';
const EVENT_ID = envStr('EVENT_ID');
const PREFIX = envStr('USER_PREFIX');
const PASSWORD = envStr('USER_PASSWORD');
const CONDUCTOR_URL = envStr('CONDUCTOR_URL');
const HTTP_CONCURRENCY = envInt('HTTP_CONCURRENCY', 50);
const DRAIN_LEAVERS = envInt('DRAIN_LEAVERS', USERS);
const JOIN = '42' + JSON.stringify(['join-queue', { eventId: EVENT_ID }]);

export const options = {
  scenarios: {
    users: { executor: 'per-vu-iterations', vus: Math.ceil(USERS / USERS_PER_VU), iterations: 1, maxDuration: '20m', gracefulStop: '10s' },
  },
  // The scenarios' pool of idle HTTP connections (lib/run/http-pool.ts), so (a), (d) and (e) pay for the same dials.
  ...httpPoolOptions(USERS_PER_VU),
};

interface User { token: string; id: string; ws: WebSocket | undefined; queued: boolean }

const counts = { loggedIn: 0, connected: 0, checked: 0, queued: 0, ownAdmissions: 0, left: 0, errors: 0 };
/** Why users failed after logging in: the bench prints fail_* counts beside the errors. */
const failures = { 'fail_websocket error': 0, 'fail_closed before CONNECT': 0, 'fail_CONNECT refused': 0, 'fail_check failed': 0 };

// At most HTTP_CONCURRENCY requests in flight; the rest wait their turn.
let inFlight = 0;
const backlog: Array<() => void> = [];
function post(path: string, body: string, token: string | undefined): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  const send = () => http.asyncRequest('POST', API_URL + path, body, { headers, timeout: '60s' });
  const run = () => {
    inFlight++;
    return send().finally(() => {
      inFlight--;
      backlog.shift()?.();
    });
  };
  if (inFlight < HTTP_CONCURRENCY) return run();
  return new Promise((resolve, reject) => backlog.push(() => void run().then(resolve, reject)));
}

function noop(): void {}

function json(res: { status: number; body: unknown }): any {
  if (res.status !== 200 && res.status !== 201) throw new Error(`HTTP ${res.status}`);
  return JSON.parse(res.body as string);
}

async function check(u: User): Promise<void> {
  try {
    u.queued = json(await post(`/api/queue/check/${EVENT_ID}`, '{}', u.token)).queued === true;
    counts.checked++;
    if (u.queued) counts.queued++;
  } catch {
    counts.errors++;
    failures['fail_check failed']++;
  }
}

async function login(n: number): Promise<User | undefined> {
  try {
    const s = json(await post('/api/auth/login', JSON.stringify({ email: `${PREFIX}${n}@test.com`, password: PASSWORD }), undefined)) as { token: string; user: { id: unknown } };
    return { token: s.token, id: String(s.user.id), ws: undefined, queued: false };
  } catch {
    return undefined;
  }
}

async function leave(u: User): Promise<void> {
  try {
    const res = await post(`/api/queue/leave/${EVENT_ID}`, '{}', u.token);
    if (res.status >= 200 && res.status < 300) counts.left++;
    else counts.errors++;
  } catch {
    counts.errors++;
  }
  u.ws?.close();
}

function open(u: User, settled: () => void): void {
  const ws = new WebSocket(WS_URL);
  u.ws = ws;
  let state = 0; // 0 opening, 1 connected, 2 done
  const fail = (why: keyof typeof failures) => {
    if (state !== 0) return;
    state = 2;
    counts.errors++;
    failures[why]++;
    settled();
  };
  ws.onmessage = (e) => {
    const d = e?.data;
    if (typeof d !== 'string') return;
    const c = d.charAt(0);
    if (c === '2') {
      ws.send('3');
    } else if (c === '0') {
      ws.send('40' + JSON.stringify({ token: u.token }));
    } else if (d.startsWith('40')) {
      state = 1;
      counts.connected++;
      ws.send(JOIN);
      void check(u).finally(settled);
    } else if (d.startsWith('44')) {
      fail('fail_CONNECT refused');
    } else if (d.startsWith('42') && d.indexOf(u.id) !== -1) {
      try {
        const [event, p] = JSON.parse(d.substring(2)) as [string, { userId?: unknown; eventId?: unknown } | null];
        if (event === 'queue-entry-allowed' && p !== null && String(p.userId) === u.id && p.eventId === EVENT_ID) counts.ownAdmissions++;
      } catch {
        // not JSON: not an admission
      }
    }
  };
  ws.onerror = () => fail('fail_websocket error');
  ws.onclose = () => fail('fail_closed before CONNECT');
}

export default async function (): Promise<void> {
  const conductor = new Conductor(CONDUCTOR_URL);
  const first = exec.scenario.iterationInTest * USERS_PER_VU;
  const last = Math.min(USERS, first + USERS_PER_VU);

  const logins: Array<Promise<User | undefined>> = [];
  for (let n = first + 1; n <= last; n++) logins.push(login(n));
  const users = (await Promise.all(logins)).filter((u): u is User => u !== undefined);
  counts.loggedIn = users.length;
  counts.errors += last - first - users.length;
  await conductor.report({ loggedIn: counts.loggedIn, errors: counts.errors });

  await conductor.reach('connect');
  let pending = users.length;
  const allSettled = new Promise<void>((resolve) => {
    if (pending === 0) resolve();
    for (const u of users) open(u, () => { if (--pending === 0) resolve(); });
  });
  await Promise.race([allSettled, conductor.reach('close')]);
  const errorsBefore = counts.errors;
  await conductor.report({ connected: counts.connected, checked: counts.checked, queued: counts.queued, errors: counts.errors - (last - first - counts.loggedIn), ...failures });

  const leaving: Array<Promise<void>> = [];
  if (await conductor.reach('drain') === 'drain') {
    let quota = Math.ceil(DRAIN_LEAVERS / options.scenarios.users.vus);
    for (const u of users) {
      if (u.queued || quota-- <= 0) continue;
      leaving.push(leave(u));
    }
  }
  await conductor.reach('close');
  for (const u of users) {
    if (u.ws === undefined) continue;
    u.ws.onclose = noop;
    u.ws.onerror = noop;
    u.ws.close();
  }
  await Promise.all(leaving);
  await conductor.report({ ownAdmissions: counts.ownAdmissions, left: counts.left, errors: counts.errors - errorsBefore });
}
