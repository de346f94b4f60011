// The disruptor of a run (docs/restart.md), started by tools/run-scenario.sh
// beside k6 when DISRUPT or DISRUPT_CMD is set. It serves its state on
// 127.0.0.1 (the port goes to the file given as its argument, then the run
// passes it to k6 as DISRUPT_STATUS_URL):
//
//   POST /start {startAt}   k6's setup() says when the first arrival is; the
//                           disruption is scheduled DISRUPT_AT_MS after it
//   GET  /                  {state, what, plannedAt, startedAt, endedAt, exitCode, reason}
//
// At that instant it runs DISRUPT_CMD (bash -c, for a real deployment: kubectl
// ...) or, on the reference room, `tools/target-ctl.sh disrupt DISRUPT`. A
// command still running after DISRUPT_TIMEOUT_MS is stopped (its process group)
// and the disruption counts as failed. One line on stderr says what happened;
// the record goes to DISRUPT_RECORD (a file) when set. It stops on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const KINDS = ['process', 'all', 'redis'] as const;

interface Status {
  state: 'waiting' | 'scheduled' | 'running' | 'done' | 'failed';
  what: string;
  plannedAt?: number;
  startedAt?: number;
  endedAt?: number;
  exitCode?: number | null;
  reason?: string;
}

function fail(message: string): never {
  process.stderr.write(`disruptor: ${message}\n`);
  process.exit(2);
}

function intFrom(name: string, fallback: number, min: number): number {
  const raw = (process.env[name] ?? '').trim();
  if (raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) fail(`invalid ${name}; reason: expected an integer of at least ${min}, got "${raw}"`);
  return Number(raw);
}

const portFile = process.argv[2];
if (portFile === undefined) fail('usage: disruptor.ts <port file>');
const atMs = intFrom('DISRUPT_AT_MS', 3000, 0);
const timeoutMs = intFrom('DISRUPT_TIMEOUT_MS', 60_000, 1);
const command = (process.env.DISRUPT_CMD ?? '').trim();
const kind = (process.env.DISRUPT ?? '').trim();
const record = (process.env.DISRUPT_RECORD ?? '').trim();
const onReferenceRoom = process.env.DISRUPT_REFERENCE_ROOM === '1';

const status: Status = { state: 'waiting', what: command !== '' ? `DISRUPT_CMD: ${command}` : `DISRUPT=${kind}` };
let child: ChildProcess | undefined;
let timer: NodeJS.Timeout | undefined;

function say(line: string): void {
  process.stderr.write(`queue-k6: ${line}\n`);
}

function finish(state: 'done' | 'failed', reason?: string): void {
  status.state = state;
  status.endedAt = Date.now();
  if (reason !== undefined) status.reason = reason;
  const at = status.startedAt !== undefined && status.plannedAt !== undefined ? ` at +${status.startedAt - status.plannedAt + atMs} ms` : '';
  if (state === 'done') say(`disruption ${status.what}${at}: ran ${status.endedAt - (status.startedAt ?? status.endedAt)} ms, exit code 0`);
  else say(`the disruption did not happen (${status.what}: ${reason ?? 'failed'}): the restart rules are not judged`);
  if (record !== '') {
    try {
      writeFileSync(record, JSON.stringify(status, null, 2) + '\n');
    } catch (err) {
      say(`cannot write ${record}: ${String(err)}`);
    }
  }
}

// What cannot run fails at once, so the run says so from its start.
let invalid: string | undefined;
if (command === '') {
  if (!(KINDS as readonly string[]).includes(kind)) invalid = `unknown DISRUPT "${kind}"; expected ${KINDS.join(', ')}, or DISRUPT_CMD`;
  else if (!onReferenceRoom) invalid = `DISRUPT=${kind} disrupts the reference room only; against API_URL give DISRUPT_CMD (docs/restart.md)`;
}
if (invalid !== undefined) finish('failed', invalid);

function run(): void {
  status.state = 'running';
  status.startedAt = Date.now();
  const args = command !== '' ? ['-c', command] : [join(ROOT, 'tools/target-ctl.sh'), 'disrupt', kind];
  // Its own process group, so a timeout stops the command and whatever it started.
  child = spawn('bash', args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true, cwd: ROOT });
  const killer = setTimeout(() => {
    if (child?.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    finish('failed', `still running after DISRUPT_TIMEOUT_MS=${timeoutMs} ms, stopped`);
  }, timeoutMs);
  child.on('error', (err) => {
    clearTimeout(killer);
    if (status.state === 'running') finish('failed', `cannot run: ${err.message}`);
  });
  child.on('exit', (code, signal) => {
    clearTimeout(killer);
    status.exitCode = code;
    if (status.state !== 'running') return;
    if (code === 0) finish('done');
    else finish('failed', `exited ${code ?? signal}`);
  });
}

const server = createServer((req, res) => {
  const reply = (code: number, body: unknown) => {
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET') return reply(200, status);
  if (req.method === 'POST' && req.url === '/start') {
    let body = '';
    req.on('data', (c) => (body += String(c)));
    req.on('end', () => {
      let startAt: unknown;
      try {
        startAt = (JSON.parse(body) as { startAt?: unknown }).startAt;
      } catch {
        startAt = undefined;
      }
      if (typeof startAt !== 'number' || !Number.isFinite(startAt)) return reply(400, { error: 'expected {"startAt": epoch ms}' });
      if (status.state !== 'waiting') return reply(200, status);
      status.plannedAt = startAt + atMs;
      status.state = 'scheduled';
      timer = setTimeout(run, Math.max(0, status.plannedAt - Date.now()));
      reply(200, status);
    });
    return;
  }
  reply(404, { error: 'GET / or POST /start' });
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') fail('no port');
  writeFileSync(portFile, String(address.port));
});

function stop(): void {
  if (timer !== undefined) clearTimeout(timer);
  if (status.state === 'scheduled' || status.state === 'waiting') {
    if (status.state === 'scheduled') finish('failed', 'the run ended before the planned instant (DISRUPT_AT_MS past the run?)');
  }
  if (child?.pid !== undefined && status.state === 'running') {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  server.close();
  server.closeAllConnections();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
