// The live line's text, pure (no k6 import): lib/server/live.ts prints it.
import type { RunConfig } from '../config';
import type { Counts } from '../redis/invariants';
import { shortFigures, type LatestFigures, type RedisFigures } from './figures';

export interface LiveState {
  counts: Counts | undefined;
  /** users in the processor batches the observer heard */
  admitted: number;
  /** queue-entry-allowed events the observer heard */
  told: number;
  probeErrors: number;
  violations: number;
}

export interface LiveFacts {
  elapsedMs: number;
  arrived: number;
  users: number;
  threshold: number;
  state: LiveState;
  errors: number;
  servers: Record<string, LatestFigures>;
  redis: RedisFigures | undefined;
}

/** Users due by `elapsedMs` after the first arrival, by the schedule. */
export function arrivedBy(cfg: Pick<RunConfig, 'users' | 'arrivalDelayMs' | 'race' | 'raceAtMs'>, elapsedMs: number): number {
  if (elapsedMs < 0) return 0;
  if (cfg.race) return elapsedMs >= cfg.raceAtMs ? cfg.users : 0;
  if (cfg.arrivalDelayMs === 0) return cfg.users;
  return Math.min(cfg.users, Math.floor(elapsedMs / cfg.arrivalDelayMs) + 1);
}

/** The one line (pure). */
export function liveLine(f: LiveFacts): string {
  const c = f.state.counts;
  const parts = [
    `arrived ${f.arrived}/${f.users}`,
    `active ${c === undefined ? '?' : c.active}/${f.threshold}`,
    `waiting ${c === undefined ? '?' : c.depth}`,
    `admitted from queue ${f.state.admitted}`,
    `told ${f.state.told}`,
    `errors ${f.errors}`,
    `violations ${f.state.violations}`,
  ];
  let line = `live ${Math.max(0, Math.round(f.elapsedMs / 1000))}s: ${parts.join(', ')}`;
  for (const [name, fig] of Object.entries(f.servers)) line += ` | ${shortFigures(name, fig)}`;
  const r = f.redis;
  if (r !== undefined) {
    const bits: string[] = [];
    if (r.usedMemoryBytes !== undefined) bits.push(`${Math.round(r.usedMemoryBytes / 1048576)}MB`);
    if (r.connectedClients !== undefined) bits.push(`${r.connectedClients} clients`);
    if (r.opsPerSec !== undefined) bits.push(`${r.opsPerSec} ops/s`);
    if (bits.length > 0) line += ` | redis ${bits.join(' ')}`;
  }
  return line;
}

