// What the build serves for `import ... from 'k6/x/redis'`: the Client of
// k6/experimental/redis (k6 up to 1.8) or xk6-redis (k6/x/redis, 2.x). This
// file is evaluated in the init context, so the Redis module is required
// there, and only by bundles that use Redis, and only when REDIS_URL is not
// empty (./modules.ts).
import type { Client as K6RedisClient } from 'k6/x/redis';
import { redisModule } from './modules';

const NoClient = function NoClient(): never {
  throw new Error('no Redis module was loaded because REDIS_URL was empty when the script started; set REDIS_URL for the probes');
} as unknown as typeof K6RedisClient;

export const Client: typeof K6RedisClient = redisModule()?.Client ?? NoClient;
