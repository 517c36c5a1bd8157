/**
 * The masked categorical distribution, in plain JS. Actions are drawn here from the policy's
 * probabilities with the run's seeded `Rng` (never with tfjs's unseeded `multinomial`), which is
 * what makes training runs reproducible.
 *
 * Masking: invalid actions (mask 0) get probability exactly 0. A row whose mask allows nothing is
 * treated as unmasked rather than producing NaNs (a NaN would silently poison every later update).
 */
import type { Rng } from '../env/rng.js';

/**
 * Writes the masked softmax of the row `logits[off .. off+n)` into `probs[poff .. poff+n)` and
 * returns log p of every action through `log p(a) = logits[off+a] - shift` (the returned shift is
 * max logit + log normaliser).
 */
export function maskedSoftmax(
  logits: ArrayLike<number>,
  off: number,
  n: number,
  mask: Uint8Array | null,
  moff: number,
  probs: Float32Array | Float64Array,
  poff: number,
): number {
  let useMask = false;
  if (mask) for (let a = 0; a < n; a++) if (mask[moff + a]) useMask = true;
  let max = -Infinity;
  for (let a = 0; a < n; a++) {
    if (useMask && !mask![moff + a]) continue;
    const l = logits[off + a]!;
    if (l > max) max = l;
  }
  let z = 0;
  for (let a = 0; a < n; a++) {
    const e = useMask && !mask![moff + a] ? 0 : Math.exp(logits[off + a]! - max);
    probs[poff + a] = e;
    z += e;
  }
  for (let a = 0; a < n; a++) probs[poff + a] = probs[poff + a]! / z;
  return max + Math.log(z);
}

let scratch = new Float64Array(64);

/**
 * Draws one action from the masked softmax of one row of logits with exactly one `rng.next()`;
 * writes its log-probability to `logpOut[logpIdx]` and returns it.
 */
export function sampleMasked(
  logits: ArrayLike<number>,
  off: number,
  n: number,
  mask: Uint8Array | null,
  moff: number,
  rng: Rng,
  logpOut: Float32Array,
  logpIdx: number,
): number {
  if (scratch.length < n) scratch = new Float64Array(n);
  const shift = maskedSoftmax(logits, off, n, mask, moff, scratch, 0);
  let u = rng.next();
  let chosen = -1;
  for (let a = 0; a < n; a++) {
    const p = scratch[a]!;
    if (p <= 0) continue;
    chosen = a;
    u -= p;
    if (u < 0) break;
  }
  logpOut[logpIdx] = logits[off + chosen]! - shift;
  return chosen;
}
