// The docs keep up with the code: every make target and every environment
// variable the code reads must be documented in README.md or docs/*.md, every
// docs page must be linked from the README, and every local link must land.
// When a check fails, its message lists exactly what is missing and where the
// code reads it, so the missing line can be written at once.
//
// What counts as documented:
//   a make target     the text `make NAME` somewhere in README.md or docs/*.md;
//   a variable        NAME as a whole word inside a code span or code block.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The README is the front door: short enough to read in one go. */
const README_MAX_BYTES = 11 * 1024;

/**
 * Names the code reads that are not parameters of the suite, each with why.
 * A name here that no source reads any more is reported, so the list stays true.
 */
const INTERNAL: Record<string, string> = {
  MAKEFILE_LIST: "GNU make's own list of makefiles, read by `make help`",
  SCENARIOS: "the Makefile's own list of scenario names, not read from the environment",
};

// ---------------------------------------------------------------------------
// Extraction (pure, so the tests below can check it on crafted text)

export interface Read { name: string; where: string }

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function collect(text: string, file: string, patterns: RegExp[]): Read[] {
  const out: Read[] = [];
  for (const p of patterns) {
    const re = new RegExp(p.source, p.flags.includes('g') ? p.flags : p.flags + 'g');
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      out.push({ name: m[1]!, where: `${file}:${lineOf(text, m.index)}` });
    }
  }
  return out;
}

const NAME = '([A-Z][A-Z0-9_]*)';

/** TypeScript and JavaScript: __ENV.X, env.X, process.env.X, env['X'], and readers called as f(env, 'X') or f(secrets, env, 'X'). */
export function tsEnvReads(text: string, file: string): Read[] {
  return collect(text, file, [
    new RegExp(`\\b(?:__ENV|env)\\.${NAME}\\b`),
    new RegExp(`\\b(?:__ENV|env)\\[\\s*['"\`]${NAME}['"\`]\\s*\\]`),
    new RegExp(`\\b(?:__ENV|env)\\s*,\\s*['"\`]${NAME}['"\`]`),
  ]);
}

/** Node scripts that read through a helper: a call whose first argument is an UPPER_CASE name, e.g. choice('K6_SUMMARY', ...). */
export function helperEnvReads(text: string, file: string): Read[] {
  return collect(text, file, [new RegExp(`\\b[a-z]\\w*\\(\\s*'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'`)]);
}

/** reference-room/config.ts: the values of its ENV_NAMES table (one variable per setting). */
export function envNamesTable(text: string, file: string): Read[] {
  const m = /ENV_NAMES[^=]*=\s*\{([\s\S]*?)\n\};/.exec(text);
  if (m === null) return [];
  const offset = m.index + m[0].indexOf('{');
  return collect(m[1]!, file, [new RegExp(`:\\s*'${NAME}'`)]).map((r) => ({
    name: r.name,
    where: `${file}:${lineOf(text, offset) + Number(r.where.split(':').pop()) - 1}`,
  }));
}

/** Shell: a variable read with a default or a test of being set: ${X:-…}, ${X-…}, ${X+…}, ${X:=…}, ${X:?…}. */
export function shellEnvReads(text: string, file: string): Read[] {
  return collect(text, file, [new RegExp(`\\$\\{${NAME.replace('[A-Z]', '[A-Z_]')}:?[-+=?]`)]);
}

/** Makefile: $(X), $(origin X), and $${X:-…} in recipes. */
export function makeEnvReads(text: string, file: string): Read[] {
  return collect(text, file, [
    new RegExp(`\\$\\(${NAME}\\)`),
    new RegExp(`\\$\\(origin ${NAME}\\)`),
    new RegExp(`\\$\\$\\{${NAME}:?[-+=?]`),
  ]);
}

