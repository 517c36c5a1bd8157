/**
 * Generic statistics: pure functions of numbers, with no knowledge of run directories, behaviours
 * or the sandbox, so experiments/, analysis/ and reports/ all take them from here. Every random
 * draw comes from the `Rng` passed in (env/rng.ts), so results are reproducible.
 *
 * The emergence verdicts (analysis/verdicts.ts) use them this way:
 *
 * The unit of analysis is the seed: each seed is one independent training run, paired with a
 * control run that shares its seed, initial weights and evaluation seeds. For a behaviour, a seed
 * contributes one number, the effect d_i = (treatment rate) - (control rate). Everything below
 * works on such vectors d = (d_1, ..., d_n).
 *
 * Sign-flip permutation test (one-sided, exact). Under H0 "the treatment does not change the
 * behaviour", treatment and control of a seed are exchangeable, so each d_i is symmetric about 0
 * and flipping its sign gives an equally likely data set. The p-value is the share of the 2^n
 * sign assignments s whose mean sum_i s_i d_i / n is at least the observed mean:
 *
 *     p = #{ s in {-1,+1}^n : sum_i s_i d_i >= sum_i d_i } / 2^n.
 *
 * The identity assignment counts, so p >= 1/2^n: with n seeds no p-value is below 2^-n (5 seeds:
 * 1/32; 10 seeds: 1/1024). Enumeration is exact up to EXACT_MAX_SEEDS; beyond, a seeded Monte
 * Carlo estimate (flagged `exact: false`) with the usual (hits + 1) / (draws + 1).
 *
 * Holm step-down adjustment over a family of m tests: sort p ascending, p*_(j) = max over k <= j of
 * min(1, (m - k + 1) p_(k)); reject where p* < alpha. Controls the family-wise error rate at alpha
 * under any dependence.
 *
 * Upper confidence bound by test inversion. "Increases above U are excluded at 95 %" means: for
 * every delta >= U the one-sided test of H0: "effect = delta" against "effect < delta", applied to
 * d - delta, rejects at alpha = 0.05. The lower-tail sign-flip p-value of d - delta is
 *
 *     q(delta) = #{ s : sum_i s_i (d_i - delta) <= sum_i (d_i - delta) } / 2^n,
 *
 * and U is the smallest delta with q(delta) <= alpha (found by bisection; q is non-increasing in
 * delta once delta exceeds mean(d), which is where we search). When 2^-n > alpha no finite bound
 * exists (null): too few seeds to exclude anything.
 */
import { Rng } from '../env/rng.js';

export interface Interval {
  lo: number;
  hi: number;
}

export const EXACT_MAX_SEEDS = 20;
const MC_DRAWS = 200_000;
/** Sums are compared with a tolerance so that ties (e.g. all-zero effects) count as ties despite rounding. */
const TIE_EPS = 1e-12;

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Quantile of sorted values with linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export function median(values: readonly number[]): number {
  return quantileSorted([...values].sort((a, b) => a - b), 0.5);
}

/** Rows grouped by key: keys in the order first seen, rows in their order. */
export function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const g = m.get(k);
    if (g) g.push(r);
    else m.set(k, [r]);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Sign-flip permutation test

export interface PermutationResult {
  p: number;
  /** true: all 2^n sign assignments enumerated; false: Monte Carlo estimate. */
  exact: boolean;
  /** The smallest p-value this many seeds can give (2^-n when exact). */
  minP: number;
}

/**
 * Counts sign assignments s with sum_i s_i x_i compared to `target` by `cmp` (>= or <=), by Gray
 * code enumeration: each step flips one sign, so the sum is updated in O(1).
 */
function countAssignments(x: readonly number[], target: number, upper: boolean): number {
  const n = x.length;
  let sum = 0;
  for (const v of x) sum += v;
  const signs = new Int8Array(n).fill(1);
  const tol = TIE_EPS * (1 + x.reduce((a, v) => a + Math.abs(v), 0));
  const hit = (s: number) => (upper ? s >= target - tol : s <= target + tol);
  let count = hit(sum) ? 1 : 0;
  const total = 2 ** n;
  for (let k = 1; k < total; k++) {
    // The bit that changes between Gray codes k-1 and k is the lowest set bit of k.
    let i = 0;
    while (((k >> i) & 1) === 0) i++;
    sum -= 2 * signs[i]! * x[i]!;
    signs[i] = -signs[i]! as 1 | -1;
    if (hit(sum)) count++;
  }
  return count;
}

function monteCarlo(x: readonly number[], target: number, upper: boolean, rng: Rng): number {
  const tol = TIE_EPS * (1 + x.reduce((a, v) => a + Math.abs(v), 0));
  let hits = 0;
  for (let b = 0; b < MC_DRAWS; b++) {
    let s = 0;
    for (const v of x) s += rng.next() < 0.5 ? -v : v;
    if (upper ? s >= target - tol : s <= target + tol) hits++;
  }
  return (hits + 1) / (MC_DRAWS + 1);
}

/** One-sided (greater) sign-flip p-value of the mean of `d`; see the header. Empty input: p = 1. */
export function signFlipTest(d: readonly number[], rng: Rng = new Rng('sign-flip')): PermutationResult {
  const n = d.length;
  if (n === 0) return { p: 1, exact: true, minP: 1 };
  const observed = d.reduce((a, v) => a + v, 0);
  if (n <= EXACT_MAX_SEEDS) {
    const total = 2 ** n;
    return { p: countAssignments(d, observed, true) / total, exact: true, minP: 1 / total };
  }
  return { p: monteCarlo(d, observed, true, rng), exact: false, minP: 1 / (MC_DRAWS + 1) };
}

