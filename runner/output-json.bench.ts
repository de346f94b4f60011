// Benchmark: the cost of --out json per sample (prints numbers; no assertions).
// node --import tsx runner/output-json.bench.ts [samples]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from './metrics.ts';
import { JsonOutput } from './output-json.ts';

const n = Number(process.argv[2] ?? 300_000);
const dir = mkdtempSync(join(tmpdir(), 'out-json-bench-'));
try {
  const r = new Registry();
  const trend = r.define('queue_probe_depth', 'trend');
  const counter = r.define('ws_msgs_received', 'counter');
  const base = { scenario: 'users' };
  const extra = { event: 'e1', url: 'ws://127.0.0.1:3001/socket.io/?EIO=4&transport=websocket' };
  const tagsOf = (i: number): Record<string, string> => {
    const t = Object.assign({}, base) as Record<string, string>;
    t.group = '';
    for (const k in extra) t[k] = extra[k as keyof typeof extra];
    if (i % 2 === 0) t.kind = 'x';
    return t;
  };
  const meta = { user: '7', position: '3' };
  const run = (label: string, target: string | null): void => {
    const out = target === null ? null : new JsonOutput({ target: join(dir, target) });
    const started = performance.now();
    for (let i = 0; i < n; i++) {
      const m = i % 2 === 0 ? trend : counter;
      const tags = tagsOf(i);
      m.sink.add(i);
      out?.sample(m, i, tags, i % 4 === 0 ? meta : undefined);
    }
    void out?.close();
    const ms = performance.now() - started;
    const size = target === null ? 0 : statSync(join(dir, target)).size;
    console.log(`${label.padEnd(22)} ${((ms * 1000) / n).toFixed(2).padStart(6)} µs/sample  ${((n / ms) * 1000).toFixed(0).padStart(9)} samples/s  ${(size / 1e6).toFixed(1)} MB`);
  };
  console.log(`${n} samples (half with 5 tags, a quarter with metadata):`);
  run('tags only (no output)', null);
  run('--out json=x.json', 'x.json');
  run('--out json=x.json.gz', 'x.json.gz');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
