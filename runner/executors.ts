// Scenarios: options → normalized scenario configs (k6's defaults and
// validation), this instance's share of each (execution segments), and the
// three executors the suite uses. Every scenario owns its VUs; VU ids are
// unique across the test (1..total when the test is not split).
import { setMaxListeners } from 'node:events';
import { formatDuration, goDuration, parseDuration } from './duration.ts';
import { invalidConfig } from './errors.ts';
import { plain } from './log.ts';
import type { Runtime } from './runtime.ts';
import type { ExecutionTuple, StripedCounter } from './segments.ts';
import type { ScenarioInfo, VU } from './vu.ts';

export type ExecutorName = 'per-vu-iterations' | 'shared-iterations' | 'constant-vus';
const SUPPORTED: ExecutorName[] = ['per-vu-iterations', 'shared-iterations', 'constant-vus'];
const K6_ONLY = ['ramping-vus', 'constant-arrival-rate', 'ramping-arrival-rate', 'externally-controlled'];

export interface ScenarioConfig {
  name: string;
  executor: ExecutorName;
  vus: number;
  iterations: number; // per VU (per-vu-iterations) or in total (shared-iterations); 0 for constant-vus
  durationMs: number; // constant-vus duration or maxDuration
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
}

function posInt(v: unknown, what: string, dflt: number): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw invalidConfig(`invalid ${what}: ${JSON.stringify(v)}; expected a non-negative integer`);
  return v;
}

function stringMap(v: unknown, what: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidConfig(`invalid ${what}: expected an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = String(x);
  return out;
}

export function normalizeScenarios(options: Record<string, unknown>): ScenarioConfig[] {
  if (options.stages !== undefined) throw invalidConfig('options.stages (the ramping-vus executor) is not supported by the queue-k6 Node runner; use constant-vus, per-vu-iterations or shared-iterations');
  let raw = options.scenarios as Record<string, Record<string, unknown>> | undefined;
  if (raw === undefined || raw === null) {
    const vus = posInt(options.vus, 'options.vus', 1);
    if (options.duration !== undefined && options.iterations === undefined) {
      raw = { default: { executor: 'constant-vus', vus, duration: options.duration } };
    } else if (options.iterations !== undefined) {
      raw = { default: { executor: 'shared-iterations', vus, iterations: options.iterations, ...(options.duration !== undefined ? { maxDuration: options.duration } : {}) } };
    } else {
      raw = { default: { executor: 'per-vu-iterations', vus, iterations: 1 } };
    }
  }
  if (typeof raw !== 'object' || Array.isArray(raw)) throw invalidConfig('invalid options.scenarios: expected an object of scenario name → config');
  const out: ScenarioConfig[] = [];
  for (const [name, sc] of Object.entries(raw)) {
    if (!/^[0-9a-zA-Z_-]+$/.test(name)) throw invalidConfig(`invalid scenario name '${name}': only letters, digits, '_' and '-' are allowed`);
    if (typeof sc !== 'object' || sc === null) throw invalidConfig(`invalid scenario '${name}': expected an object`);
    const executor = sc.executor;
    if (typeof executor !== 'string') throw invalidConfig(`scenario '${name}' has no executor`);
    if (K6_ONLY.includes(executor)) throw invalidConfig(`scenario '${name}': the executor '${executor}' is not supported by the queue-k6 Node runner (supported: ${SUPPORTED.join(', ')})`);
    if (!(SUPPORTED as string[]).includes(executor)) throw invalidConfig(`scenario '${name}': unknown executor '${executor}'`);
    const ex = executor as ExecutorName;
    const vus = posInt(sc.vus, `vus in scenario '${name}'`, 1);
    const common = {
      name,
      executor: ex,
      vus,
      startTimeMs: sc.startTime === undefined ? 0 : parseDuration(sc.startTime, `startTime in scenario '${name}'`),
      gracefulStopMs: sc.gracefulStop === undefined ? 30_000 : parseDuration(sc.gracefulStop, `gracefulStop in scenario '${name}'`),
      exec: sc.exec === undefined ? 'default' : String(sc.exec),
      env: stringMap(sc.env, `env in scenario '${name}'`),
      tags: stringMap(sc.tags, `tags in scenario '${name}'`),
    };
    if (ex === 'constant-vus') {
      if (sc.duration === undefined) throw invalidConfig(`scenario '${name}': the constant-vus executor needs a duration`);
      const durationMs = parseDuration(sc.duration, `duration in scenario '${name}'`);
      // k6's minimum (shared/k6-reference "Exit codes": 300ms → 104 with this text).
      if (durationMs < 1000) throw invalidConfig(`scenario ${name} has configuration errors: the duration must be at least 1s, but is ${goDuration(durationMs)}`);
      if (vus <= 0) throw invalidConfig(`scenario '${name}': the number of VUs must be more than 0`);
      out.push({ ...common, iterations: 0, durationMs });
    } else {
      const iterations = posInt(sc.iterations, `iterations in scenario '${name}'`, 1);
      const durationMs = sc.maxDuration === undefined ? 600_000 : parseDuration(sc.maxDuration, `maxDuration in scenario '${name}'`);
      if (vus <= 0) throw invalidConfig(`scenario '${name}': the number of VUs must be more than 0`);
      if (ex === 'shared-iterations' && vus > iterations) {
        throw invalidConfig(`scenario '${name}': the number of VUs (${vus}) can't be more than the number of iterations (${iterations})`);
      }
      out.push({ ...common, iterations, durationMs });
    }
  }
  return out;
}

