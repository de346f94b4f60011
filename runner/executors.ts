// Scenarios: options → normalized scenario configs (k6's defaults and
// validation), and the three executors the suite uses. Every scenario owns
// its VUs; VU ids are unique across the test (1..total).
import { setMaxListeners } from 'node:events';
import { formatDuration, parseDuration } from './duration.ts';
import { invalidConfig } from './errors.ts';
import { plain } from './log.ts';
import type { Runtime } from './runtime.ts';
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
      if (durationMs <= 0) throw invalidConfig(`scenario '${name}': the duration must be more than 0`);
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

export async function runScenario(rt: Runtime, sc: ScenarioConfig, vus: VU[], setupData: string | undefined, quiet: boolean): Promise<ScenarioRunResult> {
  if (sc.startTimeMs > 0) await wait(rt, sc.startTimeMs);
  const result: ScenarioRunResult = { completed: 0, interrupted: 0 };
  if (rt.aborted !== null) return result;
  const started = performance.now();
  const startedEpoch = Date.now();
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
  let claimed = 0; // scenario-wide iteration counter
  const total = sc.executor === 'per-vu-iterations' ? sc.iterations * sc.vus : sc.iterations;
  const info: ScenarioInfo = {
    name: sc.name,
    executor: sc.executor,
    startTime: startedEpoch,
    get iterationsStarted() {
      return claimed;
    },
    progress: () => {
      if (sc.executor === 'constant-vus') return Math.min(1, (performance.now() - started) / sc.durationMs);
      return total === 0 ? 1 : Math.min(1, (result.completed + result.interrupted) / total);
    },
    env: Object.freeze({ ...rt.env, ...sc.env }),
    tags: sc.tags,
  };
  if (!quiet) plain(`scenario ${sc.name}: started (${sc.executor}, ${sc.vus} VUs${sc.iterations > 0 ? `, ${total} iterations` : `, ${formatDuration(sc.durationMs)}`})`);

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
        if (sc.executor === 'per-vu-iterations' && own >= sc.iterations) break;
        if (sc.executor === 'shared-iterations' && claimed >= sc.iterations) break;
        vu.scenarioIteration = claimed++;
        vu.iterationInScenario = own++;
        const r = await vu.iterate(fn as (...a: unknown[]) => unknown, [data], hard.signal);
        vu.iterationInInstance++;
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
