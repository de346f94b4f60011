import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../config.ts';
import { VIOLATION_KINDS } from '../redis/invariants.ts';
import { buildThresholds, needsTable, planRules, thresholdVars, wholeRunRules, type ThresholdFile } from './build.ts';

const file = JSON.parse(readFileSync(new URL('../../thresholds.json', import.meta.url), 'utf8')) as ThresholdFile;
const defaults = JSON.parse(readFileSync(new URL('../../scenarios/defaults.json', import.meta.url), 'utf8')) as Record<string, never>;
const env = { USER_PASSWORD: 'secret-pw' };

test('every scenario builds valid thresholds from its defaults', () => {
  for (const name of ['threshold-overflow', 'processing-rate', 'mass-burst', 'reconnect', 'check-race']) {
    const cfg = loadConfig(name, defaults[name], env);
    const t = buildThresholds(file, name, thresholdVars(cfg), { probes: true });
    assert.ok(Object.keys(t).length > 5, name);
    for (const exprs of Object.values(t)) for (const e of exprs) assert.doesNotMatch(e, /\$\{/);
    assert.deepEqual(t.queue_http_errors, ['count==0']);
  }
});

test('placeholders are filled from the run parameters', () => {
  const cfg = loadConfig('mass-burst', defaults['mass-burst'], { ...env, USERS: '10000', QUEUE_THRESHOLD: '1000' });
  const t = buildThresholds(file, 'mass-burst', thresholdVars(cfg), { probes: true });
  assert.deepEqual(t.queue_admitted_immediately, ['count==1000']);
  assert.deepEqual(t.queue_queued, ['count==9000']);
  assert.deepEqual(t.queue_probe_active, ['max<=1000']);
  assert.deepEqual(t.queue_users_completed, ['count==10000']);
});

test('immediate admissions are min(USERS, QUEUE_THRESHOLD)', () => {
  const cfg = loadConfig('mass-burst', defaults['mass-burst'], { ...env, USERS: '7' });
  const t = buildThresholds(file, 'mass-burst', thresholdVars(cfg), { probes: true });
  assert.deepEqual(t.queue_admitted_immediately, ['count==7']);
  assert.deepEqual(t.queue_queued, ['count==0']);
});

test('${each} makes one key per position: each position is handed out once', () => {
  const cfg = loadConfig('threshold-overflow', defaults['threshold-overflow'], env);
  const t = buildThresholds(file, 'threshold-overflow', thresholdVars(cfg), { probes: true });
  const keys = Object.keys(t).filter((k) => k.startsWith('queue_positions{'));
  assert.deepEqual(keys, [1, 2, 3, 4, 5].map((p) => `queue_positions{position:${p}}`));
  for (const k of keys) assert.deepEqual(t[k], ['count==1']);
});

test('processor cadence is judged by counted irregular ticks, which an empty observer cannot fail', () => {
  const cfg = loadConfig('processing-rate', defaults['processing-rate'], { ...env, QUEUE_PROCESSOR_INTERVAL: '1000' });
  const plan = planRules(file, 'processing-rate', thresholdVars(cfg), { probes: true });
  assert.deepEqual(plan.thresholds.queue_tick_irregular, ['count==0']);
  assert.equal(plan.thresholds.queue_tick_interval?.[0], 'max>=0', 'kept in the summary for its need, neutral');
  const rule = plan.rules.find((r) => r.key === 'queue_tick_irregular')!;
  assert.deepEqual(rule.needs.map((n) => n.kind), ['whole_run', 'observer', 'samples']);
});

test('probe thresholds are dropped when probes are off', () => {
  const cfg = loadConfig('threshold-overflow', defaults['threshold-overflow'], { ...env, REDIS_URL: '' });
  const t = buildThresholds(file, 'threshold-overflow', thresholdVars(cfg), { probes: false });
  assert.equal(t.queue_probe_active, undefined);
  assert.equal(t.queue_probe_depth, undefined);
  assert.deepEqual(t.queue_admitted_immediately, ['count==10']);
});

test('null switches a common rule off; bad files fail with the place named', () => {
  const vars = { USERS: 3 };
  const f: ThresholdFile = { common: { a: ['count==0'], b: ['count==${USERS}'] }, s: { b: null, c: ['max<=${USERS}'] } };
  assert.deepEqual(buildThresholds(f, 's', vars, { probes: true }), { a: ['count==0'], c: ['max<=3'] });
  assert.throws(() => buildThresholds(f, 'nope', vars, { probes: true }), /no section for scenario "nope"/);
  assert.throws(() => buildThresholds({ s: { a: ['count==${NOPE}'] } }, 's', vars, { probes: true }), /unknown placeholder \$\{NOPE\} in s.a/);
  assert.throws(() => buildThresholds({ s: { a: ['count is zero'] } }, 's', vars, { probes: true }), /not a k6 threshold expression/);
  assert.throws(() => buildThresholds({ s: { a: 'count==0' as unknown as string[] } }, 's', vars, { probes: true }), /must be a list/);
});

test('every invariant kind has its own rule where it is checked, and says what it needs', () => {
  // k6 puts a sub-metric into the summary only when a threshold names it (k6-reference, "handleSummary's data").
  const named = new Set<string>();
  for (const name of ['threshold-overflow', 'processing-rate', 'mass-burst', 'reconnect', 'check-race', 'restart']) {
    const t = buildThresholds(file, name, thresholdVars(loadConfig(name, defaults[name], env)), { probes: true });
    for (const kind of VIOLATION_KINDS) if (t[`queue_invariant_violations{kind:${kind}}`] !== undefined) named.add(kind);
  }
  assert.deepEqual([...named].sort(), [...VIOLATION_KINDS].sort());
  const table = needsTable(file);
  for (const kind of VIOLATION_KINDS) assert.ok((table[`queue_invariant_violations{kind:${kind}}`] ?? []).length > 0, `${kind} states its needs`);
});

test('the observer\'s losses fail the run with or without Redis; an unsampled probe fails it only with Redis', () => {
  const on = planRules(file, 'mass-burst', thresholdVars(loadConfig('mass-burst', defaults['mass-burst'], env)), { probes: true });
  assert.deepEqual(on.thresholds.queue_probe_errors, ['count==0']);
  assert.deepEqual(on.thresholds.queue_probe_samples, ['count>=1']);
  const off = planRules(file, 'mass-burst', thresholdVars(loadConfig('mass-burst', defaults['mass-burst'], { REDIS_URL: '' })), { probes: false });
  assert.deepEqual(off.thresholds.queue_probe_errors, ['count==0']);
  assert.equal(off.thresholds.queue_probe_samples, undefined);
});

test('with the probes off, every rule that reads Redis is not in force, and says why', () => {
  const off = planRules(file, 'threshold-overflow', thresholdVars(loadConfig('threshold-overflow', defaults['threshold-overflow'], { REDIS_URL: '' })), { probes: false });
  const out = off.notInForce.map((r) => r.key).sort();
  for (const key of ['queue_invariant_violations{kind:fifo}', 'queue_invariant_violations{kind:state_mismatch}', 'queue_invariant_violations{kind:queued_and_active}',
    'queue_invariant_violations{kind:redis_counts_mismatch}', 'queue_invariant_violations{kind:active_over_threshold}', 'queue_position_error', 'queue_probe_active']) {
    assert.ok(out.includes(key), key);
    assert.equal(off.thresholds[key], undefined, `${key} is not given to k6`);
  }
  assert.match(off.notInForce[0]!.reason, /Redis probes/);
});

test('a rule judged only on samples must pass on k6\'s empty metric', () => {
  const f: ThresholdFile = { $needs: { t: ['samples'] }, s: { t: ['min>=4000'] } };
  assert.throws(() => planRules(f, 's', {}, { probes: true }), /fails on an empty metric/);
  const g: ThresholdFile = { $needs: { t: ['samples'] }, s: { t: ['max<=4000'] } };
  assert.deepEqual(planRules(g, 's', {}, { probes: true }).thresholds, { t: ['max<=4000'] });
});

test('a key that a need reads must be listed in $measures', () => {
  const f: ThresholdFile = { $needs: { t: ['samples:u'] }, s: { t: ['count==0'] } };
  assert.throws(() => planRules(f, 's', {}, { probes: true }), /\$measures/);
  const g: ThresholdFile = { $needs: { t: ['samples:u{k:a}'] }, $measures: { u: 'count>=0' }, s: { t: ['count==0'] } };
  assert.deepEqual(planRules(g, 's', {}, { probes: true }).thresholds, { t: ['count==0'], 'u{k:a}': ['count>=0'] });
});

test('a split instance keeps the per-instance rules and turns whole-run rules into their neutral rule', () => {
  const cfg = loadConfig('threshold-overflow', defaults['threshold-overflow'], { INSTANCES: '2' });
  const whole = buildThresholds(file, 'threshold-overflow', thresholdVars(cfg), { probes: true });
  const part = buildThresholds(file, 'threshold-overflow', thresholdVars(cfg), { probes: true, split: true });
  assert.deepEqual(Object.keys(part), Object.keys(whole), 'the same (sub-)metrics are named, so each appears in the summary');
  const neutral = wholeRunRules(file);
  for (const [key, exprs] of Object.entries(part)) {
    const metric = key.replace(/\{.*$/, '');
    if (metric in neutral) assert.deepEqual(exprs, [neutral[metric]], key);
    else assert.deepEqual(exprs, whole[key], key);
  }
  assert.deepEqual(part['queue_positions{position:3}'], ['count>=0']);
  // Only the observer (one instance) sees ticks: the cadence rule is the whole run's.
  const rate = loadConfig('processing-rate', defaults['processing-rate'], { INSTANCES: '2' });
  assert.deepEqual(buildThresholds(file, 'processing-rate', thresholdVars(rate), { probes: true, split: true }).queue_tick_irregular, ['count>=0']);
  assert.deepEqual(part['queue_invariant_violations{kind:state_mismatch}'], ['count==0']);
  assert.deepEqual(part.queue_probe_active, ['max<=10']);
});

test('server rules: not judged, with the reason, when no server source is configured; in force when one is', () => {
  const cfg = loadConfig('mass-burst', defaults['mass-burst'], env);
  const server = ['queue_server_eventloop_lag', 'queue_server_scrape_errors', 'queue_server_samples_missing'];
  const off = planRules(file, 'mass-burst', thresholdVars(cfg), { probes: true });
  for (const key of server) {
    assert.equal(off.thresholds[key], undefined, key);
    assert.match(off.notInForce.find((r) => r.key === key)?.reason ?? '', /needs a server source, and none was configured \(SERVER_METRICS_URLS empty/, key);
  }
  const on = planRules(file, 'mass-burst', thresholdVars(cfg), { probes: true, server: true });
  assert.deepEqual(on.thresholds.queue_server_eventloop_lag, ['p(95)<=300']);
  assert.deepEqual(on.thresholds.queue_server_samples_missing, ['count==0']);
  assert.equal(on.notInForce.filter((r) => server.includes(r.key)).length, 0);
});

test('every scenario section of the suite\'s thresholds.json plans, with probes and server on or off, split or not', () => {
  const sections = Object.keys(file).filter((k) => !k.startsWith('$') && k !== 'common' && k !== 'compare');
  assert.ok(sections.includes('capacity') && sections.includes('restart'), sections.join(', '));
  for (const name of sections) {
    const cfg = loadConfig(name, defaults[name], env, name === 'capacity' ? { capacity: true } : {});
    for (const probes of [true, false]) for (const server of [true, false]) for (const split of [true, false]) {
      const plan = planRules(file, name, thresholdVars(cfg), { probes, server, split });
      assert.ok(plan.rules.length + plan.notInForce.length > 0, `${name} probes=${probes} server=${server} split=${split}`);
    }
  }
});
