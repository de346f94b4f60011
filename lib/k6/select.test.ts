// selectModules/selectRedis against an emulated `require` per k6 release: the module table
// of shared/k6-reference/README.md ("Modules by k6 version") and how a failed
// require behaves (catchable before 1.4; from 1.4 an unknown k6/... name fails
// the VU after init even when caught, recorded on v2.2.0 for k6/x/...).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lineOf, MODULE_NAMES, NO_REDIS_MODULE_HINT, parseK6Version, RECORDED_MODULES, selectAll, wantsRedis, type K6Version } from './select.ts';

type Entry = 'serve' | 'warn' | 'removed';

interface Emulated {
  version: string;
  table: Map<string, Entry>;
  /** From k6 1.4 an unknown k6/... name is fatal after init, whatever the script caught. */
  unknownIsFatal: boolean;
}

const v = (s: string): K6Version => parseK6Version(s)!;
const atLeast = (x: K6Version, major: number, minor: number): boolean => x.major > major || (x.major === major && x.minor >= minor);

/** One release's k6, with or without xk6-redis linked in. */
function emulate(version: string, extensions: string[] = []): Emulated {
  const x = v(version);
  const t = new Map<string, Entry>();
  for (const n of ['k6', 'k6/http', 'k6/metrics', 'k6/execution']) t.set(n, 'serve');
  if (!atLeast(x, 0, 50)) t.set('k6/experimental/timers', 'serve');
  else {
    t.set('k6/timers', 'serve');
    t.set('k6/experimental/timers', atLeast(x, 0, 54) ? 'removed' : 'warn');
  }
  if (atLeast(x, 1, 6)) {
    t.set('k6/websockets', 'serve');
    t.set('k6/experimental/websockets', 'warn');
  } else t.set('k6/experimental/websockets', 'serve');
  if (atLeast(x, 2, 0)) t.set('k6/experimental/redis', 'removed');
  else t.set('k6/experimental/redis', atLeast(x, 1, 5) ? 'warn' : 'serve');
  if (atLeast(x, 1, 0)) t.set('k6/secrets', 'serve');
  for (const e of extensions) t.set(e, 'serve');
  return { version, table: t, unknownIsFatal: atLeast(x, 1, 4) };
}

interface Run {
  fatal: string[];
  warned: string[];
  removedTried: string[];
}

function loaderFor(k6: Emulated): { load: (name: string) => unknown; run: Run } {
  const run: Run = { fatal: [], warned: [], removedTried: [] };
  const load = (name: string): unknown => {
    const e = k6.table.get(name);
    if (e === undefined) {
      if (k6.unknownIsFatal) run.fatal.push(name);
      throw new Error(`unknown module: ${name}`);
    }
    if (e === 'removed') {
      run.removedTried.push(name);
      throw new Error(`${name} has been removed`);
    }
    if (e === 'warn') run.warned.push(name);
    return { name };
  };
  return { load, run };
}

const RELEASES = ['0.46.0', '0.48.0', '0.49.0', '0.50.0', '0.53.0', '0.54.0', '0.57.0', '1.0.0', '1.3.0', '1.4.0', '1.5.0', '1.6.0', '1.8.1', '2.0.0', '2.2.0'];

/** The names each release must end up with (the reference table). */
function expected(version: string): { websockets: string; timers: string; redis: string; secrets: string | undefined } {
  const x = v(version);
  return {
    websockets: atLeast(x, 1, 6) ? 'k6/websockets' : 'k6/experimental/websockets',
    timers: atLeast(x, 0, 50) ? 'k6/timers' : 'k6/experimental/timers',
    redis: atLeast(x, 2, 0) ? 'k6/x/redis' : 'k6/experimental/redis',
    secrets: atLeast(x, 1, 0) ? 'k6/secrets' : undefined,
  };
}

describe('k6 versions', () => {
  it('reads the version from k6 version lines and short forms', () => {
    assert.deepEqual(parseK6Version('k6 v2.2.0 (queue-k6 Node runner)'), { major: 2, minor: 2, patch: 0 });
    assert.deepEqual(parseK6Version('k6 v0.48.0 (go1.21.4, linux/amd64)'), { major: 0, minor: 48, patch: 0 });
    assert.deepEqual(parseK6Version('v1.5.1'), { major: 1, minor: 5, patch: 1 });
    assert.deepEqual(parseK6Version('1.8'), { major: 1, minor: 8, patch: 0 });
    assert.equal(parseK6Version(''), undefined);
    assert.equal(parseK6Version('k6 (version unknown)'), undefined);
    assert.equal(parseK6Version(undefined), undefined);
  });

  it('maps versions to the recorded lines', () => {
    const lines = ['0.45.0', '0.49.9', '0.50.0', '0.53.1', '0.54.0', '1.5.3', '1.6.0', '1.8.1', '2.0.0', '2.9.0', '3.0.0'].map((s) => lineOf(v(s)));
    assert.deepEqual(lines, ['0.46-0.49', '0.46-0.49', '0.50-0.53', '0.50-0.53', '0.54-1.5', '0.54-1.5', '1.6-1.8', '1.6-1.8', '2.x', '2.x', '2.x']);
  });

  it('treats REDIS_URL as lib/env.ts does: unset means the default, blank means no probes', () => {
    assert.equal(wantsRedis({}), true);
    assert.equal(wantsRedis({ REDIS_URL: 'redis://r:6379' }), true);
    assert.equal(wantsRedis({ REDIS_URL: '' }), false);
    assert.equal(wantsRedis({ REDIS_URL: '  ' }), false);
  });
});

