// The queue processor: every interval, for every `queue:*` key, one atomic batch
// admits as many users as there are free slots, then the room hears about it.
// Ticks never overlap: a tick that finds the previous one still running is skipped.
import type { Faults } from './faults.ts';
import type { QueueStore } from './store.ts';

export interface ProcessorStats {
  /** ticks started */
  ticks: number;
  /** ticks skipped because the previous one was still running */
  skippedTicks: number;
  /** batches that admitted at least one user */
  batchesServed: number;
  usersAdmitted: number;
  /** ticks or batches that failed (Redis down, wrong key type) */
  errors: number;
  /** time spent emitting the room broadcasts of batches, total ms (the fan-out cost) */
  emitMs: number;
}

export interface AdmissionNotifier {
  entryAllowed(eventId: string, userId: string): void;
  queueUpdated(eventId: string, queueSize: number, currentUsers: number): void;
}

export class Processor {
  private timer: NodeJS.Timeout | null = null;
  private firstTick: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly counters: ProcessorStats = { ticks: 0, skippedTicks: 0, batchesServed: 0, usersAdmitted: 0, errors: 0, emitMs: 0 };
  /** readmit-all: the events that already had a queue when this process started; each one's first batch admits it whole. */
  private readmit: Promise<Set<string>> | null = null;
  /** replay-admissions: the events queued when this process started; each one's first batch re-announces the active set. */
  private replay: Promise<Set<string>> | null = null;

  constructor(
    private readonly store: QueueStore,
    private readonly notify: AdmissionNotifier,
    private readonly faults: Faults,
    private readonly intervalMs: number,
    private readonly log: (line: string) => void,
    /** Called once per batch that admitted someone, after its announcements (the room's /metrics, busy-room). */
    private readonly onBatch?: (size: number) => void,
  ) {}

  /**
   * Starts ticking. `phaseMs`: when the first tick comes (then one per interval);
   * undefined: one interval after start, as a plain setInterval does.
   */
  start(phaseMs?: number): void {
    if (this.timer !== null || this.firstTick !== null) return;
    if (this.faults.has('readmit-all')) this.readmit = this.store.queuedEvents().then((ids) => new Set(ids), () => new Set<string>());
    if (this.faults.has('replay-admissions')) this.replay = this.store.queuedEvents().then((ids) => new Set(ids), () => new Set<string>());
    if (phaseMs === undefined) {
      this.timer = setInterval(() => this.tick(), this.intervalMs);
      return;
    }
    this.firstTick = setTimeout(() => {
      this.firstTick = null;
      this.tick();
      this.timer = setInterval(() => this.tick(), this.intervalMs);
    }, phaseMs);
  }

  /** Stops the timer and waits for a running tick to finish. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    if (this.firstTick !== null) clearTimeout(this.firstTick);
    this.timer = null;
    this.firstTick = null;
    await this.running;
  }

  /** Runs one tick now (after any running one), for tests that need a deterministic batch. */
  async runNow(): Promise<void> {
    while (this.running !== null) await this.running;
    this.tick();
    await this.running;
  }

  stats(): ProcessorStats {
    return { ...this.counters };
  }

  private tick(): void {
    if (this.running !== null) {
      this.counters.skippedTicks++;
      return;
    }
    this.counters.ticks++;
    this.running = this.runOnce()
      .catch((err: unknown) => {
        this.counters.errors++;
        this.log(`processor: tick failed: ${errorMessage(err)}`);
      })
      .finally(() => {
        this.running = null;
      });
  }

  private async runOnce(): Promise<void> {
    if (this.faults.has('stalled-processor')) return;
    const events = await this.store.queuedEvents();
    for (const eventId of events) {
      try {
        await this.serve(eventId);
      } catch (err) {
        this.counters.errors++;
        this.log(`processor: batch for event ${eventId} failed: ${errorMessage(err)}`);
      }
    }
  }

  private async serve(eventId: string): Promise<void> {
    if (this.replay !== null && (await this.replay).delete(eventId)) {
      // A processor that replays its admission log after a restart: everyone already in is told again.
      for (const userId of await this.store.activeMembers(eventId)) this.timed(() => this.notify.entryAllowed(eventId, userId));
    }
    const readmit = this.readmit !== null && (await this.readmit).delete(eventId);
    const batch = readmit
      ? await this.store.admitAll(eventId)
      : await this.store.admitBatch(eventId, {
          lifo: this.faults.has('lifo'),
          overAdmit: this.faults.has('over-admit'),
        });
    if (batch.admitted.length === 0) return;
    this.counters.batchesServed++;
    this.counters.usersAdmitted += batch.admitted.length;
    if (!this.faults.has('silent-admission')) {
      // One announcement reaches every socket in the room: with thousands there, a
      // batch is millions of frames. Every ~50 ms of emitting, yield so HTTP requests
      // and Redis replies are served instead of timing out behind the batch (not after
      // every user: frames queued in one turn leave in one write per socket).
      let since = performance.now();
      for (const userId of batch.admitted) {
        this.timed(() => this.notify.entryAllowed(eventId, userId));
        if (performance.now() - since >= EMIT_SLICE_MS) {
          await yieldToEventLoop();
          since = performance.now();
        }
      }
    }
    this.timed(() => this.notify.queueUpdated(eventId, batch.queueSize, batch.before));
    this.onBatch?.(batch.admitted.length);
  }

  /** Counts the fan-out cost alone (emitMs), not the work served between emits. */
  private timed(emit: () => void): void {
    const t0 = performance.now();
    emit();
    this.counters.emitMs += performance.now() - t0;
  }
}

const EMIT_SLICE_MS = 50;

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
