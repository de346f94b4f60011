// The queue store: the Redis key layout of queue-contract.md and the Lua scripts
// that make admission atomic. The racy variant of `check` (fault racy-admission)
// lives here too, so both paths share the keys and the answer shape.
import type { Redis } from 'ioredis';

/** The contract's TTL of the active set (the room's TARGET_ACTIVE_TTL_S default). */
export const ACTIVE_TTL_SECONDS = 300;
export const SESSION_TTL_SECONDS = 3600;

export const queueKey = (eventId: string): string => `queue:${eventId}`;
export const activeKey = (eventId: string): string => `active:${eventId}`;
export const sessionKey = (userId: string): string => `socket:session:${userId}`;
export const roomName = (eventId: string): string => `queue:${eventId}`;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string): boolean => UUID_RE.test(s);

/** Already queued (same or new place), already active, admitted now, or queued now. */
export type CheckOutcome =
  | { state: 'queued'; position: number; currentUsers: number }
  | { state: 'active' | 'admitted'; currentUsers: number };

export type StatusOutcome =
  | { state: 'queued'; position: number; queueSize: number; currentUsers: number }
  | { state: 'active' | 'none'; currentUsers: number };

export interface BatchOutcome {
  /** SCARD active before the batch */
  before: number;
  /** ZCARD queue after the batch */
  queueSize: number;
  /** in admission order */
  admitted: string[];
}

// KEYS: queue, active. ARGV: user, threshold, now ms, active ttl, requeue (1 = move a queued user to the back).
// currentUsers is the active count read before any write, as the production code answers it.
// The score is the join time in ms, made strictly increasing: an arrival in the same ms as
// the last one (or a clock step back) gets the last score + 1/1024 ms (exact in a double).
// Without that, equal scores order by member and a later arrival can take an earlier
// arrival's rank, so the positions handed out in a burst would repeat and shift.
const CHECK_LUA = `
local function joinScore()
  local now = tonumber(ARGV[3])
  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
  if last[2] ~= nil and tonumber(last[2]) >= now then return tonumber(last[2]) + 0.0009765625 end
  return now
end
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank then
  if ARGV[5] == '1' then
    redis.call('ZADD', KEYS[1], joinScore(), ARGV[1])
    rank = redis.call('ZRANK', KEYS[1], ARGV[1])
  end
  return {'queued', rank + 1, redis.call('SCARD', KEYS[2])}
end
local count = redis.call('SCARD', KEYS[2])
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return {'active', 0, count}
end
if count < tonumber(ARGV[2]) then
  redis.call('SADD', KEYS[2], ARGV[1])
  redis.call('EXPIRE', KEYS[2], ARGV[4])
  return {'admitted', 0, count}
end
redis.call('ZADD', KEYS[1], joinScore(), ARGV[1])
return {'queued', redis.call('ZRANK', KEYS[1], ARGV[1]) + 1, count}
`;

// KEYS: queue, active. ARGV: user.
const STATUS_LUA = `
local count = redis.call('SCARD', KEYS[2])
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank then
  return {'queued', rank + 1, redis.call('ZCARD', KEYS[1]), count}
end
if redis.call('SISMEMBER', KEYS[2], ARGV[1]) == 1 then
  return {'active', 0, 0, count}
end
return {'none', 0, 0, count}
`;

// KEYS: queue, active. ARGV: threshold, lifo (1/0), over-admit (1/0), active ttl.
// Returns {before, queue size after, user...}. Writes in chunks: Lua's unpack has a stack limit.
const BATCH_LUA = `
local before = redis.call('SCARD', KEYS[2])
local threshold = tonumber(ARGV[1])
local available = threshold - before
if ARGV[3] == '1' then available = threshold end
local users = {}
if available > 0 then
  if ARGV[2] == '1' then
    users = redis.call('ZREVRANGE', KEYS[1], 0, available - 1)
  else
    users = redis.call('ZRANGE', KEYS[1], 0, available - 1)
  end
end
for i = 1, #users, 500 do
  local last = math.min(i + 499, #users)
  redis.call('SADD', KEYS[2], unpack(users, i, last))
  redis.call('ZREM', KEYS[1], unpack(users, i, last))
end
if #users > 0 then redis.call('EXPIRE', KEYS[2], ARGV[4]) end
local out = {before, redis.call('ZCARD', KEYS[1])}
for i = 1, #users do out[#out + 1] = users[i] end
return out
`;

