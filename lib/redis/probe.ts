// Read-only probes of the waiting room's Redis keys over xk6-redis. xk6-redis
// has no ZSET or SCARD methods, so every probe is a raw command. When Redis is
// unset or unreachable the probe turns itself off (answers undefined) after one
// warning, so a k6 Cloud zone that cannot reach a private Redis still runs.
import { Client } from 'k6/x/redis';
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

export class QueueProbe {
  private down = false;

  constructor(
    private readonly client: RedisLike | undefined,
    private readonly eventId: string,
    private readonly onDown: (reason: string) => void = () => undefined,
  ) {
    if (client === undefined) this.down = true;
  }

  get enabled(): boolean {
    return !this.down;
  }

  private async send(command: string, ...args: Array<string | number>): Promise<unknown> {
    if (this.down || this.client === undefined) return undefined;
    try {
      return await this.client.sendCommand(command, ...args);
    } catch (err) {
      this.down = true;
      this.onDown(String(err instanceof Error ? err.message : err));
      return undefined;
    }
  }

  async counts(): Promise<Counts | undefined> {
    const depth = await this.send('ZCARD', queueKey(this.eventId));
    const active = await this.send('SCARD', activeKey(this.eventId));
    if (depth === undefined || active === undefined) return undefined;
    return { depth: parseCount(depth), active: parseCount(active) };
  }

  async ownState(userId: string): Promise<OwnState | undefined> {
    const rank = await this.send('ZRANK', queueKey(this.eventId), userId);
    const score = await this.send('ZSCORE', queueKey(this.eventId), userId);
    const member = await this.send('SISMEMBER', activeKey(this.eventId), userId);
    if (this.down) return undefined;
    return { rank: rank === null ? null : parseCount(rank), score: parseScore(score), active: parseCount(member) === 1 };
  }

  async head(): Promise<QueueHead | null | undefined> {
    const reply = await this.send('ZRANGE', queueKey(this.eventId), 0, 0, 'WITHSCORES');
    if (this.down) return undefined;
    return parseWithScores(reply)[0] ?? null;
  }
}

/** One Redis client per VU, created in the init context as xk6-redis requires. */
export function redisClient(url: string): RedisLike | undefined {
  return url === '' ? undefined : new Client(url);
}
