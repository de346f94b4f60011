// The probe scenario: one VU that watches the waiting room while the users run.
// It samples Redis (queue depth, active count) and, as an observer in the
// event's Socket.IO room, times the processor's batches and sizes them against
// the free slots. It stops once the room is empty again, or at the run's bound.
import type { QueueApi } from '../api/client';
import { accountEmail, arrivalSpanMs, expectedImmediate, expectedQueued, maxRunMs, type RunConfig } from '../config';
import { metrics, violation } from '../metrics';
import { checkBatch, checkCounts, checkPeak, looksStalled, type Counts } from '../redis/invariants';
import type { QueueProbe } from '../redis/probe';
import { createSocketIO, type SocketIOClient } from '../socketio';
import { sleepMs } from './time';

export interface ProbeContext {
  cfg: RunConfig;
  api: QueueApi;
  probe: QueueProbe;
  eventId: string;
  startAt: number;
  /** Scenario 1: Redis must hold exactly the admitted and the queued users at the peak. */
  checkPeak: boolean;
  log: (message: string) => void;
}

interface Observer { socket: SocketIOClient }

/** Joins the room as a user who never queues, to see what every client sees. */
async function observe(ctx: ProbeContext): Promise<Observer | undefined> {
  let socket: SocketIOClient | undefined;
  try {
    const session = await ctx.api.registerOrLogin(accountEmail(ctx.cfg, 0), ctx.cfg.userPassword, `${ctx.cfg.userPrefix} observer`);
    socket = createSocketIO(ctx.cfg.socketUrl, {
      auth: { token: session.token },
      timeoutMs: ctx.cfg.connectTimeoutMs,
      onProtocolError: () => metrics.protocolErrors.add(1),
    });
    let inBatch = 0;
    let lastBatchAt = 0;
    socket.on('queue-entry-allowed', () => {
      inBatch++;
    });
    socket.on('queue-updated', (payload: unknown) => {
      const p = (payload ?? {}) as { currentUsers?: unknown };
      const now = Date.now();
      if (lastBatchAt > 0) metrics.tickInterval.add(now - lastBatchAt);
      lastBatchAt = now;
      metrics.batchSize.add(inBatch);
      if (typeof p.currentUsers === 'number') for (const kind of checkBatch(inBatch, p.currentUsers, ctx.cfg.queueThreshold)) violation(kind);
      inBatch = 0;
    });
    await socket.connect();
    socket.emit('join-queue', { eventId: ctx.eventId });
    return { socket };
  } catch (err) {
    if (socket !== undefined) socket.close();
    ctx.log(`the observer could not join the room, so batch timing is not measured: ${String(err instanceof Error ? err.message : err)}`);
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
  try {
    while (Date.now() < deadline) {
      const c = await ctx.probe.counts();
      if (c === undefined) {
        // No Redis: the observer alone, until every user's wait is over.
        if (!observer) return;
        await sleepMs(Math.min(1000, deadline - Date.now()));
        continue;
      }
      metrics.probeSamples.add(1);
      metrics.probeDepth.add(c.depth);
      metrics.probeActive.add(c.active);
      for (const kind of checkCounts(c, ctx.cfg.queueThreshold)) violation(kind);
      peak.depth = Math.max(peak.depth, c.depth);
      peak.active = Math.max(peak.active, c.active);
      if (looksStalled(c, ctx.cfg.queueThreshold)) {
        if (stalledSince === 0) stalledSince = Date.now();
        if (Date.now() - stalledSince > 2 * ctx.cfg.processorIntervalMs) metrics.stalledSamples.add(1);
      } else {
        stalledSince = 0;
      }
      if (c.depth > 0 || c.active > 0) seenUsers = true;
      emptySamples = c.depth === 0 && c.active === 0 ? emptySamples + 1 : 0;
      if (seenUsers && emptySamples >= 3 && Date.now() > arrivalsDone) break;
      await sleepMs(ctx.cfg.probeIntervalMs);
    }
    if (ctx.checkPeak && seenUsers) {
      const expected = { active: expectedImmediate(ctx.cfg), depth: expectedQueued(ctx.cfg) };
      for (const kind of checkPeak(peak, expected)) violation(kind);
    }
  } finally {
    if (observer) observer.socket.close();
  }
}