type ScriptFn = (...args: (string | number)[]) => Promise<unknown>;

/** Registers a Lua script (EVALSHA with EVAL fallback, done by ioredis) and returns a caller. */
function defineScript(redis: Redis, name: string, lua: string): ScriptFn {
  redis.defineCommand(name, { numberOfKeys: 2, lua });
  const fn = (redis as unknown as Record<string, ScriptFn>)[name];
  if (typeof fn !== 'function') throw new Error(`cannot define Redis script ${name}`);
  return fn.bind(redis);
}

export interface Session {
  eventId?: string;
  queueEventId?: string;
  seatEventId?: string;
  selectedSeats?: string[];
  lastActivity: number;
}

export class QueueStore {
  private readonly checkScript: ScriptFn;
  private readonly statusScript: ScriptFn;
  private readonly batchScript: ScriptFn;

  constructor(private readonly redis: Redis, private readonly threshold: number, private readonly activeTtlSeconds = ACTIVE_TTL_SECONDS) {
    this.checkScript = defineScript(redis, 'targetQueueCheck', CHECK_LUA);
    this.statusScript = defineScript(redis, 'targetQueueStatus', STATUS_LUA);
    this.batchScript = defineScript(redis, 'targetQueueBatch', BATCH_LUA);
  }

  /** Atomic check: one script, no window between the count and the write. */
  async check(eventId: string, userId: string, opts: { requeue: boolean; now?: number }): Promise<CheckOutcome> {
    const r = (await this.checkScript(queueKey(eventId), activeKey(eventId), userId, this.threshold,
      opts.now ?? Date.now(), this.activeTtlSeconds, opts.requeue ? 1 : 0)) as [string, number, number];
    return toCheckOutcome(r[0], r[1], r[2]);
  }

  /**
   * The production algorithm (fault racy-admission): separate commands, and an await
   * between the read of SCARD and the write, standing for the event lookup there.
   */
  async checkRacy(eventId: string, userId: string, opts: { requeue: boolean; windowMs: number }): Promise<CheckOutcome> {
    const q = queueKey(eventId);
    const a = activeKey(eventId);
    const rank = await this.redis.zrank(q, userId);
    if (rank !== null) {
      if (opts.requeue) await this.redis.zadd(q, Date.now(), userId);
      const position = opts.requeue ? ((await this.redis.zrank(q, userId)) ?? 0) + 1 : rank + 1;
      return { state: 'queued', position, currentUsers: await this.redis.scard(a) };
    }
    if ((await this.redis.sismember(a, userId)) === 1) return { state: 'active', currentUsers: await this.redis.scard(a) };
    const count = await this.redis.scard(a);
    if (opts.windowMs > 0) await new Promise((r) => setTimeout(r, opts.windowMs));
    if (count < this.threshold) {
      await this.redis.sadd(a, userId);
      await this.redis.expire(a, this.activeTtlSeconds);
      return { state: 'admitted', currentUsers: count };
    }
    await this.redis.zadd(q, Date.now(), userId);
    return { state: 'queued', position: ((await this.redis.zrank(q, userId)) ?? 0) + 1, currentUsers: count };
  }

  async status(eventId: string, userId: string): Promise<StatusOutcome> {
    const [state, position, queueSize, currentUsers] = (await this.statusScript(queueKey(eventId), activeKey(eventId), userId)) as [string, number, number, number];
    if (state === 'queued') return { state, position, queueSize, currentUsers };
    return { state: state === 'active' ? 'active' : 'none', currentUsers };
  }

  /** Removes the user from the queue and (unless releaseSlot is false) from the active set. */
  async leave(eventId: string, userId: string, opts: { releaseSlot: boolean }): Promise<{ wasQueued: boolean; wasActive: boolean }> {
    const tx = this.redis.multi().zrem(queueKey(eventId), userId);
    if (opts.releaseSlot) tx.srem(activeKey(eventId), userId);
    const res = await tx.exec();
    if (res === null) throw new Error('leave transaction aborted');
    for (const [err] of res) if (err) throw err;
    return { wasQueued: res[0]?.[1] === 1, wasActive: opts.releaseSlot && res[1]?.[1] === 1 };
  }

