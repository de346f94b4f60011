// Test helper: runs the CLI as a child process, as CI does.
import { spawn } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
export const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const TSX = pathToFileURL(require.resolve('tsx')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function runCli(args: string[], opts: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: opts.cwd ?? process.cwd(),
      // The k6 the runner acts as is pinned to its defaults unless a test sets it, whatever the shell exports.
      env: { ...process.env, QUEUE_RUNNER_K6_VERSION: '2.2', QUEUE_RUNNER_EXTENSIONS: 'k6/x/redis', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`runner did not finish within ${opts.timeoutMs ?? 30_000} ms: ${args.join(' ')}\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}
