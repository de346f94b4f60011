// examples/socketio-reconnect.ts, the Socket.IO client used by a k6 script of
// its own (docs/socketio.md), bundled and run on the suite's k6 against a real
// socket.io server: the connection is cut mid-script and the thresholds pass
// only when the client reconnected and the emit made while away was answered.
// Then the same script against a server that refuses the reconnection: the
// script's own threshold fails (k6's exit code 99).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bundleK6Scripts } from '../../tools/build.mjs';
import { startSioServer, type SioServer } from '../support/sio-server.ts';
import { ROOT } from '../support/scenario.ts';

const TSX = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
let dir: string;
let bundle: string;

interface Ran { code: number | null; out: string }

function run(env: Record<string, string>): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const args = ['--import', TSX, join(ROOT, 'runner/cli.ts'), 'run', ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), bundle];
    const child = spawn(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sio-example-'));
  await bundleK6Scripts({ entries: [join(ROOT, 'examples/socketio-reconnect.ts')], outdir: dir, summary: 'local', sourcemap: false });
  bundle = join(dir, 'socketio-reconnect.js');
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/socketio-reconnect.ts', () => {
  // Every server a test starts is stopped, also when the test fails: one left listening keeps this file's process alive.
  const servers: SioServer[] = [];
  let server: SioServer | undefined;
  const start = async (opts: Parameters<typeof startSioServer>[0]): Promise<SioServer> => {
    const s = await startSioServer(opts);
    // Stopped once, whoever asks first (the test, or the after hook when the test failed).
    let stopped: Promise<void> | undefined;
    const once: SioServer = { ...s, stop: () => (stopped ??= s.stop()) };
    servers.push(once);
    return once;
  };
  after(async () => {
    await Promise.all(servers.map((s) => s.stop().catch(() => undefined)));
  });

  it('reconnects after the server cuts the transport, re-joins, and delivers the emit made while away', { timeout: 90_000 }, async () => {
    server = await start({ pingInterval: 1000, pingTimeout: 1000 });
    const joins: string[] = [];
    server.io.on('connection', (s) => s.on('join', (room: string) => joins.push(`${s.id}:${room}`)));
    const r = await run({ SIO_URL: server.url, SIO_DROP_EVENT: 'drop' });
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /reconnected after 1 attempt\(s\)/);
    assert.match(r.out, /✓ sio_reconnects\.*: 1\b/);
    assert.match(r.out, /✓ the emit made across the gap was answered/);
    // One join on each Socket.IO session: the first, and the one after the reconnect.
    assert.equal(joins.length, 2, joins.join(' '));
    assert.notEqual(joins[0].split(':')[0], joins[1].split(':')[0]);
    await server.stop();
    server = undefined;
  });

  it('fails its own threshold when the server refuses the new handshake', { timeout: 90_000 }, async () => {
    server = await start({ pingInterval: 1000, pingTimeout: 1000 });
    let refuse = false;
    server.io.use((_s, next) => (refuse ? next(new Error('session revoked')) : next()));
    server.io.on('connection', (s) => s.on('drop', () => (refuse = true)));
    const r = await run({ SIO_URL: server.url, SIO_DROP_EVENT: 'drop' });
    assert.equal(r.code, 99, r.out);
    assert.match(r.out, /gave up reconnecting: session revoked/);
    assert.match(r.out, /✗ sio_reconnect_failed\.*: 1\b/);
    await server.stop();
    server = undefined;
  });
});
