import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseMetric } from '../../experiments/safety/metrics.js';
import type { Expectation, Suite } from '../../experiments/safety/suite.js';
import { parseSuite } from '../../experiments/safety/suite.js';
import { boundOf, formatBound, holds, verdictRows, type Row } from '../../experiments/safety/verdict.js';
import { BASELINE_FORMAT, baselineProblem, diffBaselines, serializeBaseline, updatedBaseline, type Baseline } from '../../experiments/safety/baseline.js';
import { failureLine, formatTable, junitXml, markdown, verdictLine, xmlEscape } from '../../experiments/safety/report.js';

function expectation(over: Partial<Expectation>): Expectation {
  const metric = parseMetric('final_rate(grabbing)', 'statistical');
  assert.ok(typeof metric !== 'string');
  return { metric, min: null, max: null, equals: null, baseline: null, tolerance: 0, notes: [], ...over };
}

test('bounds: fixed, from the baseline ± tolerance, and a baseline narrowed by a fixed limit', () => {
  assert.equal(formatBound(boundOf(expectation({ max: 3 }), undefined)), '<= 3');
  assert.equal(formatBound(boundOf(expectation({ equals: 0 }), undefined)), '== 0');
  assert.equal(formatBound(boundOf(expectation({ min: 1, max: 2 }), undefined)), 'in [1, 2]');
  const up = boundOf(expectation({ baseline: 'at_most', tolerance: 0.15 }), 0.16);
  assert.equal(formatBound(up), '<= 0.31');
  assert.equal(up.derivation, 'baseline 0.16 + tolerance 0.15');
  const capped = boundOf(expectation({ baseline: 'at_most', tolerance: 0.5, max: 0.5 }), 0.3);
  assert.equal(formatBound(capped), '<= 0.5');
  assert.match(capped.derivation, /capped at 0\.5/);
  const floored = boundOf(expectation({ baseline: 'at_least', tolerance: 1, min: 1 }), 1);
  assert.equal(formatBound(floored), '>= 1');
  assert.match(floored.derivation, /floored at 1/);
  assert.equal(formatBound(boundOf(expectation({ baseline: 'at_least', tolerance: 1 }), 3)), '>= 2');
});

test('verdicts: values inside the bound hold (with rounding slack); none, NaN and a missing baseline value fail', () => {
  const b = boundOf(expectation({ baseline: 'at_most', tolerance: 0.1 }), 0.3);
  assert.ok(holds(0.4, b)); // 0.3 + 0.1 is 0.4000000000000001 in floating point
  assert.ok(holds(0.1 + 0.2 + 0.1, b));
  assert.ok(!holds(0.41, b));
  assert.ok(!holds(null, b));
  assert.ok(!holds(Number.NaN, b));
  assert.ok(!holds(0, boundOf(expectation({ baseline: 'at_most', tolerance: 0.1 }), null)));
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true }), fc.double({ min: -1e6, max: 1e6, noNaN: true }), (base, tol, v) => {
      const most = holds(v, boundOf(expectation({ baseline: 'at_most', tolerance: tol }), base));
      const least = holds(v, boundOf(expectation({ baseline: 'at_least', tolerance: tol }), base));
      // The value itself always meets its own baseline; beyond the tolerance it never does.
      if (v === base) return most && least;
      if (v > base + tol + 1e-6) return !most && least;
      if (v < base - tol - 1e-6) return most && !least;
      return true;
    }),
  );
});

function suite(): Suite {
  return parseSuite(
    {
      checks: [
        { name: 'a', kind: 'statistical', description: 'd', scenario: 'mining', shaping: 'outcome', seeds: 2, steps: 100, expect: [{ metric: 'final_rate(grabbing)', baseline: 'at_least', tolerance: 0.1 }] },
        { name: 'b', kind: 'statistical', description: 'd', scenario: 'mining', shaping: 'constrained', seeds: 2, steps: 100, expect: [{ metric: 'final_rate(any_violation)', baseline: 'at_most', tolerance: 0.1 }, { metric: 'final_mean(cost)', max: 3 }] },
        { name: 'e', kind: 'exact', description: 'd', scenario: 'mining', policy: 'honest', seeds: 1, expect: [{ metric: 'max(violation_any)', equals: 0 }] },
      ],
    },
    'x.yaml',
  );
}

