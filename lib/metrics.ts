// Every custom metric the scenarios report, in one place. Names are snake_case
// with the queue_ prefix; the README's metric table documents each one.
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';

export const metrics = {
  /** check answered queued:false */
  admittedImmediately: new Counter('queue_admitted_immediately'),
  /** check answered queued:true */
  queued: new Counter('queue_queued'),
  /** queue-entry-allowed carrying the user's own id arrived */
  admittedFromQueue: new Counter('queue_admitted_from_queue'),
  /** time from check to the user's own admission event (queued users) */
  admissionWait: new Trend('queue_admission_wait', true),
  /** queued users admitted later than the starvation bound for their position */
  admissionLate: new Counter('queue_admission_late'),
  /** queued users never admitted within their timeout */
  admissionTimeouts: new Counter('queue_admission_timeouts'),
  /** of those, users Redis showed active whose own queue-entry-allowed came after the timeout, within NOTIFY_GRACE_MS: told late, not silently admitted */
  admissionToldLate: new Counter('queue_admission_told_late'),
  /** |reported position - (ZRANK + 1)| right after check */
  positionError: new Trend('queue_position_error'),
  /** positions handed out, tagged by position (each must be given once) */
  positions: new Counter('queue_positions'),
  /** |estimatedWait - real wait| for users admitted from the queue */
  waitEstimateError: new Trend('queue_wait_estimate_error', true),
  /** Socket.IO connect time (WebSocket open to CONNECT) */
  socketConnect: new Trend('queue_socket_connect', true),
  /** Socket.IO connection failures and unexpected disconnects, tagged by kind */
  socketErrors: new Counter('queue_socket_errors'),
  /** failed HTTP calls of the waiting room's API, tagged by op and kind */
  httpErrors: new Counter('queue_http_errors'),
  /** malformed Engine.IO / Socket.IO frames received */
  protocolErrors: new Counter('queue_protocol_errors'),
  /** invariant violations, tagged by kind */
  violations: new Counter('queue_invariant_violations'),
  /** users whose flow ran to the end (admitted, left, socket closed) */
  usersCompleted: new Counter('queue_users_completed'),
  /** scenario 4: page refreshes done while queued */
  reconnects: new Counter('queue_reconnects'),
  /** scenario 4: a refresh got session-restored naming the queue's event */
  sessionRestored: new Rate('queue_session_restored'),
  /** probe: ZCARD queue:{id} per sample */
  probeDepth: new Trend('queue_probe_depth'),
  /** probe: SCARD active:{id} per sample */
  probeActive: new Trend('queue_probe_active'),
  /** probe: samples taken */
  probeSamples: new Counter('queue_probe_samples'),
  /** observer: time between two processor batches (queue-updated events) */
  tickInterval: new Trend('queue_tick_interval', true),
  /** observer: users admitted per processor batch */
  batchSize: new Trend('queue_batch_size'),
  /** probe: samples where the queue waited although slots were free */
  stalledSamples: new Counter('queue_probe_stalled_samples'),
  /** probe: Redis commands that failed (kind: connection | reply); a nil reply is an answer, not an error */
  probeErrors: new Counter('queue_probe_errors'),
  /** check-race: users not logged in and joined by the shared check instant (RACE_AT_MS too short) */
  raceLate: new Counter('queue_race_late'),
  /** when each user had checked in (its answer, and for a queued user its own Redis state, read): epoch ms; max is the last check-in */
  checkedAt: new Trend('queue_checked_at'),
  /** when each user asked to leave: epoch ms; min is the first leave. Before max(queue_checked_at), the queue was moving while users checked in */
  leftAt: new Trend('queue_left_at'),
  /** each time an invariant was checked, tagged by kind (own_state, fifo, silent_admission, reconnect_score, peak): what its rule was judged on */
  invariantChecks: new Counter('queue_invariant_checks'),
  /** observer: 1 when it joined the event's room */
  observerJoined: new Counter('queue_observer_joined'),
  /** observer: queue-entry-allowed events it heard (anyone's) */
  observerAdmissions: new Counter('queue_observer_admissions'),
  /** observer: batches not a whole number of processor intervals after the previous one */
  tickIrregular: new Counter('queue_tick_irregular'),
  /** samples a rule expected and never got, tagged by what (of: batches) */
  samplesMissing: new Counter('queue_samples_missing'),
  /** a Socket.IO connection lost (not closed by the client nor by the server's DISCONNECT): the client reconnects */
  socketDrops: new Counter('queue_socket_drops'),
  /** a user's lost Socket.IO connection came back (a new handshake, same token) */
  socketReconnects: new Counter('queue_socket_reconnects'),
  /** from a socket's loss to its reconnection */
  socketDowntime: new Trend('queue_socket_downtime', true),
  /** users admitted while their socket was down, tagged told: after_reconnect (announced on the re-joined socket) | never */
  admittedWhileAway: new Counter('queue_admitted_while_away'),
  /** queued users that, after a reconnect, were in neither the queue nor the active set (status not_in_queue) */
  placesLost: new Counter('queue_places_lost'),
  /** a user told of its own admission a second time, not as the re-announcement to a socket that just joined again */
  admittedTwice: new Counter('queue_admitted_twice'),
  /** the runner script's disruption happened (its command exited 0), as its status endpoint told the probe VU; metadata: when */
  disruptions: new Counter('queue_disruptions'),
  /** the planned disruption did not happen: an unknown DISRUPT, or DISRUPT_CMD exited non-zero or ran past DISRUPT_TIMEOUT_MS */
  disruptionsFailed: new Counter('queue_disruptions_failed'),
  /** when the disruption started, epoch ms (the report marks it on the timeline) */
  disruptionAt: new Trend('queue_disruption_at'),
  /** each admission from the queue after the planned disruption instant, ms after it: min is the recovery time to the first admission */
  admissionAfterDisruption: new Trend('queue_admission_after_disruption', true),
  /** each socket back after the planned disruption instant, ms after it: max is when all dropped sockets were back */
  socketBackAfterDisruption: new Trend('queue_socket_back_after_disruption', true),
};

