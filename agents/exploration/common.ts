/** Helpers the exploration methods share. */
import type { RolloutBuffer } from '../ppo.js';

/**
 * The observation a sample's action led to: row (t + 1, i) of the rollout, or `curObs` row i after
 * the rollout's last step. For an episode's last step this is its last observation (next-step
 * autoreset writes it at t + 1 before resetting); for an autoreset sample (not a transition) it is
 * meaningless, and callers skip invalid samples.
 */
export function nextObsRow(buf: RolloutBuffer, curObs: Float32Array, k: number): Float32Array {
  const d = buf.obsDim;
  const n = buf.numEnvs;
  const next = k + n;
  if (next < buf.length) return buf.obs.subarray(next * d, next * d + d);
  const i = k % n;
  return curObs.subarray(i * d, i * d + d);
}

/**
 * 53-bit FNV-1a-style hash of a sequence of 32-bit integers (two independent 32-bit lanes), exact in
 * a float64, so it can key a Map. Deterministic across platforms.
 */
export class Hash53 {
  private a = 0x811c9dc5;
  private b = 0x01000193 ^ 0x5bd1e995;
  add(x: number): void {
    this.a = Math.imul(this.a ^ x, 0x01000193);
    this.b = Math.imul(this.b ^ (x + 0x9e3779b9), 0x5bd1e995);
    this.b ^= this.b >>> 15;
  }
  value(): number {
    return (this.a >>> 0) * 0x200000 + ((this.b >>> 0) >>> 11);
  }
}