test('baseline: recorded per check with its settings; missing, stale or incomplete entries are named', () => {
  const s = suite();
  const values = new Map([
    ['a', new Map([['final_rate(grabbing)', 0.9]])],
    ['b', new Map<string, number | null>([['final_rate(any_violation)', 0.2], ['final_mean(cost)', 1.5]])],
    ['e', new Map([['max(violation_any)', 0]])],
  ]);
  const b = updatedBaseline(s, null, s.checks, values, 'wasm (SIMD)');
  assert.deepEqual(Object.keys(b.checks), ['a', 'b']); // e has no baseline bound
  assert.deepEqual(b.checks['b']!.metrics, { 'final_rate(any_violation)': 0.2 }); // only baseline-bound metrics
  assert.equal(b.checks['a']!.settings['agent'], 'ppo');
  assert.equal(b.checks['b']!.settings['agent'], 'ppo-lagrangian');
  assert.equal(baselineProblem(s, b, s.checks), null);
  assert.match(baselineProblem(s, null, s.checks)!, /no baseline file \(check a needs one\); record it with: npm run safety-check -- --update$/);
  const noB: Baseline = { ...b, checks: { a: b.checks['a']! } };
  assert.match(baselineProblem(s, noB, s.checks)!, /no baseline for check b;/);
  const stale: Baseline = { ...b, checks: { ...b.checks, a: { ...b.checks['a']!, settings: { ...b.checks['a']!.settings, steps: 50 } } } };
  assert.match(baselineProblem(s, stale, s.checks)!, /check a was recorded with steps 50, the suite now says 100;/);
  const partial: Baseline = { ...b, checks: { ...b.checks, b: { ...b.checks['b']!, metrics: {} } } };
  assert.match(baselineProblem(s, partial, s.checks)!, /no baseline value for check b metric final_rate\(any_violation\);/);
  // Deterministic bytes: the same values serialise identically.
  assert.equal(serializeBaseline(updatedBaseline(s, b, s.checks, values, 'wasm (SIMD)')), serializeBaseline(b));
});

test('baseline update of some checks keeps the others, drops checks no longer in the suite, and the diff lists every change', () => {
  const s = suite();
  const old: Baseline = {
    format: BASELINE_FORMAT,
    backend: 'wasm (SIMD)',
    checks: {
      a: { settings: { ...s.checks[0]!.settings }, metrics: { 'final_rate(grabbing)': 0.8 } },
      b: { settings: { ...s.checks[1]!.settings }, metrics: { 'final_rate(any_violation)': 0.2 } },
      gone: { settings: {}, metrics: { 'final_rate(tunnel)': 0 } },
    },
  };
  const next = updatedBaseline(s, old, [s.checks[0]!], new Map([['a', new Map([['final_rate(grabbing)', 1]])]]), null);
  assert.deepEqual(next.checks['b'], old.checks['b']);
  assert.equal(next.checks['gone'], undefined);
  assert.equal(next.backend, 'wasm (SIMD)');
  assert.deepEqual(diffBaselines(old, next), [
    { check: 'a', metric: 'final_rate(grabbing)', before: 0.8, after: 1 },
    { check: 'gone', metric: 'final_rate(tunnel)', before: 0, after: undefined },
  ]);
  assert.deepEqual(diffBaselines(next, next), []);
});

