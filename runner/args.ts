// Command-line parsing for the runner: k6's `run` flags that the suite uses, nothing more.
import type { InspectOptions } from './inspect.ts';
import type { RunOptions } from './run.ts';

export const USAGE = `usage:
  node --import tsx runner/cli.ts run [options] <script.js>
  node --import tsx runner/cli.ts inspect [-e KEY=VALUE]... <script.js>
  node --import tsx runner/cli.ts version

options:
  -e, --env KEY=VALUE        add an environment variable for the script (repeatable)
  -q, --quiet                no progress lines
      --no-color             no colors (handleSummary's data.options.noColor)
  -o, --out json=FILE        every sample as a JSON line (k6's format; FILE.gz is gzipped; repeatable)
      --execution-segment A:B             run only this share of the test (e.g. 0:1/2, 50%:100%)
      --execution-segment-sequence 0,..,1 the segments of all instances (e.g. 0,1/4,1/2,3/4,1)
      --secret-source file=PATH  secrets for k6/secrets, NAME=VALUE lines (repeatable; k6's
                             name=N,default,filename=PATH form too)
      --local-ips RANGES     source addresses handed out to the VUs in order: IPv4 addresses,
                             ranges A-B and CIDRs A/N, comma-separated (also K6_LOCAL_IPS)

inspect runs only the init context, with only the -e variables, and prints the options as JSON.

environment: QUEUE_RUNNER_K6_VERSION (0.46, 0.48, 1.0, 1.5, 1.6, 2.2; default 2.2) and
QUEUE_RUNNER_EXTENSIONS (default k6/x/redis; empty = stock k6) choose the k6 to act as.
`;

export type Parsed =
  | { command: 'version' }
  | { command: 'help' }
  | { command: 'run'; options: RunOptions }
  | { command: 'inspect'; options: InspectOptions }
  | { command: 'error'; message: string };

export function parseArgs(argv: string[]): Parsed {
  const [command, ...rest] = argv;
  if (command === 'version' || command === '--version') return { command: 'version' };
  if (command === undefined || command === 'help' || command === '-h' || command === '--help') return { command: 'help' };
  if (command === 'inspect') return parseInspect(rest);
  if (command !== 'run') return { command: 'error', message: `unknown command "${command}"` };
  const env: Record<string, string> = {};
  let quiet = false;
  let noColor = false;
  const secretSources: string[] = [];
  const out: string[] = [];
  let executionSegment: string | undefined;
  let executionSegmentSequence: string | undefined;
  let localIps: string | undefined;
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
    else if (flag === '-o' || flag === '--out') {
      const spec = value();
      if (spec === undefined || spec === '') return { command: 'error', message: `${flag} needs a value: json=FILE` };
      out.push(spec);
    } else if (flag === '--execution-segment') {
      executionSegment = value();
      if (executionSegment === undefined) return { command: 'error', message: '--execution-segment needs a value, e.g. 0:1/2' };
    } else if (flag === '--execution-segment-sequence') {
      executionSegmentSequence = value();
      if (executionSegmentSequence === undefined) return { command: 'error', message: '--execution-segment-sequence needs a value, e.g. 0,1/2,1' };
    } else if (flag === '--secret-source') {
      const spec = value();
      if (spec === undefined || spec === '') return { command: 'error', message: '--secret-source needs a value: file=PATH' };
      secretSources.push(spec);
    } else if (flag === '--local-ips') {
      localIps = value();
      if (localIps === undefined || localIps === '') return { command: 'error', message: '--local-ips needs a value, e.g. 127.0.1.1-127.0.1.20' };
    } else if (a.startsWith('-') && a !== '-') return { command: 'error', message: `unknown flag: ${a}` };
    else if (script === undefined) script = a;
    else return { command: 'error', message: `unexpected argument ${JSON.stringify(a)}: only one script per run` };
  }
  if (script === undefined) return { command: 'error', message: 'run needs a script: run [options] <script.js>' };
  return {
    command: 'run',
    options: {
      script,
      env,
      quiet,
      noColor,
      ...(secretSources.length > 0 ? { secretSources } : {}),
      ...(out.length > 0 ? { out } : {}),
      ...(executionSegment !== undefined ? { executionSegment } : {}),
      ...(executionSegmentSequence !== undefined ? { executionSegmentSequence } : {}),
      ...(localIps !== undefined ? { localIps } : {}),
    },
  };
}

/** `inspect [-e KEY=VALUE]... <script.js>`: k6 inspect's flags that matter here. */
function parseInspect(rest: string[]): Parsed {
  const env: Record<string, string> = {};
  let script: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (flag === '-e' || flag === '--env') {
      const kv = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (kv === undefined || !kv.includes('=')) return { command: 'error', message: `invalid --env value ${JSON.stringify(kv ?? '')}: expected KEY=VALUE` };
      env[kv.slice(0, kv.indexOf('='))] = kv.slice(kv.indexOf('=') + 1);
    } else if (a.startsWith('-') && a !== '-') return { command: 'error', message: `unknown flag: ${a}` };
    else if (script === undefined) script = a;
    else return { command: 'error', message: `unexpected argument ${JSON.stringify(a)}: inspect takes one script` };
  }
  if (script === undefined) return { command: 'error', message: 'inspect needs a script: inspect [-e KEY=VALUE]... <script.js>' };
  return { command: 'inspect', options: { script, env } };
}

