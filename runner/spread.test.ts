// QUEUE_RUNNER_SPREAD, the hostile switch (spread.ts): its parsing, its
// schedule, and what it does to a VU's concurrent requests and sockets against
// local servers that log what reaches them.
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { DEFAULT_MAX_MS, DEFAULT_SEED, Kind, Lane, delayMs, parseSpread, type SpreadConfig } from './spread.ts';
import { TESTDATA, runCli } from './testing.ts';

interface Summary {
  root_group: { checks: { name: string; passes: number; fails: number }[] };
  metrics: Record<string, { values: Record<string, number> }>;
}

function checks(stdout: string): Map<string, { passes: number; fails: number }> {
  const s = JSON.parse(stdout) as Summary;
  return new Map(s.root_group.checks.map((c) => [c.name, { passes: c.passes, fails: c.fails }]));
}

describe('QUEUE_RUNNER_SPREAD: parsing and schedule', () => {
  it('is off unless set; on, seed and max have defaults; max takes ms or s', () => {
    assert.equal(parseSpread(undefined), null);
    assert.equal(parseSpread(''), null);
    assert.equal(parseSpread(' off '), null);
    assert.deepEqual(parseSpread('on'), { seed: DEFAULT_SEED, maxMs: DEFAULT_MAX_MS });
    assert.deepEqual(parseSpread('seed=42,max=200ms'), { seed: 42, maxMs: 200 });
    assert.deepEqual(parseSpread('max=1.5s'), { seed: DEFAULT_SEED, maxMs: 1500 });
    assert.deepEqual(parseSpread('seed=7'), { seed: 7, maxMs: DEFAULT_MAX_MS });
    assert.deepEqual(parseSpread('seed=0, max=50'), { seed: 0, maxMs: 50 });
  });

  it('a bad value is one line naming the variable, the reason and the format', () => {
    for (const [value, reason] of [
      ['seed=-1', /seed must be an integer/],
      ['seed=4294967296', /seed must be an integer/],
      ['max=200us', /max must be a duration/],
      ['max=0ms', /between 1ms and 60s/],
      ['max=61s', /between 1ms and 60s/],
      ['speed=3', /unknown key "speed"/],
    ] as const) {
      assert.throws(() => parseSpread(value), (e: Error) => {
        assert.match(e.message, /^invalid QUEUE_RUNNER_SPREAD; reason: /);
        assert.match(e.message, reason);
        assert.match(e.message, /expected off, on, or comma-separated seed=/);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    }
  });

  it('a delay is a whole number of ms in [0, max], the same for the same inputs, spread over the range', () => {
    const c: SpreadConfig = { seed: 42, maxMs: 200 };
    const seen = new Set<number>();
    for (let n = 0; n < 2000; n++) {
      const d = delayMs(c, 1, Kind.httpSend, n);
      assert.ok(Number.isInteger(d) && d >= 0 && d <= 200, `delay ${d}`);
      assert.equal(delayMs(c, 1, Kind.httpSend, n), d);
      seen.add(Math.floor(d / 20));
    }
    assert.equal(seen.size, 11, 'every 20 ms band of [0, 200] is used');
    const other = (f: (n: number) => number): number => Array.from({ length: 50 }, (_, n) => n).filter((n) => f(n) !== delayMs(c, 1, Kind.httpSend, n)).length;
    assert.ok(other((n) => delayMs({ seed: 43, maxMs: 200 }, 1, Kind.httpSend, n)) > 40, 'another seed, another schedule');
    assert.ok(other((n) => delayMs(c, 2, Kind.httpSend, n)) > 40, 'another VU, another schedule');
    assert.ok(other((n) => delayMs(c, 1, Kind.httpAnswer, n)) > 40, 'answers are not delayed like sends');
  });

  it('a lane runs its callbacks in the order they were pushed, whatever their delays', async () => {
    const lane = new Lane({ seed: 3, maxMs: 30 }, 1, Kind.wsEvent, 0);
    const ran: number[] = [];
    await new Promise<void>((resolve) => {
      for (let i = 0; i < 200; i++) lane.push(() => {
        ran.push(i);
        if (ran.length === 200) resolve();
      });
    });
    assert.deepEqual(ran, Array.from({ length: 200 }, (_, i) => i));
  });

  it('a cancelled lane runs nothing more', async () => {
    const lane = new Lane({ seed: 3, maxMs: 5 }, 1, Kind.wsEvent, 0);
    let ran = 0;
    for (let i = 0; i < 10; i++) lane.push(() => ran++);
    lane.cancel();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ran, 0);
  });

  it('the CLI rejects a bad value with exit 2 and says when the switch is on', async () => {
    const bad = await runCli(['run', '-q', join(TESTDATA, 'ok.js')], { env: { QUEUE_RUNNER_SPREAD: 'max=fast' } });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /Error: invalid QUEUE_RUNNER_SPREAD; reason: max must be a duration/);
    const on = await runCli(['run', '-q', join(TESTDATA, 'ok.js')], { env: { QUEUE_RUNNER_SPREAD: 'seed=5,max=20ms' } });
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stderr, /QUEUE_RUNNER_SPREAD: seed=5 max=20ms/);
    const off = await runCli(['run', '-q', join(TESTDATA, 'ok.js')], { env: { QUEUE_RUNNER_SPREAD: '' } });
    assert.equal(off.code, 0, off.stderr);
    assert.doesNotMatch(off.stderr, /QUEUE_RUNNER_SPREAD/);
  });
});