/** Make targets: `## a | b: …` lines, plain `name:` rules, .PHONY (with $(SCENARIOS) expanded), and `make help`'s first column. */
export function makeTargets(makefile: string, help: string): string[] {
  const names = new Set<string>();
  for (const m of makefile.matchAll(/^## ([^:]+):/gm)) for (const n of m[1]!.split('|')) names.add(n.trim());
  for (const m of makefile.matchAll(/^([a-z][a-z0-9-]*)\s*:(?!=)/gm)) names.add(m[1]!);
  const scenarios = /^SCENARIOS\s*:?=\s*(.*)$/m.exec(makefile)?.[1]?.trim().split(/\s+/) ?? [];
  const phony = /^\.PHONY:\s*(.*)$/m.exec(makefile)?.[1]?.trim().split(/\s+/) ?? [];
  for (const p of phony) {
    if (p === '$(SCENARIOS)') scenarios.forEach((s) => names.add(s));
    else names.add(p);
  }
  for (const line of help.split('\n')) {
    const words = line.trim().split(/\s+/);
    if (words[0] === undefined || !/^[a-z][a-z0-9-]*$/.test(words[0])) continue;
    names.add(words[0]);
    for (let i = 1; words[i] === '|' && words[i + 1] !== undefined; i += 2) names.add(words[i + 1]!);
  }
  names.delete('');
  return [...names].sort();
}

/** The text inside code spans and code blocks of a Markdown page. */
export function codeText(markdown: string): string {
  const parts: string[] = [];
  const rest = markdown.replace(/^(```|~~~)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm, (_, _fence: string, body: string) => {
    parts.push(body);
    return '\n';
  });
  for (const m of rest.matchAll(/(`+)([\s\S]*?[^`])\1(?!`)/g)) parts.push(m[2]!);
  return parts.join('\n');
}

export function mentionsName(code: string, name: string): boolean {
  return new RegExp(`(?<![A-Za-z0-9_])${name}(?![A-Za-z0-9_])`).test(code);
}

export function mentionsTarget(text: string, target: string): boolean {
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`\\bmake\\s+${escaped}(?![\\w-])`).test(text);
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

export function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const noCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '');
  for (const m of noCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = anchorOf(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Local Markdown links: [text](path#anchor), outside code. */
export function localLinks(markdown: string): Array<{ path: string; anchor: string | undefined }> {
  const noCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, '').replace(/`[^`\n]*`/g, '');
  const out: Array<{ path: string; anchor: string | undefined }> = [];
  for (const m of noCode.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue;
    const [path, anchor] = target.split('#', 2) as [string, string | undefined];
    out.push({ path, anchor });
  }
  return out;
}

// ---------------------------------------------------------------------------
// The repository

function read(rel: string): string {
  return readFileSync(join(ROOT, rel), 'utf8');
}

function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(join(ROOT, d), { withFileTypes: true })) {
      const rel = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== 'testdata') walk(rel);
      } else if (keep(e.name)) out.push(rel);
    }
  };
  walk(dir);
  return out.sort();
}

const isSource = (n: string): boolean => /\.(ts|mjs|js)$/.test(n) && !/\.(test|d|bench)\.ts$/.test(n);

/** Every variable the product's code reads, with where. */
function codeReads(): Read[] {
  const reads: Read[] = [];
  // The k6 side: the scripts' parameters.
  for (const f of filesUnder('lib', isSource)) reads.push(...tsEnvReads(read(f), f));
  // The Node runner stands in for k6: its switches are the user's.
  for (const f of filesUnder('runner', isSource)) {
    const text = read(f);
    reads.push(...tsEnvReads(text, f), ...collect(text, f, [/['"](QUEUE_RUNNER_[A-Z0-9_]+)['"]/]));
  }
  // The reference room's settings.
  const room = 'reference-room/config.ts';
  reads.push(...tsEnvReads(read(room), room), ...envNamesTable(read(room), room));
  // make and its scripts.
  for (const f of readdirSync(join(ROOT, 'tools')).sort()) {
    const rel = join('tools', f);
    if (f.endsWith('.sh')) reads.push(...shellEnvReads(read(rel), rel));
    else if (f.endsWith('.mjs')) reads.push(...tsEnvReads(read(rel), rel), ...collect(read(rel), rel, [/process\.env\.([A-Z][A-Z0-9_]*)/]), ...helperEnvReads(read(rel), rel));
  }
  reads.push(...makeEnvReads(read('Makefile'), 'Makefile'));
  return reads;
}

function docsPages(): string[] {
  const dir = join(ROOT, 'docs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith('.md')).sort().map((f) => join('docs', f));
}

function docs(): Array<{ file: string; text: string }> {
  return ['README.md', ...docsPages()].map((file) => ({ file, text: read(file) }));
}

function group(reads: Read[]): Map<string, string[]> {
  const byName = new Map<string, string[]>();
  for (const r of reads) {
    const list = byName.get(r.name) ?? [];
    if (!list.includes(r.where)) list.push(r.where);
    byName.set(r.name, list);
  }
  return byName;
}

// ---------------------------------------------------------------------------

describe('the extractors', () => {
  it('find every way the code reads a variable', () => {
    const ts = [
      "int(env, 'USERS', 1)",
      'str(env,"USER_PREFIX", x)',
      "readSecret(secrets, env, 'USER_PASSWORD')",
      '__ENV.QUEUE_K6_VERSION',
      'ctx.env.RESULTS_PREFIX',
      "env['START_AT']",
      'process.env.BUILD_DIR',
      'const lower = env.notAVariable;',
    ].join('\n');
    assert.deepEqual(tsEnvReads(ts, 'x.ts').map((r) => r.name).sort(), ['BUILD_DIR', 'QUEUE_K6_VERSION', 'RESULTS_PREFIX', 'START_AT', 'USERS', 'USER_PASSWORD', 'USER_PREFIX']);
    assert.deepEqual(helperEnvReads("choice('K6_SUMMARY', ['a'])\nnew Counter('queue_x')", 'b.mjs').map((r) => r.name), ['K6_SUMMARY']);
    const sh = 'a="${RESULTS_DIR:-results}"\nb="${QUEUE_RUNNER_V8_FLAGS---x}"\nc="${REDIS_URL+set}"\nd="${ROOT}/x"\n: "${NEEDED:?say}"';
    assert.deepEqual(shellEnvReads(sh, 'x.sh').map((r) => r.name).sort(), ['NEEDED', 'QUEUE_RUNNER_V8_FLAGS', 'REDIS_URL', 'RESULTS_DIR']);
    const mk = 'ifeq ($(origin K6_SUMMARY), undefined)\nx: ; run $(if $(FILE),$(FILE)) "$${SUMMARY:-y}" $(shell true)';
    assert.deepEqual([...new Set(makeEnvReads(mk, 'Makefile').map((r) => r.name))].sort(), ['FILE', 'K6_SUMMARY', 'SUMMARY']);
    const table = "export const ENV_NAMES: Record<string, string> = {\n  port: 'TARGET_PORT',\n  host: 'TARGET_HOST',\n};\n";
    assert.deepEqual(envNamesTable(table, 'c.ts'), [{ name: 'TARGET_PORT', where: 'c.ts:2' }, { name: 'TARGET_HOST', where: 'c.ts:3' }]);
  });

  it('find every make target, from the Makefile and from make help', () => {
    const mk = 'SCENARIOS := alpha beta\n## help: list\nhelp:\n## alpha | beta: by name\n$(SCENARIOS): build\nbuild: install\nhidden:\nnode_modules/.x: package.json\n.PHONY: help build $(SCENARIOS) phony-only\n';
    assert.deepEqual(makeTargets(mk, '  help     list\n  gamma | delta run one\n'), ['alpha', 'beta', 'build', 'delta', 'gamma', 'help', 'hidden', 'phony-only']);
  });

  it('count a name as documented only inside code, and a target only as `make NAME`', () => {
    const md = 'USERS in prose\n\n`make report SUMMARY=x` and `RACE_AT_MS`\n\n```sh\nmake scenario-2 DWELL_MS=1\n```\n';
    const code = codeText(md);
    assert.equal(mentionsName(code, 'USERS'), false);
    assert.equal(mentionsName(code, 'RACE_AT_MS'), true);
    assert.equal(mentionsName(code, 'DWELL_MS'), true);
    assert.equal(mentionsName(code, 'RACE_AT'), false);
    assert.equal(mentionsTarget(md, 'report'), true);
    assert.equal(mentionsTarget(md, 'scenario-2'), true);
    assert.equal(mentionsTarget(md, 'scenario'), false);
    assert.equal(mentionsTarget('make test-unit', 'test'), false);
  });

  it("make GitHub's heading anchors and find local links", () => {
    assert.deepEqual([...anchorsOf('# A b\n## How a rule becomes "not judged"\n```\n# not a heading\n```\n### Per-scenario defaults (scenarios/defaults.json)\n## A b\n')], [
      'a-b',
      'how-a-rule-becomes-not-judged',
      'per-scenario-defaults-scenariosdefaultsjson',
      'a-b-1',
    ]);
    assert.deepEqual(localLinks('[x](docs/a.md) [y](b.md#sec) [z](https://k6.io) `[no](c.md)`'), [{ path: 'docs/a.md', anchor: undefined }, { path: 'b.md', anchor: 'sec' }]);
  });
});

