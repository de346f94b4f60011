// Read-only probes of the waiting room's Redis keys. xk6-redis has no ZSET or
// SCARD methods, so every probe is a raw command. Pure: no k6 import, so the
// reply handling is unit-tested in Node on the shapes recorded from real k6
// (shared/k6-reference/README.md, "xk6-redis replies").
//
// How xk6-redis answers, and what the probe makes of it:
//   a nil reply (ZRANK/ZSCORE of a non-member)  rejects with the string 'redis: nil' -> an answer: null
//   an error reply (WRONGTYPE, ERR ...)          rejects with the reply's text, a string -> a 'reply' error
//   the server cannot be reached                 rejects with an object (dial tcp ...) -> a 'connection' error
// Errors are reported through onError (the scenario counts them in
// queue_probe_errors, whose count==0 threshold fails a run whose probes went
// blind). After a connection error the probe rests for a while instead of
// making every user wait ~1.6 s per command for a dead server, then tries again.
import { parseCount, parseScore, parseWithScores, type Counts, type OwnState, type QueueHead } from './invariants';

export interface RedisLike {
  sendCommand(command: string, ...args: Array<string | number>): Promise<unknown>;
}

export const queueKey = (eventId: string): string => `queue:${eventId}`;
export const activeKey = (eventId: string): string => `active:${eventId}`;

/** Redis URLs in logs keep host and port only: a password may sit in the URL. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/** The URL with the password put in, for the client only; never printed. */
export function urlWithPassword(url: string, password: string | undefined): string {
  if (password === undefined || password === '') return url;
  const m = /^(rediss?:\/\/)(?:([^:@/]*)(?::[^@/]*)?@)?(.*)$/.exec(url);
  if (m === null) return url;
  const user = m[2] ?? '';
  return `${m[1]}${user}:${encodeURIComponent(password)}@${m[3]}`;
}

export type ProbeErrorKind = 'reply' | 'connection';

/** The recorded text of a nil reply. */
export const NIL_REPLY = 'redis: nil';

/** The text of a rejection, whatever its shape (string, Error, or a plain object with a message). */
export function rejectionText(err: unknown): string {
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null) {
    const m = (err as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  }
  return String(err);
}

/**
 * What a rejected command means: a nil reply is an answer; a string is the
 * server's error reply; anything else is the transport failing. Error replies
 * from Redis always start with an upper-case code (ERR, WRONGTYPE, NOAUTH...),
 * which also classifies an Error object that carries one.
 */
export function classifyRejection(err: unknown): 'nil' | ProbeErrorKind {
  const text = rejectionText(err);
  if (text === NIL_REPLY) return 'nil';
  if (typeof err === 'string') return 'reply';
  return /^[A-Z]{2,}[A-Z_]*( |$)/.test(text) ? 'reply' : 'connection';
}

export interface ProbeOptions {
  /** Called once per failed command; the scenario counts and logs it. */
  onError?: (kind: ProbeErrorKind, message: string) => void;
  /** How long to rest after a connection error before trying again. */
  restMs?: number;
  /** The clock, for tests. */
  now?: () => number;
  /**
   * At most this many commands of this probe in flight; the others wait their
   * turn, in order. xk6-redis serves a client's commands from go-redis's pool
   * and fails one that waits too long for a connection (`redis: connection
   * pool timeout`: 1,134 times in the recorded 100,000-user run on real k6,
   * when a batch of admissions made a VU's users read Redis at once). Unset:
   * no bound.
   */
  maxInFlight?: number;
}

const FAILED: unique symbol = Symbol('failed');
type Reply = unknown | typeof FAILED;

export class QueueProbe {
  private restUntil = 0;
  private readonly onError: (kind: ProbeErrorKind, message: string) => void;
  private readonly restMs: number;
  private readonly now: () => number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly turns: Array<() => void> = [];

  constructor(
    private readonly client: RedisLike | undefined,
    private readonly eventId: string,
    opts: ProbeOptions = {},
  ) {
    this.onError = opts.onError ?? (() => undefined);
    this.restMs = opts.restMs ?? 5000;
    this.now = opts.now ?? Date.now;
    this.maxInFlight = opts.maxInFlight ?? Infinity;
  }

  /** Probes are configured (REDIS_URL set); they may still be resting after an outage. */
  get enabled(): boolean {
    return this.client !== undefined;
  }

  private async send(command: string, ...args: Array<string | number>): Promise<Reply> {
    if (this.client === undefined || this.now() < this.restUntil) return FAILED;
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((resolve) => this.turns.push(resolve));
    else this.inFlight++;
    try {
      return await this.client.sendCommand(command, ...args);
    } catch (err) {
      const kind = classifyRejection(err);
      if (kind === 'nil') return null;
      if (kind === 'connection') this.restUntil = this.now() + this.restMs;
      this.onError(kind, `${command}: ${rejectionText(err)}`);
      return FAILED;
    } finally {
      // The slot passes to the next waiting command, or is freed.
      const next = this.turns.shift();
      if (next !== undefined) next();
      else this.inFlight--;
    }
  }

  /** ZCARD of the queue and SCARD of the active set, or undefined when Redis did not answer. */
  async counts(): Promise<Counts | undefined> {
    const depth = await this.send('ZCARD', queueKey(this.eventId));
    if (depth === FAILED) return undefined;
    const active = await this.send('SCARD', activeKey(this.eventId));
    if (active === FAILED) return undefined;
    return { depth: parseCount(depth), active: parseCount(active) };
  }

  /** A user's rank and score in the queue (null when not queued) and whether it is active. */
  async ownState(userId: string): Promise<OwnState | undefined> {
    const rank = await this.send('ZRANK', queueKey(this.eventId), userId);
    if (rank === FAILED) return undefined;
    const score = await this.send('ZSCORE', queueKey(this.eventId), userId);
    if (score === FAILED) return undefined;
    const member = await this.send('SISMEMBER', activeKey(this.eventId), userId);
    if (member === FAILED) return undefined;
    return { rank: rank === null ? null : parseCount(rank), score: parseScore(score), active: parseCount(member) === 1 };
  }

  /** The queue's first member, null when the queue is empty, undefined when Redis did not answer. */
  async head(): Promise<QueueHead | null | undefined> {
    const reply = await this.send('ZRANGE', queueKey(this.eventId), 0, 0, 'WITHSCORES');
    if (reply === FAILED) return undefined;
    return parseWithScores(reply)[0] ?? null;
  }

  /** Whether a user is in the active set; undefined when Redis did not answer. */
  async isActive(userId: string): Promise<boolean | undefined> {
    const member = await this.send('SISMEMBER', activeKey(this.eventId), userId);
    if (member === FAILED) return undefined;
    return parseCount(member) === 1;
  }

  /** One PING, for setup(): resolves to undefined when Redis answers, else the failure's text. */
  async ping(): Promise<string | undefined> {
    if (this.client === undefined) return 'no client';
    try {
      await this.client.sendCommand('PING');
      return undefined;
    } catch (err) {
      return rejectionText(err);
    }
  }
}
