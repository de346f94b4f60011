// The live line: every LIVE_EVERY_MS (0: never) the probe VU prints one line
// through k6's console for a person watching the run in a terminal:
//
//   live 30s: arrived 61/100, active 20/20, waiting 41, admitted from queue 20, told 20, errors 0, violations 0 | room cpu 0.31 rss 85MB lag 12ms | redis 2MB 14 clients 310 ops/s
//
// arrived is by the schedule (the users due by now); active and waiting are
// Redis' SCARD and ZCARD at the probe's last sample; admitted from queue and
// told are what the observer in the event's room heard (users in processor
// batches, queue-entry-allowed events); errors and violations are those this
// VU saw (probe and scrape failures, invariants broken on the probe's
// samples): every user's own count is in the summary at the end.
import type { RunConfig } from '../config';
import { sleepMs } from '../flow/time';
import type { LatestFigures, ServerConfig } from './figures';
import { arrivedBy, liveLine, type LiveState } from './line';
import { latestRedisFigures, latestServerFigures, scrapeErrorCount } from './sampler';

export type { LiveState } from './line';

export interface LiveContext {
  cfg: RunConfig;
  server: ServerConfig;
  startAt: number;
  done: () => boolean;
  deadline: number;
  state: LiveState;
}

/** A configured source with no figure yet (or never) shows as "not measured" (a loop: no ES2019 library call in the bundle). */
function withUnmeasured(server: ServerConfig, latest: Record<string, LatestFigures>): Record<string, LatestFigures> {
  const out: Record<string, LatestFigures> = {};
  for (const s of server.sources) out[s.name] = { at: 0 };
  for (const name of Object.keys(latest)) out[name] = latest[name]!;
  return out;
}

/** Prints the line every LIVE_EVERY_MS until the watch is over. */
export async function runLiveLine(ctx: LiveContext): Promise<void> {
  const every = ctx.server.liveEveryMs;
  if (every <= 0) return;
  let next = Date.now() + every;
  while (!ctx.done() && Date.now() < ctx.deadline) {
    if (Date.now() < next) {
      await sleepMs(Math.min(250, next - Date.now()));
      continue;
    }
    next += every;
    const elapsedMs = Date.now() - ctx.startAt;
    console.log(liveLine({
      elapsedMs,
      arrived: arrivedBy(ctx.cfg, elapsedMs),
      users: ctx.cfg.users,
      threshold: ctx.cfg.queueThreshold,
      state: ctx.state,
      errors: ctx.state.probeErrors + scrapeErrorCount(),
      servers: withUnmeasured(ctx.server, latestServerFigures()),
      redis: latestRedisFigures(),
    }));
  }
}
