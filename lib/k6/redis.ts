// What the build serves for `import ... from 'k6/x/redis'`: a Client that
// makes the Client of k6/experimental/redis (k6 up to 1.8) or xk6-redis
// (k6/x/redis, 2.x) from a URL, in the form this k6 takes (k6 0.46-0.47 want
// an options object, ./select.ts). This file is evaluated in the init context,
// so the Redis module is required there, and only by bundles that use Redis,
// and only when REDIS_URL is not empty (./modules.ts).
import type { Client as K6RedisClient } from 'k6/x/redis';
import { redisModule } from './modules';
import { newRedisClient } from './select';

const NoClient = function NoClient(): never {
  throw new Error('no Redis module was loaded because REDIS_URL was empty when the script started; set REDIS_URL for the probes');
} as unknown as typeof K6RedisClient;

const loaded = redisModule();

function make(): typeof K6RedisClient {
  if (loaded === undefined) return NoClient;
  const { Client: Base, form } = loaded;
  // Called with `new`: the object returned is the new client.
  return function Client(urlOrOptions: unknown) {
    if (typeof urlOrOptions !== 'string') return new Base(urlOrOptions as never);
    return newRedisClient(Base as unknown as new (arg: unknown) => K6RedisClient, form, urlOrOptions);
  } as unknown as typeof K6RedisClient;
}

export const Client: typeof K6RedisClient = make();
