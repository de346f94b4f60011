// The runner acting as each recorded k6 line (QUEUE_RUNNER_K6_VERSION), end
// to end through the CLI, row by row against shared/k6-reference/README.md,
// "`require` of module names, line by line" (recorded 2026-12-01 on 0.46,
// 1.0, 1.5, 1.6 and 2.2 stock), and "Client on k6 0.46".
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { K6_LINES } from './k6-lines.ts';
import { TESTDATA, runCli } from './testing.ts';

const script = (name: string): string => join(TESTDATA, name);

const OK = 'ok';
const OBJECT = 'object without members';
const lacks = (name: string): string => `throws GoError: unknown module: ${name}`;
const GRADUATED_1_0 = 'throws Error: k6/experimental/timers has been graduated, please use k6/timers instead.';
const GRADUATED = "throws Error: k6/experimental/timers has been graduated, and it's now globally available as defined by standard WebAPIs. You just need to remove the import.";
/** k6's line when a k6 >= 1.5 was asked for names it lacks (recorded on 1.5 with these two names). */
const unknownModules = (names: string[]): string =>
  `unknown modules [${names.map((n) => JSON.stringify(n)).join(', ')}] were tried to be loaded, but couldn't - this likely means automatic extension resolution is required or a custom k6 binary with the required extensions`;

/** The outcome of each require in modules-by-line.js, from its log line. */
function outcomes(stderr: string): Record<string, string> {
  const m = /INFO\[\d{4}\] modules (\{.*\}) {2}source=console/.exec(stderr);
  assert.ok(m !== null, `no modules line in:\n${stderr}`);
  return JSON.parse(m[1]!) as Record<string, string>;
}

const warnings = (stderr: string): string[] => stderr.split('\n').filter((l) => l.startsWith('WARN['));

interface Row {
  line: (typeof K6_LINES)[number];
  /** What each require did; cells left blank in the table are marked where they are filled from elsewhere. */
  expect: Record<string, string | RegExp>;
  /** Exit code and k6's line after init: a name the binary lacks fails the VU from 1.5 on. */
  code: number;
  afterInit?: string[];
  warned: RegExp[];
}

