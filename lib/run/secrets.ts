// Secrets are read at run time, never in the init context: `k6 inspect` and
// `k6 archive` run init with only the -e variables (and an archive stores
// them in clear text), so init must neither need a secret nor see one.
// Order: k6/secrets when this k6 has it and a source is configured
// (--secret-source=file=..., k6 Cloud's secrets), else the environment.
// Pure: the k6/secrets module is passed in, so this is unit-tested in Node.

export interface SecretsLike {
  get(name: string): Promise<string>;
}

import { ConfigError, type Env } from '../env';

/** The recorded rejection of k6/secrets when no --secret-source is given (k6-reference, "Secrets"). */
const NO_SOURCE = 'no secret sources are configured';

function text(err: unknown): string {
  if (typeof err === 'string') return err;
  const m = (err as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m : String(err);
}

export interface SecretValue {
  value: string | undefined;
  /** Where it came from, for messages (never the value). */
  from: 'k6/secrets' | 'environment' | 'nowhere';
}

export async function readSecret(secrets: SecretsLike | undefined, env: Env, name: string): Promise<SecretValue> {
  if (secrets !== undefined) {
    try {
      const v = await secrets.get(name);
      if (typeof v === 'string' && v !== '') return { value: v, from: 'k6/secrets' };
    } catch (err) {
      // No source configured, or this source lacks the key: the environment may still have it.
      if (!text(err).includes(NO_SOURCE) && env[name] === undefined) return { value: undefined, from: 'nowhere' };
    }
  }
  const v = env[name];
  if (v !== undefined && v !== '') return { value: v, from: 'environment' };
  return { value: undefined, from: 'nowhere' };
}

const PASSWORD_HINT =
  'the password of the load-test accounts: give it as a k6 secret (k6 run --secret-source=file=secrets.txt with a line USER_PASSWORD=..., ' +
  'or k6 Cloud secrets), or in the environment (export USER_PASSWORD=...; make sets one for the built-in reference room)';

/** The accounts' password at run time; a ConfigError when it is missing or too short (never its value). */
export async function userPassword(secrets: SecretsLike | undefined, env: Env): Promise<string> {
  const { value } = await readSecret(secrets, env, 'USER_PASSWORD');
  if (value === undefined) throw new ConfigError('USER_PASSWORD', PASSWORD_HINT, undefined);
  if (value.length < 6) throw new ConfigError('USER_PASSWORD', 'at least 6 characters (the waiting room refuses shorter passwords)', '<hidden>');
  return value;
}

/** The probes' Redis password, when the Redis is protected. */
export async function redisPassword(secrets: SecretsLike | undefined, env: Env): Promise<string | undefined> {
  return (await readSecret(secrets, env, 'REDIS_PASSWORD')).value;
}
