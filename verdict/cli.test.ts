// The verdict CLI end to end on crafted summaries: inputs, files written, and
// k6's exit codes and message (shared/k6-reference/README.md, "Exit codes":
// 99 with `thresholds on metrics 'a, b' have been crossed`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './cli.ts';
import { correctHalves, counter, partialLine } from '../test/support/verdict-fixtures.ts';
import { InputError, type InstanceSummary } from './types.ts';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

function runCli(args: string[], input: string, cwd: string) {
  const r = spawnSync(process.execPath, ['--import', join(ROOT, 'node_modules/tsx/dist/esm/index.mjs'), join(ROOT, 'verdict/cli.ts'), ...args], {
    cwd,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withTemp(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-verdict-cli-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function kubectlLogs(parts: InstanceSummary[]): string {
  // What `kubectl logs -l ... --prefix` prints: every runner's lines, each prefixed with its pod.
  return parts
    .flatMap((p, i) => [`[pod/queue-k6-mass-burst-${i + 1}-abcde/k6] mass-burst: event 1111, 50 users`, partialLine(p, `[pod/queue-k6-mass-burst-${i + 1}-abcde/k6] `)])
    .join('\n') + '\n';
}

test('stdin with kubectl prefixes: the merged summary, a passing verdict (exit 0) and its files', () => {
  withTemp((dir) => {
    const r = runCli(['--results', 'out', '-'], kubectlLogs(correctHalves()), dir);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /queue_queued\.+: 80/);
    assert.match(r.stdout, /^verdict: mass-burst run run-a: 2 of 2 instance\(s\)/m);
    const files = readdirSync(join(dir, 'out')).sort();
    assert.equal(files.length, 2, files.join(', '));
    assert.match(files[0]!, /^mass-burst-\d{8}T\d{6}Z-verdict\.json$/);
    assert.match(files[1]!, /-verdict\.junit\.xml$/);
    const data = JSON.parse(readFileSync(join(dir, 'out', files[0]!), 'utf8'));
    assert.equal(data.queue_k6.verdict.passed, true);
    assert.equal(data.metrics.queue_admitted_immediately.values.count, 20);
    assert.match(readFileSync(join(dir, 'out', files[1]!), 'utf8'), /<testsuite [^>]*failures="0"/);
  });
});

test('a crossed threshold: exit 99 and k6\'s message naming the metric', () => {
  withTemp((dir) => {
    const [a, b] = correctHalves();
    b!.data.metrics.queue_admitted_immediately = counter(4);
    const r = runCli(['--results', dir, '--no-color', '-'], kubectlLogs([a!, b!]), dir);
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, /^thresholds on metrics 'queue_admitted_immediately' have been crossed$/m);
    assert.match(r.stdout, /^diagnosis: threshold queue_admitted_immediately count==20 failed/m);
  });
});

test('instances of different runs: exit 2 with the run ids named', () => {
  withTemp((dir) => {
    const [a, b] = correctHalves();
    const r = runCli(['--results', dir, '-'], kubectlLogs([a!, { ...b!, meta: { ...b!.meta, runId: 'run-b' } }]), dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^verdict: these summaries are from different runs: runId "run-a" \(stdin line 2\); runId "run-b" \(stdin line 4\)/);
    assert.equal(existsSync(join(dir, 'results')), false);
  });
});

test('result files of one instance out of two: exit 99, the verdict beside them, the JUnit report says why', () => {
  withTemp((dir) => {
    const [a] = correctHalves();
    const file = join(dir, 'mass-burst-20261127T040000Z-i1of2.json');
    writeFileSync(file, JSON.stringify({ root_group: { name: '', path: '', id: '', groups: [], checks: [] }, ...a!.data, queue_k6: a!.meta }));
    const r = runCli([file], '', dir);
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stdout, /^verdict: ONLY 1 OF 2 INSTANCES: segment\(s\) 1\/2:1 missing/m);
    assert.match(r.stderr, /verdict: only 1 of 2 instances: not a pass/);
    const junit = readFileSync(join(dir, 'mass-burst-20261127T040000Z-verdict.junit.xml'), 'utf8');
    assert.match(junit, /<testcase classname="queue_k6_instances" name="count==2">/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'mass-burst-20261127T040000Z-verdict.json'), 'utf8')).queue_k6.verdict.passed, false);
  });
});

test('no marker line on stdin: exit 2, saying what to pipe in', () => {
  withTemp((dir) => {
    const r = runCli(['-'], 'k6 started\nk6 done\n', dir);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no instance summaries in the input: no QUEUE_K6_PARTIAL lines/);
  });
});

test('arguments: inputs, options with = or a separate value; unknown options refused', () => {
  const p = parseArgs(['--results=r', '--run', 'x', 'a.json', '-']);
  assert.deepEqual(p, { help: false, options: { results: 'r', run: 'x', noColor: false, inputs: ['a.json', '-'] } });
  assert.throws(() => parseArgs(['--bogus']), (e: unknown) => e instanceof InputError && /unknown option --bogus/.test(e.message));
  assert.throws(() => parseArgs(['--out']), /--out needs a value/);
});
