// selectModules/selectRedis against an emulated `require` per k6 line, built
// from shared/k6-reference/README.md (test/support/k6-require-table.ts):
// - "`require` of module names, line by line" (recorded on 0.46, 1.0, 1.5,
//   1.6, 2.2): what each name does, and what a name the binary lacks does
//   (throws before 1.5; from 1.5 returns an object and fails the VU after init);
// - "Modules by k6 version" (read in each release's module table) for the
//   lines and cells not recorded;
// - "Client on k6 0.46": the Client takes an options object before 0.48.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atLeast, emulateK6, READ_NOT_RECORDED, RECORDED, requireOf, type EmulatedK6 } from '../../test/support/k6-require-table.ts';
import {
  legacyRedisOptions, MODULE_NAMES, newRedisClient, NO_REDIS_MODULE_HINT, parseK6Version, RECORDED_MODULES, selectModules, selectRedis, spanOf, wantsRedis,
  type K6Version, type SelectOptions,
} from './select.ts';

const N = MODULE_NAMES;

const v = (s: string): K6Version => parseK6Version(s)!;

interface Outcome {
  lacked: string[];
  failsAfterInit: string[];
  warned: string[];
  removed: string[];
}

function loaderFor(k6: EmulatedK6): { load: (name: string) => unknown; out: Outcome } {
  const { require, asked } = requireOf(k6, (name) => (name === N.redis.builtIn || name === N.redis.extension ? { Client: clientOf(k6.version) } : { name }));
  return { load: require, out: asked };
}

/** The Client constructor of a line: before 0.48 only `{ addrs: [...] }`. */
function clientOf(version: string): new (arg: unknown) => { arg: unknown } {
  const old = !atLeast(v(version), 0, 48);
  return class {
    constructor(readonly arg: unknown) {
      if (old && typeof arg === 'string') throw new Error('GoError: unable to parse options object');
      if (!old && typeof arg !== 'string') throw new Error('expected a URL');
    }
  };
}

const emulate = emulateK6;

function select(version: string, opts: { probes: boolean; ext?: string[]; knownVersion?: boolean }) {
  const k6 = emulate(version, opts.ext);
  const { load, out } = loaderFor(k6);
  const so: SelectOptions = { load, version: opts.knownVersion === true ? `k6 v${version}` : undefined };
  const core = selectModules(so);
  const redis = opts.probes ? selectRedis(core, so) : undefined;
  return { core, redis, tried: redis?.tried ?? core.tried, out, k6 };
}

/** The names a line must end up with (module table). */
function expected(version: string, knownVersion: boolean) {
  const x = v(version);
  return {
    timers: atLeast(x, 0, 54) || (knownVersion && atLeast(x, 0, 50)) ? N.timers.modern : N.timers.experimental,
    websockets: atLeast(x, 2, 0) || (knownVersion && atLeast(x, 1, 6)) ? N.websockets.modern : N.websockets.experimental,
    secrets: atLeast(x, 1, 0) ? N.secrets : undefined,
    redis: atLeast(x, 2, 0) ? N.redis.extension : N.redis.builtIn,
  };
}

// The recorded lines first, then lines only read in the module table.
const RECORDED_LINES = ['0.46.0', '0.48.0', '1.0.0', '1.5.0', '1.6.0', '2.2.0'];
const READ_LINES = ['0.47.0', '0.49.0', '0.50.0', '0.53.0', '0.54.0', '0.57.0', '1.3.0', '1.4.0', '1.8.0', '2.0.0'];

