// The guide's troubleshooting, automated: plain-language notes printed under
// the summary, computed from the summary data and the run's parameters.
import type { RunConfig } from './config';
import type { SummaryData } from './summary/types';
import type { RuleOutcome } from './rules/judge';
import { unsettledByMs } from './rules/needs';
import { VIOLATION_KINDS, type ViolationKind } from './redis/invariants';
import { serverNotes } from './server/diagnosis';

/** What each broken invariant means, in the contract's terms. */
const KINDS: Record<ViolationKind, string> = {
  active_over_threshold: 'the active set held more users than QUEUE_THRESHOLD (defect 1: overshoot)',
  state_mismatch: 'Redis did not hold a user where the API said it was (defect 6, or admissions counted in the API but not in the active set)',
  queued_and_active: 'a user was in the queue and in the active set at once (defect 6)',
  fifo: 'a user was admitted while someone who joined earlier, and was not yet admitted, still waited (defect 4: unfair order)',
  batch_not_atomic: 'users were briefly both queued and active while their batch was announced: the processor adds a batch to the active set and announces it before it removes the batch from the queue (a non-atomic batch, not an unfair order); make the batch one MULTI/EXEC or Lua step',
  silent_admission: 'users were admitted in Redis but never told with their own queue-entry-allowed (defect 2)',
  batch_over_free_slots: 'a processor batch admitted more users than there were free slots (defect 1 in the processor)',
  position_changed: 'a refresh moved a queued user back (defect 5)',
  score_changed: 'a refresh changed a queued user\'s join score in the ZSET: it was re-queued at the back (defect 5)',
  redis_counts_mismatch: 'at the peak Redis did not hold exactly the admitted and the queued users (defect 1/6)',
  reconnect_position_worse: 'a queued user whose socket dropped and came back (a room process restarted) found itself further back than before: the restart re-queued it (issue 28; docs/restart.md)',
  reconnect_score_changed: 'a queued user whose socket dropped and came back had a new join score in the ZSET: the restarted room re-queued it at the back (issue 28; docs/restart.md)',
  admission_expired: 'admitted users that had not left were no longer in the active set when they left: the set\'s one TTL (300 s in the contract, reset on every add) ran out while they held their slots, or the room dropped them, so the room counted fewer users than were inside and could admit up to QUEUE_THRESHOLD more (defect 1/6); give each admission its own expiry (for example a ZSET scored by admission time) instead of one TTL for the whole set',
};

/** What each guarded metric catches, for the notes on failed thresholds. */
const DEFECTS: Record<string, string> = {
  queue_admitted_immediately: 'immediate admissions differ from min(USERS, QUEUE_THRESHOLD): threshold overshoot under a burst (defect 1) or a wrong threshold',
  queue_queued: 'queued users differ from USERS - QUEUE_THRESHOLD',
  queue_positions: 'a queue position was handed out twice or never',
  queue_admitted_from_queue: 'not every queued user was admitted (starvation, stalled processor or lost notifications)',
  queue_admission_timeouts: 'queued users waited past their timeout (starvation: defect 3)',
  queue_admission_late: 'queued users were admitted later than the bound for their position (defect 3)',
  queue_wait_estimate_error: 'estimatedWait is far from the real wait (defect 7)',
  queue_position_error: 'reported positions differ from ZRANK + 1 (defect 7)',
  queue_invariant_violations: 'an invariant of the waiting room was broken (each kind is named in its own note)',
  queue_probe_errors: 'Redis probe commands failed, or the observer lost the room (kind:observer): the checks that rely on them were blind for part of the run',
  queue_race_late: 'some users were not logged in and in the room by the shared check instant: raise RACE_AT_MS',
  queue_session_restored: 'a refresh did not get session-restored naming the queue event (defect 5)',
  queue_tick_irregular: 'processor batches were not a whole number of QUEUE_PROCESSOR_INTERVALs apart (a tick with nothing to admit is silent, so skipped ticks are allowed): check QUEUE_PROCESSOR_INTERVAL against the target',
  queue_samples_missing: 'users were queued but the observer in the room heard no processor batch (queue-updated): the processor never admitted anyone, or the room\'s sockets were never in it (see the notes)',
  queue_probe_samples: 'the Redis probes were on but took no sample: the rules that read Redis had nothing to judge',
  queue_batch_size: 'a processor batch admitted more users than the threshold',
  queue_probe_active: 'the active set exceeded QUEUE_THRESHOLD (defect 1)',
  queue_users_completed: 'not every user got through (admitted, held the slot, left)',
  queue_http_errors: 'HTTP calls to the waiting room failed',
  queue_socket_errors: 'Socket.IO connections failed or dropped',
  queue_protocol_errors: 'malformed Engine.IO / Socket.IO frames were received',
  queue_reconnects: 'not every queued user could refresh while queued',
  queue_server_eventloop_lag: 'a sampled server process\'s event loop lagged past the bound at p95 (the saturated process is named in its own note)',
  queue_server_scrape_errors: 'a server metrics source failed to answer with Prometheus metrics (named in the log line "server source ... failed")',
  queue_server_samples_missing: 'a configured server metrics source never answered with metrics: its figures were not measured (see SERVER_METRICS_URLS)',
  queue_admitted_twice: 'users were told of their own admission a second time, not as the re-announcement to a socket that just joined again: the room admitted them twice (a restarted room replaying its admissions?); docs/restart.md',
  queue_places_lost: 'queued users found themselves in neither the queue nor the active set after the disruption (on reconnect, or on reading their place again): the room forgot its queue (a Redis restart without persistence, or a queue kept in process memory); docs/restart.md',
  queue_admitted_while_away: 'users admitted while their socket was down were never told after they reconnected: the room does not announce an admission to a re-joined socket (told:never); docs/restart.md',
};

