// Bench (a): the suite's own path for waiting users, many per VU. Each user
// logs in (QueueApi), opens the suite's Socket.IO client with its token, joins
// the event's room, calls check and waits for an admission carrying its own id,
// exactly as lib/flow/user.ts does (same listeners, the same id pre-filter, one
// admission timer per queued user, the same metrics on the way: socket connect
// time, queued or admitted at once with the user's facts as metadata, the
// position counter, the admission wait; no Redis probe). The bench process conducts the phases:
//   wait → connect (all users connect at once) → drain (the users admitted at
//   once leave, the processor admits one batch from the queue) → close.
import exec from 'k6/execution';
import { ApiError, QueueApi, type Session } from '../../lib/api/client';
import { admissionFilter, isOwnAdmission } from '../../lib/flow/admission';
import { Latch, Semaphore } from '../../lib/flow/time';
import { addWithMetadata, metrics } from '../../lib/metrics';
import { createSocketIO, SocketIOError, type SocketIOClient } from '../../lib/socketio';
import { httpPoolOptions } from '../../lib/run/http-pool';
import { Conductor } from './conductor';
import { envInt, envStr } from './env';

const USERS = envInt('USERS');
const USERS_PER_VU = envInt('USERS_PER_VU', 500);
const API_URL = envStr('API_URL');
const EVENT_ID = envStr('EVENT_ID');
const PREFIX = envStr('USER_PREFIX');
const PASSWORD = envStr('USER_PASSWORD');
const CONDUCTOR_URL = envStr('CONDUCTOR_URL');
const HTTP_CONCURRENCY = envInt('HTTP_CONCURRENCY', 50);
const WAIT_LIMIT_MS = 15 * 60_000;
/** How many of the users admitted at once leave in the drain: the size of the batch the processor then admits. */
const DRAIN_LEAVERS = envInt('DRAIN_LEAVERS', USERS);

export const options = {
  scenarios: {
    users: { executor: 'per-vu-iterations', vus: Math.ceil(USERS / USERS_PER_VU), iterations: 1, maxDuration: '20m', gracefulStop: '10s' },
  },
  // The scenarios' pool of idle HTTP connections (lib/run/http-pool.ts), so (a), (d) and (e) pay for the same dials.
  ...httpPoolOptions(USERS_PER_VU),
};

interface Admission { at: number }

interface Waiting {
  n: number;
  token: string;
  socket: SocketIOClient;
  admitted: Latch<Admission>;
  queued: boolean;
  checkedAt: number;
  position: number;
  estimatedWait: number;
}

const api = new QueueApi(API_URL, { timeoutMs: 60_000 });

/** This VU's tallies (module state is per VU: each VU is its own runtime). */
/** Why users failed after logging in (fail_<what>): the bench prints these beside the errors. */
const failures: Record<string, number> = {};
const counts = { loggedIn: 0, connected: 0, checked: 0, queued: 0, ownAdmissions: 0, left: 0, errors: 0, protocolErrors: 0, disconnects: 0 };

// As lib/flow/user.ts: handlers every socket shares are defined once.
function countProtocolError(): void {
  counts.protocolErrors++;
  metrics.protocolErrors.add(1);
}

function countDisconnect(reason: unknown): void {
  if (reason === 'io client disconnect') return;
  counts.disconnects++;
  metrics.socketErrors.add(1, { kind: 'disconnect' });
}

/** As lib/flow/user.ts: only this user's admission, found without parsing the others. */
function open(n: number, session: Session, gate: Semaphore): Promise<Waiting> {
  const me = String(session.user.id);
  const token = session.token;
  const admitted = new Latch<Admission>();
  const socket = createSocketIO(API_URL, {
    auth: { token },
    timeoutMs: 60_000,
    onProtocolError: countProtocolError,
    mustContain: admissionFilter(me),
  });
  socket.on('queue-entry-allowed', (payload: unknown) => {
    if (isOwnAdmission(payload, me, EVENT_ID)) admitted.fire({ at: Date.now() });
  });
  socket.on('disconnect', countDisconnect);
  return socket.connect().then(async ({ connectMs }) => {
    metrics.socketConnect.add(connectMs);
    socket.emit('join-queue', { eventId: EVENT_ID });
    counts.connected++;
    const checkedAt = Date.now();
    // A user whose check fails closes its socket, or it would keep the VU running.
    const answer = await gate.run(() => api.check(token, EVENT_ID)).catch((err: unknown) => {
      socket.close();
      throw err;
    });
    if (answer.queued) {
      addWithMetadata(metrics.queued, 1, { user: n, position: answer.position });
      metrics.positions.add(1, { position: String(answer.position) });
      return { n, token, socket, admitted, queued: true, checkedAt, position: answer.position, estimatedWait: answer.estimatedWait };
    }
    addWithMetadata(metrics.admittedImmediately, 1, { user: n });
    return { n, token, socket, admitted, queued: false, checkedAt, position: 0, estimatedWait: 0 };
  });
}

