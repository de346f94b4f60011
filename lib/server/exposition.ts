// A pure reader of Prometheus' text exposition format (version 0.0.4), the
// format prom-client serves on /metrics. No k6 or Node API: it runs in the
// k6 bundle (the server sampler), in Node (the tests) and anywhere else.
//
// What it reads:
//   # HELP name text          (text escapes: \\ and \n)
//   # TYPE name counter|gauge|summary|histogram|untyped
//   # any other comment       (ignored)
//   name{label="value",...} value [timestamp]
// Label values escape \\, \" and \n; a trailing comma in the label set is
// allowed. Values are Go floats, including +Inf, -Inf and NaN; the optional
// timestamp is an integer of milliseconds since the epoch. A sample whose
// family has no TYPE line is "untyped". A histogram's or summary's samples
// (_bucket, _sum, _count, _created) belong to the family named by its TYPE.
// Anything else (an HTML page, a JSON body, a login form) is an error naming
// the first line that is not the format.

export type FamilyType = 'counter' | 'gauge' | 'summary' | 'histogram' | 'untyped';

export interface PromSample {
  /** The sample's own name (with _bucket, _sum, ... for histograms and summaries). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

export interface PromFamily {
  name: string;
  type: FamilyType;
  help?: string;
  samples: PromSample[];
}

export interface Exposition {
  /** Families by name, in the order they first appear. */
  families: Map<string, PromFamily>;
}

export class ExpositionError extends Error {
  constructor(readonly line: number, readonly detail: string) {
    super(`line ${line}: ${detail}`);
  }
}

