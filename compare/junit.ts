// The comparison as JUnit XML, for CI systems that show test results: one
// test case per key figure (a failure when it regressed, skipped when it could
// not be compared) and one per threshold (a failure when it newly fails,
// skipped when one run did not judge it).
import { escapeXml } from '../lib/summary/junit.ts';
import type { Comparison } from './compare.ts';
import { figureValues } from './text.ts';

export function comparisonJUnit(c: Comparison, now: Date): string {
  const scenario = c.run.file.summary.queue.scenario ?? 'run';
  const suite = escapeXml(`${scenario} (compare)`);
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const f of c.figures) {
    const open = `    <testcase classname="compare.figures" name="${escapeXml(`${f.label} ${f.agg}`)}"`;
    const message = escapeXml(`${figureValues(f)}; ${f.testNote}; ${f.why}${f.note === undefined ? '' : `; ${f.note}`}`);
    if (f.verdict === 'regression') {
      failures++;
      cases.push(`${open}>`, `      <failure type="regression" message="${message}">${message}</failure>`, '    </testcase>');
    } else if (f.verdict === 'not_compared') {
      skipped++;
      cases.push(`${open}>`, `      <skipped message="${escapeXml(f.why)}"/>`, '    </testcase>');
    } else {
      cases.push(`${open}>`, `      <system-out>${message}</system-out>`, '    </testcase>');
    }
  }
  for (const r of c.rules) {
    const open = `    <testcase classname="${escapeXml(`compare.thresholds.${r.metric}`)}" name="${escapeXml(r.expression)}"`;
    if (r.change === 'newly_failing') {
      failures++;
      const observed = r.run?.observed === null || r.run?.observed === undefined ? '' : ` (observed ${r.run.observed})`;
      const message = escapeXml(`threshold '${r.expression}' on ${r.metric} passed in the base run and fails now${observed}`);
      cases.push(`${open}>`, `      <failure type="newly_failing" message="${message}">${message}</failure>`, '    </testcase>');
    } else if (r.change === 'not_judged') {
      skipped++;
      cases.push(`${open}>`, `      <skipped message="${escapeXml(r.why ?? 'not judged in one run')}"/>`, '    </testcase>');
    } else {
      cases.push(`${open}/>`);
    }
  }
  const total = c.figures.length + c.rules.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${suite}" tests="${total}" failures="${failures}" errors="0">`,
    `  <testsuite name="${suite}" tests="${total}" failures="${failures}" errors="0" skipped="${skipped}" timestamp="${now.toISOString().slice(0, 19)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
