// The module sets of each emulated k6 line (QUEUE_RUNNER_K6_VERSION), end to
// end through the CLI, against shared/k6-reference/README.md, "Modules by k6
// version" and "The runner's own testdata scripts on real k6 v2.2.0".
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { modulesOf } from './k6-lines.ts';
import { TESTDATA, runCli } from './testing.ts';

const script = (name: string): string => join(TESTDATA, name);
const GRADUATED = "error: k6/experimental/timers has been graduated, and it's now globally available as defined by standard WebAPIs. You just need to remove the import.";
const unknown = (name: string): string => `error: unknown module: ${name}`;

/** The outcome of each require in modules-by-line.js, from its log line. */
function outcomes(stderr: string): Record<string, string> {
  const m = /INFO\[\d{4}\] modules (\{.*\}) {2}source=console/.exec(stderr);
  assert.ok(m !== null, `no modules line in:\n${stderr}`);
  return JSON.parse(m[1]!) as Record<string, string>;
}

const warnings = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('WARN['));

describe('modules by k6 line', { concurrency: 3 }, () => {
  // Reference "Modules by k6 version", one row per line the runner acts as.
  const lines: { line: string; expect: Record<string, string | RegExp>; globalTimers: string; warned: RegExp[] }[] = [
    {
      line: '0.48', // 0.46 – 0.49: experimental websockets, timers and redis; no k6/secrets
      expect: {
        'k6/timers': unknown('k6/timers'),
        'k6/experimental/timers': 'ok',
        'k6/websockets': unknown('k6/websockets'),
        'k6/experimental/websockets': 'ok',
        'k6/experimental/redis': 'ok',
        'k6/secrets': unknown('k6/secrets'),
      },
      globalTimers: 'undefined',
      warned: [],
    },
    {
      line: '0.53', // 0.50 – 0.53: k6/timers; the experimental name still works, with a warning
      expect: {
        'k6/timers': 'ok',
        'k6/experimental/timers': 'ok',
        'k6/websockets': unknown('k6/websockets'),
        'k6/experimental/websockets': 'ok',
        'k6/experimental/redis': 'ok',
        'k6/secrets': unknown('k6/secrets'),
      },
      globalTimers: 'undefined',
      warned: [/k6\/experimental\/timers/],
    },
    {
      line: '1.5', // 0.54 – 1.5: k6/experimental/timers removed; k6/secrets from 1.0
      expect: {
        'k6/timers': 'ok',
        'k6/experimental/timers': GRADUATED,
        'k6/websockets': unknown('k6/websockets'),
        'k6/experimental/websockets': 'ok',
        'k6/experimental/redis': 'ok',
        'k6/secrets': 'ok',
      },
      globalTimers: 'undefined',
      warned: [],
    },
    {
      line: '1.8', // 1.6 – 1.8: k6/websockets (experimental name warns), k6/experimental/redis warns
      expect: {
        'k6/timers': 'ok',
        'k6/experimental/timers': GRADUATED,
        'k6/websockets': 'ok',
        'k6/experimental/websockets': 'ok',
        'k6/experimental/redis': 'ok',
        'k6/secrets': 'ok',
      },
      globalTimers: 'undefined',
      warned: [/k6\/experimental\/websockets/, /k6\/experimental\/redis/],
    },
    {
      line: '2.2', // 2.0 – 2.2: no Redis built in (k6/experimental/redis removed, naming k6/x/redis); setTimeout is global
      expect: {
        'k6/timers': 'ok',
        'k6/experimental/timers': GRADUATED,
        'k6/websockets': 'ok',
        'k6/experimental/websockets': 'ok',
        'k6/experimental/redis': /^error: .*k6\/x\/redis/,
        'k6/secrets': 'ok',
      },
      globalTimers: 'function',
      warned: [/k6\/experimental\/websockets/],
    },
  ];

  for (const { line, expect, globalTimers, warned } of lines) {
    it(`k6 ${line}: require offers the recorded names, removed ones throw a catchable error`, async () => {
      const r = await runCli(['run', '-q', script('modules-by-line.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
      assert.equal(r.code, 0, r.stderr);
      const got = outcomes(r.stderr);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(expect).sort());
      for (const [name, want] of Object.entries(expect)) {
        if (typeof want === 'string') assert.equal(got[name], want, `${line} ${name}`);
        else assert.match(got[name]!, want, `${line} ${name}`);
      }
      assert.match(r.stderr, new RegExp(`global setTimeout: ${globalTimers} `));
      // One warning line per deprecated name for the whole run, though two VUs ran the init code.
      const w = warnings(r.stderr);
      assert.equal(w.length, warned.length, w.join('\n'));
      for (const re of warned) assert.equal(w.filter((l) => re.test(l)).length, 1, `${re}: ${w.join('\n')}`);
    });
  }

  it('the table in k6-lines.ts serves k6/x/redis on no line by itself (it is an extension)', () => {
    for (const line of ['0.48', '0.53', '1.5', '1.8', '2.2'] as const) assert.equal(modulesOf(line).has('k6/x/redis'), false, line);
  });

  it('legacy-cjs.js (k6/experimental/timers): 0 on 0.48, 0 with one warning on 0.53, 107 from 0.54 on', async () => {
    const codes: Record<string, number> = { '0.48': 0, '0.53': 0, '1.5': 107, '1.8': 107, '2.2': 107 };
    for (const [line, code] of Object.entries(codes)) {
      const r = await runCli(['run', '-q', script('legacy-cjs.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
      assert.equal(r.code, code, `${line}: ${r.stderr}`);
      if (code === 107) assert.match(r.stderr, /k6\/experimental\/timers has been graduated/);
      assert.equal(warnings(r.stderr).length, line === '0.53' ? 1 : 0, r.stderr);
    }
  });

  it('a missing k6/x extension: the catch runs, then VU initialisation fails with 107 (v2.2.0)', async () => {
    const r = await runCli(['run', '-q', script('missing-extension.js')]);
    assert.equal(r.code, 107, r.stderr);
    assert.match(r.stderr, /caught: unknown module: k6\/x\/faker/);
    assert.match(r.stderr, /unknown modules \["k6\/x\/faker"\] were tried to be loaded, but couldn't/);
  });

  it('QUEUE_RUNNER_EXTENSIONS empty = stock k6: k6/x/redis cannot be loaded (107); set, it can', async () => {
    const stock = await runCli(['run', '-q', script('redis-nil-uncaught.js')], { env: { QUEUE_RUNNER_EXTENSIONS: '', REDIS_URL: 'redis://127.0.0.1:1' } });
    assert.equal(stock.code, 107, stock.stderr);
    assert.match(stock.stderr, /unknown modules \["k6\/x\/redis"\] were tried to be loaded, but couldn't/);
    // With the extension linked, the same script loads (and its iteration fails on the dead server, exit 0).
    const linked = await runCli(['run', '-q', script('redis-nil-uncaught.js')], { env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    assert.equal(linked.code, 0, linked.stderr);
    assert.match(linked.stderr, /Uncaught \(in promise\) Error: dial tcp 127\.0\.0\.1:1: connect: connection refused/);
  });
});
