// readSecret: k6/secrets first (k6 >= 1.0, section "Secrets, inspect and archive" of
// shared/k6-reference/README.md: get is async and rejects with
// 'no secret sources are configured' when no --secret-source is given), then the environment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readSecret, type SecretsLike } from './secrets.ts';

const noSource: SecretsLike = { get: () => Promise.reject(new Error('no secret sources are configured')) };
const file = (values: Record<string, string>): SecretsLike => ({
  get: (name) => (name in values ? Promise.resolve(values[name]!) : Promise.reject(new Error(`no value for "${name}"`))),
});

describe('readSecret', () => {
  it('takes k6/secrets first', async () => {
    assert.deepEqual(await readSecret(file({ USER_PASSWORD: 'from-file' }), { USER_PASSWORD: 'from-env' }, 'USER_PASSWORD'), { value: 'from-file', from: 'k6/secrets' });
  });
  it('falls back to the environment when no source is configured or the module is absent', async () => {
    assert.deepEqual(await readSecret(noSource, { USER_PASSWORD: 'env' }, 'USER_PASSWORD'), { value: 'env', from: 'environment' });
    assert.deepEqual(await readSecret(undefined, { USER_PASSWORD: 'env' }, 'USER_PASSWORD'), { value: 'env', from: 'environment' });
  });
  it('falls back to the environment when the source lacks the key', async () => {
    assert.deepEqual(await readSecret(file({}), { USER_PASSWORD: 'env' }, 'USER_PASSWORD'), { value: 'env', from: 'environment' });
  });
  it('reports nowhere when neither has it (empty counts as unset)', async () => {
    assert.deepEqual(await readSecret(noSource, { USER_PASSWORD: '' }, 'USER_PASSWORD'), { value: undefined, from: 'nowhere' });
    assert.deepEqual(await readSecret(file({}), {}, 'USER_PASSWORD'), { value: undefined, from: 'nowhere' });
  });
});
