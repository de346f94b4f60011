// The benchmarks run the reference target in a child process, so its memory and
// CPU are its own. This is that child's side: start the room (any number of
// processes: config.processes, see reference-room/room.ts), say 'ready', answer
// 'stats' requests, stop when told (SIGTERM) or when the parent goes away.
import type { TargetConfig, TargetStats } from '../reference-room/server.ts';

export type ChildMessage =
  | {
    type: 'ready';
    /** the address every room process answers on */
    url: string;
    /** each room process alone ([0] runs the processor), and the pids of the room processes */
    processUrls?: string[];
    pids?: number[];
  }
  | { type: 'stats'; stats: TargetStats }
  | { type: 'error'; message: string };

export async function serveTarget(config: Partial<TargetConfig>, log?: (line: string) => void): Promise<void> {
  const { resolveConfig } = await import('../reference-room/config.ts');
  const { launchRoom } = await import('../reference-room/room.ts');
  const room = await launchRoom(resolveConfig(config), log);
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats') {
      room.stats().then(
        (stats) => send({ type: 'stats', stats }),
        (err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
      );
    }
  });
  const stop = () => void room.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  void room.failed.then((reason) => {
    process.stderr.write(`target child: ${reason}\n`);
    process.exit(1);
  });
  send({ type: 'ready', url: room.url, processUrls: room.processUrls, pids: room.pids });
}

/**
 * The benchmarks fork themselves with --serve to get a target child. Returns
 * true (and serves) in that child, false in the parent, which then runs its bench.
 */
export function serveIfChild(config: () => Partial<TargetConfig>, log?: (line: string) => void): boolean {
  if (!process.argv.includes('--serve')) return false;
  serveTarget(config(), log).catch((err: unknown) => {
    process.stderr.write(`target child: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
  return true;
}
