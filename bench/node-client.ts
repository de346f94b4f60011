// Bench (c): what the Tiketi guide's own script did, a plain Node process with
// socket.io-client (and fetch instead of axios): log in, connect over the
// websocket transport, join the room, check, wait for the own admission. It
// follows the same conductor phases as the k6 scripts (bench/k6/queue-wait.ts).
//   node --import tsx bench/node-client.ts   (environment as the k6 scripts)
import { io, type Socket } from 'socket.io-client';

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`invalid ${name}; reason: expected a value (the bench sets it), got nothing`);
  return v;
}

const USERS = Number(env('USERS'));
const API_URL = env('API_URL');
const EVENT_ID = env('EVENT_ID');
const PREFIX = env('USER_PREFIX');
const PASSWORD = env('USER_PASSWORD');
const CONDUCTOR_URL = env('CONDUCTOR_URL');
const CONCURRENCY = 50;
const DEADLINE = Date.now() + 20 * 60_000;

async function post(path: string, body: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${API_URL}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  const json = await res.json() as any;
  if (!res.ok) throw new Error(`POST ${path}: ${res.status}`);
  return json;
}

async function report(counts: Record<string, number>): Promise<void> {
  const q = Object.entries(counts).map(([k, v]) => `${k}=${v}`).join('&');
  await fetch(`${CONDUCTOR_URL}/report?${q}`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
}

const ORDER = ['wait', 'connect', 'drain', 'close'];
let phase = 'wait';
async function reach(want: string): Promise<string> {
  while (ORDER.indexOf(phase) < ORDER.indexOf(want) && Date.now() < DEADLINE) {
    const body = (await (await fetch(`${CONDUCTOR_URL}/phase`, { signal: AbortSignal.timeout(10_000) })).text()).trim();
    if (ORDER.includes(body)) phase = body;
    if (ORDER.indexOf(phase) < ORDER.indexOf(want)) await new Promise((r) => setTimeout(r, 100));
  }
  return phase;
}

async function pool<T>(n: number, fn: (i: number) => Promise<T>): Promise<Array<T | undefined>> {
  const out: Array<T | undefined> = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
    while (next < n) {
      const i = next++;
      try {
        out[i] = await fn(i);
      } catch {
        out[i] = undefined;
      }
    }
  }));
  return out;
}

interface Waiting { token: string; socket: Socket; queued: boolean; onAdmitted: (() => void) | null; admitted: boolean }

async function main(): Promise<void> {
  const counts = { loggedIn: 0, connected: 0, checked: 0, queued: 0, ownAdmissions: 0, left: 0, errors: 0, disconnects: 0 };
  const sessions = await pool(USERS, (i) => post('/api/auth/login', { email: `${PREFIX}${i + 1}@test.com`, password: PASSWORD }) as Promise<{ token: string; user: { id: string } }>);
  counts.loggedIn = sessions.filter((s) => s !== undefined).length;
  await report({ loggedIn: counts.loggedIn, errors: USERS - counts.loggedIn });

  await reach('connect');
  const users: Waiting[] = [];
  await Promise.all(sessions.map(async (s) => {
    if (s === undefined) return;
    const me = String(s.user.id);
    const socket = io(API_URL, { transports: ['websocket'], auth: { token: s.token }, reconnection: false, forceNew: true, timeout: 60_000 });
    const u: Waiting = { token: s.token, socket, queued: false, onAdmitted: null, admitted: false };
    socket.on('queue-entry-allowed', (p: { userId?: unknown; eventId?: unknown }) => {
      if (!u.admitted && String(p?.userId) === me && p.eventId === EVENT_ID) {
        u.admitted = true;
        counts.ownAdmissions++;
        u.onAdmitted?.();
      }
    });
    socket.on('disconnect', (reason) => { if (reason !== 'io client disconnect') counts.disconnects++; });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('connect_error', (err) => reject(err));
      });
      socket.emit('join-queue', { eventId: EVENT_ID });
      counts.connected++;
      const answer = await post(`/api/queue/check/${EVENT_ID}`, {}, s.token);
      u.queued = answer.queued === true;
      counts.checked++;
      if (u.queued) counts.queued++;
      users.push(u);
    } catch {
      counts.errors++;
      socket.disconnect();
    }
  }));
  await report({ connected: counts.connected, checked: counts.checked, queued: counts.queued, errors: counts.errors });

  const leaving: Array<Promise<void>> = [];
  const leave = (u: Waiting) => post(`/api/queue/leave/${EVENT_ID}`, {}, u.token).then(() => { counts.left++; }, () => { counts.errors++; }).finally(() => u.socket.disconnect());
  if (await reach('drain') === 'drain') {
    for (const u of users) {
      if (!u.queued || u.admitted) leaving.push(leave(u));
      else u.onAdmitted = () => leaving.push(leave(u));
    }
  }
  await reach('close');
  for (const u of users) {
    u.onAdmitted = null;
    u.socket.disconnect();
  }
  await Promise.all(leaving);
  await report({ ownAdmissions: counts.ownAdmissions, left: counts.left, disconnects: counts.disconnects });
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`node-client: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
