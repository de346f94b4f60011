// k6/execution: read-only views of the VU, its scenario and the instance,
// test.abort() and test.options, and the VU's metric tags and metadata
// (exec.vu.metrics.tags / .metadata, k6 >= 0.45).
import { ExitCode, TestAbort } from '../errors.ts';
import type { Runtime } from '../runtime.ts';
import type { VU } from '../vu.ts';

/** exec.test.options of each run (built by run.ts once the options are consolidated). */
const testOptions = new WeakMap<Runtime, Readonly<Record<string, unknown>>>();

export function setTestOptions(rt: Runtime, options: Readonly<Record<string, unknown>>): void {
  testOptions.set(rt, options);
}

type Kind = 'tag' | 'metadata';

/**
 * A live view of a string map that accepts only strings, numbers and booleans
 * (stored as strings) and throws a TypeError otherwise, as k6's dynamic
 * objects for exec.vu.metrics.tags and .metadata do.
 */
function stringMapView(target: () => Record<string, string>, kind: Kind, guard: () => void): Record<string, unknown> {
  const noun = kind === 'tag' ? 'metric tag' : 'metadata';
  return new Proxy(Object.create(null) as Record<string, unknown>, {
    get(_, key) {
      guard();
      return typeof key === 'string' ? target()[key] : undefined;
    },
    set(_, key, value) {
      guard();
      if (typeof key !== 'string') return true;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
        throw new TypeError(`invalid value for ${noun} '${key}': only String, Boolean and Number types are accepted as a ${noun} value`);
      }
      target()[key] = String(value);
      return true;
    },
    deleteProperty(_, key) {
      guard();
      if (typeof key === 'string') delete target()[key];
      return true;
    },
    has(_, key) {
      guard();
      return typeof key === 'string' && Object.hasOwn(target(), key);
    },
    ownKeys() {
      guard();
      return Object.keys(target());
    },
    getOwnPropertyDescriptor(_, key) {
      guard();
      if (typeof key !== 'string' || !Object.hasOwn(target(), key)) return undefined;
      return { value: target()[key], writable: true, enumerable: true, configurable: true };
    },
    defineProperty() {
      return false;
    },
  });
}

export function createExecutionModule(vu: VU): Record<string, unknown> {
  const rt = vu.rt;
  const needScenario = () => {
    if (vu.scenario === null) throw new Error('getting scenario information outside of a scenario (init context, setup, teardown) is not supported');
    return vu.scenario;
  };
  const needVU = () => {
    if (vu.phase === 'init') throw new Error('getting VU information in the init context is not supported');
  };
  const tags = stringMapView(() => vu.baseTags, 'tag', needVU);
  const metadata = stringMapView(() => vu.metadata, 'metadata', needVU);
  const metricsView = Object.freeze({ tags, metadata });
  const vuView = Object.freeze({
    get idInTest() {
      needVU();
      return vu.idInTest;
    },
    get idInInstance() {
      needVU();
      return vu.idInInstance;
    },
    get iterationInScenario() {
      needVU();
      return vu.iterationInScenario;
    },
    get metrics() {
      needVU();
      return metricsView;
    },
  });
  const scenarioView = Object.freeze({
    get name() {
      return needScenario().name;
    },
    get iterationInInstance() {
      needScenario();
      return vu.scenarioIterationInInstance;
    },
    get iterationInTest() {
      needScenario();
      return vu.scenarioIteration;
    },
  });
  const testView = Object.freeze({
    abort(reason?: unknown): never {
      const r = reason === undefined ? '' : String(reason);
      rt.abort(ExitCode.scriptAborted, r);
      throw new TestAbort(r);
    },
    get options() {
      if (vu.phase === 'init') throw new Error('getting test options in the init context is not supported');
      return testOptions.get(rt) ?? {};
    },
  });
  const exec = Object.freeze({ vu: vuView, scenario: scenarioView, test: testView });
  return { __esModule: true, default: exec, ...exec };
}
