// One test run, in k6's order: init (VU 0 for options) → validation → VU
// init → setup → scenarios → teardown → thresholds → handleSummary. Returns
// k6's exit code.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseDuration, formatDuration } from './duration.ts';
import { ExitCode, RunError, TestAbort, describeError, initExceptionText, type ExitCodeValue } from './errors.ts';
import { normalizeScenarios, planScenarios, runScenario } from './executors.ts';
import { DEFAULT_EMULATION, framesThrownStrings, type Emulation } from './k6-lines.ts';
import { instantiate, loadScript } from './loader.ts';
import { LocalIpPool } from './local-ips.ts';
import { log, plain, resetClock } from './log.ts';
import { setTestOptions } from './modules/execution.ts';
import { stopSyncHttp } from './modules/http-sync.ts';
import { openOutputs } from './outputs.ts';
import { Runtime } from './runtime.ts';
import { SecretStore } from './secrets.ts';
import { SummaryWriteError, buildSummaryData, textSummary, trendStatsOf, writeOutputs, writeStream } from './summary-data.ts';
import { resolveSegments, type StripedCounter } from './segments.ts';
import { consolidatedOptions } from './test-options.ts';
import { buildThresholds, crossedAbortOnFail, evaluate } from './thresholds.ts';
import { PartTimeout, RejectedPromise, VU } from './vu.ts';

export const VERSION = '0.1.0';

export interface RunOptions {
  script: string;
  env: Record<string, string>;
  quiet: boolean;
  noColor: boolean;
  /** --execution-segment / --execution-segment-sequence, as given. */
  executionSegment?: string;
  executionSegmentSequence?: string;
  /** --out values (TYPE[=ARG]), in order. */
  out?: string[];
  /** The k6 line and extensions to act as; default k6 v2.2 + k6/x/redis. */
  k6?: Emulation;
  /** --secret-source values (file=PATH ...), for k6/secrets. */
  secretSources?: string[];
  /** --local-ips: the VUs' source addresses (else K6_LOCAL_IPS). */
  localIps?: string;
}

/** An error as k6 logs it; a rejected promise of setup/teardown/handleSummary as `Uncaught (in promise) …`. */
const errorText = (err: unknown): string => (err instanceof RejectedPromise ? err.message : describeError(err));

function fail(err: unknown, code: ExitCodeValue, hint: string): number {
  if (err instanceof RunError) {
    log('error', err.message, { hint });
    return err.exitCode;
  }
  log('error', errorText(err), { hint });
  return code;
}

/** The init context threw: 107, printed as the emulated k6 line prints it. */
export function failInit(err: unknown, rt: Runtime, script: string): number {
  if (err instanceof RunError) return fail(err, ExitCode.scriptException, 'script exception');
  log('error', initExceptionText(err, { stringFrame: framesThrownStrings(rt.emulation.line), scriptUrl: pathToFileURL(resolve(script)).href }), { hint: 'script exception' });
  return ExitCode.scriptException;
}

export async function run(o: RunOptions): Promise<number> {
  resetClock();
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) baseEnv[k] = v;
  let secrets: SecretStore;
  try {
    secrets = SecretStore.fromFlags(o.secretSources ?? []);
  } catch (e) {
    log('error', `--secret-source: ${(e as Error).message}`);
    return ExitCode.usage;
  }
  // --local-ips wins over K6_LOCAL_IPS, as k6's flags win over its environment.
  const localIpsSpec = o.localIps ?? (process.env.K6_LOCAL_IPS?.trim() || undefined);
  let localIps: LocalIpPool | undefined;
  try {
    localIps = localIpsSpec === undefined ? undefined : LocalIpPool.parse(localIpsSpec);
  } catch (e) {
    log('error', (e as Error).message);
    return ExitCode.usage;
  }
  const rt = new Runtime(Object.freeze({ ...baseEnv, ...o.env }), o.k6 ?? DEFAULT_EMULATION, secrets);
  rt.localIps = localIps;
  const onRejection = (reason: unknown): void => log('error', `Uncaught (in promise) ${describeError(reason)}`, { source: 'stacktrace' });
  process.on('unhandledRejection', onRejection);
  // Like k6: the first SIGINT/SIGTERM stops the test gracefully (teardown and summary still run), the second exits at once.
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (++signals > 1) process.exit(ExitCode.externalAbort);
    log('warn', `stopping the test on ${sig}; send it again to exit at once`);
    rt.abort(ExitCode.externalAbort, `test run aborted by ${sig}`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await runInner(rt, o);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('unhandledRejection', onRejection);
    for (const close of rt.closers) {
      try {
        await close();
      } catch {
        // closing is best effort
      }
    }
    await stopSyncHttp();
  }
}

