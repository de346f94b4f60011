// What the suite's Socket.IO client itself costs per user and per frame, with
// no network and no runner: lib/socketio/client.ts over a fake websocket and
// fake timers, in this Node process. The load-generator benches (bench/scale.ts)
// measure it inside everything else; this isolates it.
//
//   node --import tsx bench/client-frames.ts [users=2000] [frames=1000000]
//
// Per user: connect (open packet, CONNECT, join-queue), one ping, close.
// Per frame: a room broadcast of someone else's queue-entry-allowed, as every
// waiting socket hears for each admitted user; then the server's pings.
import { admissionFilter, isOwnAdmission } from '../lib/flow/admission.ts';
import { SocketIOClient, type SocketIODeps, type WebSocketLike } from '../lib/socketio/client.ts';

class FakeSocket implements WebSocketLike {
  readyState = 0;
  onopen: WebSocketLike['onopen'] = null;
  onmessage: WebSocketLike['onmessage'] = null;
  onerror: WebSocketLike['onerror'] = null;
  onclose: WebSocketLike['onclose'] = null;
  sent = 0;
  send(): void {
    this.sent++;
  }
  close(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1000 });
  }
  deliver(data: string): void {
    this.onmessage?.({ data });
  }
}

let last: FakeSocket | undefined;
const deps: SocketIODeps = {
  WebSocket: class extends FakeSocket {
    constructor() {
      super();
      last = this;
    }
  } as unknown as SocketIODeps['WebSocket'],
  setTimeout: () => 0,
  clearTimeout: () => undefined,
  setInterval: () => 0,
  clearInterval: () => undefined,
  now: () => 0,
};

const OPEN = '0{"sid":"abcdefghijklmnopqrst","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}';
const EVENT_ID = 'a1b2c3d4-e5f6-4711-8899-aabbccddeeff';

function positive(raw: string | undefined, dflt: number, what: string): number {
  if (raw === undefined) return dflt;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    process.stderr.write(`client-frames: invalid ${what}; reason: expected a positive integer, got ${JSON.stringify(raw)}\n`);
    process.exit(2);
  }
  return Number(raw);
}

async function main(): Promise<void> {
  const users = positive(process.argv[2], 2000, 'users');
  const frames = positive(process.argv[3], 1_000_000, 'frames');
  let own = 0;

  // Users: connect, join, ping, close; repeated so the JIT has settled.
  let perUserNs = 0;
  for (let round = 0; round < 3; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < users; i++) {
      const me = `user-${i}`;
      const c = new SocketIOClient('http://127.0.0.1:3000', { auth: { token: `token-${i}` }, mustContain: admissionFilter(me) }, deps);
      c.on('queue-entry-allowed', (p: unknown) => { if (isOwnAdmission(p, me, EVENT_ID)) own++; });
      c.on('disconnect', () => undefined);
      const done = c.connect();
      const ws = last!;
      ws.readyState = 1;
      ws.deliver(OPEN);
      ws.deliver(`40{"sid":"s${i}"}`);
      await done;
      c.emit('join-queue', { eventId: EVENT_ID });
      ws.deliver('2');
      c.close();
    }
    perUserNs = Number(process.hrtime.bigint() - t0) / users;
  }

  // Frames: one open socket hears the room.
  const me = 'user-me';
  const c = new SocketIOClient('http://127.0.0.1:3000', { auth: { token: 't' }, mustContain: admissionFilter(me) }, deps);
  c.on('queue-entry-allowed', (p: unknown) => { if (isOwnAdmission(p, me, EVENT_ID)) own++; });
  const done = c.connect();
  const ws = last!;
  ws.readyState = 1;
  ws.deliver(OPEN);
  ws.deliver('40{"sid":"s"}');
  await done;
  const others = Array.from({ length: 1000 }, (_, i) => `42["queue-entry-allowed",{"eventId":"${EVENT_ID}","userId":"user-${i}","message":"You may enter"}]`);
  const time = (label: string, n: number, frame: (i: number) => string): string => {
    for (let i = 0; i < Math.min(n, 100_000); i++) ws.deliver(frame(i)); // warm up
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) ws.deliver(frame(i));
    return `${label}: ${(Number(process.hrtime.bigint() - t0) / n).toFixed(0)} ns`;
  };
  const lines = [
    `per user (connect, join-queue, one ping, close): ${(perUserNs / 1000).toFixed(1)} µs`,
    time("per room broadcast for someone else's admission", frames, (i) => others[i % 1000]!),
    time('per ping', frames, () => '2'),
  ];
  c.close();
  console.log(`queue-k6 bench: the suite's Socket.IO client alone (${users} users x 3 rounds, ${frames} frames each; Node ${process.version})`);
  for (const l of lines) console.log(`  ${l}`);
  if (own !== 0) throw new Error(`${own} frames were taken for the user's own admission; the bench's frames are for others`);
}

main().catch((err: unknown) => {
  process.stderr.write(`client-frames: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
