// Temporary directories for a test file: one root per file, a fresh directory
// per call under it, and the whole root removed when the file's tests are done.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

export function tempDirs(prefix: string): () => string {
  const root = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(root, { recursive: true, force: true }));
  let count = 0;
  return () => {
    const dir = join(root, String(++count));
    mkdirSync(dir);
    return dir;
  };
}