export default async function (): Promise<void> {
  const conductor = new Conductor(CONDUCTOR_URL);
  const first = exec.scenario.iterationInTest * USERS_PER_VU;
  const last = Math.min(USERS, first + USERS_PER_VU);

  // As in lib/flow/user.ts: a VU's HTTP calls in flight are bounded (logins and checks alike).
  const http = new Semaphore(HTTP_CONCURRENCY);
  const logins: Array<Promise<Session | undefined>> = [];
  for (let n = first + 1; n <= last; n++) {
    logins.push(http.run(() => api.login(`${PREFIX}${n}@test.com`, PASSWORD)).catch(() => { counts.errors++; return undefined; }));
  }
  const sessions = await Promise.all(logins);
  logins.length = 0;
  counts.loggedIn = sessions.filter((s) => s !== undefined).length;
  await conductor.report({ loggedIn: counts.loggedIn, errors: counts.errors });

  await conductor.reach('connect');
  const users: Waiting[] = [];
  // The flow keeps a user's token and id, not the whole login answer.
  const opening = sessions.map(async (s, i) => {
    if (s === undefined) return;
    try {
      const u = await open(first + 1 + i, s, http);
      users.push(u);
      counts.checked++;
      if (u.queued) counts.queued++;
    } catch (err) {
      counts.errors++;
      const why = err instanceof SocketIOError ? `fail_Socket.IO ${err.kind}` : err instanceof ApiError ? `fail_check ${err.kind}` : 'fail_other';
      failures[why] = (failures[why] ?? 0) + 1;
    }
  });
  sessions.length = 0;
  await Promise.all(opening);
  opening.length = 0;
  await conductor.report({ connected: counts.connected, checked: counts.checked, queued: counts.queued, errors: counts.errors - (last - first - counts.loggedIn), ...failures });

  // Waiting: one admission timer per queued user, as in the suite's flow. In the
  // drain DRAIN_LEAVERS of the users admitted at once leave, so the processor
  // admits one batch of that size from the queue (each admitted user announced
  // to the whole room); those stay, which keeps the bench's work per N bounded.
  const leaving: Array<Promise<void>> = [];
  const leave = (u: Waiting) => api.leave(u.token, EVENT_ID).then(() => { counts.left++; }, () => { counts.errors++; }).finally(() => u.socket.close());
  const waits = users.filter((u) => u.queued).map(async (u) => {
    const got = await u.admitted.wait(WAIT_LIMIT_MS);
    if (got === undefined || got.at < 0) return;
    counts.ownAdmissions++;
    metrics.admittedFromQueue.add(1);
    addWithMetadata(metrics.admissionWait, got.at - u.checkedAt, { user: u.n, position: u.position, estimate_ms: u.estimatedWait * 1000 });
  });
  if (await conductor.reach('drain') === 'drain') {
    let quota = Math.ceil(DRAIN_LEAVERS / options.scenarios.users.vus);
    for (const u of users) if (!u.queued && quota-- > 0) leaving.push(leave(u));
  }
  await conductor.reach('close');
  for (const u of users) {
    u.admitted.fire({ at: -1 }); // ends the waits of those still queued
    u.socket.close();
  }
  await Promise.all(waits);
  await Promise.all(leaving);
  await conductor.report({ ownAdmissions: counts.ownAdmissions, left: counts.left, protocolErrors: counts.protocolErrors, disconnects: counts.disconnects });
}
