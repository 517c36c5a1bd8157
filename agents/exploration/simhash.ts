/**
 * Count-based exploration with SimHash (Tang et al. 2017, "#Exploration: A Study of Count-Based
 * Exploration for Deep Reinforcement Learning"):
 *
 *   phi(s) = sgn(A s) in {-1, 1}^k,   A a k × D matrix of N(0, 1) entries, drawn once from the run's
 *            seed (its own stream) and fixed;   s the whole observation the policy sees
 *   bonus for reaching s':  r+ = beta / sqrt(n(phi(s')))
 *
 * added to the reward the agent learns from (not to the reward it is scored on: episodes.csv and
 * every evaluation keep the env's own reward). Counts are updated per rollout, in storage order
 * (time-major), each sample's count incremented before its bonus is read, so n >= 1. The k signs
 * are packed into an integer key (k <= 52). The count table is saved in checkpoints.
 */
import { Rng } from '../../env/rng.js';
import { nextObsRow, type ExplorationRollout } from './common.js';

export interface SimHashState {
  /** [key, count] pairs in insertion order. */
  readonly counts: [number, number][];
}

export class SimHashCounts {
  private readonly proj: Float64Array;
  private counts = new Map<number, number>();

  constructor(
    readonly obsDim: number,
    readonly bits: number,
    readonly beta: number,
    seed: number,
  ) {
    if (!Number.isInteger(bits) || bits < 1 || bits > 52) throw new RangeError(`SimHash bits must be in 1..52, got ${bits}`);
    const rng = Rng.derive(seed, 'simhash-projection');
    this.proj = new Float64Array(bits * obsDim);
    for (let i = 0; i < this.proj.length; i++) this.proj[i] = rng.normal();
  }

  /** phi(s) as an integer in [0, 2^k). */
  key(obs: ArrayLike<number>, off = 0): number {
    const d = this.obsDim;
    let key = 0;
    for (let b = 0; b < this.bits; b++) {
      let s = 0;
      const row = b * d;
      for (let j = 0; j < d; j++) s += this.proj[row + j]! * obs[off + j]!;
      key = key * 2 + (s > 0 ? 1 : 0);
    }
    return key;
  }

  /**
   * Counts the rollout's new observations and writes their bonuses (`scale` × beta / sqrt(n); the
   * caller's annealing factor) into `buf.exploration().bonus`. Returns the mean bonus.
   */
  process(buf: ExplorationRollout, curObs: Float32Array, scale = 1): number {
    const bonus = buf.exploration().bonus;
    let sum = 0;
    let c = 0;
    for (let k = 0; k < buf.length; k++) {
      if (!buf.valid[k]) {
        bonus[k] = 0;
        continue;
      }
      const key = this.key(nextObsRow(buf, curObs, k));
      const n = (this.counts.get(key) ?? 0) + 1;
      this.counts.set(key, n);
      bonus[k] = (scale * this.beta) / Math.sqrt(n);
      sum += bonus[k]!;
      c++;
    }
    return c ? sum / c : 0;
  }

  /** Distinct hash codes seen. */
  get size(): number {
    return this.counts.size;
  }

  count(key: number): number {
    return this.counts.get(key) ?? 0;
  }

  getState(): SimHashState {
    return { counts: [...this.counts.entries()] };
  }

  setState(s: SimHashState): void {
    this.counts = new Map(s.counts);
  }
}
