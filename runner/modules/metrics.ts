// k6/metrics: Counter, Gauge, Rate, Trend, declared in the init context.
import type { Contains, Metric, MetricType } from '../metrics.ts';
import type { VU } from '../vu.ts';

export function createMetricsModule(vu: VU): Record<string, unknown> {
  const registry = vu.rt.registry;

  function make(type: MetricType) {
    return class {
      readonly name: string;
      readonly #metric: Metric;
      constructor(name: unknown, isTime?: unknown) {
        if (vu.phase !== 'init') throw new Error(`metrics must be declared in the init context (new ${type}('${String(name)}'))`);
        if (typeof name !== 'string') throw new TypeError(`the metric name must be a string, got ${typeof name}`);
        const contains: Contains = type === 'trend' && isTime === true ? 'time' : 'default';
        this.#metric = registry.define(name, type, contains);
        this.name = name;
      }
      add(value: unknown, tags?: Record<string, unknown>): boolean {
        if (vu.phase === 'init') throw new Error(`cannot add samples to '${this.name}' in the init context`);
        let v: number;
        if (typeof value === 'boolean') v = value ? 1 : 0;
        else v = Number(value);
        if (Number.isNaN(v)) throw new Error(`'${String(value)}' is an invalid value for metric '${this.name}', a number or a boolean value is expected`);
        vu.emit(this.#metric, type === 'rate' ? (v !== 0 ? 1 : 0) : v, tags);
        return true;
      }
    };
  }

  const api = { Counter: make('counter'), Gauge: make('gauge'), Rate: make('rate'), Trend: make('trend') };
  return { __esModule: true, default: api, ...api };
}
