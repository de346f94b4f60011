// k6-style log lines on stderr: `INFO[0003] message  source=console`.
// The bracketed number is whole seconds since the run started.

export type Level = 'debug' | 'info' | 'warn' | 'error';

const prefix: Record<Level, string> = { debug: 'DEBU', info: 'INFO', warn: 'WARN', error: 'ERRO' };

let started = Date.now();
let sink: (line: string) => void = (line) => process.stderr.write(line);

/** k6's mark for a secret value in its logs. */
export const REDACTED = '***SECRET_REDACTED***';
// Secret values read by the script (k6/secrets): every line this module
// writes has them replaced, whatever printed them (console, an exception, a
// module's warning). Longest first, so a secret containing another is whole.
let secrets: string[] = [];

/** From now on, `value` never appears in a log line. Empty values are ignored. */
export function redact(value: string): void {
  if (value === '' || secrets.includes(value)) return;
  secrets = [...secrets, value].sort((a, b) => b.length - a.length);
}

/** Forgets every secret (tests). */
export function clearRedactions(): void {
  secrets = [];
}

export function redactText(text: string): string {
  if (secrets.length === 0) return text;
  let out = text;
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out;
}

export function resetClock(at = Date.now()): void {
  started = at;
}

/** Tests and the CLI may redirect log output. */
export function setLogSink(fn: (line: string) => void): void {
  sink = fn;
}

export function formatFields(fields: Record<string, string | number | undefined>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => {
      const s = String(v);
      return `${k}=${/[\s"=]/.test(s) ? JSON.stringify(s) : s}`;
    })
    .join(' ');
}

export function log(level: Level, message: string, fields: Record<string, string | number | undefined> = {}): void {
  const secs = Math.max(0, Math.floor((Date.now() - started) / 1000));
  // Field values are redacted before quoting, which could otherwise escape a secret out of recognition.
  const safe = secrets.length === 0 ? fields : Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]));
  const f = formatFields(safe);
  sink(redactText(`${prefix[level]}[${String(secs).padStart(4, '0')}] ${message}${f === '' ? '' : `  ${f}`}\n`));
}

/** Plain line on stderr (progress, banners). */
export function plain(line: string): void {
  sink(redactText(`${line}\n`));
}
