// GET /metrics of a room process: prom-client, the library the real services
// use, with its default metrics (process_cpu_seconds_total,
// process_resident_memory_bytes, nodejs_eventloop_lag_*, nodejs_active_handles,
// ...) and the room's own. Each room process has its own registry and serves
// its own figures: with several processes, read each at its own URL (the
// shared port hands a request to any of them).
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ProcessorStats } from './processor.ts';

export const METRICS_PATH = '/metrics';

export interface RoomMetricsSource {
  /** Socket.IO connections open now. */
  connections(): number;
  /** Socket.IO room members of the events this process knows, by room. */
  roomSizes(): number;
  processor(): ProcessorStats;
}

export interface RoomMetrics {
  contentType: string;
  text(): Promise<string>;
  /** One batch the processor admitted (its size). */
  batch(size: number): void;
}

export function roomMetrics(source: RoomMetricsSource, processIndex: number): RoomMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ room_process: String(processIndex) });
  // The event-loop monitor at 10 ms resolution: a stall of a few ms shows in the percentiles.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  new Gauge({
    name: 'queue_room_sockets_connected',
    help: 'Socket.IO connections open on this room process.',
    registers: [registry],
    collect() { this.set(source.connections()); },
  });
  new Gauge({
    name: 'queue_room_size',
    help: 'Sockets in the event rooms on this room process (every event summed).',
    registers: [registry],
    collect() { this.set(source.roomSizes()); },
  });
  let seenTicks = 0;
  new Counter({
    name: 'queue_room_processor_ticks_total',
    help: 'Queue processor ticks started on this room process (0 where the processor does not run).',
    registers: [registry],
    collect() {
      const t = source.processor().ticks;
      if (t > seenTicks) this.inc(t - seenTicks);
      seenTicks = t;
    },
  });
  let seenAdmitted = 0;
  new Counter({
    name: 'queue_room_admitted_total',
    help: 'Users the processor admitted from the queue on this room process.',
    registers: [registry],
    collect() {
      const a = source.processor().usersAdmitted;
      if (a > seenAdmitted) this.inc(a - seenAdmitted);
      seenAdmitted = a;
    },
  });
  const batches = new Histogram({
    name: 'queue_room_batch_size',
    help: 'Users admitted per processor batch.',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000],
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    text: () => registry.metrics(),
    batch: (size) => batches.observe(size),
  };
}

/** Holds the event loop for `ms` (the busy-room fault): nothing else in this process runs meanwhile. */
export function blockEventLoop(ms: number): void {
  if (ms <= 0) return;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy on purpose
  }
}