describe('the order of the tries on each recorded line (a plain k6 run, no version given)', () => {
  // Exactly what each line is asked, probes on (stock 2.x and 2.x + xk6-redis told apart).
  const rows: Array<{ line: string; ext?: string[]; tried: string[]; lacked: string[] }> = [
    { line: '0.46.0', tried: [N.timers.experimental, N.websockets.experimental, N.redis.builtIn], lacked: [] },
    { line: '0.48.0', tried: [N.timers.experimental, N.websockets.experimental, N.redis.builtIn], lacked: [] },
    { line: '1.0.0', tried: [N.timers.experimental, N.timers.modern, N.secrets, N.redis.builtIn, N.websockets.experimental], lacked: [] },
    { line: '1.5.0', tried: [N.timers.experimental, N.timers.modern, N.secrets, N.redis.builtIn, N.websockets.experimental], lacked: [] },
    { line: '1.6.0', tried: [N.timers.experimental, N.timers.modern, N.secrets, N.redis.builtIn, N.websockets.experimental], lacked: [] },
    { line: '2.2.0', ext: [N.redis.extension], tried: [N.timers.experimental, N.timers.modern, N.secrets, N.redis.builtIn, N.websockets.modern, N.redis.extension], lacked: [] },
    // The one exception: a stock 2.x with the probes on is asked for k6/x/redis.
    { line: '2.2.0', tried: [N.timers.experimental, N.timers.modern, N.secrets, N.redis.builtIn, N.websockets.modern, N.redis.extension], lacked: [N.redis.extension] },
  ];
  for (const row of rows) {
    it(`k6 v${row.line}${row.ext ? ' + xk6-redis' : row.line.startsWith('2.') ? ' stock' : ''}, probes on: ${row.tried.join(', ')}`, () => {
      const s = select(row.line, { probes: true, ext: row.ext });
      assert.deepEqual(s.tried, row.tried);
      assert.deepEqual(s.out.lacked, row.lacked);
      // Every name asked of a recorded line is a recorded cell, or one of the cells listed in READ_NOT_RECORDED.
      const known = { ...(READ_NOT_RECORDED[row.line] ?? {}), ...(RECORDED[row.line] ?? {}) };
      if (RECORDED[row.line] !== undefined) for (const name of s.tried) assert.ok(name in known, `${name} on ${row.line} is neither recorded nor listed as read`);
    });
  }

  it('probes off: the same tries without the Redis step, so no line is asked for a name it lacks', () => {
    for (const line of RECORDED_LINES) {
      const s = select(line, { probes: false });
      assert.deepEqual(s.out.lacked, [], line);
      assert.ok(!s.tried.includes(N.redis.extension), line);
      // Below 0.54 no Redis name at all; from 0.54 k6/experimental/redis tells 2.x apart.
      assert.equal(s.tried.includes(N.redis.builtIn), atLeast(v(line), 0, 54), `${line}: ${s.tried.join(', ')}`);
    }
  });

  it('1.5, which fails any unknown name after init, is asked for nothing it lacks (the recorded 107 came from k6/websockets)', () => {
    for (const probes of [true, false]) {
      const s = select('1.5.0', { probes });
      assert.deepEqual(s.out.failsAfterInit, []);
      assert.ok(!s.tried.includes(N.websockets.modern));
    }
  });
});

describe('module selection on every line of the module table', () => {
  for (const line of [...RECORDED_LINES, ...READ_LINES]) {
    const x = v(line);
    const ext = x.major >= 2 ? [N.redis.extension] : [];
    for (const knownVersion of [false, true]) {
      it(`k6 v${line}${ext.length > 0 ? ' + xk6-redis' : ''}${knownVersion ? ', QUEUE_K6_VERSION given' : ''}: the names of its table`, () => {
        const s = select(line, { probes: true, ext, knownVersion });
        const want = expected(line, knownVersion);
        assert.equal(s.core.timers.name, want.timers);
        assert.equal(s.core.websockets.name, want.websockets);
        assert.equal(s.redis?.redis?.name, want.redis);
        for (const name of s.tried) assert.ok(RECORDED_MODULES.includes(name), name);
        if (knownVersion) {
          // Only that version's names: nothing removed, nothing missing, one try per module.
          assert.deepEqual(s.out.removed, []);
          assert.deepEqual(s.out.lacked, []);
          assert.equal(s.core.secrets?.name, want.secrets);
          assert.equal(s.tried.length, want.secrets === undefined ? 3 : 4, s.tried.join(', '));
        } else {
          // k6/secrets is asked from 0.54 on; the one line range that may lack it, 0.54-0.59, throws catchably.
          const lacked = s.out.lacked;
          assert.deepEqual(lacked, atLeast(x, 0, 54) && !atLeast(x, 1, 0) ? [N.secrets] : [], line);
          assert.deepEqual(s.out.failsAfterInit, []);
          assert.equal(s.core.line, spanOf(x));
        }
      });
    }
  }

  it('a wrong QUEUE_K6_VERSION says which variable to fix', () => {
    const { load } = loaderFor(emulate('0.48.0'));
    assert.throws(() => selectModules({ load, version: 'k6 v2.2.0' }), /k6\/timers is missing .*QUEUE_K6_VERSION says this is k6 v2\.2\.0/);
  });

  it('a QUEUE_K6_VERSION without a version in it is ignored: the tries decide', () => {
    const { load } = loaderFor(emulate('2.2.0'));
    assert.equal(selectModules({ load, version: 'unknown' }).websockets.name, N.websockets.modern);
  });
});

