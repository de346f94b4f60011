// The probe scenario: one VU that watches the waiting room while the users run.
// It samples Redis (queue depth, active count) and, as an observer in the
// event's Socket.IO room, times the processor's batches and sizes them against
// the free slots. It stops once the room is empty again, once nobody is queued
// and the active set has stood still longer than anyone holds a slot, or at the
// run's bound.
import type { QueueApi } from '../api/client';
import { accountEmail, arrivalSpanMs, arrivalsOverMs, expectedImmediate, expectedQueued, maxRunMs, type RunConfig } from '../config';
import { capacityMetrics } from '../capacity/monitor';
import { addWithMetadata, checked, metrics, violation } from '../metrics';
import { checkBatch, checkCounts, checkPeak, irregularTick, looksStalled, tickToleranceMs, type Counts } from '../redis/invariants';
import type { QueueProbe } from '../redis/probe';
import { createSocketIO, type SocketIOClient } from '../socketio';
import type { LiveState } from '../server/live';
import { sleepMs } from './time';
import { withinDisruption } from './disruption';

export interface ProbeContext {
  cfg: RunConfig;
  api: QueueApi;
  probe: QueueProbe;
  eventId: string;
  /** The observer account's password, read at run time. */
  password: string;
  startAt: number;
  /** Scenario 1: Redis must hold exactly the admitted and the queued users at the peak. */
  checkPeak: boolean;
  log: (message: string) => void;
  /** What the live line shows (lib/server/live.ts); updated as the watch goes, when given. */
  live?: LiveState;
}

interface Observer {
  /** Leaves the room: a disconnect after this is not a loss. */
  close(): void;
  /** queue-entry-allowed events heard: users admitted from the queue, everyone's. */
  admitted(): number;
  /** processor batches (queue-updated) heard. */
  batches(): number;
  /** times its socket dropped and came back (batches announced meanwhile were not heard). */
  reconnects(): number;
}

/** The observer's failures are probe errors: counted (queue_probe_errors{kind:observer}), thresholded, logged once. */
function observerLost(ctx: ProbeContext, what: string): void {
  metrics.probeErrors.add(1, { kind: 'observer' });
  ctx.log(`the observer ${what}, so processor batches are no longer timed or sized; queue_probe_errors{kind:observer} counts it and fails the run.`);
}

/** Joins the room as a user who never queues, to see what every client sees. */
async function observe(ctx: ProbeContext): Promise<Observer | undefined> {
  let socket: SocketIOClient | undefined;
  try {
    const session = await ctx.api.registerOrLogin(accountEmail(ctx.cfg, 0), ctx.password, `${ctx.cfg.userPrefix} observer`);
    socket = createSocketIO(ctx.cfg.socketUrl, {
      auth: { token: session.token },
      timeoutMs: ctx.cfg.connectTimeoutMs,
      onProtocolError: () => metrics.protocolErrors.add(1),
    });
    let inBatch = 0;
    let lastBatchAt = 0;
    let total = 0;
    let batches = 0;
    const tolerance = tickToleranceMs(ctx.cfg.processorIntervalMs);
    socket.on('queue-entry-allowed', () => {
      inBatch++;
      total++;
      if (ctx.live) ctx.live.told++;
      metrics.observerAdmissions.add(1);
    });
    socket.on('queue-updated', (payload: unknown) => {
      const p = (payload ?? {}) as { currentUsers?: unknown; queueSize?: unknown };
      const now = Date.now();
      batches++;
      if (lastBatchAt > 0) {
        const gap = now - lastBatchAt;
        metrics.tickInterval.add(gap);
        if (irregularTick(gap, ctx.cfg.processorIntervalMs, tolerance)) metrics.tickIrregular.add(1);
      }
      lastBatchAt = now;
      // A room that tells only the admitted user (ROOM_NOTIFY=user) shows the observer no batch's admissions: nothing to size.
      if (ctx.cfg.roomNotify === 'room') {
        const meta: Record<string, number> = {};
        if (typeof p.currentUsers === 'number') meta.free_slots = Math.max(0, ctx.cfg.queueThreshold - p.currentUsers);
        if (typeof p.queueSize === 'number') meta.queue_size = p.queueSize;
        addWithMetadata(metrics.batchSize, inBatch, meta);
        if (ctx.live) ctx.live.admitted += inBatch;
        if (typeof p.currentUsers === 'number') for (const kind of checkBatch(inBatch, p.currentUsers, ctx.cfg.queueThreshold)) violation(kind);
      }
      inBatch = 0;
    });
    let closing = false;
    // A dropped connection comes back by itself (lib/socketio reconnects); the observer joins the room again.
    // Only a server's disconnect or a reconnection given up loses the room for good.
    socket.on('disconnect', (reason: unknown) => {
      if (reason === 'io server disconnect' && !closing) observerLost(ctx, `lost the room (${String(reason)})`);
    });
    socket.on('reconnect_failed', (err: unknown) => {
      if (!closing) observerLost(ctx, `lost the room and could not reconnect (${String(err instanceof Error ? err.message : err)})`);
    });
    let reconnects = 0;
    socket.on('reconnect', () => {
      reconnects++;
      socket!.emit('join-queue', { eventId: ctx.eventId });
      // The batch being counted may have lost admissions while away: start the next one clean.
      inBatch = 0;
      lastBatchAt = 0;
    });
    await socket.connect();
    socket.emit('join-queue', { eventId: ctx.eventId });
    metrics.observerJoined.add(1);
    const s = socket;
    return {
      close: () => {
        closing = true;
        s.close();
      },
      admitted: () => total,
      batches: () => batches,
      reconnects: () => reconnects,
    };
  } catch (err) {
    if (socket !== undefined) socket.close();
    observerLost(ctx, `could not join the room (${String(err instanceof Error ? err.message : err)})`);
    return undefined;
  }
}

