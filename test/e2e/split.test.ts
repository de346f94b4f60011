// A run split over k6 instances, judged as one. Each instance runs one
// execution segment (shared/k6-reference/README.md, "Execution segments":
// there, each process of a correct 2-way mass-burst exited 99 because it
// judged the run's totals on its own share); here each instance judges only
// per-instance rules and the verdict (verdict/cli.ts) judges the whole run's
// thresholds on the merged summaries. Runs tools/run-scenario.sh with
// INSTANCES=N against a reference target of the test's own, at the
// scenario's defaults, with the processor's first tick at a random phase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USAGE as RUNNER_USAGE } from '../../runner/args.ts';
import { ROOT, startStack } from '../support/scenario.ts';

interface Defaults { users: number; queueThreshold: number; processorIntervalMs: number }
const defaults = JSON.parse(readFileSync(join(ROOT, 'scenarios/defaults.json'), 'utf8')) as Record<string, Defaults>;

/** Why the split run cannot run on this checkout yet, or undefined when it can. */
function notReady(): string | undefined {
  if (!RUNNER_USAGE.includes('--execution-segment')) return 'the Node runner has no --execution-segment';
  const bundle = join(ROOT, 'build/mass-burst.js');
  if (!existsSync(bundle)) return 'build/mass-burst.js is missing (make build)';
  if (!readFileSync(bundle, 'utf8').includes('QUEUE_K6_PARTIAL')) return 'the scenarios have no split mode (QUEUE_K6_PARTIAL) yet';
  return undefined;
}
const skip = notReady() ?? false;

interface SplitRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Exit code of each instance, by tag (i1of2, ...). */
  instances: Record<string, number>;
  /** The verdict's merged data (results/<scenario>-<stamp>-verdict.json). */
  verdict: { metrics: Record<string, { values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }>; queue_k6: { verdict: { passed: boolean; instancesFound: number } } } | undefined;
  /** 'metric expression' of every threshold the verdict failed. */
  failed: string[];
}

async function runSplit(scenario: string, instances: number, faults: string[] = []): Promise<SplitRun> {
  const d = defaults[scenario]!;
  const stack = await startStack({ threshold: d.queueThreshold, intervalMs: d.processorIntervalMs, faults, phaseMs: 'random' });
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-split-'));
  try {
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
      API_URL: stack.target.url,
      REDIS_URL: stack.redis.url,
      USER_PASSWORD: 'e2e-password',
      QUEUE_THRESHOLD: String(d.queueThreshold),
      QUEUE_PROCESSOR_INTERVAL: String(d.processorIntervalMs),
      INSTANCES: String(instances),
      RESULTS_DIR: dir,
    };
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn('bash', [join(ROOT, 'tools/run-scenario.sh'), scenario], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        reject(new Error(`split ${scenario} did not finish within 10 minutes\n${err.slice(-3000)}`));
      }, 600_000);
      child.on('error', (e) => { clearTimeout(timer); reject(e); });
      child.on('close', (c) => { clearTimeout(timer); resolve({ code: c, stdout: out, stderr: err }); });
    });
    const codes: Record<string, number> = {};
    for (const m of stderr.matchAll(/queue-k6: instance (i\d+of\d+) \(segment [^)]+\) exited (\d+)/g)) codes[m[1]!] = Number(m[2]);
    const file = readdirSync(dir).find((f) => f.endsWith('-verdict.json'));
    const verdict = file === undefined ? undefined : (JSON.parse(readFileSync(join(dir, file), 'utf8')) as SplitRun['verdict']);
    const failed: string[] = [];
    for (const [key, m] of Object.entries(verdict?.metrics ?? {})) {
      for (const [expr, t] of Object.entries(m.thresholds ?? {})) if (!t.ok) failed.push(`${key} ${expr}`);
    }
    return { code, stdout, stderr, instances: codes, verdict, failed };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await stack.stop();
  }
}

function explain(r: SplitRun): string {
  return `verdict exit ${r.code}; instances ${JSON.stringify(r.instances)}; failed: ${r.failed.join(', ') || 'none'}\n--- stderr (tail)\n${r.stderr.slice(-3000)}\n--- stdout (tail)\n${r.stdout.slice(-3000)}`;
}

for (const n of [2, 4]) {
  test(`mass-burst split ${n} ways against the correct target: every instance and the verdict pass`, { skip }, async () => {
    const d = defaults['mass-burst']!;
    const r = await runSplit('mass-burst', n);
    assert.equal(Object.keys(r.instances).length, n, explain(r));
    for (const [tag, code] of Object.entries(r.instances)) assert.equal(code, 0, `instance ${tag}\n${explain(r)}`);
    assert.equal(r.code, 0, explain(r));
    assert.equal(r.verdict?.queue_k6.verdict.instancesFound, n);
    assert.equal(r.verdict?.metrics.queue_admitted_immediately?.values.count, d.queueThreshold);
    assert.equal(r.verdict?.metrics.queue_queued?.values.count, d.users - d.queueThreshold);
    assert.match(r.stdout, new RegExp(`^verdict: mass-burst run \\S+: ${n} of ${n} instance`, 'm'));
  });
}

test('mass-burst split 2 ways with racy-admission: the verdict fails on queue_admitted_immediately', { skip }, async () => {
  const d = defaults['mass-burst']!;
  const r = await runSplit('mass-burst', 2, ['racy-admission']);
  assert.equal(r.code, 99, explain(r));
  assert.match(r.stderr, /thresholds on metrics '[^']*queue_admitted_immediately[^']*' have been crossed/);
  assert.ok(r.failed.includes(`queue_admitted_immediately count==${d.queueThreshold}`), explain(r));
});

test('processing-rate split 2 ways with silent-admission: the verdict fails on the silent_admission invariant', { skip }, async () => {
  const r = await runSplit('processing-rate', 2, ['silent-admission']);
  assert.equal(r.code, 99, explain(r));
  assert.ok(r.failed.includes('queue_invariant_violations{kind:silent_admission} count==0'), explain(r));
});
