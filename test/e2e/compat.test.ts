// One bundle for every k6 from 0.46 to 2.x (README, "Which k6 runs the scripts").
// Static: every build/*.js is CommonJS at ES2017 syntax (what k6 0.46 parses),
// requires only the recorded module table (shared/k6-reference/README.md,
// "Modules by k6 version"), and holds nothing that makes a k6 provision a
// binary: no import statement, no `require("k6/x/...")` literal (k6 1.2-1.3
// scanned for those), no "use k6" directive.
// Runtime: scenario 1 passes with the SAME build/threshold-overflow.js on the
// Node runner acting as k6 lines (QUEUE_RUNNER_K6_VERSION) when tools/k6.sh
// tells the script its version (QUEUE_K6_VERSION); stock 2.2 (no xk6-redis)
// passes with REDIS_URL= and stops with one clear line without it. The plain
// `k6 run`, with no version told, is test/e2e/plain-run.test.ts.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { K6_ROUTED_MODULES, K6_STABLE_MODULES } from '../../tools/build.mjs';
import { MODULE_NAMES, RECORDED_MODULES, STABLE_MODULES } from '../../lib/k6/select.ts';
import { explain, ROOT, runScenario, type RunResult } from '../support/scenario.ts';

const BUILD = join(ROOT, 'build');
// The lines whose names differ once the version is known: 0.46 (the options-object Redis Client),
// 1.0 (k6/secrets), 1.6 (k6/websockets), 2.2 (k6/x/redis); 0.48 and 1.5 take the plain run's names.
const LINES = ['0.46', '1.0', '1.6', '2.2'] as const;

// ---- static checks ----------------------------------------------------------