  async counts(eventId: string): Promise<{ queueSize: number; currentUsers: number }> {
    const res = await this.redis.multi().zcard(queueKey(eventId)).scard(activeKey(eventId)).exec();
    if (res === null) throw new Error('counts transaction aborted');
    for (const [err] of res) if (err) throw err;
    return { queueSize: Number(res[0]![1]), currentUsers: Number(res[1]![1]) };
  }

  async clear(eventId: string): Promise<void> {
    await this.redis.del(queueKey(eventId), activeKey(eventId));
  }

  /** One processor batch for one event, atomic. */
  async admitBatch(eventId: string, opts: { lifo: boolean; overAdmit: boolean }): Promise<BatchOutcome> {
    const r = (await this.batchScript(queueKey(eventId), activeKey(eventId), this.threshold,
      opts.lifo ? 1 : 0, opts.overAdmit ? 1 : 0, this.activeTtlSeconds)) as (number | string)[];
    return { before: Number(r[0]), queueSize: Number(r[1]), admitted: r.slice(2).map(String) };
  }

  /** Event ids of every `queue:{uuid}` key (SCAN, never KEYS). */
  async queuedEvents(): Promise<string[]> {
    const ids = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', 'queue:*', 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const id = key.slice('queue:'.length);
        if (isUuid(id)) ids.add(id);
      }
    } while (cursor !== '0');
    return [...ids];
  }

  /** Every member of the active set (the replay-admissions fault). */
  async activeMembers(eventId: string): Promise<string[]> {
    return this.redis.smembers(activeKey(eventId));
  }

  /** The readmit-all fault: the whole queue into the active set at once, whatever the threshold. */
  async admitAll(eventId: string): Promise<BatchOutcome> {
    const q = queueKey(eventId);
    const a = activeKey(eventId);
    const members = await this.redis.zrange(q, 0, -1);
    const before = await this.redis.scard(a);
    if (members.length === 0) return { before, queueSize: 0, admitted: [] };
    const res = await this.redis.multi().sadd(a, ...members).expire(a, this.activeTtlSeconds).zrem(q, ...members).zcard(q).exec();
    if (res === null) throw new Error('admitAll transaction aborted');
    for (const [err] of res) if (err) throw err;
    return { before, queueSize: Number(res[3]![1]), admitted: members };
  }

  /** The memory-queue fault: a restarted process lost its in-memory queue; the Redis mirror goes too. Returns the keys deleted. */
  async forgetQueues(): Promise<number> {
    const ids = await this.queuedEvents();
    if (ids.length === 0) return 0;
    return this.redis.del(...ids.map((id) => queueKey(id)));
  }

  // ---- Socket.IO sessions: socket:session:{userId}, JSON, TTL 3600 s

  async getSession(userId: string): Promise<Session | null> {
    const raw = await this.redis.get(sessionKey(userId));
    if (raw === null) return null;
    try {
      const v = JSON.parse(raw) as unknown;
      return typeof v === 'object' && v !== null ? (v as Session) : null;
    } catch {
      return null;
    }
  }

  /** Records that the user waits for eventId (join-queue); keeps seat fields already there. */
  async joinSession(userId: string, eventId: string): Promise<void> {
    const old = await this.getSession(userId);
    const session: Session = { ...old, eventId, queueEventId: eventId, lastActivity: Date.now() };
    await this.redis.set(sessionKey(userId), JSON.stringify(session), 'EX', SESSION_TTL_SECONDS);
  }

  /** Forgets the queue event of the session (leave), keeping the TTL. */
  async clearSessionQueue(userId: string, eventId: string): Promise<void> {
    const old = await this.getSession(userId);
    if (old === null || old.queueEventId !== eventId) return;
    const session: Session = { ...old, lastActivity: Date.now() };
    delete session.queueEventId;
    await this.redis.set(sessionKey(userId), JSON.stringify(session), 'KEEPTTL');
  }
}

function toCheckOutcome(state: string, position: number, currentUsers: number): CheckOutcome {
  if (state === 'queued') return { state, position, currentUsers };
  return { state: state === 'active' ? 'active' : 'admitted', currentUsers };
}
