// k6/http, k6/websockets and k6/x/redis end to end: scripts in testdata/
// against local servers (node:http, a `ws` echo server, a throwaway redis).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WebSocketServer } from 'ws';
import { freePort, startRedis, type RedisServer } from '../test/support/redis.ts';
import { httpPoolOptions } from '../lib/run/http-pool.ts';
import { TESTDATA, runCli } from './testing.ts';

interface Summary {
  root_group: { checks: { name: string; passes: number; fails: number }[]; groups: { name: string; checks: { name: string; passes: number; fails: number }[] }[] };
  metrics: Record<string, { values: Record<string, number> }>;
}

function allChecks(s: Summary): Map<string, { passes: number; fails: number }> {
  const out = new Map<string, { passes: number; fails: number }>();
  for (const c of s.root_group.checks) out.set(c.name, c);
  for (const g of s.root_group.groups) for (const c of g.checks) out.set(`${g.name}/${c.name}`, c);
  return out;
}

describe('k6 modules against local servers', { concurrency: true }, () => {
  let http: Server;
  let base = '';
  let wss: WebSocketServer;
  let wsUrl = '';
  let redis: RedisServer | null = null;
  let redisError = '';
  const slowTimers = new Set<NodeJS.Timeout>();
  const slowishSockets = new Set<Socket>();
  const poolSockets = new Set<Socket>();

  before(async () => {
    http = createServer((req, res) => {
      if (req.url === '/hello') return void res.end('hello');
      if (req.url === '/whoami') return void res.end(String(req.socket.remoteAddress));
      if (req.url === '/echo') {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          res.setHeader('content-type', 'application/json');
          res.setHeader('x-auth', req.headers.authorization ?? '');
          res.end(body);
        });
        return;
      }
      if (req.url === '/slowish') {
        slowishSockets.add(req.socket); // the other tests run alongside: count only this one's connections
        // answered together, so all ten requests of a round are in flight at once
        const t = setTimeout(() => res.end('ok'), 100);
        slowTimers.add(t);
        return;
      }
      if (req.url === '/pool') {
        poolSockets.add(req.socket); // one entry per TCP connection the VU dialled
        const t = setTimeout(() => res.end('ok'), 20);
        slowTimers.add(t);
        return;
      }
      if (req.url === '/slow') {
        const t = setTimeout(() => res.end('late'), 1500);
        slowTimers.add(t);
        return;
      }
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
    wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    wss.on('connection', (ws, req) => {
      if (req.url === '/whoami') ws.send(String(req.socket.remoteAddress));
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    await new Promise<void>((r) => wss.once('listening', () => r()));
    wsUrl = `ws://127.0.0.1:${(wss.address() as { port: number }).port}/`;
    try {
      redis = await startRedis();
    } catch (e) {
      redisError = (e as Error).message;
    }
  });

  after(async () => {
    for (const t of slowTimers) clearTimeout(t);
    http.closeAllConnections();
    await new Promise<void>((r) => http.close(() => r()));
    for (const c of wss.clients) c.terminate();
    await new Promise<void>((r) => wss.close(() => r()));
    await redis?.stop();
  });

  it('k6/http: sync get in setup, asyncRequest, connection refused, timeout, 404', async () => {
    const r = await runCli(['run', '-q', join(TESTDATA, 'http.js')], { env: { BASE: base } });
    // Reference "The runner's own testdata scripts on real k6 v2.2.0": http → 99, the check
    // `refused: error text` fails because k6's res.error is not Go's dial error.
    assert.equal(r.code, 99, r.stderr);
    const data = JSON.parse(r.stdout) as Summary;
    const checks = allChecks(data);
    for (const [name, c] of checks) {
      if (name === 'refused: error text') assert.deepEqual([c.passes, c.fails], [0, 1], name);
      else assert.equal(c.fails, 0, `check failed: ${name}`);
    }
    assert.equal(checks.get('setup/setup: sync get 200')?.passes, 1);
    assert.equal(checks.get('refused: error_code 1212')?.passes, 1);
    assert.equal(checks.get('refused: status 0')?.passes, 1);
    assert.equal(data.metrics.http_reqs!.values.count, 5);
    // 3 failures of 5: refused, timeout, 404
    assert.equal(data.metrics.http_req_failed!.values.passes, 3);
    assert.ok(data.metrics.data_received!.values.count! > 0);
    // k6 logs Go's whole error in the warning, not the short res.error.
    assert.match(r.stderr, /WARN\[\d{4}\] Request Failed {2}error="Get \\"http:\/\/127\.0\.0\.1:1\/\\": dial tcp 127\.0\.0\.1:1: connect: connection refused"/);
    assert.match(r.stderr, /thresholds on metrics 'checks' have been crossed/);
  });

  it("k6/http: a refused connection gives k6's res.error 'dial: connection refused', error_code 1212, status 0", async () => {
    const r = await runCli(['run', '-q', join(TESTDATA, 'http-refused.js')]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /refused: \{"status":0,"error":"dial: connection refused","error_code":1212\}/);
  });

  it('k6/http: a VU keeps batchPerHost idle connections per host (6 by default), as k6\'s transport', async () => {
    for (const [batchPerHost, expected] of [[undefined, 14], [2, 18], [10, 10]] as const) {
      slowishSockets.clear();
      const env: Record<string, string> = { BASE: base };
      if (batchPerHost !== undefined) env.BATCH_PER_HOST = String(batchPerHost);
      const r = await runCli(['run', '-q', join(TESTDATA, 'idle-pool.js')], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(slowishSockets.size, expected, `batchPerHost ${batchPerHost ?? 'default'}: connections opened`);
    }
  });

  it("k6/http: a VU's pool is batchPerHost idle per host and batch in all; the scenarios' pool for 16 users per VU dials once per call in flight", async () => {
    // Reference "At scale on real k6": one VU, 50 rounds of 16 concurrent requests to one host:
    // 503 new connections with k6's defaults, 16 with --batch-per-host=16 --batch=32. The model
    // is exact: 16, then 10 more each round (6 kept idle) = 506.
    // The recorded options are the scenarios' for 16 users per VU (lib/run/http-pool.ts).
    const pool = httpPoolOptions(16);
    assert.deepEqual(pool, { batchPerHost: 16, batch: 32 });
    const cases: Array<[string, Record<string, string>, number]> = [
      ["k6's defaults (6 per host, 20 in all)", { ROUNDS: '50', WIDTH: '16' }, 16 + 49 * 10],
      [`the scenarios' options for USERS_PER_VU=16, the recorded ones (batchPerHost ${pool.batchPerHost}, batch ${pool.batch})`, { ROUNDS: '50', WIDTH: '16', BATCH_PER_HOST: String(pool.batchPerHost), BATCH: String(pool.batch) }, 16],
      ['batch 3 caps the pool below batchPerHost 6', { ROUNDS: '2', WIDTH: '10', BATCH_PER_HOST: '6', BATCH: '3' }, 10 + 7],
    ];
    for (const [name, env, expected] of cases) {
      poolSockets.clear();
      const r = await runCli(['run', '-q', join(TESTDATA, 'http-pool.js')], { env: { BASE: base, ...env } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(poolSockets.size, expected, `${name}: connections dialled`);
    }
  });

  it('--local-ips and K6_LOCAL_IPS: each VU connects from its own address, handed out in VU order', async () => {
    const expected = ['vu 1: http from 127.0.9.1, ws from 127.0.9.1', 'vu 2: http from 127.0.9.2, ws from 127.0.9.2', 'vu 3: http from 127.0.9.1, ws from 127.0.9.1'];
    const flag = await runCli(['run', '-q', '--local-ips', '127.0.9.1-127.0.9.2', join(TESTDATA, 'local-ips.js')], { env: { BASE: base, WS_URL: wsUrl } });
    assert.equal(flag.code, 0, flag.stderr);
    assert.deepEqual([...allChecks(JSON.parse(flag.stdout) as Summary).keys()].sort(), expected);
    const fromEnv = await runCli(['run', '-q', join(TESTDATA, 'local-ips.js')], { env: { BASE: base, WS_URL: wsUrl, K6_LOCAL_IPS: '127.0.9.0/31' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    assert.deepEqual([...allChecks(JSON.parse(fromEnv.stdout) as Summary).keys()].sort(), ['vu 1: http from 127.0.9.0, ws from 127.0.9.0', 'vu 2: http from 127.0.9.1, ws from 127.0.9.1', 'vu 3: http from 127.0.9.0, ws from 127.0.9.0']);
    const bad = await runCli(['run', '-q', '--local-ips', '127.0.9.1-127.0.9', join(TESTDATA, 'local-ips.js')], { env: { BASE: base, WS_URL: wsUrl } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /invalid --local-ips "127\.0\.9\.1-127\.0\.9": "127\.0\.9" is not an IPv4 address; expected addresses, ranges A-B or CIDRs A\/N/);
  });

  it('k6/websockets: echo, string frames, close codes, a failed dial fires error then close', async () => {
    const r = await runCli(['run', '-q', join(TESTDATA, 'ws-echo.js')], { env: { WS_URL: wsUrl } });
    assert.equal(r.code, 0, r.stderr);
    const data = JSON.parse(r.stdout) as Summary;
    const checks = allChecks(data);
    assert.equal(checks.get('echoed both, as strings')?.passes, 2);
    assert.equal(checks.get('failure: error then close')?.passes, 2);
    assert.equal(checks.get('closed normally')?.passes, 2);
    assert.equal(data.metrics.ws_msgs_sent!.values.count, 4);
    assert.equal(data.metrics.ws_sessions!.values.count, 2);
    assert.ok(data.metrics.ws_connecting!.values.avg! > 0);
    assert.ok(data.metrics.ws_session_duration!.values.max! >= 10);
  });

  it('k6/x/redis: replies, nil and error replies, an unreachable server and a client made in VU code, as xk6-redis', async (t) => {
    if (redis === null) {
      t.skip(`no redis-server: ${redisError}`);
      return;
    }
    const deadPort = await freePort();
    const r = await runCli(['run', '-q', join(TESTDATA, 'redis.js')], {
      env: { REDIS_URL: redis.url, REDIS_PORT: String(redis.port), DEAD_PORT: String(deadPort) },
    });
    assert.equal(r.code, 0, r.stderr);
    const checks = allChecks(JSON.parse(r.stdout) as Summary);
    // Reference "xk6-redis replies": every row is one check of redis.js; each must have run and passed once.
    const expected = [
      'SET resolves OK, GET a string',
      'GET missing rejects with the string redis: nil',
      'get() of a missing key rejects with the string redis: nil',
      'ZCARD is a number, 0 for a missing key',
      'SCARD is a number',
      'ZRANK is a 0-based number',
      'ZRANK of a non-member rejects with redis: nil',
      'ZSCORE is a string',
      'ZSCORE of a non-member rejects with redis: nil',
      'SISMEMBER is 1 or 0',
      'sismember() is true or false',
      'ZRANGE WITHSCORES is a flat array of strings, [] when empty',
      'WRONGTYPE rejects with the reply text as a string',
      'unknown command rejects with the reply text as a string',
      'a client created in VU code works',
      'unreachable rejects with an object whose message is the dial error',
    ];
    assert.deepEqual([...checks.keys()].sort(), [...expected].sort());
    for (const name of expected) assert.deepEqual([checks.get(name)?.passes, checks.get(name)?.fails], [1, 0], name);
  });

  it('k6/x/redis dials from the VU\'s --local-ips address; a Redis in protected mode refuses it with write: broken pipe', async (t) => {
    if (redis === null) {
      t.skip(`no redis-server: ${redisError}`);
      return;
    }
    // Reference "At scale on real k6", first table: with --local-ips=127.0.1.2, CLIENT INFO
    // shows addr=127.0.1.2 on a Redis with --protected-mode no; a Redis in protected mode
    // (the default) rejects the client with `write: broken pipe`; without --local-ips both
    // see 127.0.0.1. The suite's Redis (startRedis) runs with protected mode off on 127.0.0.1.
    const open = await runCli(['run', '-q', '--local-ips', '127.0.9.5-127.0.9.6', join(TESTDATA, 'redis-local-ips.js')], { env: { REDIS_URL: redis.url } });
    assert.equal(open.code, 0, open.stderr);
    assert.deepEqual([...allChecks(JSON.parse(open.stdout) as Summary).keys()].sort(), ['vu 1: from 127.0.9.5', 'vu 2: from 127.0.9.6']);
    const guarded = await startRedis({ protectedMode: true });
    try {
      const refused = await runCli(['run', '-q', join(TESTDATA, 'redis-local-ips.js')], { env: { REDIS_URL: guarded.url, K6_LOCAL_IPS: '127.0.9.7' } });
      assert.equal(refused.code, 0, refused.stderr);
      assert.deepEqual([...allChecks(JSON.parse(refused.stdout) as Summary).keys()].sort(), ['vu 1: rejected: Error write: broken pipe', 'vu 2: rejected: Error write: broken pipe']);
      const plain = await runCli(['run', '-q', join(TESTDATA, 'redis-local-ips.js')], { env: { REDIS_URL: guarded.url } });
      assert.equal(plain.code, 0, plain.stderr);
      assert.deepEqual([...allChecks(JSON.parse(plain.stdout) as Summary).keys()].sort(), ['vu 1: from 127.0.0.1', 'vu 2: from 127.0.0.1']);
    } finally {
      await guarded.stop();
    }
  });

  it('k6/x/redis: an uncaught nil reply ends the iteration with "Uncaught (in promise) redis: nil", exit 0', async (t) => {
    if (redis === null) {
      t.skip(`no redis-server: ${redisError}`);
      return;
    }
    const r = await runCli(['run', '-q', join(TESTDATA, 'redis-nil-uncaught.js')], { env: { REDIS_URL: redis.url } });
    // Reference "The runner's own testdata scripts on real k6 v2.2.0", row redis: 0, `Uncaught (in promise) redis: nil`.
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /ERRO\[\d{4}\] Uncaught \(in promise\) redis: nil {2}/);
  });
});
