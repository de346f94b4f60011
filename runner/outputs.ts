// `--out TYPE[=ARG]` (repeatable): where samples go besides the end-of-test
// summary. The runner implements k6's `json` output only; k6 opens its
// outputs after the script's init context and before the VUs start, and an
// unknown type or a file it cannot create ends the run there (k6 gives no
// code of its own for that: its generic -1, i.e. exit status 255).
import { goDuration } from './duration.ts';
import { ExitCode, RunError } from './errors.ts';
import type { Metric, SampleOutput } from './metrics.ts';
import { JsonOutput, NanoClock, type MetricDescription } from './output-json.ts';
import type { Runtime } from './runtime.ts';

export const OUTPUT_TYPES = ['json'];

export interface OutputSpec {
  type: string;
  arg: string;
}

/** `json=out.json` → {type: 'json', arg: 'out.json'}; `json` → arg ''. */
export function parseOutputSpec(text: string): OutputSpec {
  const eq = text.indexOf('=');
  return eq < 0 ? { type: text, arg: '' } : { type: text.slice(0, eq), arg: text.slice(eq + 1) };
}

/** The Metric line's thresholds and sub-metrics of a metric, from the run's thresholds. */
function describer(rt: Runtime): (m: Metric) => MetricDescription {
  return (m) => {
    const thresholds: unknown[] = rt.thresholds
      .filter((t) => t.metricKey === m.name)
      .map((t) => (t.abortOnFail ? { threshold: t.expr, abortOnFail: true, delayAbortEval: t.delayAbortEvalMs > 0 ? goDuration(t.delayAbortEvalMs) : null } : t.expr));
    const submetrics =
      m.submetrics.length === 0
        ? null
        : m.submetrics.map((s) => ({ name: s.key, suffix: s.key.slice(s.key.indexOf('{') + 1, -1), tags: Object.fromEntries(s.tags) }));
    return { thresholds, submetrics };
  };
}

export interface OpenedOutputs {
  descriptions: string[];
  close(): Promise<void>;
}

/**
 * Opens every --out and routes the registry's samples to them. Throws a
 * RunError (exit 255, as k6) for an unknown type or a file that cannot be
 * created; outputs already opened are closed first.
 */
export function openOutputs(specs: string[], rt: Runtime, cwd = process.cwd()): OpenedOutputs {
  const opened: JsonOutput[] = [];
  try {
    for (const text of specs) {
      const { type, arg } = parseOutputSpec(text);
      if (!OUTPUT_TYPES.includes(type)) {
        throw new RunError(`invalid output type '${type}', available types are: ${OUTPUT_TYPES.join(', ')} (the queue-k6 Node runner implements only these of k6's outputs)`, ExitCode.genericError);
      }
      try {
        opened.push(new JsonOutput({ target: arg, cwd, describe: describer(rt) }));
      } catch (e) {
        throw new RunError((e as Error).message, ExitCode.genericError);
      }
    }
  } catch (e) {
    for (const o of opened) void o.close();
    throw e;
  }
  if (opened.length === 1) {
    const only = opened[0]!;
    rt.registry.output = (m, v, t, md) => only.sample(m, v, t, md);
  } else if (opened.length > 1) {
    const clock = new NanoClock();
    const fanOut: SampleOutput = (m, v, t, md) => {
      const at = clock.now(); // one time per sample, whatever the number of outputs
      for (const o of opened) o.sample(m, v, t, md, at);
    };
    rt.registry.output = fanOut;
  }
  return {
    descriptions: opened.map((o) => o.description),
    async close() {
      rt.registry.output = null;
      for (const o of opened) await o.close();
    },
  };
}