describe('QUEUE_RUNNER_SPREAD against local servers', () => {
  let http: Server;
  let base = '';
  let wss: WebSocketServer;
  let wsUrl = '';
  /** What reached the HTTP server and what it sent, in order: ['in', i] or ['out', i]. */
  let events: ['in' | 'out', number][] = [];
  /** With a barrier of n, the server answers nothing until n requests have arrived. */
  let barrier = 0;
  let held: [ServerResponse, number][] = [];
  /** Per WebSocket connection (its ?s=), the frames it received, in order. */
  const wsGot = new Map<string, number[]>();

  const answer = (res: ServerResponse, i: number): void => {
    events.push(['out', i]);
    res.end(`ok ${i}`);
  };

  before(async () => {
    http = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/w') return void res.end('warm');
      const i = Number(url.searchParams.get('i'));
      events.push(['in', i]);
      if (barrier === 0) return answer(res, i);
      held.push([res, i]);
      if (held.length < barrier) return;
      for (const [r, n] of held) answer(r, n);
      held = [];
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws, req) => {
      const s = new URL(req.url ?? '/', 'http://x').searchParams.get('s') ?? '?';
      const got: number[] = [];
      wsGot.set(s, got);
      for (let j = 0; j < 50; j++) ws.send(String(j));
      ws.on('message', (d) => {
        got.push(Number(d.toString()));
        if (got.length === 50) ws.close(4000, 'done');
      });
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wsUrl = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
  });

  after(async () => {
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
  });

  /** Runs spread-http.js; returns the order the script was handed its answers in. */
  async function runHttp(n: number, spread: string | undefined): Promise<number[]> {
    events = [];
    const env: Record<string, string> = { BASE: base, N: String(n) };
    if (spread !== undefined) env.QUEUE_RUNNER_SPREAD = spread;
    const r = await runCli(['run', '-q', join(TESTDATA, 'spread-http.js')], { env, timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(checks(r.stdout).get('every answer 200 with its own body'), { passes: 1, fails: 0 });
    assert.equal(events.filter(([e]) => e === 'in').length, n);
    const m = /delivered (\[[\d,]*\])/.exec(r.stderr);
    assert.ok(m, r.stderr);
    return JSON.parse(m[1]!) as number[];
  }

  /** Pairs (a before b) the schedule orders by at least `margin` ms, and whether `order` has each the same way. */
  function againstSchedule(order: number[], at: (i: number) => number, margin: number): { pairs: number; wrong: string[] } {
    const pos = new Map(order.map((v, k) => [v, k]));
    let pairs = 0;
    const wrong: string[] = [];
    for (const a of order) for (const b of order) {
      if (at(b) - at(a) < margin) continue;
      pairs++;
      if (pos.get(a)! > pos.get(b)!) wrong.push(`${a} (at ${at(a)} ms) after ${b} (at ${at(b)} ms)`);
    }
    return { pairs, wrong };
  }

  it('off: a VU\'s concurrent requests are all in flight at once, answered as before', async () => {
    // The server answers none of the 200 until all 200 have arrived: the run ends only if they were sent together.
    barrier = 200;
    try {
      await runHttp(200, undefined);
    } finally {
      barrier = 0;
    }
    assert.deepEqual(events.slice(0, 200).map(([e]) => e), Array<string>(200).fill('in'));
  });

  it('on: the requests are still concurrent (a barrier of all 200 is reached), only later', async () => {
    barrier = 200;
    try {
      await runHttp(200, 'seed=42,max=200ms');
    } finally {
      barrier = 0;
    }
  });

  it('on: 200 concurrent requests of one VU reach the server spread out, interleaved with its answers', async () => {
    await runHttp(200, 'seed=42,max=200ms');
    const firstOut = events.findIndex(([e]) => e === 'out');
    const lastIn = events.map(([e]) => e).lastIndexOf('in');
    // Reference "check-race on real k6 v2.2.0": the 200 checks did not all reach the target before the first answers came back.
    assert.ok(firstOut < lastIn, 'an answer went out before the last request arrived');
    const answeredBeforeLastIn = events.slice(0, lastIn).filter(([e]) => e === 'out').length;
    assert.ok(answeredBeforeLastIn >= 100, `${answeredBeforeLastIn} of 200 answers went out before the last request arrived`);
    // ...because each was sent at its own time: the requests with the shortest send delays arrived
    // well before those with the longest (mean ranks; a stalled connection or two cannot move them much).
    const arrivals = events.filter(([e]) => e === 'in').map(([, i]) => i);
    const send = (i: number): number => delayMs({ seed: 42, maxMs: 200 }, 1, Kind.httpSend, 20 + i);
    const meanRank = (pick: (d: number) => boolean): number => {
      const ranks = arrivals.map((i, rank) => [i, rank] as const).filter(([i]) => pick(send(i))).map(([, rank]) => rank);
      assert.ok(ranks.length >= 20, `${ranks.length} requests in the group`);
      return ranks.reduce((a, b) => a + b, 0) / ranks.length;
    };
    const early = meanRank((d) => d <= 50);
    const late = meanRank((d) => d >= 150);
    assert.ok(late - early > 80, `mean arrival rank ${early} for send delays up to 50 ms, ${late} from 150 ms`);
  });

  it('on: requests arrive in the order of their send delays and answers are handed over in the order of send + answer delays, the same for the same seed', async () => {
    const n = 30;
    const c = { seed: 42, maxMs: 2000 };
    // Requests 0..19 are the warm-up round; the logged ones are 20..49.
    const send = (i: number): number => delayMs(c, 1, Kind.httpSend, 20 + i);
    const answer = (i: number): number => send(i) + delayMs(c, 1, Kind.httpAnswer, 20 + i);
    // Only pairs 400 ms apart in the schedule are compared, and a loaded machine may still swap a
    // few of them (one stalled connection): the order must hold for at least 98 % of the pairs.
    const margin = 400;
    const few = (r: { pairs: number; wrong: string[] }): boolean => r.wrong.length <= Math.floor(r.pairs / 50);
    const arrivals = (): number[] => events.filter(([e]) => e === 'in').map(([, i]) => i);
    const delivered = await runHttp(n, `seed=${c.seed},max=${c.maxMs}ms`);
    const first = arrivals();
    const inOrder = againstSchedule(first, send, margin);
    assert.ok(inOrder.pairs > 200, `${inOrder.pairs} pairs compared`);
    assert.ok(few(inOrder), `arrivals against the send schedule: ${inOrder.wrong.join('; ')}`);
    assert.ok(againstSchedule(first, (i) => i, 1).wrong.length > 100, 'not the order the script issued them in');
    const handed = againstSchedule(delivered, answer, margin);
    assert.ok(handed.pairs > 200, `${handed.pairs} pairs compared`);
    assert.ok(few(handed), `deliveries against the send + answer schedule: ${handed.wrong.join('; ')}`);
    assert.ok(againstSchedule(delivered, send, margin).wrong.length > 10, 'answers are held back: the deliveries do not follow the arrivals');
    const again = await runHttp(n, `seed=${c.seed},max=${c.maxMs}ms`);
    assert.ok(few(againstSchedule(arrivals(), send, margin)), 'the same seed again: the same arrival order');
    assert.ok(few(againstSchedule(again, answer, margin)), 'the same seed again: the same delivery order');
    const other = (i: number): number => delayMs({ seed: 43, maxMs: 2000 }, 1, Kind.httpSend, 20 + i);
    assert.ok(againstSchedule(first, other, margin).wrong.length > 50, 'another seed would give another order');
  });

  for (const spread of [undefined, 'seed=9,max=200ms']) {
    it(`${spread === undefined ? 'off' : 'on'}: each socket sends and is told its frames in order, its close after them${spread === undefined ? '' : '; sockets interleave'}`, async () => {
      wsGot.clear();
      const env: Record<string, string> = { WS_URL: wsUrl, K: '8', M: '50', CHECK_INTERLEAVE: spread === undefined ? '0' : '1' };
      if (spread !== undefined) env.QUEUE_RUNNER_SPREAD = spread;
      const r = await runCli(['run', '-q', join(TESTDATA, 'spread-ws.js')], { env, timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const c = checks(r.stdout);
      assert.deepEqual(c.get('a socket is told its frames in order, all before its close'), { passes: 8, fails: 0 });
      if (spread !== undefined) assert.deepEqual(c.get('the deliveries of different sockets interleave'), { passes: 1, fails: 0 });
      assert.equal(wsGot.size, 8);
      for (const [s, got] of wsGot) assert.deepEqual(got, Array.from({ length: 50 }, (_, j) => j), `socket ${s}: the server got its frames in order`);
    });
  }
});
