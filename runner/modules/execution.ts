// k6/execution: read-only views of the VU, its scenario and the instance, and test.abort().
import { ExitCode, TestAbort } from '../errors.ts';
import type { VU } from '../vu.ts';

export function createExecutionModule(vu: VU): Record<string, unknown> {
  const rt = vu.rt;
  const needScenario = () => {
    if (vu.scenario === null) throw new Error('getting scenario information outside of a scenario (init context, setup, teardown) is not supported');
    return vu.scenario;
  };
  const needVU = () => {
    if (vu.phase === 'init') throw new Error('getting VU information in the init context is not supported');
  };
  const vuView = Object.freeze({
    get idInTest() {
      needVU();
      return vu.id;
    },
    get idInInstance() {
      needVU();
      return vu.idInInstance;
    },
    get iterationInInstance() {
      needVU();
      return vu.iterationInInstance;
    },
    get iterationInScenario() {
      needVU();
      return vu.iterationInScenario;
    },
  });
  const scenarioView = Object.freeze({
    get name() {
      return needScenario().name;
    },
    get executor() {
      return needScenario().executor;
    },
    get startTime() {
      return needScenario().startTime;
    },
    get progress() {
      return needScenario().progress();
    },
    get iterationInInstance() {
      needScenario();
      return vu.scenarioIteration;
    },
    get iterationInTest() {
      needScenario();
      return vu.scenarioIteration;
    },
  });
  const instanceView = Object.freeze({
    get vusActive() {
      return rt.vusActive;
    },
    get vusInitialized() {
      return rt.vusInitialized;
    },
    get iterationsCompleted() {
      return rt.iterationsCompleted;
    },
    get iterationsInterrupted() {
      return rt.iterationsInterrupted;
    },
    get currentTestRunDuration() {
      return rt.elapsedMs();
    },
  });
  const testView = Object.freeze({
    abort(reason?: unknown): never {
      const r = reason === undefined ? '' : String(reason);
      rt.abort(ExitCode.scriptAborted, r);
      throw new TestAbort(r);
    },
    get options() {
      return rt.options;
    },
  });
  const exec = Object.freeze({ vu: vuView, scenario: scenarioView, instance: instanceView, test: testView });
  return { __esModule: true, default: exec, ...exec };
}
