// One verdict for a run split over k6 instances: refuse to mix runs, merge
// the instances' summaries, judge the whole run's thresholds on the merged
// data, and explain. Pure: the CLI does the reading and writing.
import type { RunConfig } from '../lib/config.ts';
import { diagnose } from '../lib/diagnosis.ts';
import { judgeRules, type RuleOutcome } from '../lib/rules/judge.ts';
import { judge } from './judge.ts';
import { mergeData } from './merge.ts';
import { coverage, parseSegment, type Segment } from './segments.ts';
import { InputError, type InstanceReport, type InstanceSummary, type MergedData, type RunMeta } from './types.ts';

export interface Verdict {
  /** Same shape as one run's handleSummary data, plus queue_k6 with the verdict. */
  data: MergedData;
  passed: boolean;
  /** Metric keys with crossed thresholds, sorted (k6's exit message). */
  crossed: string[];
  complete: boolean;
  /** What the verdict itself says: instances, inconclusive percentiles, approximations. */
  verdictNotes: string[];
  /** diagnose() on the merged data: the same notes one unsplit run prints. */
  diagnosis: string[];
  /** Every whole-run rule: passed, failed, or not judged with its reason. */
  rules: RuleOutcome[];
}

/** Sorted keys and expressions, so that two equal rule sets compare equal. */
function canonical(thresholds: Record<string, string[]>): string {
  const keys = Object.keys(thresholds).sort();
  return JSON.stringify(keys.map((k) => [k, [...thresholds[k]!].sort()]));
}

function describeGroups(label: string, summaries: InstanceSummary[], valueOf: (s: InstanceSummary) => string): string {
  const groups = new Map<string, string[]>();
  for (const s of summaries) {
    const v = valueOf(s);
    groups.set(v, [...(groups.get(v) ?? []), s.source]);
  }
  return [...groups].map(([v, sources]) => `${label} ${v} (${sources.join(', ')})`).join('; ');
}

function firstThresholdDifference(a: Record<string, string[]>, b: Record<string, string[]>): string {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[k] ? [...a[k]!].sort().join(', ') : 'none';
    const y = b[k] ? [...b[k]!].sort().join(', ') : 'none';
    if (x !== y) return `${k}: [${x}] vs [${y}]`;
  }
  return 'none';
}

/** Refuses summaries that are not instances of one run; the message names the values found. */
export function checkOneRun(summaries: InstanceSummary[]): void {
  if (summaries.length === 0) throw new InputError('no instance summaries: nothing to judge');
  const distinct = (f: (s: InstanceSummary) => string): boolean => new Set(summaries.map(f)).size > 1;
  const hint = 'give the instances of one run only (files of one run, or --run RUNID)';
  if (distinct((s) => s.meta.runId)) {
    throw new InputError(`these summaries are from different runs: ${describeGroups('runId', summaries, (s) => JSON.stringify(s.meta.runId))}; ${hint}`);
  }
  if (distinct((s) => s.meta.scenario)) {
    throw new InputError(`these summaries are from different scenarios: ${describeGroups('scenario', summaries, (s) => s.meta.scenario)}; ${hint}`);
  }
  if (distinct((s) => String(s.meta.instances))) {
    throw new InputError(`these summaries disagree on the number of instances: ${describeGroups('instances', summaries, (s) => String(s.meta.instances))}; ${hint}`);
  }
  const first = summaries[0]!;
  const other = summaries.find((s) => canonical(s.meta.thresholds) !== canonical(first.meta.thresholds));
  if (other) {
    throw new InputError(
      `these summaries disagree on the run's thresholds (queue_k6.thresholds): ${first.source} has ${Object.keys(first.meta.thresholds).length} metric(s), ${other.source} has ${Object.keys(other.meta.thresholds).length}; first difference ${firstThresholdDifference(first.meta.thresholds, other.meta.thresholds)}; ${hint}`,
    );
  }
}

function segmentOf(s: InstanceSummary): Segment {
  if (s.meta.segment === null) {
    if (s.meta.instances > 1) throw new InputError(`${s.source}: queue_k6.segment is missing although instances is ${s.meta.instances}`);
    return parseSegment('0:1');
  }
  try {
    return parseSegment(s.meta.segment);
  } catch (err) {
    throw new InputError(`${s.source}: ${(err as Error).message}`);
  }
}

function num(v: unknown, fallback: number): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return fallback;
}

/**
 * diagnose() takes the run's RunConfig. queue_k6.params holds its scalar
 * fields under the same names (nothing secret), so the config is rebuilt from
 * them; the fields diagnose() reads fall back to the threshold placeholders
 * (USERS, QUEUE_THRESHOLD, QUEUE_PROCESSOR_INTERVAL) when params lack them.
 */