async function runInner(rt: Runtime, o: RunOptions): Promise<number> {
  // --- init context of VU 0: the options
  const vu0 = new VU(rt, 0);
  let script;
  try {
    script = loadScript(o.script);
    instantiate(script, vu0);
  } catch (e) {
    if (e instanceof TestAbort) return fail(e, ExitCode.scriptAborted, 'test aborted');
    return failInit(e, rt, o.script);
  }
  const options = (vu0.exports.options ?? {}) as Record<string, unknown>;
  rt.options = options;
  let plans;
  let vuIds: StripedCounter;
  let setupTimeoutMs: number;
  let teardownTimeoutMs: number;
  try {
    if (typeof options !== 'object') throw new RunError('options must be an object', ExitCode.invalidConfig);
    const tags = options.tags;
    if (tags !== undefined && tags !== null) for (const [k, v] of Object.entries(tags as Record<string, unknown>)) rt.globalTags[k] = String(v);
    const scenarios = normalizeScenarios(options);
    // This instance's share of the test (shared/k6-reference "Execution segments"); all of it without segments.
    const segments = resolveSegments({ segment: o.executionSegment, sequence: o.executionSegmentSequence }, process.env, options);
    plans = planScenarios(scenarios, segments.tuple);
    vuIds = segments.tuple.index1();
    for (const sc of scenarios) {
      if (typeof vu0.exports[sc.exec] !== 'function') {
        throw new RunError(`scenario '${sc.name}': the exported function '${sc.exec}' was not found in the script`, ExitCode.invalidConfig);
      }
    }
    rt.thresholds = buildThresholds(options.thresholds, rt.registry);
    setupTimeoutMs = options.setupTimeout === undefined ? 60_000 : parseDuration(options.setupTimeout, 'setupTimeout');
    teardownTimeoutMs = options.teardownTimeout === undefined ? 60_000 : parseDuration(options.teardownTimeout, 'teardownTimeout');
    trendStatsOf(options); // validates summaryTrendStats
    setTestOptions(rt, consolidatedOptions({ script: options, executionSegment: segments.segmentText, executionSegmentSequence: segments.sequenceText }));
  } catch (e) {
    return fail(e, ExitCode.invalidConfig, 'invalid config');
  }

  // --- outputs (--out), open before the VUs start, closed when the run ends (run()'s closers)
  if (o.out !== undefined && o.out.length > 0) {
    try {
      const outputs = openOutputs(o.out, rt);
      rt.closers.add(() => outputs.close());
      if (!o.quiet) plain(`output: ${outputs.descriptions.join(', ')}`);
    } catch (e) {
      return fail(e, ExitCode.genericError, 'output');
    }
  }

  // --- init every VU: each its own module instance
  const vusByScenario: VU[][] = [];
  let nextId = 1;
  try {
    for (const plan of plans) {
      const list: VU[] = [];
      for (let i = 0; i < plan.vus; i++) {
        // __VU counts this instance's VUs; exec.vu.idInTest is the VU's number across all segments.
        const [, idInTest] = vuIds.next();
        const vu = new VU(rt, nextId++, idInTest);
        instantiate(script, vu);
        rt.vusInitialized++;
        list.push(vu);
      }
      vusByScenario.push(list);
    }
  } catch (e) {
    if (e instanceof TestAbort) return fail(e, ExitCode.scriptAborted, 'test aborted');
    return failInit(e, rt, o.script);
  }
  const totalVUs = nextId - 1;

  rt.startedAt = performance.now();
  const tickers: NodeJS.Timeout[] = [];
  const stopTickers = (): void => {
    for (const t of tickers) clearInterval(t);
  };
  try {
    // --- setup
    let setupData: string | undefined;
    const setup = vu0.exports.setup;
    if (typeof setup === 'function') {
      vu0.groupPath = rt.groups.group('', 'setup').path;
      try {
        const value = await vu0.runPart(setup as () => unknown, [], setupTimeoutMs, 'setup', true);
        setupData = value === undefined ? undefined : JSON.stringify(value);
        rt.setupData = setupData;
      } catch (e) {
        if (e instanceof TestAbort || rt.abortedByScript()) {
          log('error', `test aborted: ${rt.aborted?.message ?? ''}`, { source: 'setup' });
          return await finish(rt, o, vu0, ExitCode.scriptAborted);
        }
        if (e instanceof PartTimeout) return fail(e, ExitCode.setupTimeout, 'setup timeout');
        // An async setup() whose promise rejects: 255 on every k6 line, a synchronous throw 107
        // (k6-reference, "Exit codes of setup() failures").
        if (e instanceof RejectedPromise) return fail(e, ExitCode.genericError, 'script exception');
        return fail(e, ExitCode.scriptException, 'script exception');
      } finally {
        vu0.groupPath = '';
      }
    }

    // --- scenarios, concurrently, with the periodic work of the engine
    tickers.push(
      setInterval(() => {
        // Engine samples carry the run's tags only (no group, no scenario), as k6's.
        const reg = rt.registry;
        reg.add(reg.metrics.get('vus')!, rt.vusActive, { ...rt.globalTags });
        reg.add(reg.metrics.get('vus_max')!, totalVUs, { ...rt.globalTags });
      }, 1000),
    );
    if (!o.quiet) {
      tickers.push(
        setInterval(() => {
          plain(`running (${formatDuration(rt.elapsedMs())}), ${rt.vusActive}/${totalVUs} VUs, ${rt.iterationsCompleted} complete and ${rt.iterationsInterrupted} interrupted iterations`);
        }, 10_000),
      );
    }
    if (rt.thresholds.some((t) => t.abortOnFail)) {
      tickers.push(
        setInterval(() => {
          const crossed = crossedAbortOnFail(rt.thresholds, rt.elapsedMs());
          if (crossed.length === 0 || rt.aborted !== null) return;
          const names = [...new Set(crossed.map((t) => t.metricKey))].sort().join(', ');
          const msg = `thresholds on metrics '${names}' were crossed; at least one has abortOnFail enabled, stopping test prematurely`;
          log('error', msg);
          rt.abort(ExitCode.thresholdsFailed, msg);
        }, 2000),
      );
    }
    const results = await Promise.all(plans.map((plan, i) => runScenario(rt, plan, vusByScenario[i]!, setupData, o.quiet)));
    stopTickers();
    for (const list of vusByScenario) for (const vu of list) vu.loop.interrupt();
    void results;
    if (rt.abortedByScript()) log('error', `test aborted: ${rt.aborted?.message ?? ''}`);

    // --- teardown
    const teardown = vu0.exports.teardown;
    let code: ExitCodeValue = ExitCode.ok;
    if (typeof teardown === 'function') {
      vu0.groupPath = rt.groups.group('', 'teardown').path;
      try {
        await vu0.runPart(teardown as (d: unknown) => unknown, [setupData === undefined ? undefined : JSON.parse(setupData)], teardownTimeoutMs, 'teardown', false);
      } catch (e) {
        if (e instanceof TestAbort) {
          log('error', `test aborted: ${rt.aborted?.message ?? ''}`, { source: 'teardown' });
        } else if (e instanceof PartTimeout) {
          code = ExitCode.teardownTimeout;
          log('error', e.message, { hint: 'teardown timeout' });
        } else {
          code = ExitCode.scriptException;
          log('error', errorText(e), { hint: 'script exception' });
        }
      } finally {
        vu0.groupPath = '';
      }
    }
    return await finish(rt, o, vu0, code);
  } catch (e) {
    return fail(e, ExitCode.scriptException, 'script exception');
  } finally {
    stopTickers();
  }
}

