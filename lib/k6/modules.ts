// The k6 modules whose names differ between k6 releases, picked at init time
// (k6 only allows `require` there) from the names this k6 has; see ./select.ts
// for the table and the order of the tries. lib code keeps importing
// 'k6/websockets', 'k6/timers' and 'k6/x/redis': the build (tools/build.mjs)
// routes those imports to ./websockets.ts, ./timers.ts and ./redis.ts, which
// read from here. Nothing in a bundle names a version-dependent module in an
// import, a `require("...")` literal or a directive, so no k6 tries to
// provision a binary for one (README, "Which k6 runs the scripts").
import type { WebSocket as K6WebSocket } from 'k6/websockets';
import type * as K6Timers from 'k6/timers';
import type { Client as K6RedisClient } from 'k6/x/redis';
import { NO_REDIS_MODULE_HINT, selectModules, selectRedis, wantsRedis, type Chosen, type DetectedLine, type SelectOptions } from './select';

export interface WebSocketsModule {
  WebSocket: typeof K6WebSocket;
}

export interface TimersModule {
  setTimeout: typeof K6Timers.setTimeout;
  clearTimeout: typeof K6Timers.clearTimeout;
  setInterval: typeof K6Timers.setInterval;
  clearInterval: typeof K6Timers.clearInterval;
}

export interface RedisModule {
  Client: typeof K6RedisClient;
}

/** k6/secrets' default export. */
export interface SecretsModule {
  get(name: string): Promise<string>;
}

/** A member of a required module: k6 puts named exports on the module object; a default export may hold them instead. */
function member<T>(chosen: Chosen, key: string): T {
  const m = chosen.module as Record<string, unknown> | null | undefined;
  const direct = m?.[key];
  if (direct !== undefined) return direct as T;
  const viaDefault = (m?.default as Record<string, unknown> | undefined)?.[key];
  if (viaDefault !== undefined) return viaDefault as T;
  throw new Error(`${chosen.name} has no ${key}: this k6 module does not look like the one queue-k6 was written for`);
}

const options: SelectOptions = { load: (name) => require(name), version: __ENV.QUEUE_K6_VERSION };
const core = selectModules(options);

/**
 * The release line the modules showed: '2.x', '1.6-1.8', '0.54-1.5', '0.50-0.53', '0.46-0.49' when
 * QUEUE_K6_VERSION gave the version (tools/k6.sh does), else as far as the needed tries told:
 * '0.46-0.49', '0.50-0.59', '1.0-1.5', '1.6-1.8', '2.x', or '1.6-2.x' when no Redis module was needed.
 */
export let detectedLine: DetectedLine = core.line;

/** The module names this VU uses, for messages. */
export const chosenModules: { websockets: string; timers: string; secrets: string | undefined; redis: string | undefined } = {
  websockets: core.websockets.name,
  timers: core.timers.name,
  secrets: core.secrets?.name,
  redis: undefined,
};

export const websockets: WebSocketsModule = { WebSocket: member(core.websockets, 'WebSocket') };

export const timers: TimersModule = {
  setTimeout: member(core.timers, 'setTimeout'),
  clearTimeout: member(core.timers, 'clearTimeout'),
  setInterval: member(core.timers, 'setInterval'),
  clearInterval: member(core.timers, 'clearInterval'),
};

let redis: { module: RedisModule | undefined } | undefined;

function loadRedis(): RedisModule | undefined {
  if (!wantsRedis(__ENV)) return undefined;
  try {
    const picked = selectRedis(core, options);
    detectedLine = picked.line;
    chosenModules.redis = picked.redis.name;
    return { Client: member(picked.redis, 'Client') };
  } catch (err) {
    if (!(err instanceof Error) || err.message !== NO_REDIS_MODULE_HINT) throw err;
    // k6 >= 1.4 fails the VU with its own "unknown modules" error once init is
    // over, whatever happens here: log how to go on first, so it is on screen
    // whichever error k6 then reports.
    console.error(`queue-k6: ${NO_REDIS_MODULE_HINT}`);
    throw new Error('queue-k6: no Redis module in this k6 (how to go on: the line above)');
  }
}

/**
 * k6/experimental/redis (k6 up to 1.8) or xk6-redis (k6/x/redis, 2.x); undefined when REDIS_URL is
 * empty, and then no Redis module is required at all. The first call requires the module, so it must
 * happen in the init context: ./redis.ts makes it when the bundle uses Redis at all.
 */
export function redisModule(): RedisModule | undefined {
  if (redis === undefined) redis = { module: loadRedis() };
  return redis.module;
}

const secrets: SecretsModule | undefined = (() => {
  if (core.secrets === undefined) return undefined;
  const m = core.secrets.module as { get?: unknown; default?: { get?: unknown } } | null | undefined;
  const api = typeof m?.get === 'function' ? m : m?.default;
  return typeof api?.get === 'function' ? (api as SecretsModule) : undefined;
})();

/** k6/secrets (k6 >= 1.0); undefined on older k6, where secrets come from the environment. */
export function secretsModule(): SecretsModule | undefined {
  return secrets;
}