const TYPES: readonly FamilyType[] = ['counter', 'gauge', 'summary', 'histogram', 'untyped'];
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** A Go float as the format writes it: decimal, exponent, +Inf, -Inf, NaN (any case). */
export function parseValue(text: string): number | undefined {
  const t = text.toLowerCase();
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return undefined;
  return Number(t);
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

/** What a body looks like when it is not the format, for the one-line error. */
export function describeNotExposition(body: string): string | undefined {
  const head = body.replace(/^\uFEFF/, '').trimStart().slice(0, 200).toLowerCase();
  if (head.startsWith('<!doctype html') || head.startsWith('<html') || head.startsWith('<')) return 'an HTML or XML page';
  if (head.startsWith('{') || head.startsWith('[')) return 'a JSON body';
  return undefined;
}

/** The family a sample name belongs to, given the TYPE lines seen so far. */
function familyOf(name: string, families: Map<string, PromFamily>): PromFamily | undefined {
  const own = families.get(name);
  if (own !== undefined) return own;
  for (const suffix of ['_bucket', '_sum', '_count', '_created', '_total']) {
    if (!name.endsWith(suffix)) continue;
    const base = families.get(name.slice(0, -suffix.length));
    if (base === undefined) continue;
    if (suffix === '_bucket' && base.type === 'histogram') return base;
    if ((suffix === '_sum' || suffix === '_count' || suffix === '_created') && (base.type === 'histogram' || base.type === 'summary')) return base;
    if (suffix === '_total' && base.type === 'counter') return base;
  }
  return undefined;
}

function parseLabels(line: string, at: number, lineNo: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1; // after '{'
  const skipSpaces = (): void => {
    while (line[i] === ' ' || line[i] === '\t') i++;
  };
  for (;;) {
    skipSpaces();
    if (line[i] === '}') return { labels, end: i + 1 };
    const m = LABEL_NAME.exec(line.slice(i));
    if (m === null) throw new ExpositionError(lineNo, `expected a label name or "}" at column ${i + 1}`);
    const name = m[0];
    i += name.length;
    skipSpaces();
    if (line[i] !== '=') throw new ExpositionError(lineNo, `expected "=" after label ${name}`);
    i++;
    skipSpaces();
    if (line[i] !== '"') throw new ExpositionError(lineNo, `expected a quoted value for label ${name}`);
    i++;
    let value = '';
    for (;;) {
      const c = line[i];
      if (c === undefined) throw new ExpositionError(lineNo, `unterminated value of label ${name}`);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[i + 1];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else throw new ExpositionError(lineNo, `unknown escape \\${n ?? ''} in label ${name}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++; // closing quote
    if (Object.prototype.hasOwnProperty.call(labels, name)) throw new ExpositionError(lineNo, `label ${name} appears twice`);
    labels[name] = value;
    skipSpaces();
    if (line[i] === ',') {
      i++;
      continue;
    }
    if (line[i] === '}') return { labels, end: i + 1 };
    throw new ExpositionError(lineNo, `expected "," or "}" after label ${name}`);
  }
}

/** Parses a whole body. Throws ExpositionError at the first line that is not the format. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, PromFamily>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let n = 0; n < lines.length; n++) {
    const lineNo = n + 1;
    const line = lines[n]!.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.trimStart().startsWith('#')) {
      const m = /^\s*#\s+(HELP|TYPE)\s+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (m === null) continue; // a plain comment
      const [, kw, name, rest] = m;
      if (!NAME.test(name!) || NAME.exec(name!)![0] !== name) throw new ExpositionError(lineNo, `bad metric name "${name}" in ${kw}`);
      if (kw === 'TYPE') {
        const type = (rest ?? '').trim() as FamilyType;
        if (!TYPES.includes(type)) throw new ExpositionError(lineNo, `unknown TYPE "${rest ?? ''}" for ${name}`);
        const f = families.get(name!);
        if (f !== undefined && f.samples.length > 0 && f.type !== type) throw new ExpositionError(lineNo, `TYPE of ${name} comes after its samples`);
        if (f !== undefined) f.type = type;
        else families.set(name!, { name: name!, type, samples: [] });
      } else {
        const help = unescapeHelp(rest ?? '');
        const f = families.get(name!);
        if (f !== undefined) f.help = help;
        else families.set(name!, { name: name!, type: 'untyped', help, samples: [] });
      }
      continue;
    }
    const trimmed = line.trimStart();
    const nm = NAME.exec(trimmed);
    if (nm === null) throw new ExpositionError(lineNo, `expected a metric name, got "${trimmed.slice(0, 40)}"`);
    const name = nm[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (trimmed[i] === '{') {
      const l = parseLabels(trimmed, i, lineNo);
      labels = l.labels;
      i = l.end;
    }
    const fields = trimmed.slice(i).trim().split(/[ \t]+/);
    if (trimmed[i] !== ' ' && trimmed[i] !== '\t') throw new ExpositionError(lineNo, `expected a space before the value of ${name}`);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '') throw new ExpositionError(lineNo, `expected a value and an optional timestamp after ${name}`);
    const value = parseValue(fields[0]!);
    if (value === undefined) throw new ExpositionError(lineNo, `bad value "${fields[0]}" for ${name}`);
    const sample: PromSample = { name, labels, value };
    if (fields.length === 2) {
      if (!/^-?\d+$/.test(fields[1]!)) throw new ExpositionError(lineNo, `bad timestamp "${fields[1]}" for ${name}`);
      sample.timestampMs = Number(fields[1]);
    }
    let family = familyOf(name, families);
    if (family === undefined) {
      family = { name, type: 'untyped', samples: [] };
      families.set(name, family);
    }
    family.samples.push(sample);
  }
  return { families };
}

/** Every sample named `name` (a family's own or a _sum/_count/_bucket), in order. */
export function samplesNamed(expo: Exposition, name: string): PromSample[] {
  const f = familyOf(name, expo.families);
  if (f === undefined) return [];
  return f.samples.filter((s) => s.name === name);
}

/**
 * The value of the first sample named `name` whose labels include `match`, or
 * undefined when the body has none. NaN is returned as it is (a summary with no
 * observation yet): callers tell "no figure" from a figure.
 */
export function valueOf(expo: Exposition, name: string, match: Record<string, string> = {}): number | undefined {
  for (const s of samplesNamed(expo, name)) {
    if (Object.keys(match).every((k) => s.labels[k] === match[k])) return s.value;
  }
  return undefined;
}

/** The sum over every sample named `name` (e.g. a gauge split by a label), or undefined when there is none. */
export function sumOf(expo: Exposition, name: string): number | undefined {
  const ss = samplesNamed(expo, name);
  if (ss.length === 0) return undefined;
  return ss.reduce((a, s) => a + s.value, 0);
}