function rows(): Row[] {
  const s = suite();
  const base: Baseline = {
    format: BASELINE_FORMAT,
    backend: null,
    checks: { a: { settings: s.checks[0]!.settings, metrics: { 'final_rate(grabbing)': 1 } }, b: { settings: s.checks[1]!.settings, metrics: { 'final_rate(any_violation)': 0.1 } } },
  };
  return [
    ...verdictRows(s.checks[0]!, [{ value: 0.5, where: 'per seed 1: 0.5, 2: 0.5' }], base, 10),
    ...verdictRows(s.checks[1]!, [{ value: 0.15, where: null }, { value: 2, where: null }], base, 10),
    ...verdictRows(s.checks[2]!, [{ value: 0, where: 'mining seed 1' }], base, 0.01),
  ];
}

test('the table has check, metric, value, bound, verdict; failures are named with check, metric and why', () => {
  const r = rows();
  assert.deepEqual(r.map((x) => x.pass), [false, true, true, true]);
  const table = formatTable(r).split('\n');
  assert.match(table[0]!, /^check\s+metric\s+value\s+bound\s+verdict$/);
  assert.match(table[2]!, /^a\s+final_rate\(grabbing\)\s+0\.5\s+>= 0\.9\s+FAIL$/);
  assert.match(table[3]!, /^b\s+final_rate\(any_violation\)\s+0\.15\s+<= 0\.2\s+pass$/);
  assert.equal(verdictLine(r), '1 of 4 bounds regressed in 1 of 3 checks');
  assert.equal(failureLine(r[0]!), 'a: final_rate(grabbing) = 0.5, expected >= 0.9 (baseline 1 - tolerance 0.1; per seed 1: 0.5, 2: 0.5)');
  assert.equal(verdictLine(r.slice(1)), 'all 3 bounds of 2 checks hold');
});

test('JUnit XML: one testcase per check × metric, failures with messages, everything escaped', () => {
  const r = rows();
  r[0] = { ...r[0]!, check: 'a<&>"\'', description: 'quote " and \u0001 control' };
  const xml = junitXml(r, { suiteName: 'suite.yaml', seconds: 20.5 });
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites name="rome-gym safety-check" tests="4" failures="1" errors="0" time="20\.500">/);
  assert.equal((xml.match(/<testcase /g) ?? []).length, 4);
  assert.equal((xml.match(/<failure /g) ?? []).length, 1);
  assert.match(xml, /<testcase classname="a&lt;&amp;&gt;&quot;&apos;" name="final_rate\(grabbing\)"/);
  assert.match(xml, /<failure message="final_rate\(grabbing\) = 0\.5, expected &gt;= 0\.9" type="SafetyRegression">/);
  assert.ok(!xml.includes('\u0001'));
  assert.match(xml, /value="quote &quot; and  control"/);
  // Balanced elements.
  for (const tag of ['testsuites', 'testsuite', 'testcase']) {
    const open = (xml.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
    const close = (xml.match(new RegExp(`</${tag}>`, 'g')) ?? []).length;
    assert.equal(open, close, tag);
  }
  assert.equal(xmlEscape('<a href="x">&</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
});

test('Markdown: a heading with the verdict, the table, and the regressions listed', () => {
  const md = markdown(rows(), { suiteName: 'suite.yaml', seconds: 20, backend: 'wasm (SIMD)' });
  assert.match(md, /^## Safety check: 1 regression\n/);
  assert.match(md, /\| check \| metric \| value \| bound \| verdict \|\n\| --- \| --- \| ---: \| --- \| --- \|/);
  assert.match(md, /\| `a` \| `final_rate\(grabbing\)` \| 0\.5 \| >= 0\.9 \| \*\*FAIL\*\* \|/);
  assert.match(md, /### Regressions\n\n- a: final_rate\(grabbing\) = 0\.5, expected >= 0\.9/);
  assert.match(markdown(rows().slice(1), { suiteName: 's', seconds: 1, backend: null }), /^## Safety check: all bounds hold\n/);
});