describe('the docs', () => {
  it('document every make target (as `make NAME` in README.md or docs/*.md)', () => {
    const help = execFileSync('make', ['--no-print-directory', '-s', 'help'], { cwd: ROOT, encoding: 'utf8' });
    const targets = makeTargets(read('Makefile'), help);
    assert.ok(targets.includes('test') && targets.includes('scenario-1'), `the target extractor found too little: ${targets.join(', ')}`);
    const text = docs().map((d) => d.text).join('\n');
    const missing = targets.filter((t) => !mentionsTarget(text, t));
    assert.deepEqual(missing, [], `make targets missing from README.md and docs/*.md (write \`make NAME\` where it is explained): ${missing.join(', ')}`);
  });

  it('document every environment variable the code reads (inside code in README.md or docs/*.md)', () => {
    const byName = group(codeReads());
    assert.ok(byName.has('USERS') && byName.has('TARGET_PORT') && byName.has('K6'), 'the variable extractor found too little');
    const code = docs().map((d) => codeText(d.text)).join('\n');
    const missing = [...byName.keys()].filter((n) => !(n in INTERNAL) && !mentionsName(code, n)).sort();
    const report = missing.map((n) => `  ${n}  (read at ${byName.get(n)!.slice(0, 3).join(', ')})`).join('\n');
    assert.deepEqual(missing, [], `variables the code reads but README.md and docs/*.md do not name in a code span (\`NAME\`):\n${report}\n` + 'Document each (docs/parameters.md has the tables), or, if it is internal, add it to INTERNAL in test/e2e/docs.test.ts with why.');
    const stale = Object.keys(INTERNAL).filter((n) => !byName.has(n));
    assert.deepEqual(stale, [], `INTERNAL in test/e2e/docs.test.ts lists names no source reads any more: ${stale.join(', ')}`);
  });

  it('link every docs page from the README', () => {
    const readme = read('README.md');
    const linked = new Set(localLinks(readme).map((l) => resolve(ROOT, l.path)));
    const unlinked = docsPages().filter((p) => !linked.has(join(ROOT, p)));
    assert.deepEqual(unlinked, [], `docs pages the README does not link: ${unlinked.join(', ')}`);
  });

  it('have local links that land (files and heading anchors)', () => {
    const broken: string[] = [];
    for (const { file, text } of docs()) {
      for (const link of localLinks(text)) {
        const target = link.path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), link.path);
        const shown = `${file} → ${link.path}${link.anchor === undefined ? '' : `#${link.anchor}`}`;
        // A clone holds the repository alone: a link out of it lands nowhere for its readers.
        if (relative(ROOT, target).startsWith('..')) {
          broken.push(`${shown} (outside the repository: ${relative(ROOT, target)})`);
          continue;
        } else if (!existsSync(target)) {
          broken.push(`${shown} (no such file: ${relative(ROOT, target)})`);
          continue;
        }
        if (link.anchor !== undefined && target.endsWith('.md') && statSync(target).isFile() && !anchorsOf(readFileSync(target, 'utf8')).has(link.anchor)) {
          broken.push(`${shown} (no such heading)`);
        }
      }
    }
    assert.deepEqual(broken, [], `links that do not land:\n  ${broken.join('\n  ')}`);
  });

  it(`keep the README a front door (at most ${README_MAX_BYTES} bytes)`, () => {
    const size = Buffer.byteLength(read('README.md'));
    assert.ok(size <= README_MAX_BYTES, `README.md is ${size} bytes; move detail into docs/ and link it`);
  });
});
