// queue-k6 node runner CLI: `run [options] <script.js>` and `version`.
// Not k6: a stand-in for machines where a k6 binary cannot be built.
import { ExitCode } from './errors.ts';
import { USAGE, parseArgs } from './args.ts';
import { VERSION, run } from './run.ts';
import { writeStream } from './summary.ts';

const BANNER = `queue-k6 node runner v${VERSION} (not k6: a stand-in for machines without a k6 binary)`;

async function main(): Promise<number> {
  const parsed = parseArgs(process.argv.slice(2));
  if (parsed.command === 'version') {
    // The flags Node runs it with (tools/k6.sh sets the heap policy) change its memory figures.
    const flags = process.execArgv.filter((a) => a.startsWith('--') && !a.startsWith('--import'));
    await writeStream(process.stdout, `${BANNER}; Node ${process.version}${flags.length > 0 ? ` ${flags.join(' ')}` : ''}\n`);
    return 0;
  }
  if (parsed.command === 'help') {
    await writeStream(process.stdout, `${BANNER}\n\n${USAGE}`);
    return 0;
  }
  process.stderr.write(`${BANNER}\n`);
  if (parsed.command === 'error') {
    process.stderr.write(`Error: ${parsed.message}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  return run(parsed.options);
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
