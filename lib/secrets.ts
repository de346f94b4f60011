// Secrets are read at run time, never in the init context: `k6 inspect` and
// `k6 archive` run init with only the -e variables (and an archive stores
// them in clear text), so init must neither need a secret nor see one.
// Order: k6/secrets when this k6 has it and a source is configured
// (--secret-source=file=..., k6 Cloud's secrets), else the environment.
// Pure: the k6/secrets module is passed in, so this is unit-tested in Node.

export interface SecretsLike {
  get(name: string): Promise<string>;
}

import type { Env } from './env';

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
