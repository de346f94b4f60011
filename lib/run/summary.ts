// handleSummary: each rule's state (lib/rules/judge.ts), the text summary with
// only judged rules marked and a "not judged" list under it, the diagnosis,
// JUnit with <skipped> for rules not judged, and the results file with the
// run's identity and every rule's outcome (queue_k6.rules), which `make
// verdict`, the report and `make compare` read.
import { textSummary } from 'https://jslib.k6.io/k6-summary/0.1.0/index.js';
import type { RunConfig } from '../config';
import { diagnose } from '../diagnosis';
import type { RulePlan } from '../rules/build';
import { judgedView, judgeRules, type RuleOutcome } from '../rules/judge';
import { CHECKED_AT_KEY, LEFT_AT_KEY } from '../rules/needs';
import { DEFAULT_SUMMARY_TREND_STATS } from '../rules/trend-stats';
import { summaryOutputs } from '../summary/outputs';
import type { SummaryData, SummaryMetric } from '../summary/types';
import { executionSegment, k6Version, publicParams } from './identity';
import { capacityPlanRecord, inRunCapacity } from '../capacity/summary';

const TEXT_TREND_STATS = DEFAULT_SUMMARY_TREND_STATS;

/** Instants (epoch ms) that the settled-queue need reads: no column of the text makes sense of them. */
const INSTANTS = new Set([CHECKED_AT_KEY, LEFT_AT_KEY]);

function textMetrics(metrics: Record<string, SummaryMetric>): Record<string, SummaryMetric> {
  const out: Record<string, SummaryMetric> = {};
  for (const [key, m] of Object.entries(metrics)) {
    if (INSTANTS.has(key)) continue;
    if (m.type !== 'trend') {
      out[key] = m;
      continue;
    }
    const values: Record<string, number> = {};
    for (const stat of TEXT_TREND_STATS) if (m.values[stat] !== undefined) values[stat] = m.values[stat]!;
    out[key] = { ...m, values };
  }
  return out;
}

export interface SummaryContext {
  scenario: string;
  cfg: RunConfig;
  probesOn: boolean;
  split: boolean;
  /** The rules this process gave k6 (a split instance's), and the whole run's, for the verdict. */
  plan: RulePlan;
  wholeRun: RulePlan;
  vars: Record<string, number>;
  env: Record<string, string | undefined>;
  /** The server's figures were sampled (SERVER_METRICS_URLS or PROMETHEUS_URL set). */
  serverObserved?: boolean;
}

/** The rules not judged, one line each, for the end of the text summary. */
export function notJudgedText(outcomes: readonly RuleOutcome[], indent = ' '): string {
  const rows = outcomes.filter((o) => o.state === 'not_judged');
  if (rows.length === 0) return '';
  const lines = [`${indent}NOT JUDGED (${rows.length}): what these rules need was not measured in this run`];
  for (const o of rows) lines.push(`${indent}  - ${o.metric} ${o.expression}: ${o.reason ?? 'its needs were not met'}`);
  return lines.join('\n') + '\n';
}

export function handleRunSummary(ctx: SummaryContext, data: SummaryData): Record<string, string> {
  const setupData = (data as SummaryData & { setup_data?: { eventId?: unknown; startAt?: unknown } }).setup_data;
  const eventId = ctx.cfg.eventId ?? (setupData && typeof setupData.eventId === 'string' ? setupData.eventId : null);
  const outcomes = judgeRules(ctx.plan.rules, ctx.plan.notInForce, data.metrics);
  // The text shows k6's usual trend columns; the quantile ladder is for the verdict of a split run.
  const view: SummaryData = { ...data, options: { ...data.options, summaryTrendStats: TEXT_TREND_STATS }, metrics: textMetrics(judgedView<SummaryMetric>(data.metrics, outcomes)) };
  const notes = diagnose(data, ctx.cfg, ctx.probesOn, outcomes, { split: ctx.split });
  // Capacity: the answer as far as the summary tells it (capacity/cli.ts refines it from the samples).
  const capacity = ctx.cfg.capacity === undefined ? undefined : inRunCapacity(data, ctx.cfg.capacity);
  if (capacity !== undefined) notes.unshift(capacity.line);
  const text = textSummary(view, { indent: ' ', enableColors: !data.options.noColor && data.state.isStdOutTTY }) + '\n' + notJudgedText(outcomes);
  const meta = {
    format: 2,
    runId: eventId === null ? (ctx.cfg.testId ?? 'unknown') : (ctx.cfg.testId ?? eventId),
    scenario: ctx.scenario,
    eventId,
    k6Version: k6Version(ctx.env),
    instances: ctx.cfg.instances,
    segment: executionSegment(),
    params: publicParams(ctx.cfg, ctx.probesOn),
    vars: ctx.vars,
    thresholds: ctx.wholeRun.thresholds,
    rulePlan: { rules: ctx.wholeRun.rules, notInForce: ctx.wholeRun.notInForce },
    rules: outcomes,
    notes,
    startAt: setupData && typeof setupData.startAt === 'number' ? setupData.startAt : null,
    ...(capacity !== undefined && ctx.cfg.capacity !== undefined ? { capacity, capacityPlan: capacityPlanRecord(ctx.cfg.capacity, ctx.serverObserved === true) } : {}),
  };
  // The results file keeps k6's own data (its threshold results included); queue_k6.rules says which of them were judged.
  return summaryOutputs({ scenario: ctx.scenario, data, rules: outcomes, now: new Date(), text, notes, prefix: ctx.env.RESULTS_PREFIX, meta, partial: ctx.split });
}
