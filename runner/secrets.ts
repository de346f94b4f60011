// Secret sources, as k6 >= 1.0 configures them with --secret-source
// (shared/k6-reference/README.md, "Secrets, inspect and archive"): only the
// `file` type, whose lines are NAME=VALUE. A value becomes redacted in every
// log line from the moment the script reads it, as k6's log hook does.
import { readFileSync } from 'node:fs';
import { redact } from './log.ts';

export const DEFAULT_SOURCE = 'default';

type Source = ReadonlyMap<string, string>;

/** k6's file format: one NAME=VALUE per line, the value is everything after the first '='. */
export function parseSecretFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // a final newline ends the last line, it does not start another
  for (const raw of lines) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`parsing ${JSON.stringify(line.length > 40 ? `${line.slice(0, 10)}…` : line)}, needs =`);
    out.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return out;
}

interface Spec {
  name: string;
  isDefault: boolean;
  filename: string;
}

/** `file=PATH` or `file=name=N,default,filename=PATH` (k6's --secret-source syntax). */
export function parseSourceSpec(spec: string): Spec {
  const eq = spec.indexOf('=');
  if (eq < 0) throw new Error(`couldn't parse secret source configuration ${JSON.stringify(spec)}; expected file=PATH`);
  const type = spec.slice(0, eq);
  if (type !== 'file') throw new Error(`secret source type ${JSON.stringify(type)} is not supported by the queue-k6 Node runner (only file=PATH)`);
  let name = '';
  let isDefault = false;
  let filename = '';
  for (const part of spec.slice(eq + 1).split(',')) {
    if (part === 'default') isDefault = true;
    else if (part.startsWith('name=')) name = part.slice('name='.length);
    else if (part.startsWith('filename=')) filename = part.slice('filename='.length);
    else if (part.includes('=')) throw new Error(`unknown configuration key for file secret source ${JSON.stringify(part.slice(0, part.indexOf('=')))}`);
    else filename = part;
  }
  if (filename === '') throw new Error(`secret source ${JSON.stringify(spec)} names no file; expected file=PATH`);
  return { name, isDefault, filename };
}

export class SecretStore {
  private constructor(private readonly sources: ReadonlyMap<string, Source>) {}

  static empty(): SecretStore {
    return new SecretStore(new Map());
  }

  /** Reads every --secret-source; a bad flag or an unreadable file throws one line naming it. */
  static fromFlags(specs: readonly string[], read: (path: string) => string = (p) => readFileSync(p, 'utf8')): SecretStore {
    const sources = new Map<string, Source>();
    let defaultSource: Source | undefined;
    for (const s of specs) {
      const spec = parseSourceSpec(s);
      let text: string;
      try {
        text = read(spec.filename);
      } catch (e) {
        throw new Error(`cannot read the secret file ${spec.filename}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      let values: Source;
      try {
        values = parseSecretFile(text);
      } catch (e) {
        throw new Error(`reading secret file ${spec.filename}: ${(e as Error).message}`);
      }
      if (sources.has(spec.name)) throw new Error(`secret source for name ${JSON.stringify(spec.name)} already registered before configuration ${JSON.stringify(s)}`);
      sources.set(spec.name, values);
      if (spec.isDefault) {
        if (defaultSource !== undefined) throw new Error(`can't have two secret sources that are default ones, second one was ${JSON.stringify(s)}`);
        defaultSource = values;
      }
    }
    if (sources.size === 1) defaultSource = [...sources.values()][0];
    if (defaultSource !== undefined) sources.set(DEFAULT_SOURCE, defaultSource);
    return new SecretStore(sources);
  }

  /** k6's Get: the errors and their texts are k6's own. A value read is redacted from then on. */
  get(sourceName: string, key: string): string {
    if (this.sources.size === 0) throw new Error('no secret sources are configured');
    const source = this.sources.get(sourceName);
    if (source === undefined) throw new Error(`no secret source with name ${JSON.stringify(sourceName)} is configured`);
    const value = source.get(key);
    if (value === undefined) throw new Error('no value');
    redact(value);
    return value;
  }
}
