import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { escapeXml, failedThresholds, thresholdAggregation, thresholdsJUnit } from './junit';
import type { SummaryData } from './types';

const FIXTURE = new URL('../../test/fixtures/k6-reference/summary-data.json', import.meta.url);
const fixture = (): SummaryData => JSON.parse(readFileSync(FIXTURE, 'utf8')) as SummaryData;

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: string): string {
  assert.doesNotMatch(raw, /</, `raw '<' in ${where}`);
  return raw.replace(/&([^;]*);?/g, (whole, ref: string) => {
    assert.ok(whole.endsWith(';'), `unterminated reference in ${where}: ${raw}`);
    if (ref in ENTITIES) return ENTITIES[ref];
    const num = /^#([0-9]+)$/.exec(ref);
    assert.ok(num, `unknown entity &${ref}; in ${where}`);
    return String.fromCharCode(Number(num[1]));
  });
}

/**
 * A small strict XML reader, enough to prove the report well-formed: one
 * declaration, one root, balanced tags, quoted attributes without raw '<'
 * and only known entity references. Throws (via assert) otherwise.
 */
function parseXml(xml: string): XmlElement {
  assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), 'XML declaration first');
  let rest = xml.slice(xml.indexOf('?>') + 2);
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  const tag = /^<(\/?)([A-Za-z_][\w.-]*)((?:\s+[A-Za-z_][\w.-]*="[^"]*")*)\s*(\/?)>/;
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const text = lt < 0 ? rest : rest.slice(0, lt);
    const top = stack[stack.length - 1];
    if (top === root) assert.match(text, /^\s*$/, 'text outside the root element');
    else top.text += decode(text, `<${top.name}> text`);
    if (lt < 0) break;
    rest = rest.slice(lt);
    const m = tag.exec(rest);
    assert.ok(m, `malformed tag at: ${rest.slice(0, 60)}`);
    const [whole, closing, name, attrText, selfClosing] = m;
    rest = rest.slice(whole.length);
    if (closing) {
      assert.equal(attrText + selfClosing, '', `attributes on </${name}>`);
      const open = stack.pop();
      assert.equal(open?.name, name, `</${name}> closes <${open?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of attrText.matchAll(/([A-Za-z_][\w.-]*)="([^"]*)"/g)) {
      assert.ok(!(a[1] in attrs), `duplicate attribute ${a[1]}`);
      attrs[a[1]] = decode(a[2], `${name}@${a[1]}`);
    }
    const el: XmlElement = { name, attrs, children: [], text: '' };
    if (stack.length === 1) assert.equal(root.children.length, 0, 'a second root element');
    stack[stack.length - 1].children.push(el);
    if (!selfClosing) stack.push(el);
  }
  assert.equal(stack.length, 1, `unclosed <${stack[stack.length - 1].name}>`);
  assert.equal(root.children.length, 1, 'exactly one root element');
  return root.children[0];
}

test('the XML checker rejects what it should', () => {
  assert.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a><b></a></b>'));
  assert.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="1<2"/>'));
  assert.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a>AT&T</a>'));
  assert.throws(() => parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a>'));
  assert.equal(parseXml('<?xml version="1.0" encoding="UTF-8"?>\n<a x="&lt;&#10;"><b/></a>').attrs.x, '<\n');
});

test('fixture: one test case per threshold, failures for the crossed ones', () => {
  const data = fixture();
  const total = Object.values(data.metrics).reduce((n, m) => n + Object.keys(m.thresholds ?? {}).length, 0);
  const failed = Object.values(data.metrics).reduce((n, m) => n + Object.values(m.thresholds ?? {}).filter((t) => !t.ok).length, 0);
  assert.equal(total, 14);
  assert.equal(failed, 2);

  const doc = parseXml(thresholdsJUnit(data, { suiteName: 'scenario-1', timestamp: '2026-11-25T13:15:00' }));
  assert.equal(doc.name, 'testsuites');
  assert.equal(doc.attrs.tests, String(total));
  assert.equal(doc.attrs.failures, String(failed));
  const [suite] = doc.children;
  assert.equal(suite.name, 'testsuite');
  assert.deepEqual([suite.attrs.name, suite.attrs.tests, suite.attrs.failures, suite.attrs.timestamp], ['scenario-1', '14', '2', '2026-11-25T13:15:00']);
  assert.equal(suite.children.length, total);

  const cases = suite.children.map((c) => `${c.attrs.classname} ${c.attrs.name} ${c.children.length}`);
  for (const [metric, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds ?? {})) {
      assert.ok(cases.includes(`${metric} ${expr} ${t.ok ? 0 : 1}`), `${metric} ${expr}`);
    }
  }

  const p90 = suite.children.find((c) => c.attrs.classname === 'ref_trend' && c.attrs.name === 'p(90)<35');
  const failure = p90?.children[0];
  assert.equal(failure?.name, 'failure');
  assert.match(failure!.attrs.message, /observed p\(90\)=37\b/);
  assert.match(failure!.attrs.message, /avg=25 min=10 med=25 max=40 p\(90\)=37 p\(95\)=38\.5/);
  const gauge = suite.children.find((c) => c.attrs.name === 'value>100');
  assert.match(gauge!.children[0].attrs.message, /observed value=3 .*min=3 max=7/);

  const sub = suite.children.find((c) => c.attrs.classname === 'ref_trend{kind:a}');
  assert.equal(sub?.attrs.name, 'max<=20');
});

test('raw XML escapes < > & in attribute values', () => {
  const xml = thresholdsJUnit(fixture(), { suiteName: 's' });
  assert.match(xml, /<testcase classname="ref_trend" name="p\(90\)&lt;35">/);
  assert.match(xml, /classname="ref_trend\{kind:a\}" name="max&lt;=20"/);
  assert.match(xml, /name="rate&gt;=0\.5"/);
});

test('crafted metric key, expression and suite name are escaped and survive a round trip', () => {
  const key = 'evil{tag:"a"<&>\'b\',x:1}';
  const expr = 'p(95)<1 && avg>"2"\n';
  const suiteName = 'A&B <suite> "q"';
  const data: SummaryData = {
    ...fixture(),
    metrics: {
      [key]: { type: 'trend', contains: 'time', values: { avg: 3, 'p(95)': 2 }, thresholds: { [expr]: { ok: false }, 'avg<9': { ok: true } } },
    },
  };
  const xml = thresholdsJUnit(data, { suiteName, timestamp: '<now>' });
  assert.ok(!xml.includes(key) && !xml.includes('p(95)<1'), 'raw text must not appear');
  assert.ok(xml.includes('classname="evil{tag:&quot;a&quot;&lt;&amp;&gt;&apos;b&apos;,x:1}"'));
  const doc = parseXml(xml);
  const suite = doc.children[0];
  assert.equal(suite.attrs.name, suiteName);
  assert.equal(suite.attrs.timestamp, '<now>');
  assert.equal(suite.attrs.tests, '2');
  assert.equal(suite.attrs.failures, '1');
  const bad = suite.children.find((c) => c.children.length === 1)!;
  assert.equal(bad.attrs.classname, key);
  assert.equal(bad.attrs.name, expr);
  assert.match(bad.children[0].attrs.message, /observed p\(95\)=2ms/);
});

test('escapeXml drops characters XML cannot carry', () => {
  assert.equal(escapeXml('a\u0000b\u001bc\uFFFEd'), 'abcd');
  assert.equal(escapeXml('x\uD800y'), 'xy');
  assert.equal(escapeXml('😀'), '😀');
  assert.equal(escapeXml('\t\r\n'), '&#9;&#13;&#10;');
});

test('no thresholds: an empty, still well-formed suite', () => {
  const data: SummaryData = { ...fixture(), metrics: { iterations: { type: 'counter', contains: 'default', values: { count: 1, rate: 1 } } } };
  const doc = parseXml(thresholdsJUnit(data, { suiteName: 'empty' }));
  assert.equal(doc.attrs.tests, '0');
  assert.equal(doc.children[0].children.length, 0);
  assert.deepEqual(failedThresholds(data), []);
});

test('failedThresholds lists the crossed thresholds, sorted', () => {
  assert.deepEqual(failedThresholds(fixture()), [
    { metric: 'ref_gauge', expression: 'value>100' },
    { metric: 'ref_trend', expression: 'p(90)<35' },
  ]);
});

test('thresholdAggregation reads the aggregation of an expression', () => {
  assert.equal(thresholdAggregation('p(95)<500'), 'p(95)');
  assert.equal(thresholdAggregation(' p( 99.9 ) <= 1'), 'p(99.9)');
  assert.equal(thresholdAggregation('rate==1'), 'rate');
  assert.equal(thresholdAggregation('count != 0'), 'count');
  assert.equal(thresholdAggregation('nonsense'), undefined);
});
