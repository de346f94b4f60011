// The k6 modules whose names differ between k6 releases, picked at init time
// (k6 only allows `require` there) from the names this k6 has; see ./select.ts
// for the table and the order of the tries. lib code keeps importing
// 'k6/websockets', 'k6/timers' and 'k6/x/redis': the build (tools/build.mjs)
// routes those imports to ./websockets.ts, ./timers.ts and ./redis.ts, which
// read from here. Nothing in a bundle names a version-dependent module in an
// import, a `require("...")` literal or a directive, so no k6 tries to
// provision a binary for one (docs/k6-lines.md).
import type { WebSocket as K6WebSocket } from 'k6/websockets';
import type * as K6Timers from 'k6/timers';
import type { Client as K6RedisClient } from 'k6/x/redis';
import { memberOf, NO_REDIS_MODULE_HINT, selectModules, selectRedis, wantsRedis, type Chosen, type RedisClientForm, type SelectOptions, type Span } from './select';

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
  /** Whether this k6's Client takes a URL or the options object of 0.46-0.47 (select.ts). */
  form: RedisClientForm;
}

/** k6/secrets' default export. */
export interface SecretsModule {
  get(name: string): Promise<string>;
}

function member<T>(chosen: Chosen, key: string): T {
  const found = memberOf(chosen.module, key);
  if (found !== undefined) return found as T;
  throw new Error(`${chosen.name} has no ${key}: this k6 module does not look like the one queue-k6 was written for`);
}

const options: SelectOptions = { load: (name) => require(name), version: __ENV.QUEUE_K6_VERSION };
const core = selectModules(options);

/** The span of k6 releases the tries told ('0.46-0.53', '0.54-1.8', '2.x'), or the version's span with QUEUE_K6_VERSION. */
export const detectedLine: Span = core.line;

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

/** What a Client is on a k6 2.x without xk6-redis: k6 stops after init anyway; should it not, the first client says why. */
const MissingClient = function MissingClient(): never {
  throw new Error(NO_REDIS_MODULE_HINT);
} as unknown as typeof K6RedisClient;

let redis: { module: RedisModule | undefined } | undefined;

function loadRedis(): RedisModule | undefined {
  if (!wantsRedis(__ENV)) return undefined;
  const picked = selectRedis(core, options);
  if (picked.redis === undefined) {
    // Asking for k6/x/redis has already made k6 >= 1.5 fail this VU once the
    // init code ends, with its own "unknown modules" line: say first, in one
    // line and without a stack trace, how to go on. VU 0 (the init that reads
    // the options) runs before any other VU, so the line is printed once.
    if (__VU === 0) console.error(NO_REDIS_MODULE_HINT);
    return { Client: MissingClient, form: 'url' };
  }
  chosenModules.redis = picked.redis.name;
  return { Client: member(picked.redis, 'Client'), form: picked.clientForm };
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