/** Syntax newer than ES2017 (k6 0.46's parser stops there), by AST node; empty when the code is ES2017. */
function postEs2017Syntax(code: string, file = 'bundle.js'): string[] {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const found: string[] = [];
  const at = (n: ts.Node, what: string): void => {
    const { line } = sf.getLineAndCharacterOfPosition(n.getStart(sf));
    found.push(`${what} at line ${line + 1}`);
  };
  const parseErrors = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  for (const d of parseErrors) found.push(`syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
  const isAsync = (n: ts.Node): boolean => ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
  const visit = (n: ts.Node): void => {
    if ((ts.isPropertyAccessExpression(n) || ts.isElementAccessExpression(n) || ts.isCallExpression(n)) && n.questionDotToken !== undefined) at(n, 'optional chaining ?.');
    if (ts.isBinaryExpression(n)) {
      const op = n.operatorToken.kind;
      if (op === ts.SyntaxKind.QuestionQuestionToken) at(n, 'nullish ??');
      if (op === ts.SyntaxKind.QuestionQuestionEqualsToken || op === ts.SyntaxKind.BarBarEqualsToken || op === ts.SyntaxKind.AmpersandAmpersandEqualsToken) at(n, 'logical assignment');
    }
    if (ts.isPropertyDeclaration(n)) at(n, 'class field');
    if (ts.isClassStaticBlockDeclaration(n)) at(n, 'class static block');
    if (ts.isPrivateIdentifier(n)) at(n, 'private #name');
    if (ts.isSpreadAssignment(n)) at(n, 'object spread {...x}');
    if (ts.isBindingElement(n) && n.dotDotDotToken !== undefined && ts.isObjectBindingPattern(n.parent)) at(n, 'object rest {...x}');
    if (ts.isForOfStatement(n) && n.awaitModifier !== undefined) at(n, 'for await');
    if ((ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.asteriskToken !== undefined && isAsync(n)) at(n, 'async generator');
    if (ts.isCatchClause(n) && n.variableDeclaration === undefined) at(n, 'catch without a binding');
    if (ts.isBigIntLiteral(n)) at(n, 'BigInt literal');
    if (ts.isNumericLiteral(n) && n.getText(sf).includes('_')) at(n, 'numeric separator');
    if (ts.isMetaProperty(n)) at(n, 'import.meta');
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword) at(n, 'import()');
    if (ts.isRegularExpressionLiteral(n)) {
      const text = n.getText(sf);
      const flags = text.slice(text.lastIndexOf('/') + 1);
      if (/[sdv]/.test(flags)) at(n, `regular expression flag ${flags}`);
      if (/\(\?<[=!]/.test(text)) at(n, 'regular expression lookbehind');
      if (/\(\?<[A-Za-z_$]/.test(text)) at(n, 'regular expression named group');
      if (/\\[pP]\{/.test(text) && flags.includes('u')) at(n, 'regular expression \\p{...}');
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

interface Requires {
  /** require("...") with a string literal. */
  literal: string[];
  /** require(x) with anything else: only lib/k6/modules.ts may do that. */
  dynamic: string[];
  /** Top-level ES module syntax. */
  esm: string[];
  /** String literals that are exactly a k6 module name. */
  k6Names: string[];
}

function scanModules(code: string): Requires {
  const sf = ts.createSourceFile('bundle.js', code, ts.ScriptTarget.Latest, true, ts.ScriptKind.JS);
  const out: Requires = { literal: [], dynamic: [], esm: [], k6Names: [] };
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) || ts.isExportDeclaration(st) || ts.isExportAssignment(st)) out.esm.push(st.getText(sf).slice(0, 80));
    if (ts.canHaveModifiers(st) && (ts.getModifiers(st) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) out.esm.push(st.getText(sf).slice(0, 80));
  }
  const visit = (n: ts.Node): void => {
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'require') {
      const arg = n.arguments[0];
      if (arg !== undefined && ts.isStringLiteralLike(arg)) out.literal.push(arg.text);
      else out.dynamic.push(n.getText(sf));
    }
    if (ts.isStringLiteralLike(n) && /^k6(\/[\w/-]+)?$/.test(n.text)) out.k6Names.push(n.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

function bundles(): string[] {
  assert.ok(existsSync(BUILD), `no ${BUILD}: run make build (or K6_SUMMARY=local node tools/build.mjs) first`);
  const files = readdirSync(BUILD).filter((f) => f.endsWith('.js'));
  assert.ok(files.length > 0, 'no build/*.js: run make build first');
  return files;
}

describe('the ES2017 checker', () => {
  it('flags what k6 0.46 cannot parse and passes ES2017', () => {
    assert.deepEqual(postEs2017Syntax('const f = async (a, ...b) => { for (const x of a) await x; return a ** 2; }; try { f(); } catch (e) {}'), []);
    const cases: Array<[string, RegExp]> = [
      ['a?.b', /optional chaining/],
      ['a ?? b', /nullish/],
      ['class A { x = 1 }', /class field/],
      ['const o = { ...p }', /object spread/],
      ['const { a, ...rest } = o', /object rest/],
      ['try { f() } catch { }', /catch without a binding/],
      ['async function* g() {}', /async generator/],
      ['async function h() { for await (const x of y) {} }', /for await/],
      ['const r = /a.b/s', /flag s/],
      ['const n = 10n', /BigInt/],
      ['a ||= b', /logical assignment/],
    ];
    for (const [code, want] of cases) assert.match(postEs2017Syntax(code).join('; '), want, code);
  });
});

describe('build/*.js: one CommonJS bundle for every k6', () => {
  it('the build and the shim agree on the module table', () => {
    assert.deepEqual([...K6_STABLE_MODULES].sort(), [...STABLE_MODULES].sort());
    assert.deepEqual(Object.keys(K6_ROUTED_MODULES).sort(), [MODULE_NAMES.timers.modern, MODULE_NAMES.websockets.modern, MODULE_NAMES.redis.extension].sort());
  });

  for (const file of existsSync(BUILD) ? readdirSync(BUILD).filter((f) => f.endsWith('.js')) : ['(none)']) {
    it(`${file}: CommonJS, ES2017 syntax, only recorded modules, nothing that provisions a binary`, () => {
      assert.ok(bundles().includes(file));
      const code = readFileSync(join(BUILD, file), 'utf8');
      assert.deepEqual(postEs2017Syntax(code, file), [], 'syntax newer than ES2017');
      const m = scanModules(code);
      assert.deepEqual(m.esm, [], 'ES module statements');
      assert.match(code, /module\.exports\s*=/, 'CommonJS exports');
      for (const name of m.literal) assert.ok((STABLE_MODULES as readonly string[]).includes(name), `require("${name}") must go through lib/k6/modules.ts`);
      assert.deepEqual(m.dynamic, ['require(name)'], 'one require with a variable name: lib/k6/modules.ts');
      for (const name of m.k6Names) assert.ok(RECORDED_MODULES.includes(name), `${name} is not in the recorded module table`);
      for (const name of [MODULE_NAMES.websockets.modern, MODULE_NAMES.timers.modern, MODULE_NAMES.redis.builtIn, MODULE_NAMES.redis.extension]) {
        assert.ok(m.k6Names.includes(name), `${name} is in the shim's table`);
      }
      // What k6's automatic extension resolution reads: k6 1.2-1.3 (k6deps) scanned the whole file for
      // require("k6/x/...") and import statements; 1.4+ reads import statements and "use k6" directives.
      assert.doesNotMatch(code, /require\(\s*["']k6\/x\//, 'a require literal of an extension');
      assert.doesNotMatch(code, /import\s+(?:[^'"]*\s+from\s+)?['"]k6\/x\//, 'an import of an extension');
      assert.doesNotMatch(code, /["']use +k6/, 'a "use k6" directive');
    });
  }
});

// ---- runtime ----------------------------------------------------------------

const SCENARIO_1 = { scenario: 'threshold-overflow', threshold: 10, intervalMs: 1000 } as const;

interface QueueK6 { k6Version?: string | null; params?: { probes?: boolean } }
const queueK6 = (r: RunResult): QueueK6 | undefined => (r.summary as unknown as { queue_k6?: QueueK6 } | undefined)?.queue_k6;
const count = (r: RunResult, metric: string): number | undefined => r.summary?.metrics[metric]?.values.count;

function assertScenario1Passed(r: RunResult, probes: boolean): void {
  assert.equal(r.code, 0, explain(r));
  assert.deepEqual(r.failed, []);
  assert.equal(count(r, 'queue_admitted_immediately'), 10);
  assert.equal(count(r, 'queue_queued'), 5);
  assert.equal(count(r, 'queue_users_completed'), 15);
  if (probes) assert.equal(r.summary?.metrics.queue_probe_active?.values.max, 10);
  else assert.equal(r.summary?.metrics.queue_probe_active, undefined);
}

describe('scenario 1 with the same build/threshold-overflow.js, tools/k6.sh telling the version', () => {
  for (const line of LINES) {
    it(`k6 v${line}${line === '2.2' ? ' + xk6-redis' : ''} (tools/k6.sh tells the script its version): passes, probes on`, async () => {
      const r = await runScenario({ ...SCENARIO_1, env: { DWELL_MS: '3000', QUEUE_RUNNER_K6_VERSION: line } });
      assertScenario1Passed(r, true);
      assert.match(r.stderr, new RegExp(`using the Node runner as k6 v${line.replace('.', '\\.')}\\.0`));
      assert.equal(queueK6(r)?.k6Version, `k6 v${line}.0 (queue-k6 Node runner)`);
    });
  }

  it('stock k6 v2.2 (no xk6-redis) with REDIS_URL= : nothing Redis is required, passes with the probes off', async () => {
    const r = await runScenario({ ...SCENARIO_1, env: { DWELL_MS: '3000', QUEUE_RUNNER_K6_VERSION: '2.2', QUEUE_RUNNER_EXTENSIONS: '', REDIS_URL: '' } });
    assertScenario1Passed(r, false);
    assert.match(r.stdout, /Redis probes were off \(REDIS_URL empty\)/);
    assert.equal(queueK6(r)?.params?.probes, false);
  });

  it('stock k6 v2.2 with REDIS_URL set: stops in init with one line on how to get k6/x/redis', async () => {
    const r = await runScenario({ ...SCENARIO_1, env: { QUEUE_RUNNER_K6_VERSION: '2.2', QUEUE_RUNNER_EXTENSIONS: '' } });
    assert.equal(r.code, 107, explain(r));
    const hint = (r.stdout + r.stderr).split('\n').filter((l) => l.includes('xk6 build --with github.com/grafana/xk6-redis'));
    assert.equal(hint.length, 1, explain(r));
    assert.match(hint[0]!, /run without the probes with REDIS_URL= /);
    assert.doesNotMatch(r.stderr, /^\s+at .*:\d+/m, 'no stack trace');
  });
});
