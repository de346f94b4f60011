// What the runner prints for an exception thrown in the init context, line by
// line, against shared/k6-reference/README.md, "An exception thrown in the
// init context" (recorded 2026-12-07 on 0.46, 0.48, 1.0, 1.5, 1.6, 2.2):
//   a thrown string: 0.46 and 0.48 print it and one frame; 1.0 and later print it alone;
//   a thrown Error (or subclass): `Name: message` and the stack, on every line;
//   exit 107 in every case, `run` and `inspect` alike.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { K6_LINES } from './k6-lines.ts';
import { TESTDATA, runCli } from './testing.ts';

const MESSAGE = 'invalid USERS; reason: expected an integer from 1 to 1000000, got "abc"';
const FRAME = /^\s*at .*file:\/\//;

/** The error's lines: the ERRO line and every frame line after it. */
function errorLines(stderr: string): string[] {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.startsWith('ERRO['));
  assert.ok(at >= 0, `no ERRO line in:\n${stderr}`);
  const out = [lines[at]!];
  for (const l of lines.slice(at + 1)) {
    if (!FRAME.test(l)) break;
    out.push(l);
  }
  return out;
}

const ROWS: Array<{ line: (typeof K6_LINES)[number]; stringFrames: number }> = [
  { line: '0.46', stringFrames: 1 },
  { line: '0.48', stringFrames: 1 },
  { line: '1.0', stringFrames: 0 },
  { line: '1.5', stringFrames: 0 },
  { line: '1.6', stringFrames: 0 },
  { line: '2.2', stringFrames: 0 },
];

describe('an exception thrown in the init context, as each recorded k6 line prints it', { concurrency: 4 }, () => {
  it('the table covers every line the runner acts as', () => {
    assert.deepEqual(ROWS.map((r) => r.line), [...K6_LINES]);
  });
  for (const { line, stringFrames } of ROWS) {
    it(`${line}: a thrown string prints ${stringFrames === 0 ? 'its message alone' : 'its message and one frame'}; an Error its name, message and stack; exit 107`, async () => {
      for (const cmd of ['run', 'inspect']) {
        const s = await runCli([cmd, join(TESTDATA, 'init-throw-string.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
        assert.equal(s.code, 107, `${line} ${cmd}: ${s.stderr}`);
        const sl = errorLines(s.stderr);
        assert.match(sl[0]!, new RegExp(`^ERRO\\[\\d{4}\\] ${MESSAGE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), `${line} ${cmd}`);
        assert.equal(sl.length - 1, stringFrames, `${line} ${cmd}: frames after a thrown string:\n${s.stderr}`);
        if (stringFrames === 1) assert.match(sl[1]!, new RegExp(pathToFileURL(join(TESTDATA, 'init-throw-string.js')).href.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

        const e = await runCli([cmd, join(TESTDATA, 'init-throw-error.js')], { env: { QUEUE_RUNNER_K6_VERSION: line } });
        assert.equal(e.code, 107, `${line} ${cmd}: ${e.stderr}`);
        const el = errorLines(e.stderr);
        assert.match(el[0]!, /^ERRO\[\d{4}\] ConfigError: invalid USERS; reason/, `${line} ${cmd}`);
        // The script's own frames (the function that threw, then the module body), none of the runner's.
        assert.ok(el.length - 1 >= 2, `${line} ${cmd}: expected the stack after an Error:\n${e.stderr}`);
        assert.ok(el.slice(1).every((l) => l.includes('init-throw-error.js')), `${line} ${cmd}: a frame that is not the script's:\n${e.stderr}`);
      }
    });
  }
});