describe('stock k6 2.x with the probes on', () => {
  it('k6/x/redis missing, whether k6 returns an object for it (recorded from 1.5) or throws: no Redis module, and one line on how to go on', () => {
    const s = select('2.2.0', { probes: true });
    assert.equal(s.redis?.redis, undefined);
    const throwing = (name: string): unknown => {
      if (name === N.redis.extension) throw new Error('unknown module');
      return loaderFor(emulate('2.2.0')).load(name);
    };
    const core = selectModules({ load: throwing });
    assert.equal(selectRedis(core, { load: throwing }).redis, undefined);
    assert.ok(!NO_REDIS_MODULE_HINT.includes('\n'));
    assert.match(NO_REDIS_MODULE_HINT, /xk6 build --with github\.com\/grafana\/xk6-redis/);
    assert.match(NO_REDIS_MODULE_HINT, /make k6/);
    assert.match(NO_REDIS_MODULE_HINT, /REDIS_URL= /);
  });

  it('never asks a 1.x for k6/x/redis, even one that has it', () => {
    const s = select('1.6.0', { probes: true, ext: [N.redis.extension] });
    assert.equal(s.redis?.redis?.name, N.redis.builtIn);
    assert.ok(!s.tried.includes(N.redis.extension));
  });
});

describe('the Redis Client form (k6-reference, "Client on k6 0.46")', () => {
  const url = 'redis://:p%40ss@127.0.0.1:6380/2';

  it('0.46 without a version: the URL is refused, the options object is taken', () => {
    const s = select('0.46.0', { probes: true });
    assert.equal(s.redis?.clientForm, 'url-else-options');
    const Base = clientOf('0.46.0');
    assert.deepEqual(newRedisClient(Base, s.redis!.clientForm, url).arg, { addrs: ['127.0.0.1:6380'], password: 'p@ss', db: 2 });
  });

  it('0.46 with QUEUE_K6_VERSION: the options object at once; 0.48 and later: the URL', () => {
    assert.equal(select('0.46.0', { probes: true, knownVersion: true }).redis?.clientForm, 'options');
    for (const line of ['0.48.0', '1.0.0', '1.6.0']) {
      for (const knownVersion of [false, true]) {
        const s = select(line, { probes: true, knownVersion });
        assert.equal(newRedisClient(clientOf(line), s.redis!.clientForm, url).arg, url, line);
      }
    }
    assert.equal(select('2.2.0', { probes: true, ext: [N.redis.extension] }).redis?.clientForm, 'url');
  });

  it('reads redis:// URLs into the options object, refuses rediss:// and unreadable ones in one line', () => {
    assert.deepEqual(legacyRedisOptions('redis://localhost'), { addrs: ['localhost:6379'] });
    assert.deepEqual(legacyRedisOptions('redis://u:x@h:1/'), { addrs: ['h:1'], username: 'u', password: 'x' });
    assert.deepEqual(legacyRedisOptions('redis://[::1]:7000/0'), { addrs: ['[::1]:7000'], db: 0 });
    assert.throws(() => legacyRedisOptions('rediss://h:1'), /needs k6 0\.48 or newer/);
    assert.throws(() => legacyRedisOptions('redis://:secret@h:1/x'), (e: Error) => !e.message.includes('secret') && /expected redis:\/\//.test(e.message));
  });

  it('when the URL has no options object either, that says why in one line (not k6\'s "unable to parse options object")', () => {
    assert.throws(() => newRedisClient(clientOf('0.46.0'), 'url-else-options', 'redis://h:1/not-a-db'), /cannot read the Redis URL redis:\/\/h:1\/not-a-db: expected/);
    assert.throws(() => newRedisClient(clientOf('0.46.0'), 'url-else-options', 'rediss://h:1'), /needs k6 0\.48 or newer/);
  });
});

describe('helpers', () => {
  it('reads k6 versions', () => {
    assert.deepEqual(parseK6Version('k6 v2.2.0 (queue-k6 Node runner)'), { major: 2, minor: 2, patch: 0 });
    assert.deepEqual(parseK6Version('v1.5.1'), { major: 1, minor: 5, patch: 1 });
    assert.deepEqual(parseK6Version('1.8'), { major: 1, minor: 8, patch: 0 });
    assert.equal(parseK6Version('k6 (version unknown)'), undefined);
    assert.equal(parseK6Version(undefined), undefined);
  });

  it('maps versions to the spans the tries tell apart', () => {
    assert.deepEqual(['0.45.0', '0.53.1', '0.54.0', '1.8.1', '2.0.0', '3.1.0'].map((s) => spanOf(v(s))), ['0.46-0.53', '0.46-0.53', '0.54-1.8', '0.54-1.8', '2.x', '2.x']);
  });

  it('treats REDIS_URL as lib/env.ts does: unset means the default, blank means no probes', () => {
    assert.equal(wantsRedis({}), true);
    assert.equal(wantsRedis({ REDIS_URL: 'redis://r:6379' }), true);
    assert.equal(wantsRedis({ REDIS_URL: '' }), false);
    assert.equal(wantsRedis({ REDIS_URL: '  ' }), false);
  });
});
