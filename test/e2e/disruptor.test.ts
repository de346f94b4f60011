// tools/disruptor.ts on its own (docs/restart.md): what it says and records
// when the disruption happens, and each way it does not (an unknown DISRUPT,
// DISRUPT=process against a real deployment, a command that exits non-zero,
// one that hangs past DISRUPT_TIMEOUT_MS). Seconds, no room needed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../support/scenario.ts';

const TSX = join(ROOT, 'node_modules/tsx/dist/esm/index.mjs');
const dir = mkdtempSync(join(tmpdir(), 'disruptor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Running { child: ChildProcess; url: string; record: string; err: () => string }

let n = 0;
async function start(env: Record<string, string>): Promise<Running> {
  const k = ++n;
  const portFile = join(dir, `port-${k}`);
  const record = join(dir, `record-${k}.json`);
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'tools/disruptor.ts'), portFile], {
    env: { PATH: process.env.PATH ?? '', DISRUPT_RECORD: record, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const until = Date.now() + 15_000;
  while (!existsSync(portFile) || readFileSync(portFile, 'utf8') === '') {
    if (Date.now() > until) throw new Error(`the disruptor did not start: ${err}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url: `http://127.0.0.1:${readFileSync(portFile, 'utf8')}`, record, err: () => err };
}

async function stop(r: Running): Promise<void> {
  const exited = new Promise((resolve) => r.child.once('exit', resolve));
  r.child.kill('SIGTERM');
  await exited;
}

async function status(r: Running): Promise<{ state: string; exitCode?: number | null; reason?: string; startedAt?: number; plannedAt?: number }> {
  return (await (await fetch(r.url)).json()) as never;
}

async function settle(r: Running): Promise<Awaited<ReturnType<typeof status>>> {
  const until = Date.now() + 10_000;
  for (;;) {
    const s = await status(r);
    if (s.state === 'done' || s.state === 'failed') return s;
    if (Date.now() > until) throw new Error(`still ${s.state}`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function go(r: Running, startAt = Date.now()): Promise<Response> {
  return fetch(`${r.url}/start`, { method: 'POST', body: JSON.stringify({ startAt }), headers: { 'content-type': 'application/json' } });
}

describe('tools/disruptor.ts', { timeout: 60_000 }, () => {
  it('runs DISRUPT_CMD DISRUPT_AT_MS after the start it is told, and records it', async () => {
    const r = await start({ DISRUPT_CMD: 'true', DISRUPT_AT_MS: '200' });
    const startAt = Date.now();
    assert.equal((await go(r, startAt)).status, 200);
    const s = await settle(r);
    await stop(r);
    assert.equal(s.state, 'done');
    assert.equal(s.exitCode, 0);
    assert.equal(s.plannedAt, startAt + 200);
    assert.ok(s.startedAt! >= startAt + 200);
    assert.match(r.err(), /queue-k6: disruption DISRUPT_CMD: true at \+\d+ ms: ran \d+ ms, exit code 0/);
    assert.equal(JSON.parse(readFileSync(r.record, 'utf8')).state, 'done');
  });

  it('a command that exits non-zero: not done, said in one line', async () => {
    const r = await start({ DISRUPT_CMD: 'exit 3', DISRUPT_AT_MS: '0' });
    await go(r);
    const s = await settle(r);
    await stop(r);
    assert.equal(s.state, 'failed');
    assert.equal(s.exitCode, 3);
    assert.match(r.err(), /^queue-k6: the disruption did not happen \(DISRUPT_CMD: exit 3: exited 3\): the restart rules are not judged$/m);
  });

  it('a command that hangs is stopped after DISRUPT_TIMEOUT_MS', async () => {
    const r = await start({ DISRUPT_CMD: 'sleep 30', DISRUPT_AT_MS: '0', DISRUPT_TIMEOUT_MS: '300' });
    await go(r);
    const s = await settle(r);
    await stop(r);
    assert.equal(s.state, 'failed');
    assert.match(s.reason!, /still running after DISRUPT_TIMEOUT_MS=300 ms, stopped/);
  });

  it('an unknown DISRUPT, or DISRUPT=process away from the reference room, fails at once', async () => {
    const bogus = await start({ DISRUPT: 'bogus' });
    const s1 = await status(bogus);
    await stop(bogus);
    assert.equal(s1.state, 'failed');
    assert.match(s1.reason!, /unknown DISRUPT "bogus"; expected process, all, redis, or DISRUPT_CMD/);
    const real = await start({ DISRUPT: 'process' });
    const s2 = await status(real);
    await stop(real);
    assert.match(s2.reason!, /disrupts the reference room only; against API_URL give DISRUPT_CMD/);
  });

  it('a bad start is refused; a run that ends before the instant says so', async () => {
    const r = await start({ DISRUPT_CMD: 'true', DISRUPT_AT_MS: '60000' });
    assert.equal((await fetch(`${r.url}/start`, { method: 'POST', body: '{}' })).status, 400);
    await go(r);
    await stop(r);
    assert.match(r.err(), /the disruption did not happen .*the run ended before the planned instant/);
  });
});