/** What one instance runs of a scenario (all of it when the test is not split). */
export interface ScenarioPlan {
  sc: ScenarioConfig;
  /** This instance's VUs. */
  vus: number;
  /** Per VU (per-vu-iterations), this instance's share of the total (shared-iterations), 0 (constant-vus). */
  iterations: number;
  /** Numbers the scenario's iterations: [in this instance, in the whole test], both from 1. */
  counter: StripedCounter;
}

/**
 * This instance's share of every scenario, as k6 scales executors for an
 * execution segment (shared/k6-reference "Execution segments"): VUs are
 * striped over the segments (a 1-VU scenario runs in one segment only);
 * per-vu-iterations keeps its iterations per VU; shared-iterations shares its
 * iterations the way its VUs were shared; iteration numbers (iterationInTest)
 * are striped too, so they stay unique across instances. Scenarios with no
 * share here are left out, as k6 skips executors without work.
 */
export function planScenarios(scenarios: ScenarioConfig[], tuple: ExecutionTuple): ScenarioPlan[] {
  const plans: ScenarioPlan[] = [];
  for (const sc of scenarios) {
    const vus = tuple.scale(sc.vus);
    if (vus === 0) continue;
    if (sc.executor === 'shared-iterations') {
      const byVUs = tuple.rescaled(sc.vus);
      if (byVUs === null) continue;
      const iterations = byVUs.scale(sc.iterations);
      if (iterations === 0) continue;
      plans.push({ sc, vus, iterations, counter: byVUs.index1() });
    } else {
      if (sc.executor === 'per-vu-iterations' && sc.iterations === 0) continue;
      plans.push({ sc, vus, iterations: sc.iterations, counter: tuple.index1() });
    }
  }
  return plans;
}

export interface ScenarioRunResult {
  completed: number;
  interrupted: number;
}

/** Resolves after ms, or at once when the test is aborted. */
function wait(rt: Runtime, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    const off = rt.onAbort(done);
    function done(): void {
      clearTimeout(t);
      off();
      resolve();
    }
  });
}

export async function runScenario(rt: Runtime, plan: ScenarioPlan, vus: VU[], setupData: string | undefined, quiet: boolean): Promise<ScenarioRunResult> {
  const sc = plan.sc;
  if (sc.startTimeMs > 0) await wait(rt, sc.startTimeMs);
  const result: ScenarioRunResult = { completed: 0, interrupted: 0 };
  if (rt.aborted !== null) return result;
  const started = performance.now();
  let stopNew = false;
  const hard = new AbortController();
  // Every running VU listens for the hard stop: more than 10 VUs is no leak.
  setMaxListeners(0, hard.signal);
  const hardStop = (): void => hard.abort();
  const timers: NodeJS.Timeout[] = [];
  timers.push(
    setTimeout(() => {
      stopNew = true;
    }, sc.durationMs),
  );
  timers.push(setTimeout(hardStop, sc.durationMs + sc.gracefulStopMs));
  const offAbort = rt.onAbort(() => {
    stopNew = true;
    hardStop();
  });
  let claimed = 0; // iterations started by this instance
  const total = sc.executor === 'per-vu-iterations' ? plan.iterations * plan.vus : plan.iterations;
  const info: ScenarioInfo = {
    name: sc.name,
    executor: sc.executor,
    env: Object.freeze({ ...rt.env, ...sc.env }),
    tags: sc.tags,
  };
  if (!quiet) plain(`scenario ${sc.name}: started (${sc.executor}, ${plan.vus} VUs${plan.iterations > 0 ? `, ${total} iterations` : `, ${formatDuration(sc.durationMs)}`})`);

  const runVU = async (vu: VU): Promise<void> => {
    vu.assign(info);
    const fn = vu.exports[sc.exec];
    if (typeof fn !== 'function') throw invalidConfig(`scenario '${sc.name}': exported function '${sc.exec}' not found`);
    const data: unknown = setupData === undefined ? undefined : JSON.parse(setupData);
    rt.vusActive++;
    try {
      let own = 0;
      for (;;) {
        if (stopNew || rt.aborted !== null) break;
        if (sc.executor === 'per-vu-iterations' && own >= plan.iterations) break;
        if (sc.executor === 'shared-iterations' && claimed >= plan.iterations) break;
        claimed++;
        const [inInstance, inTest] = plan.counter.next();
        vu.scenarioIterationInInstance = inInstance - 1;
        vu.scenarioIteration = inTest - 1;
        vu.iterationInScenario = own++;
        const r = await vu.iterate(fn as (...a: unknown[]) => unknown, [data], hard.signal);
        if (r === 'interrupted') {
          result.interrupted++;
          rt.iterationsInterrupted++;
          break;
        }
        result.completed++;
        rt.iterationsCompleted++;
      }
    } finally {
      rt.vusActive--;
    }
  };
  try {
    await Promise.all(vus.map(runVU));
  } finally {
    for (const t of timers) clearTimeout(t);
    offAbort();
  }
  if (!quiet) plain(`scenario ${sc.name}: done in ${formatDuration(performance.now() - started)}, ${result.completed} complete and ${result.interrupted} interrupted iterations`);
  return result;
}
