// Runs one built scenario end to end for a test: a throwaway Redis, the
// reference target (with the faults asked for) and the scenario on the suite's
// k6 entry point (tools/k6.sh), in a temporary directory so its results/ files
// are the test's own. Returns the exit code, the output and the summary data
// that handleSummary wrote.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTarget, type TargetHandle } from '../../reference-room/server.ts';
import { startRedis, type RedisServer } from './redis.ts';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export interface SummaryMetric { type: string; values: Record<string, number>; thresholds?: Record<string, { ok: boolean }> }
export interface Summary { metrics: Record<string, SummaryMetric> }

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  summary: Summary | undefined;
  /** "metric expression" of every threshold that failed */
  failed: string[];
  junit: string | undefined;
  /** With keepResults: the run's results/ folder (the caller removes its parent, `workDir`). */
  resultsDir?: string;
  workDir?: string;
}

export interface Stack { redis: RedisServer; target: TargetHandle; stop(): Promise<void> }

export interface StackOptions {
  threshold: number;
  intervalMs: number;
  faults?: string[];
  /** The processor's first tick; default 'random', so no verdict depends on the timer's phase. */
  phaseMs?: number | 'random';
  /** Who hears queue-entry-allowed (TARGET_NOTIFY); default 'room', the contract's. */
  notify?: 'room' | 'user';
  /** The active set's one TTL in seconds (TARGET_ACTIVE_TTL_S); default the contract's 300. */
  activeTtlSeconds?: number;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const redis = await startRedis();
  try {
    const target = await startTarget(
      { port: 0, threshold: opts.threshold, processorIntervalMs: opts.intervalMs, redisUrl: redis.url, faults: opts.faults ?? [], kdfCost: 1024, processorPhaseMs: opts.phaseMs ?? 'random', ...(opts.notify !== undefined ? { notify: opts.notify } : {}), ...(opts.activeTtlSeconds !== undefined ? { activeTtlSeconds: opts.activeTtlSeconds } : {}) },
      { log: () => undefined },
    );
    return { redis, target, stop: async () => { await target.close(); await redis.stop(); } };
  } catch (err) {
    await redis.stop();
    throw err;
  }
}

export function runK6(script: string, env: Record<string, string>, timeoutMs: number, args: string[] = [], keepResults = false): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-k6-e2e-'));
  // k6 creates no folder for handleSummary's files (k6-reference, "Exit codes"): make sets it up, so do the tests.
  mkdirSync(join(dir, 'results'));
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(ROOT, 'tools/k6.sh'), 'run', '--quiet', ...args, join(ROOT, 'build', `${script}.js`)], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not finish within ${timeoutMs} ms\n${stderr.slice(-3000)}`));
    }, timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code) => {
      clearTimeout(timer);
      let summary: Summary | undefined;
      let junit: string | undefined;
      try {
        const files = readdirSync(join(dir, 'results'));
        const json = files.find((f) => f.endsWith('.json'));
        const xml = files.find((f) => f.endsWith('.junit.xml'));
        if (json) summary = JSON.parse(readFileSync(join(dir, 'results', json), 'utf8')) as Summary;
        if (xml) junit = readFileSync(join(dir, 'results', xml), 'utf8');
      } catch {
        // no results/: the run ended before handleSummary
      }
      if (!keepResults) rmSync(dir, { recursive: true, force: true });
      const failed: string[] = [];
      for (const [name, m] of Object.entries(summary?.metrics ?? {})) {
        for (const [expr, t] of Object.entries(m.thresholds ?? {})) if (!t.ok) failed.push(`${name} ${expr}`);
      }
      resolvePromise({ code, stdout, stderr, summary, failed, junit, ...(keepResults ? { resultsDir: join(dir, 'results'), workDir: dir } : {}) });
    });
  });
}

export interface ScenarioRun {
  scenario: string;
  threshold: number;
  intervalMs: number;
  faults?: string[];
  phaseMs?: number | 'random';
  /** Extra k6 flags, e.g. --secret-source=file=... */
  args?: string[];
  /** Keep the results/ folder (summary, samples) for the caller, who removes RunResult.workDir. */
  keepResults?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
  /**
   * The runner's hostile switch, QUEUE_RUNNER_SPREAD (docs/runner.md), e.g.
   * 'seed=3,max=200ms': each VU's requests and socket events spread by seeded
   * delays. '' or null: off. Unset: the test process's own QUEUE_RUNNER_SPREAD
   * is passed on, so a whole e2e run can be made hostile. When on, the run uses
   * the Node runner (QUEUE_K6_RUNTIME=node), the only one with the switch.
   */
  spread?: string | null;
  /** The room's TARGET_NOTIFY; the run gets the matching ROOM_NOTIFY. */
  notify?: 'room' | 'user';
  /** The room's TARGET_ACTIVE_TTL_S (the active set's one TTL); default 300. */
  activeTtlSeconds?: number;
}

/** The QUEUE_RUNNER_SPREAD a run gets (see ScenarioRun.spread); '' when off. */
export function spreadOf(run: Pick<ScenarioRun, 'spread'>): string {
  return run.spread === undefined ? (process.env.QUEUE_RUNNER_SPREAD ?? '') : (run.spread ?? '');
}

/** Starts Redis and the target, runs the scenario against them, stops both. */
export async function runScenario(run: ScenarioRun): Promise<RunResult> {
  const stack = await startStack({ threshold: run.threshold, intervalMs: run.intervalMs, faults: run.faults, phaseMs: run.phaseMs, notify: run.notify, activeTtlSeconds: run.activeTtlSeconds });
  const spread = spreadOf(run);
  try {
    return await runK6(run.scenario, {
      ...(spread === '' ? {} : { QUEUE_RUNNER_SPREAD: spread, QUEUE_K6_RUNTIME: 'node' }),
      API_URL: stack.target.url,
      REDIS_URL: stack.redis.url,
      USER_PASSWORD: 'e2e-password',
      QUEUE_THRESHOLD: String(run.threshold),
      QUEUE_PROCESSOR_INTERVAL: String(run.intervalMs),
      ...(run.notify !== undefined ? { ROOM_NOTIFY: run.notify } : {}),
      // {API_URL} in a value is the room's URL, known only once it listens (e.g. SERVER_METRICS_URLS).
      ...Object.fromEntries(Object.entries(run.env ?? {}).map(([k, v]) => [k, v.split('{API_URL}').join(stack.target.url)])),
    }, run.timeoutMs ?? 120_000, run.args ?? [], run.keepResults === true);
  } finally {
    await stack.stop();
  }
}

/** For assertion messages: what a failed run printed, trimmed. */
export function explain(r: RunResult): string {
  return `exit ${r.code}; failed thresholds: ${r.failed.join(', ') || 'none'}\n--- stderr (tail)\n${r.stderr.slice(-2500)}\n--- stdout (tail)\n${r.stdout.slice(-2500)}`;
}
