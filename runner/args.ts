// Command-line parsing for the runner: k6's `run` flags that the suite uses, nothing more.
import type { RunOptions } from './run.ts';

export const USAGE = `usage:
  node --import tsx runner/cli.ts run [options] <script.js>
  node --import tsx runner/cli.ts version

options:
  -e, --env KEY=VALUE        add an environment variable for the script (repeatable)
  -q, --quiet                no progress lines
      --no-color             no colors (handleSummary's data.options.noColor)
      --summary-export FILE  write k6's legacy JSON summary to FILE
`;

export type Parsed = { command: 'version' } | { command: 'help' } | { command: 'run'; options: RunOptions } | { command: 'error'; message: string };

export function parseArgs(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  if (command === 'version' || command === '--version') return { command: 'version' };
  if (command === undefined || command === 'help' || command === '-h' || command === '--help') return { command: 'help' };
  if (command !== 'run') return { command: 'error', message: `unknown command "${command}"` };
  const env: Record<string, string> = {};
  let quiet = false;
  let noColor = false;
  let summaryExport: string | undefined;
  let script: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string | undefined => {
      const eq = a.indexOf('=');
      if (a.startsWith('--') && eq > 0) return a.slice(eq + 1);
      i++;
      return rest[i];
    };
    const flag = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (flag === '-e' || flag === '--env') {
      const kv = value();
      if (kv === undefined || !kv.includes('=')) return { command: 'error', message: `invalid --env value ${JSON.stringify(kv ?? '')}: expected KEY=VALUE` };
      env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    } else if (flag === '-q' || flag === '--quiet') quiet = true;
    else if (flag === '--no-color') noColor = true;
    else if (flag === '--summary-export') {
      summaryExport = value();
      if (summaryExport === undefined) return { command: 'error', message: '--summary-export needs a file name' };
    } else if (a.startsWith('-') && a !== '-') return { command: 'error', message: `unknown flag: ${a}` };
    else if (script === undefined) script = a;
    else return { command: 'error', message: `unexpected argument ${JSON.stringify(a)}: only one script per run` };
  }
  if (script === undefined) return { command: 'error', message: 'run needs a script: run [options] <script.js>' };
  return { command: 'run', options: { script, env, quiet, noColor, ...(summaryExport !== undefined ? { summaryExport } : {}) } };
}

