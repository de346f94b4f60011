// setup()'s checks, before any user arrives: the accounts' password, a shared
// event for a split run, the target answering a login, and Redis answering a
// PING when the probes are on. Each failure stops the run with one line that
// says what to do. k6 exits 255 for a rejected async setup() on every line
// from 0.46 to 2.2 (k6-reference, "Exit codes of setup() failures"), a code
// that also means "k6 itself failed"; so the preflight catches its failure and
// ends the test with exec.test.abort(), exit code 108 on every line.
import exec from 'k6/execution';
import { preflightLogin } from '../api/client';
import { accountEmail, type RunConfig } from '../config';
import { ConfigError } from '../env';
import { openRedis } from '../redis/client';
import { QueueProbe, redactRedisUrl } from '../redis/probe';
import { executionSegment } from './identity';
import { redisPassword, userPassword, type SecretsLike } from './secrets';

export class PreflightError extends Error {}

/**
 * Whether a PING's failure is Redis turning this client away at once, as a
 * Redis in protected mode does to a client not at 127.0.0.1: it answers
 * DENIED and closes, which k6 (go-redis) reports as `write: broken pipe` or
 * `write: connection reset by peer` (k6-reference, "At scale on real k6").
 */
export function refusedByProtectedMode(failure: string): boolean {
  return /\bDENIED\b|protected mode|broken pipe|connection reset by peer/i.test(failure);
}

async function checks(cfg: RunConfig, secrets: SecretsLike | undefined, env: Record<string, string | undefined>): Promise<void> {
  const split = cfg.instances > 1;
  const password = await userPassword(secrets, env);
  if (split && cfg.eventId === undefined) {
    throw new ConfigError('EVENT_ID', `a UUID shared by all ${cfg.instances} instances of this split run (INSTANCES=${cfg.instances}), so they queue for the same event`, undefined);
  }
  const segment = executionSegment();
  if (segment !== null && !split) {
    console.warn(`this k6 instance runs execution segment ${segment} of a split run, but INSTANCES is not set: its totals (immediate admissions, queued, completed) will miss the other instances' users and fail. Set INSTANCES to the number of instances and judge the run with make verdict.`);
  }
  preflightLogin(cfg.apiUrl, accountEmail(cfg, 1), password, Math.min(cfg.httpTimeoutMs, 30_000));
  if (cfg.redisUrl !== '') {
    const failure = await new QueueProbe(openRedis(cfg.redisUrl, await redisPassword(secrets, env)), 'preflight').ping();
    if (failure !== undefined && refusedByProtectedMode(failure)) {
      throw new PreflightError(`Redis probes: ${redactRedisUrl(cfg.redisUrl)} refused this client (${failure}): a Redis in protected mode (its default when it has no password) accepts clients at 127.0.0.1 only, and with --local-ips (K6_LOCAL_IPS) k6 dials Redis from those addresses too. Either run that Redis with --protected-mode no while it is bound to loopback only (or give it a password and set REDIS_PASSWORD), or run without local addresses (drop --local-ips, or K6_LOCAL_IPS=off for make scale).`);
    }
    if (failure !== undefined) {
      throw new PreflightError(`Redis probes: cannot use ${redactRedisUrl(cfg.redisUrl)} (${failure}). Make that Redis reachable from here (kubectl port-forward, REDIS_PASSWORD for a protected one), or run without probes with REDIS_URL= (empty): the rules that read Redis are then reported not judged.`);
    }
  }
}

/** Runs the preflight; on a failure prints its one line and aborts the test (exit code 108). */
export async function preflight(cfg: RunConfig, secrets: SecretsLike | undefined, env: Record<string, string | undefined>): Promise<void> {
  let failure: string | undefined;
  try {
    await checks(cfg, secrets, env);
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (failure !== undefined) {
    console.error(`preflight failed: ${failure}`);
    exec.test.abort("preflight failed (the line above says why)");
  }
}
