// k6/secrets (k6 >= 1.0): `await secrets.get(name)` from the default source,
// `await secrets.source(name).get(key)` from a named one. Only a default
// export, as in k6. Values come from --secret-source, never from __ENV.
import type { VU } from '../vu.ts';
import { DEFAULT_SOURCE } from '../secrets.ts';

export function createSecretsModule(vu: VU): Record<string, unknown> {
  const store = vu.rt.secrets;
  const sourceObject = (sourceName: string): { get(key: unknown): Promise<string> } => ({
    get(key: unknown): Promise<string> {
      try {
        return Promise.resolve(store.get(sourceName, String(key)));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  });
  const api = { ...sourceObject(DEFAULT_SOURCE), source: (name: unknown) => sourceObject(String(name)) };
  return { __esModule: true, default: api };
}
