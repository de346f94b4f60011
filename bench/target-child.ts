// The benchmarks run the reference target in a child process, so its memory and
// CPU are its own. This is that child's side: start the target, say 'ready',
// answer 'stats' requests, stop when told (SIGTERM) or when the parent goes away.
import type { TargetConfig, TargetStats } from '../reference-room/server.ts';

export type ChildMessage = { type: 'ready'; url: string } | { type: 'stats'; stats: TargetStats } | { type: 'error'; message: string };

export async function serveTarget(config: Partial<TargetConfig>, log?: (line: string) => void): Promise<void> {
  const { startTarget } = await import('../reference-room/server.ts');
  const target = await startTarget(config, log ? { log } : {});
  const send = (m: ChildMessage) => process.send?.(m);
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stats') send({ type: 'stats', stats: target.stats() });
  });
  const stop = () => void target.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('disconnect', stop);
  send({ type: 'ready', url: target.url });
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
