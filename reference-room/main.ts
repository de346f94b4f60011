// CLI entry: `node --import tsx reference-room/main.ts`, configured by the environment
// (see reference-room/README.md). Stops cleanly on SIGTERM / SIGINT.
import { configFromEnv } from './config.ts';
import { Faults, type FaultName } from './faults.ts';
import { redactUrl, startTarget } from './server.ts';

async function main(): Promise<void> {
  const config = configFromEnv(process.env);
  const target = await startTarget(config);
  const faults = new Faults(target.config.faults as FaultName[]).describe();
  console.log(`reference target listening on ${target.url} (threshold ${config.threshold}, interval ${config.processorIntervalMs} ms, faults: ${faults}; redis ${redactUrl(config.redisUrl)})`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`reference target: ${signal}, shutting down`);
    const force = setTimeout(() => {
      console.error('reference target: shutdown took over 10 s, exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    target.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`reference target: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

process.on('unhandledRejection', (reason) => {
  console.error(`reference target: unhandled rejection (a bug): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`);
});

main().catch((err: unknown) => {
  console.error(`reference target: cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