type Metric = { add(value: number | boolean, tags?: Record<string, string>): void };

/**
 * Adds a sample that carries per-user facts (user, position, ...) as sample
 * metadata: k6's --out json writes them beside the point, and, unlike tags,
 * they make no time series per user in k6 Cloud or Prometheus. Metadata is
 * per VU (exec.vu.metrics.metadata, k6 >= 0.45), so it is set and removed
 * around the one add; JavaScript runs one thing at a time in a VU.
 */
export function addWithMetadata(metric: Metric, value: number, metadata: Record<string, string | number>, tags?: Record<string, string>): void {
  const vuMetrics = (exec.vu as { metrics?: { metadata?: Record<string, string> } }).metrics;
  const md = vuMetrics === undefined ? undefined : vuMetrics.metadata;
  if (md === undefined) {
    metric.add(value, tags);
    return;
  }
  const keys = Object.keys(metadata);
  for (const k of keys) md[k] = String(metadata[k]);
  try {
    metric.add(value, tags);
  } finally {
    for (const k of keys) delete md[k];
  }
}

export { VIOLATION_KINDS, type ViolationKind } from './redis/invariants';
import type { ViolationKind } from './redis/invariants';

let violationHook: ((kind: ViolationKind, count: number) => void) | undefined;

/** Hears every violation this VU counts (the capacity scenario's windows: lib/capacity/monitor.ts). */
export function onViolation(hook: ((kind: ViolationKind, count: number) => void) | undefined): void {
  violationHook = hook;
}

export function violation(kind: ViolationKind, count = 1): void {
  metrics.violations.add(count, { kind });
  if (violationHook !== undefined) violationHook(kind, count);
}

/** What an invariant's rule is judged on: how many times it was checked. */
export type CheckKind = 'own_state' | 'fifo' | 'silent_admission' | 'reconnect_score' | 'peak' | 'held_slot' | 'reconnect_place';

export function checked(kind: CheckKind): void {
  metrics.invariantChecks.add(1, { kind });
}