describe('require of module names, line by line (stock binaries, no extension)', { concurrency: 3 }, () => {
  const rows: Row[] = [
    {
      line: '0.46', // a name it lacks throws GoError: unknown module, caught, the run goes on
      expect: {
        'k6/experimental/websockets': OK, 'k6/websockets': lacks('k6/websockets'), 'k6/timers': lacks('k6/timers'), 'k6/experimental/timers': OK,
        'k6/experimental/redis': OK, 'k6/x/redis': lacks('k6/x/redis'),
        'k6/secrets': lacks('k6/secrets'), // blank; "Secrets": absent in 0.54 and before
      },
      code: 0,
      warned: [],
    },
    {
      line: '0.48', // not in the require table: its module table is 0.46's ("Modules by k6 version", 0.46 - 0.49)
      expect: {
        'k6/experimental/websockets': OK, 'k6/websockets': lacks('k6/websockets'), 'k6/timers': lacks('k6/timers'), 'k6/experimental/timers': OK,
        'k6/experimental/redis': OK, 'k6/x/redis': lacks('k6/x/redis'), 'k6/secrets': lacks('k6/secrets'),
      },
      code: 0,
      warned: [],
    },
    {
      line: '1.0', // throws, caught, the run goes on
      expect: {
        'k6/experimental/websockets': OK, 'k6/websockets': lacks('k6/websockets'), 'k6/timers': OK, 'k6/experimental/timers': GRADUATED_1_0,
        'k6/experimental/redis': OK, 'k6/x/redis': lacks('k6/x/redis'),
        'k6/secrets': OK, // blank; "Secrets": k6 >= 1.0
      },
      code: 0,
      warned: [],
    },
    {
      line: '1.5', // does not throw: an object without members, then exit 107 naming both
      expect: {
        'k6/experimental/websockets': OK, 'k6/websockets': OBJECT, 'k6/timers': OK,
        'k6/experimental/timers': GRADUATED, // blank; a removed module in k6's 1.x source, as on 1.0 and 2.2
        'k6/experimental/redis': OK, 'k6/x/redis': OBJECT, 'k6/secrets': OK,
      },
      code: 107,
      afterInit: ['k6/websockets', 'k6/x/redis'],
      warned: [],
    },
    {
      line: '1.6', // like 1.5 (exit 107 naming k6/x/redis); experimental websockets warns
      expect: {
        'k6/experimental/websockets': OK, 'k6/websockets': OK, 'k6/timers': OK, 'k6/experimental/timers': GRADUATED,
        'k6/experimental/redis': OK, 'k6/x/redis': OBJECT, 'k6/secrets': OK,
      },
      code: 107,
      afterInit: ['k6/x/redis'],
      warned: [/k6\/experimental\/websockets/, /k6\/experimental\/redis/], // the redis warning: "Modules by k6 version", 1.6 - 1.8
    },
    {
      line: '2.2', // like 1.5 (exit 107 naming k6/x/redis); k6/experimental/redis removed
      expect: {
        'k6/experimental/websockets': OK, 'k6/websockets': OK, 'k6/timers': OK, 'k6/experimental/timers': GRADUATED,
        'k6/experimental/redis': /^throws Error: .*k6\/x\/redis/, 'k6/x/redis': OBJECT, 'k6/secrets': OK,
      },
      code: 107,
      afterInit: ['k6/x/redis'],
      warned: [/k6\/experimental\/websockets/],
    },
  ];

  it('covers every line the runner acts as', () => {
    assert.deepEqual(rows.map((r) => r.line), [...K6_LINES]);
  });

  for (const row of rows) {
    it(`k6 ${row.line}: each require as recorded, then exit ${row.code}${row.afterInit ? ' naming the names it lacks' : ''}`, async () => {
      const r = await runCli(['run', '-q', script('modules-by-line.js')], { env: { QUEUE_RUNNER_K6_VERSION: row.line, QUEUE_RUNNER_EXTENSIONS: '' } });
      assert.equal(r.code, row.code, r.stderr);
      const got = outcomes(r.stderr);
      assert.deepEqual(Object.keys(got).sort(), Object.keys(row.expect).sort());
      for (const [name, want] of Object.entries(row.expect)) {
        if (typeof want === 'string') assert.equal(got[name], want, `${row.line} ${name}`);
        else assert.match(got[name]!, want, `${row.line} ${name}`);
      }
      if (row.afterInit !== undefined) {
        const errors = r.stderr.split('\n').filter((l) => l.startsWith('ERRO['));
        assert.equal(errors.length, 1, r.stderr);
        assert.ok(errors[0]!.includes(unknownModules(row.afterInit)), errors[0]);
      } else assert.doesNotMatch(r.stderr, /ERRO\[/);
      // Timer globals: recorded on 2.x only ("Modules by k6 version").
      assert.match(r.stderr, new RegExp(`global setTimeout: ${row.line === '2.2' ? 'function' : 'undefined'} `));
      // One warning line per deprecated name for the whole run.
      const w = warnings(r.stderr);
      assert.equal(w.length, row.warned.length, w.join('\n'));
      for (const re of row.warned) assert.equal(w.filter((l) => re.test(l)).length, 1, `${re}: ${w.join('\n')}`);
    });
  }

  it('k6 2.2 + xk6-redis: k6/x/redis is served, nothing fails after init', async () => {
    const r = await runCli(['run', '-q', script('modules-by-line.js')], { env: { QUEUE_RUNNER_K6_VERSION: '2.2', QUEUE_RUNNER_EXTENSIONS: 'k6/x/redis' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(outcomes(r.stderr)['k6/x/redis'], OK);
  });
});

describe('a name the binary lacks, caught by the script', { concurrency: 3 }, () => {
  it('before 1.5 the catch runs and the run goes on; from 1.5 an object comes back and the VU fails after init (107)', async () => {
    for (const line of K6_LINES) {
      const r = await runCli(['run', '-q', script('missing-extension.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
      const late = line === '1.5' || line === '1.6' || line === '2.2';
      assert.equal(r.code, late ? 107 : 0, `${line}: ${r.stderr}`);
      if (late) {
        assert.match(r.stderr, /returned: an object with 0 members/);
        assert.ok(r.stderr.includes(unknownModules(['k6/x/faker'])), r.stderr);
      } else assert.match(r.stderr, /caught: unknown module: k6\/x\/faker/);
    }
  });

  it('an exception of the init code is what k6 reports, not the unknown names (1.5: "k6/websockets has no WebSocket")', async () => {
    const r = await runCli(['run', '-q', script('init-after-missing.js')], { env: { QUEUE_RUNNER_K6_VERSION: '1.5' } });
    assert.equal(r.code, 107, r.stderr);
    assert.match(r.stderr, /k6\/websockets has no WebSocket/);
    assert.doesNotMatch(r.stderr, /unknown modules/);
  });
});

describe('removed names', () => {
  it('legacy-cjs.js (k6/experimental/timers): 0 on 0.46 and 0.48, 107 from 1.0 on with k6\'s message', async () => {
    for (const line of K6_LINES) {
      const r = await runCli(['run', '-q', script('legacy-cjs.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
      const removed = line !== '0.46' && line !== '0.48';
      assert.equal(r.code, removed ? 107 : 0, `${line}: ${r.stderr}`);
      if (removed) assert.match(r.stderr, /k6\/experimental\/timers has been graduated/);
    }
  });
});

describe('the Redis Client before 0.48 takes an options object (k6-reference, "Client on k6 0.46")', () => {
  it('0.46: a URL throws GoError: unable to parse options object; { addrs, password, db } is taken', async () => {
    const r = await runCli(['run', '-q', script('redis-client-forms.js')], { env: { QUEUE_RUNNER_K6_VERSION: '0.46' } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /url: GoError: unable to parse options object/);
    assert.match(r.stderr, /addrs: made/);
  });

  it('0.48 and later: the URL is taken', async () => {
    for (const line of ['0.48', '1.6'] as const) {
      const r = await runCli(['run', '-q', script('redis-client-forms.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /url: made/, line);
    }
  });
});
