// Execution segments: parsing, k6's striped allocation, and split runs of the
// CLI checked against the recorded facts (shared/k6-reference/README.md,
// section "Execution segments").
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { planScenarios, normalizeScenarios } from './executors.ts';
import { RunError } from './errors.ts';
import { parseRat, parseSegment, parseSequence, resolveSegments, segmentConfig, sequenceToString } from './segments.ts';
import { TESTDATA, runCli } from './testing.ts';

const tupleOf = (segment: string, sequence: string) => segmentConfig(segment, sequence).tuple;

/** The positions 0..count-1 a segment owns (what iterationInTest takes there). */
function positions(segment: string, sequence: string, count: number): number[] {
  const c = tupleOf(segment, sequence).index1();
  const out: number[] = [];
  for (;;) {
    const [, global] = c.next();
    if (global > count) return out;
    out.push(global - 1);
  }
}

describe('segment syntax (k6 accepts fractions, decimals and whole percentages)', () => {
  it('parses the same share written three ways', () => {
    for (const s of ['1/4', '0.25', '25%', '2.5e-1']) assert.equal(String(parseRat(s)), '1/4', s);
    assert.equal(String(parseSegment('50%:100%')), '1/2:1');
    assert.equal(String(parseSegment('2/4:75%')), '1/2:3/4');
    assert.equal(String(parseSegment('0.5')), '0:1/2', 'a single value is the end of a segment from 0');
    assert.equal(sequenceToString(parseSequence('0,1/4,2/4,0.75,100%')), '0,1/4,1/2,3/4,1');
  });
  it('rejects what k6 rejects, with its reasons', () => {
    assert.throws(() => parseSegment('1/2:1/3'), /segment start\(0\.50\) must be less than its end\(0\.33\)/);
    assert.throws(() => parseSegment('0:3/2'), /segment end value can't be more than 1 but was 1\.50/);
    assert.throws(() => parseSegment('-1/4:1'), /segment start value must be at least 0/);
    assert.throws(() => parseSegment('12.5%:1'), /'12\.5%' is not a valid percentage/);
    assert.throws(() => parseSegment('half:1'), /'half' is not a valid percentage, decimal, fraction or interval value/);
    assert.throws(() => parseSegment('1/0'), /not a valid/);
    assert.throws(() => parseSequence('1'), /at least 2 points/);
    assert.throws(() => parseSequence('0,1/2,1/4,1'), /must be less than its end/);
    assert.throws(() => segmentConfig('1/3:2/3', '0,1/2,1'), /couldn't find segment 1\/3:2\/3 in sequence 0,1\/2,1/);
    assert.throws(() => segmentConfig(null, '0,1/2,1'), /couldn't find segment 0:1/);
  });
  it('a segment alone is completed into a sequence around it', () => {
    const c = segmentConfig('1/4:1/2', null);
    assert.equal(sequenceToString(c.tuple.sequence.segments), '0,1/4,1/2,1');
    assert.equal(c.tuple.index, 1);
  });
});

describe('striped allocation (k6 lib/execution_segment.go)', () => {
  it('the recorded split in two: the first segment owns 0, 2, 4..., the second 1, 3, 5...', () => {
    assert.deepEqual(positions('0:1/2', '0,1/2,1', 8), [0, 2, 4, 6]);
    assert.deepEqual(positions('1/2:1', '0,1/2,1', 8), [1, 3, 5, 7]);
  });
  it('unequal segments interleave as in k6\'s documented example (1/2, 1/4, 1/4)', () => {
    const seq = '0,1/2,3/4,1';
    assert.deepEqual(positions('0:1/2', seq, 12), [0, 2, 4, 6, 8, 10]);
    assert.deepEqual(positions('1/2:3/4', seq, 12), [1, 5, 9]);
    assert.deepEqual(positions('3/4:1', seq, 12), [3, 7, 11]);
    // Its scaling table for 1..12 things.
    const scaled = (seg: string) => Array.from({ length: 12 }, (_, i) => tupleOf(seg, seq).scale(i + 1));
    assert.deepEqual(scaled('0:1/2'), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    assert.deepEqual(scaled('1/2:3/4'), [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
    assert.deepEqual(scaled('3/4:1'), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
  });
  it('for any sequence, the shares add up to the whole and the positions partition it', () => {
    for (const seq of ['0,1/2,1', '0,1/4,2/4,3/4,1', '0,1/3,2/3,1', '0,0.1,0.35,0.6,1', '0,3/5,1']) {
      const segs = parseSequence(seq).map(String);
      for (let v = 0; v <= 40; v++) {
        const sum = segs.reduce((acc, s) => acc + tupleOf(s, seq).scale(v), 0);
        assert.equal(sum, v, `${seq}: shares of ${v}`);
      }
      const all = segs.flatMap((s) => positions(s, seq, 60)).sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: 60 }, (_, i) => i), seq);
    }
  });
  it('a 1-VU scenario runs in exactly one segment', () => {
    for (const seq of ['0,1/2,1', '0,1/4,2/4,3/4,1']) {
      const shares = parseSequence(seq).map((s) => tupleOf(String(s), seq).scale(1));
      assert.deepEqual(shares.filter((n) => n === 1).length, 1, seq);
    }
  });
  it('shared-iterations follows its VUs: a segment without VUs gets no iterations, the others share all', () => {
    const seq = '0,1/4,2/4,3/4,1';
    const scs = normalizeScenarios({ scenarios: { s: { executor: 'shared-iterations', vus: 3, iterations: 10 } } });
    const plans = parseSequence(seq).map((s) => planScenarios(scs, tupleOf(String(s), seq)));
    assert.deepEqual(plans.map((p) => p[0]?.vus ?? 0), [1, 1, 1, 0]);
    const its = plans.map((p) => p[0]?.iterations ?? 0);
    assert.equal(its.reduce((a, b) => a + b, 0), 10);
    assert.equal(plans[3]!.length, 0, 'no work, so the scenario is not run there');
  });
  it('without segments, nothing changes: all VUs, all iterations, numbered from 0', () => {
    const scs = normalizeScenarios({ scenarios: { a: { executor: 'per-vu-iterations', vus: 3, iterations: 2 }, b: { executor: 'shared-iterations', vus: 2, iterations: 5 } } });
    const whole = resolveSegments({}, {}, {}).tuple;
    const plans = planScenarios(scs, whole);
    assert.deepEqual(plans.map((p) => [p.vus, p.iterations]), [[3, 2], [2, 5]]);
    assert.deepEqual([plans[0]!.counter.next(), plans[0]!.counter.next()], [[1, 1], [2, 2]]);
  });
  it('settings come from the flags, then K6_EXECUTION_SEGMENT*, then the script; errors are config errors (104)', () => {
    const r = resolveSegments({ segment: '1/2:1' }, { K6_EXECUTION_SEGMENT: '0:1/2', K6_EXECUTION_SEGMENT_SEQUENCE: '0,1/2,1' }, { executionSegment: '0:1/4' });
    assert.equal(r.segmentText, '1/2:1');
    assert.equal(r.sequenceText, '0,1/2,1');
    assert.equal(resolveSegments({}, {}, { executionSegment: '50%:100%' }).segmentText, '1/2:1');
    const code = (f: () => unknown): number | undefined => {
      try {
        f();
        return undefined;
      } catch (e) {
        return (e as RunError).exitCode;
      }
    };
    assert.equal(code(() => resolveSegments({ segment: '1:0' }, {}, {})), 104);
    assert.equal(code(() => resolveSegments({ sequence: '0,1/2,1' }, {}, {})), 104);
    assert.equal(code(() => resolveSegments({}, {}, { executionSegment: 3 })), 104);
  });
});

interface Line {
  vu: number;
  local: number;
  envVU: number;
  scenario: string;
  iter: number;
}

function parseLines(stderr: string): Line[] {
  return [...stderr.matchAll(/vu=(\d+) local=(\d+) __VU=(\d+) scenario=(\w+) iter=(\d+)/g)].map((m) => ({
    vu: Number(m[1]),
    local: Number(m[2]),
    envVU: Number(m[3]),
    scenario: m[4]!,
    iter: Number(m[5]),
  }));
}

const sorted = (xs: number[]): number[] => [...xs].sort((a, b) => a - b);

// One run at a time: each is a Node process, and the machine has 2 cores.
const T = { timeoutMs: 90_000 };

describe('split runs of the CLI (shared/k6-reference "Execution segments")', () => {
  it('the recorded example: 4 VUs over 0:1/2 and 1/2:1 → VUs 1,3 and 2,4, iterationInTest 0,2 and 1,3; the 1-VU scenario runs once', async () => {
    const script = join(TESTDATA, 'segments-reference.js');
    const runs = await Promise.all(['0:1/2', '1/2:1'].map((seg) => runCli(['run', '-q', '--execution-segment', seg, '--execution-segment-sequence', '0,1/2,1', script], T)));
    const byRun = runs.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return [...r.stderr.matchAll(/vu=(\d+) scenario=(\w+) iter=(\d+)/g)].map((m) => ({ vu: Number(m[1]), scenario: m[2]!, iter: Number(m[3]) }));
    });
    const four = byRun.map((ls) => ls.filter((l) => l.scenario === 'four'));
    assert.deepEqual(sorted(four[0]!.map((l) => l.vu)), [1, 3]);
    assert.deepEqual(sorted(four[1]!.map((l) => l.vu)), [2, 4]);
    assert.deepEqual(sorted(four[0]!.map((l) => l.iter)), [0, 2]);
    assert.deepEqual(sorted(four[1]!.map((l) => l.iter)), [1, 3]);
    const one = byRun.map((ls) => ls.filter((l) => l.scenario === 'one').length);
    assert.deepEqual(sorted(one), [0, 1], 'the 1-VU scenario runs in exactly one of the two instances');
    // exec.test.options shows the segment and the sequence, in lowest terms as k6 prints them.
    const opts = runs.map((r) => JSON.parse(/options (\{.*\})\s+source=console/.exec(r.stderr)![1]!) as Record<string, unknown>);
    assert.deepEqual(opts.map((o) => [o.executionSegment, o.executionSegmentSequence]), [['0:1/2', '0,1/2,1'], ['1/2:1', '0,1/2,1']]);
  });

  async function unionOver(sequence: string | null): Promise<Line[][]> {
    const script = join(TESTDATA, 'segments.js');
    const segs = sequence === null ? [null] : parseSequence(sequence).map(String);
    const runs = [];
    for (const seg of segs) runs.push(await runCli(['run', '-q', ...(seg === null ? [] : ['--execution-segment', seg, '--execution-segment-sequence', sequence!]), script], T));
    return runs.map((r) => {
      assert.equal(r.code, 0, r.stderr);
      return parseLines(r.stderr);
    });
  }

  for (const sequence of ['0,1/2,1', '0,1/4,2/4,3/4,1']) {
    it(`${sequence.split(',').length - 1} segments: together they run exactly the VUs and iterations of an unsplit run, none twice`, async () => {
      const [whole] = await unionOver(null);
      const parts = await unionOver(sequence);
      for (const scenario of ['pervu', 'shared', 'paced']) {
        const vusOf = (ls: Line[]) => [...new Set(ls.filter((l) => l.scenario === scenario).map((l) => l.vu))];
        const unionVUs = parts!.flatMap(vusOf);
        assert.deepEqual(sorted(unionVUs), sorted(vusOf(whole!)), `${scenario}: VUs (idInTest)`);
        assert.equal(new Set(unionVUs).size, unionVUs.length, `${scenario}: a VU in two segments`);
      }
      for (const scenario of ['pervu', 'shared']) {
        const itersOf = (ls: Line[]) => ls.filter((l) => l.scenario === scenario).map((l) => l.iter);
        const union = parts!.flatMap(itersOf);
        assert.deepEqual(sorted(union), sorted(itersOf(whole!)), `${scenario}: iterationInTest`);
        assert.equal(new Set(union).size, union.length, `${scenario}: an iteration in two segments`);
      }
      for (const ls of parts!) {
        // __VU and idInInstance count this instance's VUs from 1.
        const locals = [...new Set(ls.map((l) => l.local))];
        assert.deepEqual(sorted(locals), Array.from({ length: locals.length }, (_, i) => i + 1));
        for (const l of ls) assert.equal(l.local, l.envVU);
      }
      for (const l of whole!) assert.equal(l.vu, l.local, 'unsplit: idInTest is idInInstance');
    });
  }

  it('an invalid segment ends the run as an invalid config (104) with one clear line', async () => {
    const script = join(TESTDATA, 'segments-reference.js');
    const bad = await runCli(['run', '-q', '--execution-segment', '2/3:1/3', script], T);
    assert.equal(bad.code, 104, bad.stderr);
    assert.match(bad.stderr, /invalid --execution-segment '2\/3:1\/3': segment start\(0\.67\) must be less than its end\(0\.33\)/);
    assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
    const notInSeq = await runCli(['run', '-q', '--execution-segment', '0:1/3', '--execution-segment-sequence', '0,1/2,1', script], T);
    assert.equal(notInSeq.code, 104, notInSeq.stderr);
    assert.match(notInSeq.stderr, /couldn't find segment 0:1\/3 in sequence 0,1\/2,1/);
  });
});