function metricName(key: string): string {
  const i = key.indexOf('{');
  return i < 0 ? key : key.slice(0, i);
}

function value(data: SummaryData, key: string, agg: string): number | undefined {
  const m = data.metrics[key];
  return m === undefined ? undefined : m.values[agg];
}

function kindCount(data: SummaryData, kind: ViolationKind): number {
  return value(data, `queue_invariant_violations{kind:${kind}}`, 'count') ?? 0;
}

export interface DiagnoseOptions {
  /** One instance of a split run: notes about the whole run's totals are left to the verdict. */
  split?: boolean;
}

export function diagnose(data: SummaryData, cfg: RunConfig, probesConfigured: boolean, outcomes: readonly RuleOutcome[], opts: DiagnoseOptions = {}): string[] {
  const notes: string[] = [];
  const queued = value(data, 'queue_queued', 'count') ?? 0;
  const immediate = value(data, 'queue_admitted_immediately', 'count') ?? 0;
  const timeouts = value(data, 'queue_admission_timeouts', 'count') ?? 0;
  const stalled = value(data, 'queue_probe_stalled_samples', 'count') ?? 0;
  const samples = value(data, 'queue_probe_samples', 'count') ?? 0;
  const activeMax = value(data, 'queue_probe_active', 'max');

  const silent = kindCount(data, 'silent_admission');
  const toldLate = value(data, 'queue_admission_told_late', 'count') ?? 0;
  const observerJoined = (value(data, 'queue_observer_joined', 'count') ?? 0) > 0;
  const observerHeard = value(data, 'queue_observer_admissions', 'count') ?? 0;
  const probeErrors = value(data, 'queue_probe_errors', 'count') ?? 0;

  for (const kind of VIOLATION_KINDS) {
    const n = kindCount(data, kind);
    if (n > 0) notes.push(`invariant ${kind} broken ${n} time(s): ${KINDS[kind]}.`);
  }
  if (!opts.split && immediate > 0 && queued === 0) {
    notes.push(`every user was admitted at once: the threshold (${cfg.queueThreshold}) is too high for ${cfg.users} users, so the queue was never exercised; lower QUEUE_THRESHOLD on the target or raise USERS.`);
  }
  if (silent > 0 && cfg.roomNotify !== 'user' && (!observerJoined || observerHeard === 0) && !opts.split) {
    notes.push(`${silent} queued user(s) were admitted in Redis but heard no queue-entry-allowed, and nobody in the room${observerJoined ? ', not even the observer,' : ''} heard any admission: the sockets may not have been in the room at all. A gateway that attaches its listeners only after the handshake's Redis round-trips drops a join-queue sent right on connect (queue-contract, "Seen on the real deployment"); the browser client sends it on connect too, so real users would be admitted without being told.`);
  }
  if (timeouts > 0 && silent > 0) {
    notes.push(`${timeouts} queued user(s) timed out and ${silent} of them were already active in Redis: they were admitted without being told (silent admission, defect 2), so the queue did not starve; check that the processor emits queue-entry-allowed with each admitted user's id to the room.`);
  }
  if (toldLate > 0) {
    const why = cfg.roomNotify === 'room'
      ? `every admission goes to every socket of the room (ROOM_NOTIFY=room), so a batch is batch × room-size frames: the room's fan-out, not the queue, limited this run (on one machine the load generator parsing those frames shares the CPU with the room). To measure the queue itself use fewer USERS, more room processes, or a room that tells only the admitted user (ROOM_NOTIFY=user; the reference room's TARGET_NOTIFY=user).`
      : 'the room, or the load generator, was too busy to deliver them in time.';
    notes.push(`${toldLate} of ${timeouts} queued user(s) that timed out were already active in Redis and heard their own queue-entry-allowed after their timeout (within NOTIFY_GRACE_MS): the announcements were slow, not missing, so this is not silent admission and the queue did not starve; ${why}`);
  }
  // Timeouts the two notes above explain need no guess at starvation.
  const explained = toldLate > 0 || (timeouts > 0 && silent > 0);
  if (!explained && stalled > 0) {
    notes.push(`the processor looks stalled: users waited in the queue with free slots for more than two processor intervals (${2 * cfg.processorIntervalMs} ms); check that the queue processor runs and that QUEUE_PROCESSOR_INTERVAL matches the target; if users were still admitted, it is overloaded (with thousands in the room, announcing a batch takes seconds).`);
  } else if (!explained && timeouts > 0 && activeMax !== undefined && activeMax >= cfg.queueThreshold) {
    notes.push(`the queue starved: ${timeouts} queued user(s) timed out while the active set stayed full; admitted users never freed their slot (check that leave removes them from active:{eventId}, or its TTL).`);
  } else if (!explained && timeouts > 0) {
    notes.push(`${timeouts} queued user(s) were never told of their admission in time; see queue_invariant_violations{kind:silent_admission} and the processor's interval.`);
  }
  // Capacity: users leave while others arrive by design; nothing there waits for a settled queue.
  const unsettled = cfg.capacity !== undefined ? null : unsettledByMs(data.metrics);
  if (unsettled !== null) {
    notes.push(`the queue was not settled while users checked in: the first user left ${Math.round(unsettled)} ms before the last one had checked in (queue_left_at min < queue_checked_at max), so the counts and positions are not judged. This is about the load generator, not the room: give it more time (ARRIVAL_GRACE_MS; RACE_SETTLE_MS in check-race), fewer USERS_PER_VU, or a higher HTTP_CONCURRENCY.`);
  }
  if (probeErrors > 0) {
    notes.push(`the Redis probes failed ${probeErrors} time(s) (unreachable, or error replies such as WRONGTYPE): the checks that read Redis were blind for part of the run; see the probe warnings in the log.`);
  }
  if (probesConfigured && samples === 0 && !opts.split) {
    notes.push('the Redis probes took no sample (REDIS_URL unreachable from here?): the rules that read Redis had nothing to judge.');
  } else if (!probesConfigured) {
    notes.push('Redis probes were off (REDIS_URL empty): every rule that reads Redis was not judged.');
  }
  notes.push(...serverNotes(data));
  const seen = new Set<string>();
  for (const f of outcomes) {
    if (f.state !== 'failed') continue;
    const name = metricName(f.metric);
    const kind = /\{kind:([a-z_]+)\}$/.exec(f.metric);
    const why = kind !== null && kind[1] in KINDS ? KINDS[kind[1] as ViolationKind] : DEFECTS[name];
    const line = `threshold ${f.metric} ${f.expression} failed${why ? `: ${why}` : ''}`;
    if (!seen.has(line)) notes.push(line);
    seen.add(line);
  }
  const unjudged = outcomes.filter((o) => o.state === 'not_judged').length;
  if (unjudged > 0) notes.push(`${unjudged} rule(s) were not judged (listed under "not judged" above, with the reason): a rule counts only when what it needs was measured.`);
  return notes;
}
