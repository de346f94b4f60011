// The one error of the run readers (runs/, and report/, compare/ and verdict/
// through them): a bad input file or line, reported in one line that names
// it, never a stack trace.
/** An unreadable or malformed input: the CLIs print the message as one line. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** An fs error in words a user acts on. */
export function describeFsError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory, expected a file';
  return err instanceof Error ? err.message : String(err);
}
