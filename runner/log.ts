// k6-style log lines on stderr: `INFO[0003] message  source=console`.
// The bracketed number is whole seconds since the run started.

export type Level = 'debug' | 'info' | 'warn' | 'error';

const prefix: Record<Level, string> = { debug: 'DEBU', info: 'INFO', warn: 'WARN', error: 'ERRO' };

let started = Date.now();
let sink: (line: string) => void = (line) => process.stderr.write(line);

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
  const f = formatFields(fields);
  sink(`${prefix[level]}[${String(secs).padStart(4, '0')}] ${message}${f === '' ? '' : `  ${f}`}\n`);
}

/** Plain line on stderr (progress, banners). */
export function plain(line: string): void {
  sink(`${line}\n`);
}
