/**
 * What the exploration methods share: the intrinsic arrays a rollout carries for them, the part of
 * a rollout they read (declared here, so this folder imports nothing from agents/ above it: the
 * learner's RolloutBuffer, agents/ppo.ts, has this shape), and small helpers.
 */

/**
 * Intrinsic signals of a rollout (the buffer allocates them on first use). When `useBonus`, GAE
 * runs on reward + bonus (count bonus); when `intCoef` > 0, intCoef × intAdvantages (RND's
 * non-episodic intrinsic GAE) is added to the advantages after `returns` are formed, so the
 * extrinsic critic's target stays the (bonus-shaped) extrinsic return. The rollout's `rewards`
 * are never changed: they are the env's reward.
 */
export interface ExplorationArrays {
  /** Count bonus per sample (added to the learning reward when `useBonus`). */
  readonly bonus: Float32Array;
  useBonus: boolean;
  readonly intRewards: Float32Array;
  readonly intValues: Float32Array;
  readonly intAdvantages: Float32Array;
  readonly intReturns: Float32Array;
  /** Weight of intAdvantages in the policy's advantages (0: not used). */
  intCoef: number;
  /** Scratch: reward + bonus, what GAE learns from when `useBonus`. */
  readonly learnRewards: Float32Array;
}

/** The exploration arrays of a rollout of `size` samples, every signal off. */
export function explorationArrays(size: number): ExplorationArrays {
  return {
    bonus: new Float32Array(size),
    useBonus: false,
    intRewards: new Float32Array(size),
    intValues: new Float32Array(size),
    intAdvantages: new Float32Array(size),
    intReturns: new Float32Array(size),
    intCoef: 0,
    learnRewards: new Float32Array(size),
  };
}

/** The reward GAE learns from: the env's `rewards` plus the count bonus when `useBonus`, else `rewards` itself. */
export function learningRewards(ex: ExplorationArrays, rewards: Float32Array, length: number): Float32Array {
  if (!ex.useBonus) return rewards;
  for (let k = 0; k < length; k++) ex.learnRewards[k] = rewards[k]! + ex.bonus[k]!;
  return ex.learnRewards;
}

/** advantages += intCoef × intAdvantages on the valid samples (RND; nothing when intCoef is 0). */
export function addIntrinsicAdvantages(ex: ExplorationArrays, advantages: Float32Array, valid: Uint8Array, length: number): void {
  if (!(ex.intCoef > 0)) return;
  for (let k = 0; k < length; k++) if (valid[k]) advantages[k]! += ex.intCoef * ex.intAdvantages[k]!;
}

/** What the exploration methods read of a rollout, time-major (sample (t, i) at t * numEnvs + i). */
export interface ExplorationRollout {
  readonly numEnvs: number;
  readonly obsDim: number;
  /** Steps stored in the rollout, and samples in use (steps × envs). */
  readonly steps: number;
  readonly length: number;
  readonly obs: Float32Array;
  /** 0 on autoreset samples (not a transition of any episode). */
  readonly valid: Uint8Array;
  /** Indices of the valid samples, in storage order. */
  validIndices(): Int32Array;
  /** The rollout's exploration arrays (allocated on first call). */
  exploration(): ExplorationArrays;
}

/**
 * The observation a sample's action led to: row (t + 1, i) of the rollout, or `curObs` row i after
 * the rollout's last step. For an episode's last step this is its last observation (next-step
 * autoreset writes it at t + 1 before resetting); for an autoreset sample (not a transition) it is
 * meaningless, and callers skip invalid samples.
 */
export function nextObsRow(buf: ExplorationRollout, curObs: Float32Array, k: number): Float32Array {
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
