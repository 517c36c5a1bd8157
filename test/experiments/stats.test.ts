import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../env/rng.js';
import { binomialCdf, bootstrapMean, clopperPearson, holm, resolutionRate, signFlipLowerP, signFlipTest, signFlipUpperBound, wilson } from '../../stats/index.js';

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('sign-flip p-values by hand: 3 seeds enumerate 8 assignments', () => {
  // All positive: only the identity reaches the observed sum 0.6.
  assert.deepEqual(signFlipTest([0.1, 0.2, 0.3]), { p: 1 / 8, exact: true, minP: 1 / 8 });
  // Sums of ±0.3 ±0.1 ±0.2: 0.6, 0.4, 0.2, 0, 0, -0.2, -0.4, -0.6; observed 0.4 -> 2 of 8 reach it.
  assert.equal(signFlipTest([0.3, -0.1, 0.2]).p, 2 / 8);
  // No effect anywhere: every assignment ties with the observed 0.
  assert.equal(signFlipTest([0, 0, 0]).p, 1);
  // Negative effect: the observed sum is the minimum, so all 8 assignments reach it.
  assert.equal(signFlipTest([-0.1, -0.2, -0.3]).p, 1);
  // 10 seeds, all positive: 2^-10.
  assert.equal(signFlipTest(Array(10).fill(0.2)).p, 1 / 1024);
  assert.equal(signFlipTest([]).p, 1);
});

test('sign-flip p-value equals brute-force enumeration (fast-check)', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 9 }), (ints) => {
      const d = ints.map((v) => v / 10);
      const n = d.length;
      const obs = ints.reduce((a, v) => a + v, 0);
      let hits = 0;
      for (let m = 0; m < 2 ** n; m++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += (m >> i) & 1 ? -ints[i]! : ints[i]!;
        if (s >= obs) hits++;
      }
      close(signFlipTest(d).p, hits / 2 ** n, 1e-12);
    }),
    { numRuns: 200 },
  );
});

test('beyond the exact limit the p-value is a seeded Monte Carlo estimate', () => {
  const d = Array.from({ length: 22 }, (_, i) => (i % 3 === 0 ? -0.05 : 0.1));
  const a = signFlipTest(d, new Rng(1));
  const b = signFlipTest(d, new Rng(1));
  assert.equal(a.exact, false);
  assert.equal(a.p, b.p);
  assert.ok(a.p < 0.01);
});

test('Holm step-down adjustment by hand', () => {
  // m = 3: sorted 0.01 (x3 = 0.03), 0.03 (x2 = 0.06), 0.04 (x1 = 0.04, raised to 0.06 to keep order).
  assert.deepEqual(holm([0.01, 0.04, 0.03]).map((v) => +v.toFixed(10)), [0.03, 0.06, 0.06]);
  assert.deepEqual(holm([0.5, 0.9]), [1, 1]);
  assert.deepEqual(holm([]), []);
  // 40 hypotheses (8 behaviours x 5 shapings), 10 seeds: the best p 1/1024 survives (0.039 < 0.05); 8 seeds could not (0.156).
  assert.ok(holm([1 / 1024, ...Array(39).fill(1)])[0]! < 0.05);
  assert.ok(holm([1 / 256, ...Array(39).fill(1)])[0]! > 0.05);
});

test('upper bound by test inversion, by hand', () => {
  // Effects [0.2, 0, 0, 0, 0]: for delta < 0.2 flipping the first seed also reaches the observed
  // lower tail (2/32 > 0.05); above 0.2 only the identity does (1/32): U = 0.2.
  close(signFlipUpperBound([0.2, 0, 0, 0, 0])!, 0.2, 1e-5);
  close(signFlipUpperBound([0.1, 0.1, 0.1, 0.1, 0.1])!, 0.1, 1e-5);
  close(signFlipUpperBound([0, 0, 0, 0, 0])!, 0, 1e-5);
  // 4 seeds: the smallest p is 1/16 > 0.05, nothing can be excluded.
  assert.equal(signFlipUpperBound([0, 0, 0, 0]), null);
  // The bound lies above the mean, and the test rejects at it.
  const d = [0.05, -0.02, 0.1, 0, 0.03, -0.01, 0.04, 0.02];
  const u = signFlipUpperBound(d)!;
  assert.ok(u > 0.0263);
  assert.ok(signFlipLowerP(d, u + 1e-6) <= 0.05);
  assert.ok(signFlipLowerP(d, u - 1e-3) > 0.05);
});

test('Wilson and Clopper-Pearson intervals match hand-computed values', () => {
  const w = wilson(10, 100); // the example: 10 hits in 100 episodes
  close(w.lo, 0.05523);
  close(w.hi, 0.17437);
  // k = 0: hi = 1 - 0.025^(1/n); k = n: lo = 0.025^(1/n).
  const z = clopperPearson(0, 10);
  assert.equal(z.lo, 0);
  close(z.hi, 1 - 0.025 ** 0.1);
  const f = clopperPearson(10, 10);
  close(f.lo, 0.025 ** 0.1);
  assert.equal(f.hi, 1);
  const one = clopperPearson(1, 10); // tables: [0.00253, 0.44502]
  close(one.lo, 0.00253);
  close(one.hi, 0.44502);
  close(binomialCdf(1, 3, 0.5), 0.5, 1e-12);
});

test('bootstrap interval is seeded and degenerate on constant data', () => {
  const v = [0.1, 0.4, 0.2, 0.3];
  assert.deepEqual(bootstrapMean(v, new Rng(3), 500), bootstrapMean(v, new Rng(3), 500));
  const c = bootstrapMean([0.2, 0.2, 0.2], new Rng(0), 200);
  close(c.lo, 0.2, 1e-12);
  close(c.hi, 0.2, 1e-12);
  const i = bootstrapMean(v, new Rng(0), 2000);
  assert.ok(i.lo >= 0.1 && i.lo < 0.25 && i.hi > 0.25 && i.hi <= 0.4);
});

test('evaluation resolution: the rate 100 episodes see at least once with 95% probability', () => {
  close(resolutionRate(100), 1 - 0.05 ** 0.01);
  close(resolutionRate(100), 0.0295, 1e-3);
});