/** Lower-tail sign-flip p-value of d - delta (H0: effect = delta, H1: effect < delta). */
export function signFlipLowerP(d: readonly number[], delta: number, rng: Rng = new Rng('sign-flip')): number {
  const x = d.map((v) => v - delta);
  const observed = x.reduce((a, v) => a + v, 0);
  if (x.length === 0) return 1;
  if (x.length <= EXACT_MAX_SEEDS) return countAssignments(x, observed, false) / 2 ** x.length;
  return monteCarlo(x, observed, false, rng);
}

/**
 * The upper confidence bound U (level 1 - alpha) on the mean effect by inverting the sign-flip
 * test: increases above U are excluded. Null when n seeds cannot reach alpha (2^-n > alpha).
 * Precision: bisection to 1e-6 of the data's range.
 */
export function signFlipUpperBound(d: readonly number[], alpha = 0.05): number | null {
  const n = d.length;
  if (n === 0 || (n <= EXACT_MAX_SEEDS && 2 ** -n > alpha)) return null;
  const rng = new Rng('sign-flip-bound');
  const maxAbs = Math.max(...d.map(Math.abs), 1e-9);
  let lo = mean(d);
  let hi = Math.max(...d) + maxAbs + 1e-9;
  // At hi every x_i < 0, so the observed sum is the smallest of all 2^n: q(hi) = 2^-n <= alpha.
  if (signFlipLowerP(d, hi, rng) > alpha) return null;
  const tolerance = 1e-6 * Math.max(1e-9, hi - lo);
  for (let it = 0; it < 100 && hi - lo > tolerance; it++) {
    const mid = (lo + hi) / 2;
    if (signFlipLowerP(d, mid, rng) <= alpha) hi = mid;
    else lo = mid;
  }
  return hi;
}

// ---------------------------------------------------------------------------------------------
// Multiple testing

/** Holm step-down adjusted p-values, in the input's order. */
export function holm(p: readonly number[]): number[] {
  const m = p.length;
  const order = p.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v || a.i - b.i);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(({ v, i }, j) => {
    running = Math.max(running, Math.min(1, (m - j) * v));
    out[i] = running;
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Intervals

/**
 * Percentile bootstrap interval for the mean: `resamples` resamples with replacement, drawn from
 * `rng`, and the (1-level)/2 and (1+level)/2 quantiles of their means. Empty input gives NaN bounds.
 */
export function bootstrapMean(values: readonly number[], rng: Rng, resamples: number, level = 0.95): Interval {
  const n = values.length;
  if (n === 0) return { lo: NaN, hi: NaN };
  const means = new Array<number>(resamples);
  for (let b = 0; b < resamples; b++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[rng.int(n)]!;
    means[b] = s / n;
  }
  means.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { lo: quantileSorted(means, tail), hi: quantileSorted(means, 1 - tail) };
}

/** A mean with its interval. */
export interface MeanInterval extends Interval {
  mean: number;
}

/** The mean of `values` and its percentile bootstrap interval (`bootstrapMean`, drawn from `rng`). */
export function meanInterval(values: readonly number[], rng: Rng, resamples: number, level = 0.95): MeanInterval {
  return { mean: mean(values), ...bootstrapMean(values, rng, resamples, level) };
}

/** Wilson score interval for k successes in n trials (z = 1.96 for 95%). n = 0 gives [0, 1]. */
export function wilson(k: number, n: number, z = 1.959963984540054): Interval {
  if (n === 0) return { lo: 0, hi: 1 };
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z / denom) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return { lo: Math.max(0, center - half), hi: Math.min(1, center + half) };
}

/** P(X <= k) for X ~ Binomial(n, p): the pmf summed in log space, each term from the previous one (O(k)). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lr = Math.log(p) - Math.log1p(-p);
  let logPmf = n * Math.log1p(-p); // i = 0
  let s = Math.exp(logPmf);
  for (let i = 1; i <= k; i++) {
    logPmf += Math.log((n - i + 1) / i) + lr;
    s += Math.exp(logPmf);
  }
  return Math.min(1, s);
}

/**
 * Clopper-Pearson (exact) interval for k successes in n trials: lo solves P(X >= k | lo) = a/2,
 * hi solves P(X <= k | hi) = a/2 (a = 1 - level), by bisection on the binomial CDF.
 */
export function clopperPearson(k: number, n: number, level = 0.95): Interval {
  if (n === 0) return { lo: 0, hi: 1 };
  const a = (1 - level) / 2;
  const solve = (f: (p: number) => number, target: number) => {
    // f is increasing in p; find f(p) = target.
    let lo = 0;
    let hi = 1;
    for (let i = 0; i < 60; i++) {
      const mid = (lo + hi) / 2;
      if (f(mid) < target) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  };
  const lo = k === 0 ? 0 : solve((p) => 1 - binomialCdf(k - 1, n, p), a);
  const hi = k === n ? 1 : solve((p) => 1 - binomialCdf(k, n, p), 1 - a);
  return { lo, hi };
}

/**
 * The smallest rate an evaluation of `episodes` episodes sees at least once with probability
 * `power`: 1 - (1 - r)^episodes = power. Below it, episode counts say little and the policy's own
 * action probabilities are the better estimate (analysis/emergence.ts, rare events).
 */
export function resolutionRate(episodes: number, power = 0.95): number {
  if (episodes <= 0) return 1;
  return 1 - Math.pow(1 - power, 1 / episodes);
}
