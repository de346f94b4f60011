// The HTTP API of queue-contract.md: auth, queue, admin and health routes.
import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import { isEmail, type TargetConfig } from './config.ts';
import { signToken, verifyToken, type Claims, type UserStore } from './auth.ts';
import type { Faults } from './faults.ts';
import { HttpError, Router, type RequestContext } from './http.ts';
import { isUuid, type QueueStore } from './store.ts';

export interface ApiDeps {
  config: TargetConfig;
  redis: Redis;
  users: UserStore;
  store: QueueStore;
  faults: Faults;
  /** tells the room of an event that an admin cleared it */
  queueCleared(eventId: string, message: string): void;
}

const ok = (body: unknown, status = 200) => Promise.resolve({ status, body });

export function bearerClaims(req: IncomingMessage, secret: string): Claims {
  const header = req.headers.authorization;
  if (header === undefined || header === '') throw new HttpError(401, 'Authentication required');
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (m === null) throw new HttpError(401, 'Authentication required: expected "Authorization: Bearer <token>"');
  const result = verifyToken(m[1]!, secret);
  if (!result.ok) throw new HttpError(401, result.reason === 'expired' ? 'Token expired' : 'Invalid token');
  return result.claims;
}

export function eventIdParam(ctx: RequestContext): string {
  const raw = ctx.params.eventId ?? '';
  if (!isUuid(raw)) {
    const shown = raw.length > 64 ? `${raw.slice(0, 64)}...` : raw;
    throw new HttpError(400, `invalid eventId: expected a UUID, got ${JSON.stringify(shown)}`);
  }
  return raw;
}

function stringField(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const v = body[name];
  if (v === undefined || v === null) {
    if (required) throw new HttpError(400, `invalid ${name}: required`);
    return undefined;
  }
  if (typeof v !== 'string') throw new HttpError(400, `invalid ${name}: expected a string, got ${typeof v}`);
  return v;
}

/** The target has no event catalogue: any UUID is an event with a synthesized title. */
export function eventInfo(eventId: string): { id: string; title: string } {
  return { id: eventId, title: `Event ${eventId.slice(0, 8)}` };
}

export function buildRouter(deps: ApiDeps): Router {
  const { config, users, store, faults } = deps;
  const router = new Router();
  const secret = config.jwtSecret;
  const intervalSeconds = Math.ceil(config.processorIntervalMs / 1000);

  /** Correct: the processor's best-case pace, one threshold-sized batch per interval. */
  const estimatedWait = (position: number): number =>
    faults.has('wrong-estimate') ? 30 * position : Math.ceil(position / config.threshold) * intervalSeconds;

  const admin = (ctx: RequestContext): Claims => {
    const claims = bearerClaims(ctx.req, secret);
    if (claims.role !== 'admin') throw new HttpError(403, 'Admin access required');
    return claims;
  };

  router.add('GET', '/health', async () => {
    if (deps.redis.status !== 'ready') {
      return { status: 503, body: { status: 'unavailable', error: `queue store unavailable; redis is ${deps.redis.status}` } };
    }
    await deps.redis.ping();
    return { status: 200, body: { status: 'ok' } };
  });

  router.add('POST', '/api/auth/register', async (ctx) => {
    const body = await ctx.body();
    const email = stringField(body, 'email', true)!.trim();
    const password = stringField(body, 'password', true)!;
    const name = stringField(body, 'name', true)!.trim();
    const phone = stringField(body, 'phone', false);
    if (!isEmail(email)) throw new HttpError(400, `invalid email: expected an email address, got ${JSON.stringify(email.slice(0, 100))}`);
    if (password.length < 6) throw new HttpError(400, 'invalid password: expected at least 6 characters');
    if (password.length > 1024) throw new HttpError(400, 'invalid password: expected at most 1024 characters');
    if (name === '' || name.length > 100) throw new HttpError(400, 'invalid name: expected 1 to 100 characters');
    const user = await users.register({ email, password, name, ...(phone !== undefined ? { phone } : {}) });
    if (user === null) throw new HttpError(409, 'Email already registered');
    return { status: 201, body: { token: signToken(user, secret), user } };
  });

  router.add('POST', '/api/auth/login', async (ctx) => {
    const body = await ctx.body();
    const email = stringField(body, 'email', true)!;
    const password = stringField(body, 'password', true)!;
    const user = await users.login(email, password);
    if (user === null) throw new HttpError(401, 'Invalid email or password');
    return { status: 200, body: { message: 'Login successful', token: signToken(user, secret), user } };
  });

  router.add('POST', '/api/queue/check/:eventId', async (ctx) => {
    const user = bearerClaims(ctx.req, secret);
    const eventId = eventIdParam(ctx);
    const requeue = faults.has('requeue-on-reconnect');
    const r = faults.has('racy-admission')
      ? await store.checkRacy(eventId, user.id, { requeue, windowMs: config.racyWindowMs })
      : await store.check(eventId, user.id, { requeue });
    const info = eventInfo(eventId);
    if (r.state === 'queued') {
      return ok({ queued: true, position: r.position, estimatedWait: estimatedWait(r.position), threshold: config.threshold, currentUsers: r.currentUsers, eventInfo: info });
    }
    return ok({ queued: false, currentUsers: r.currentUsers, threshold: config.threshold, eventInfo: info });
  });

  router.add('GET', '/api/queue/status/:eventId', async (ctx) => {
    const user = bearerClaims(ctx.req, secret);
    const eventId = eventIdParam(ctx);
    const r = await store.status(eventId, user.id);
    if (r.state === 'queued') {
      return ok({ status: 'queued', queued: true, position: r.position, estimatedWait: estimatedWait(r.position), queueSize: r.queueSize, currentUsers: r.currentUsers });
    }
    return ok({ status: r.state === 'active' ? 'active' : 'not_in_queue', queued: false, currentUsers: r.currentUsers });
  });

  router.add('POST', '/api/queue/leave/:eventId', async (ctx) => {
    const user = bearerClaims(ctx.req, secret);
    const eventId = eventIdParam(ctx);
    const r = await store.leave(eventId, user.id, { releaseSlot: !faults.has('no-release') });
    await store.clearSessionQueue(user.id, eventId);
    return ok({ message: 'Left the queue', eventId, wasQueued: r.wasQueued, wasActive: r.wasActive });
  });

  router.add('GET', '/api/queue/admin/:eventId', async (ctx) => {
    admin(ctx);
    const eventId = eventIdParam(ctx);
    const { queueSize, currentUsers } = await store.counts(eventId);
    return ok({ eventId, queueSize, currentUsers, threshold: config.threshold, available: Math.max(0, config.threshold - currentUsers) });
  });

  router.add('POST', '/api/queue/admin/clear/:eventId', async (ctx) => {
    admin(ctx);
    const eventId = eventIdParam(ctx);
    await store.clear(eventId);
    const message = 'The queue was cleared by an administrator';
    deps.queueCleared(eventId, message);
    return ok({ message: 'Queue cleared', eventId });
  });

  return router;
}
