// The xk6-redis client of a VU, made at run time so that a Redis password can
// come from k6/secrets (REDIS_PASSWORD) instead of the URL: the URL decides
// whether probes run and appears in logs and archives, the password must not.
import { Client } from 'k6/x/redis';
import { urlWithPassword, type RedisLike } from './probe';

export function openRedis(url: string, password: string | undefined): RedisLike | undefined {
  if (url === '') return undefined;
  return new Client(urlWithPassword(url, password));
}
