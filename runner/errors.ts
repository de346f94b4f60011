// k6's exit codes and the errors that carry them. The runner maps every way a
// run can end onto one of these, so CI sees the same codes as with a real k6.

export const ExitCode = {
  ok: 0,
  usage: 2, // cobra's "unknown flag" path in k6 ends with a non-zero code; 2 is the conventional usage error
  thresholdsFailed: 99,
  setupTimeout: 100,
  teardownTimeout: 101,
  genericTimeout: 102,
  invalidConfig: 104,
  externalAbort: 105,
  scriptException: 107,
  scriptAborted: 108,
  genericError: 255, // an error k6 gives no code of its own (e.g. an unknown --out type): k6 exits with -1
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the run with a specific exit code. */
export class RunError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCodeValue,
  ) {
    super(message);
    this.name = 'RunError';
  }
}

export const invalidConfig = (message: string): RunError => new RunError(message, ExitCode.invalidConfig);
export const scriptError = (message: string): RunError => new RunError(message, ExitCode.scriptException);

/** Thrown inside VU code by exec.test.abort(): unwinds the script and stops the test. */
export class TestAbort extends Error {
  constructor(readonly reason: string) {
    super(reason === '' ? 'test aborted' : `test aborted: ${reason}`);
    this.name = 'TestAbort';
  }
}

/** Something a real k6 has but this runner deliberately does not implement. */
export function unsupported(api: string, hint = ''): Error {
  return new Error(`${api} is not supported by the queue-k6 Node runner${hint === '' ? '' : `: ${hint}`}`);
}

/** The first line of an error's stack (or its message), as k6 logs uncaught exceptions. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const stack = typeof err.stack === 'string' ? err.stack.split('\n') : [];
    const head = `${err.name}: ${err.message}`;
    const frames = stack.filter((l) => /^\s+at /.test(l));
    const at = frames.find((l) => !/\.ts:\d+|node:/.test(l)) ?? frames[0];
    return at === undefined ? head : `${head}\n\t${at.trim()}`;
  }
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err) ?? String(err);
  } catch {
    return String(err);
  }
}

/**
 * An exception thrown by the init context, as k6 prints it (k6-reference,
 * "An exception thrown in the init context"): a thrown Error is `Name:
 * message` and its stack, on every line; a thrown string is its text alone
 * from 1.0, and its text and one frame on 0.46 and 0.48. `scriptUrl` is the
 * script's file:// URL: the frames kept are the script's own, as k6 shows no
 * frame of its own code. A string carries no position, so that one frame
 * names the script without one.
 */
export function initExceptionText(err: unknown, o: { stringFrame: boolean; scriptUrl: string }): string {
  if (err instanceof Error) {
    const frames = (typeof err.stack === 'string' ? err.stack.split('\n') : []).filter((l) => /^\s+at /.test(l)).map((l) => l.trim());
    const own = frames.filter((l) => l.includes(o.scriptUrl));
    return [`${err.name}: ${err.message}`, ...own].join('\n\t');
  }
  const text = typeof err === 'string' ? err : describeError(err);
  return o.stringFrame ? `${text}\n\tat ${o.scriptUrl}` : text;
}
