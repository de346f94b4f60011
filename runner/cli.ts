// queue-k6 node runner CLI: `run [options] <script.js>`, `inspect` and `version`.
// Not k6: a stand-in for machines where a k6 binary cannot be built. It acts
// as the k6 line named by QUEUE_RUNNER_K6_VERSION (k6-lines.ts).
import { ExitCode } from './errors.ts';
import { USAGE, parseArgs } from './args.ts';
import { inspect } from './inspect.ts';
import { describeEmulation, emulationFromEnv, k6Version, type Emulation } from './k6-lines.ts';
import { VERSION, run } from './run.ts';
import { describeSpread, spreadFromEnv, type SpreadConfig } from './spread.ts';
import { writeStream } from './summary-data.ts';

const BANNER = `queue-k6 node runner v${VERSION} (not k6: a stand-in for machines without a k6 binary)`;

/** `k6 version`'s shape, first line `k6 vX.Y.Z (...)`, saying plainly that this is not k6. */
function versionText(k6: Emulation): string {
  // The flags Node runs it with (tools/k6.sh sets the heap policy) change its memory figures.
  const flags = process.execArgv.filter((a) => a.startsWith('--') && !a.startsWith('--import'));
  const ext = [...k6.extensions];
  return [
    `${k6Version(k6.line)} (queue-k6 Node runner ${VERSION}, not k6)`,
    `  extensions: ${ext.length === 0 ? 'none (stock k6)' : ext.join(', ')}`,
    `  Node ${process.version}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}`,
  ].join('\n');
}

async function main(): Promise<number> {
  let k6: Emulation;
  let spread: SpreadConfig | null;
  try {
    k6 = emulationFromEnv(process.env);
    spread = spreadFromEnv(process.env);
  } catch (e) {
    process.stderr.write(`${BANNER}\nError: ${(e as Error).message}\n`);
    return ExitCode.usage;
  }
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.command === 'version') {
    await writeStream(process.stdout, `${versionText(k6)}\n`);
    return 0;
  }
  if (parsed.command === 'help') {
    await writeStream(process.stdout, `${BANNER}\n\n${USAGE}`);
    return 0;
  }
  process.stderr.write(`${BANNER}; acting as ${describeEmulation(k6)}\n`);
  if (spread !== null) process.stderr.write(`${describeSpread(spread)}\n`);
  if (parsed.command === 'error') {
    process.stderr.write(`Error: ${parsed.message}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  if (parsed.command === 'inspect') return inspect({ ...parsed.options, k6 });
  return run({ ...parsed.options, k6 });
}

main().then(
  (code) => {
    process.exitCode = code;
    // Whatever a script left behind (a socket, a timer) must not keep the process alive.
    setTimeout(() => process.exit(code), 200).unref();
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  },
  (err: unknown) => {
    process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
