// The CLI: flags, default output path, one-line errors, exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, parseArgs } from './cli.ts';
import { defaultOutPath } from './report.ts';
import { syntheticRun, writeSyntheticRun } from '../test/support/synthetic-run.ts';
import { tempDirs } from '../test/support/tempdir.ts';

/** A fresh directory, removed after this file's tests. */
const tempDir = tempDirs('report-cli-');

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function capture() {
  const io = { outText: '', errText: '', out: (s: string) => { io.outText += s; }, err: (s: string) => { io.errText += s; } };
  return io;
}

test('arguments: repeated --samples, --flag=value, required --summary, unknown flags', () => {
  assert.deepEqual(parseArgs(['--summary', 'a.json', '--samples', 'b.gz', '--samples=c.gz', '--out', 'x.html']), {
    kind: 'args',
    args: { summary: 'a.json', samples: ['b.gz', 'c.gz'], out: 'x.html' },
  });
  assert.deepEqual(parseArgs(['--summary=a.json']), { kind: 'args', args: { summary: 'a.json', samples: [] } });
  assert.equal(parseArgs(['--samples', 'b.gz']).kind, 'error');
  assert.match((parseArgs(['--summary', 'a', '--colour']) as { message: string }).message, /unknown argument '--colour'/);
  assert.match((parseArgs(['--summary']) as { message: string }).message, /--summary needs a file name/);
  assert.equal(parseArgs(['--help']).kind, 'help');
});

test('the default output sits beside the summary', () => {
  assert.equal(defaultOutPath('results/mass-burst-20261127T040000Z.json'), 'results/mass-burst-20261127T040000Z.html');
  assert.equal(defaultOutPath('merged'), 'merged.html');
});

test('a failed run gets its report: exit 0, the path printed', async () => {
  const dir = tempDir();
  const p = await writeSyntheticRun(syntheticRun({ users: 12, threshold: 4, processorIntervalMs: 1000, arrivalDelayMs: 50, dwellMs: 300, fault: 'over-admit' }), join(dir, 'run'));
  const io = capture();
  const code = await main(['--summary', p.summary, '--samples', p.samples], io);
  assert.equal(code, 0, io.errText);
  assert.equal(io.outText, `${join(dir, 'run.html')}\n`);
  assert.match(readFileSync(join(dir, 'run.html'), 'utf8'), /data-verdict="fail"/);
});

test('missing files: one clear line on stderr, exit 1, no page', async () => {
  const dir = tempDir();
  const p = await writeSyntheticRun(syntheticRun({ users: 3, threshold: 2, processorIntervalMs: 500, arrivalDelayMs: 10, dwellMs: 100 }), join(dir, 'run'));
  for (const args of [['--summary', join(dir, 'nope.json')], ['--summary', p.summary, '--samples', join(dir, 'nope.ndjson.gz')]]) {
    const io = capture();
    assert.equal(await main([...args, '--out', join(dir, 'out.html')], io), 1);
    assert.match(io.errText, /^report: cannot read (summary|samples file) '.*nope\.(json|ndjson\.gz)': no such file\n$/);
    assert.equal(io.outText, '');
    assert.equal(existsSync(join(dir, 'out.html')), false);
  }
});

test('as a process: usage errors exit 2 with the usage; malformed lines are a warning, not a failure', async () => {
  const dir = tempDir();
  const usage = spawnSync(process.execPath, ['--import', 'tsx', 'report/cli.ts', '--bogus'], { encoding: 'utf8', cwd: ROOT });
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^report: unknown argument '--bogus'\nusage: report\/cli\.ts/);
  const p = await writeSyntheticRun(syntheticRun({ users: 3, threshold: 2, processorIntervalMs: 500, arrivalDelayMs: 10, dwellMs: 100 }), join(dir, 'run'), { gzip: false });
  appendFileSync(p.samples, '{"metric":"queue_queued","type":"Po\n');
  const ok = spawnSync(process.execPath, ['--import', 'tsx', 'report/cli.ts', '--summary', p.summary, '--samples', p.samples, '--out', join(dir, 'r.html')], { encoding: 'utf8', cwd: ROOT });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, `${join(dir, 'r.html')}\n`);
  assert.match(ok.stderr, /1 malformed sample line\(s\) skipped/);
});