export function runConfigFromMeta(meta: RunMeta): RunConfig {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(meta.params)) fields[k] = v === null ? undefined : v;
  return {
    ...fields,
    scenario: meta.scenario,
    eventId: meta.eventId ?? undefined,
    users: num(fields.users, num(meta.vars.USERS, 0)),
    queueThreshold: num(fields.queueThreshold, num(meta.vars.QUEUE_THRESHOLD, 0)),
    processorIntervalMs: num(fields.processorIntervalMs, num(meta.vars.QUEUE_PROCESSOR_INTERVAL, 0)),
    redisUrl: typeof fields.redisUrl === 'string' ? fields.redisUrl : '',
    instances: meta.instances,
  } as unknown as RunConfig;
}

/** Whether the run had its Redis probes on: params.probes, else a non-empty redisUrl. */
export function probesOn(meta: RunMeta): boolean {
  if (typeof meta.params.probes === 'boolean') return meta.params.probes;
  return typeof meta.params.redisUrl === 'string' && meta.params.redisUrl !== '';
}

function ownFailures(s: InstanceSummary): string[] {
  const out: string[] = [];
  for (const [key, m] of Object.entries(s.data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds ?? {})) if (t && t.ok === false) out.push(`${key} ${expr}`);
  }
  return out.sort();
}

/** Judges the instances of one split run (given in any order). Throws InputError when they are not one run. */
export function buildVerdict(input: InstanceSummary[]): Verdict {
  checkOneRun(input);
  const withSegments = input.map((s) => ({ summary: s, segment: segmentOf(s), source: s.source }));
  const cov = coverage(withSegments);
  const ordered = [...withSegments].sort((a, b) => a.segment.from - b.segment.from);
  const summaries = ordered.map((o) => o.summary);
  const first = summaries[0]!;
  const expected = first.meta.instances;
  const complete = cov.complete && summaries.length >= expected;

  const merged = mergeData(summaries);
  const judged = judge({
    data: merged.data,
    instances: summaries.map((s) => ({ segment: s.meta.segment, metrics: s.data.metrics })),
    thresholds: first.meta.thresholds,
  });

  const parts: InstanceReport[] = summaries.map((s) => ({ segment: s.meta.segment, runId: s.meta.runId, source: s.source, failures: ownFailures(s) }));
  // Each whole-run rule judged again for its needs on the merged data: what no instance measured is not judged.
  const plan = first.meta.rulePlan;
  const outcomes: RuleOutcome[] = plan !== undefined
    ? judgeRules(plan.rules, plan.notInForce, judged.data.metrics)
    : judged.judgements.map((j) => ({ metric: j.metric, expression: j.expression, state: j.ok ? 'passed' : 'failed', needs: [] }));
  const crossed = [...new Set(outcomes.filter((o) => o.state === 'failed').map((o) => o.metric))].sort();
  const passed = complete && crossed.length === 0;

  const verdictNotes: string[] = [];
  const segments = ordered.map((o) => o.segment.text).join(', ');
  verdictNotes.push(`${first.meta.scenario} run ${first.meta.runId}: ${summaries.length} of ${expected} instance(s) (segments ${segments})`);
  if (!complete) {
    const gaps = cov.missing.length > 0 ? `segment(s) ${cov.missing.join(', ')} missing` : 'instances missing';
    verdictNotes.push(`ONLY ${summaries.length} OF ${expected} INSTANCES: ${gaps}; a verdict on part of a run is not a pass`);
  }
  for (const j of judged.judgements) {
    if (j.note && (!j.ok || j.inconclusive)) verdictNotes.push(`threshold ${j.metric} ${j.expression} FAILED: ${j.note}`);
  }
  // A "passed on its bounds" note is no news for a rule that is not judged.
  const unjudged = new Set(outcomes.filter((o) => o.state === 'not_judged').map((o) => `threshold ${o.metric} ${o.expression} passed`));
  verdictNotes.push(...judged.notes.filter((n) => ![...unjudged].some((u) => n.startsWith(u))), ...merged.approximations);
  for (const o of outcomes) if (o.state === 'not_judged') verdictNotes.push(`not judged: ${o.metric} ${o.expression}: ${o.reason ?? 'its needs were not met'}`);

  const data: MergedData = {
    ...judged.data,
    queue_k6: {
      ...first.meta,
      segment: null,
      notes: [],
      rules: outcomes,
      verdict: {
        passed,
        instancesExpected: expected,
        instancesFound: summaries.length,
        missingSegments: cov.missing,
        parts,
        thresholds: judged.judgements,
        approximations: merged.approximations,
      },
    },
  };
  const diagnosis = diagnose(data, runConfigFromMeta(first.meta), probesOn(first.meta), outcomes);
  data.queue_k6.notes = [...verdictNotes, ...diagnosis];
  return { data, passed, crossed, complete, verdictNotes, diagnosis, rules: outcomes };
}