/** Thresholds, summary, exit code. */
async function finish(rt: Runtime, o: RunOptions, vu0: VU, code: ExitCodeValue): Promise<number> {
  const durationMs = rt.elapsedMs();
  const crossed = evaluate(rt.thresholds, durationMs / 1000, (m) => log('error', m));
  const data = buildSummaryData(rt, durationMs, { noColor: o.noColor });
  if (!o.quiet) plain(`run finished after ${formatDuration(durationMs)}: ${rt.iterationsCompleted} complete and ${rt.iterationsInterrupted} interrupted iterations`);
  const handleSummary = vu0.exports.handleSummary;
  let printedDefault = false;
  if (typeof handleSummary === 'function') {
    try {
      vu0.groupPath = '';
      const result = await vu0.runPart(handleSummary as (d: unknown) => unknown, [data], 120_000, 'handleSummary', false);
      try {
        await writeOutputs(result);
      } catch (e) {
        // Files k6 could not write: logged with k6's words, the default summary is not printed, the exit code stays.
        if (!(e instanceof SummaryWriteError)) throw e;
        log('error', 'failed to handle the end-of-test summary', { error: e.message });
      }
    } catch (e) {
      log('error', `failed to handle the end-of-test summary: ${errorText(e)}`, { source: 'handleSummary' });
      await writeStream(process.stdout, textSummary(data));
      printedDefault = true;
    }
  } else {
    await writeStream(process.stdout, textSummary(data));
    printedDefault = true;
  }
  void printedDefault;
  if (crossed.length > 0) log('error', `thresholds on metrics '${crossed.join(', ')}' have been crossed`);
  if (code !== ExitCode.ok) return code;
  if (rt.aborted !== null) return rt.aborted.code;
  return crossed.length > 0 ? ExitCode.thresholdsFailed : ExitCode.ok;
}