export async function runProbe(ctx: ProbeContext): Promise<void> {
  const deadline = ctx.startAt + maxRunMs(ctx.cfg);
  const arrivalsDone = ctx.startAt + arrivalSpanMs(ctx.cfg);
  const observer = await observe(ctx);
  const peak: Counts = { depth: 0, active: 0 };
  let seenUsers = false;
  let emptySamples = 0;
  let stalledSince = 0;
  // A Redis that stops answering for this long after the arrivals ends the sampling
  // (its failures are already counted in queue_probe_errors, which fails the run).
  const giveUpMs = Math.max(15_000, 3 * ctx.cfg.processorIntervalMs);
  let lastAnswer = Date.now();
  // Nobody queued and the active set unchanged for longer than any user still holds
  // its slot: the users' flows are over, even if the room never frees the slots
  // (a room that does not release them would otherwise keep the run until the
  // active set's TTL, 300 s, or maxRunMs).
  const settledMs = Math.max(3 * ctx.cfg.probeIntervalMs, ctx.cfg.dwellMs + 2 * ctx.cfg.processorIntervalMs);
  const arrivalsOver = ctx.startAt + arrivalsOverMs(ctx.cfg);
  let lastActive = -1;
  let activeSince = 0;
  try {
    while (Date.now() < deadline) {
      const c = ctx.probe.enabled ? await ctx.probe.counts() : undefined;
      if (c === undefined) {
        const now = Date.now();
        if (!ctx.probe.enabled) {
          // Probes off: the observer alone, until it has heard every queued user's admission.
          if (!observer) return;
          if (now > arrivalsDone && observer.admitted() >= expectedQueued(ctx.cfg)) break;
        } else if (now > arrivalsDone && now - lastAnswer > giveUpMs) {
          ctx.log(`Redis has not answered for ${Math.round((now - lastAnswer) / 1000)} s: the probe stops sampling.`);
          break;
        }
        await sleepMs(Math.min(ctx.probe.enabled ? ctx.cfg.probeIntervalMs : 1000, Math.max(0, deadline - now)));
        continue;
      }
      lastAnswer = Date.now();
      metrics.probeSamples.add(1);
      metrics.probeDepth.add(c.depth);
      metrics.probeActive.add(c.active);
      if (ctx.cfg.capacity !== undefined) capacityMetrics.held.add(c.depth + c.active);
      if (ctx.live) ctx.live.counts = c;
      for (const kind of checkCounts(c, ctx.cfg.queueThreshold)) {
        violation(kind);
        if (ctx.live) ctx.live.violations++;
      }
      peak.depth = Math.max(peak.depth, c.depth);
      peak.active = Math.max(peak.active, c.active);
      // While the run's own disruption restarts the room (up to its recovery bound), a pause is the disruption's.
      if (looksStalled(c, ctx.cfg.queueThreshold) && !withinDisruption(ctx.cfg.recoveryMaxMs)) {
        if (stalledSince === 0) stalledSince = Date.now();
        if (Date.now() - stalledSince > 2 * ctx.cfg.processorIntervalMs) metrics.stalledSamples.add(1);
      } else {
        stalledSince = 0;
      }
      if (c.depth > 0 || c.active > 0) seenUsers = true;
      emptySamples = c.depth === 0 && c.active === 0 ? emptySamples + 1 : 0;
      if (seenUsers && emptySamples >= 3 && Date.now() > arrivalsDone) break;
      if (c.active !== lastActive || c.depth > 0) {
        lastActive = c.active;
        activeSince = Date.now();
      } else if (seenUsers && Date.now() > arrivalsOver && Date.now() - activeSince > settledMs) {
        break;
      }
      await sleepMs(ctx.cfg.probeIntervalMs);
    }
    if (ctx.checkPeak && seenUsers) {
      checked('peak');
      const expected = { active: expectedImmediate(ctx.cfg), depth: expectedQueued(ctx.cfg) };
      for (const kind of checkPeak(peak, expected)) violation(kind);
    }
    // Queued users wait for the processor: a room where nobody heard one batch measured nothing of it.
    const queuedSeen = peak.depth > 0 || expectedQueued(ctx.cfg) > 0;
    // An observer that was away (its socket dropped and came back) may have missed every batch: no verdict from its silence.
    if (observer && ctx.cfg.waitForAdmission && queuedSeen && observer.batches() === 0) {
      if (observer.reconnects() === 0) metrics.samplesMissing.add(1, { of: 'batches' });
      else ctx.log(`the observer heard no processor batch, but its socket dropped and came back ${observer.reconnects()} time(s): the batches may have come while it was away, so queue_samples_missing is not counted`);
    }
  } finally {
    if (observer) observer.close();
  }
}