describe('module selection on every release, the version unknown (a plain k6 run)', () => {
  for (const version of RELEASES) {
    const ext = v(version).major >= 2 ? ['k6/x/redis'] : [];
    it(`k6 v${version}${ext.length > 0 ? ' + xk6-redis' : ''} gets the names the reference table gives`, () => {
      const { load, run } = loaderFor(emulate(version, ext));
      const s = selectAll({ load, wantRedis: true });
      const want = expected(version);
      assert.equal(s.websockets.name, want.websockets);
      assert.equal(s.timers.name, want.timers);
      assert.equal(s.redis?.name, want.redis);
      assert.equal(s.secrets?.name, want.secrets);
      for (const name of s.tried) assert.ok(RECORDED_MODULES.includes(name), `${name} is in the recorded table`);
      const x = v(version);
      // The one name a plain run may ask a k6 1.4-1.5 for although it lacks it (QUEUE_K6_VERSION avoids it).
      assert.deepEqual(run.fatal, atLeast(x, 1, 4) && !atLeast(x, 1, 6) ? ['k6/websockets'] : [], 'no unknown name asked of a k6 >= 1.4');
      // Deprecated names only where nothing else exists (experimental redis on 1.5-1.8).
      assert.deepEqual(run.warned, want.redis === 'k6/experimental/redis' && atLeast(x, 1, 5) ? ['k6/experimental/redis'] : []);
      // A removed name only to tell 2.x from 1.6-1.8 when Redis is needed.
      assert.deepEqual(run.removedTried, x.major >= 2 ? ['k6/experimental/redis'] : []);
    });
  }

  it('narrows the line as far as the needed tries tell', () => {
    const line = (version: string, wantRedis: boolean, ext: string[] = []): string => selectAll({ load: loaderFor(emulate(version, ext)).load, wantRedis }).line;
    assert.equal(line('0.48.0', true), '0.46-0.49');
    assert.equal(line('0.53.0', true), '0.50-0.59');
    assert.equal(line('0.57.0', false), '0.50-0.59');
    assert.equal(line('1.5.0', true), '1.0-1.5');
    assert.equal(line('1.8.0', true), '1.6-1.8');
    assert.equal(line('2.2.0', true, ['k6/x/redis']), '2.x');
    assert.equal(line('1.8.0', false), '1.6-2.x');
    assert.equal(line('2.2.0', false), '1.6-2.x');
  });

  it('with REDIS_URL empty tries no Redis name, so stock k6 2.x runs without the extension', () => {
    for (const version of RELEASES) {
      const { load, run } = loaderFor(emulate(version));
      const s = selectAll({ load, wantRedis: false });
      assert.equal(s.redis, undefined);
      assert.ok(!s.tried.some((n) => n.includes('redis')), `${version}: ${s.tried.join(', ')}`);
      if (v(version).major >= 2) assert.deepEqual(run.fatal, []);
    }
  });

  it('on stock k6 2.x with REDIS_URL set stops with one line on how to get k6/x/redis', () => {
    const { load } = loaderFor(emulate('2.2.0'));
    assert.throws(() => selectAll({ load, wantRedis: true }), (err: Error) => {
      assert.equal(err.message, NO_REDIS_MODULE_HINT);
      assert.match(err.message, /xk6 build --with github\.com\/grafana\/xk6-redis/);
      assert.match(err.message, /REDIS_URL= /);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });

  it('never asks k6 1.6-1.8 for k6/x/redis, even when it has it', () => {
    const { load } = loaderFor(emulate('1.8.0', ['k6/x/redis']));
    const s = selectAll({ load, wantRedis: true });
    assert.equal(s.redis?.name, 'k6/experimental/redis');
    assert.ok(!s.tried.includes('k6/x/redis'));
  });
});

describe('module selection with QUEUE_K6_VERSION (tools/k6.sh passes it)', () => {
  for (const version of RELEASES) {
    it(`k6 v${version}: only that line's names, no deprecated or removed name where a modern one exists`, () => {
      const ext = v(version).major >= 2 ? ['k6/x/redis'] : [];
      const { load, run } = loaderFor(emulate(version, ext));
      const s = selectAll({ load, version: `k6 v${version}`, wantRedis: true });
      const want = expected(version);
      assert.deepEqual([s.websockets.name, s.timers.name, s.redis?.name, s.secrets?.name], [want.websockets, want.timers, want.redis, want.secrets]);
      assert.deepEqual(run.fatal, []);
      assert.deepEqual(run.removedTried, []);
      assert.deepEqual(run.warned, want.redis === 'k6/experimental/redis' && atLeast(v(version), 1, 5) ? ['k6/experimental/redis'] : []);
      assert.equal(s.tried.length, want.secrets === undefined ? 3 : 4, s.tried.join(', '));
      assert.equal(s.line, lineOf(v(version)));
    });
  }

  it('says which variable to fix when the version given is wrong', () => {
    const { load } = loaderFor(emulate('0.48.0'));
    assert.throws(() => selectAll({ load, version: 'k6 v2.2.0', wantRedis: false }), /k6\/timers is missing .*QUEUE_K6_VERSION says this is k6 v2\.2\.0/);
  });

  it('ignores a value that holds no version and finds the modules itself', () => {
    const { load } = loaderFor(emulate('1.8.0'));
    const s = selectAll({ load, version: 'unknown', wantRedis: false });
    assert.equal(s.websockets.name, MODULE_NAMES.websockets.modern);
    assert.equal(s.line, '1.6-2.x');
  });
});
