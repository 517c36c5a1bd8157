/**
 * On-policy rollout storage and advantage estimation, time-major: sample (t, i) is at t * numEnvs + i.
 *
 * How Gymnasium 1.x next-step autoreset (env/vector.ts) maps onto learning:
 * - When env i ends an episode at step t, step t returns the episode's LAST observation. At t + 1 the
 *   learner still computes V(obs) for env i, which is therefore V(last obs) — exactly the bootstrap a
 *   time-limit truncation needs — and the vector env then resets env i, ignoring the action.
 * - Sample t + 1 of env i is thus not a transition of any episode: `valid` is 0 there, it gets no
 *   advantage, and it is left out of every loss.
 * - GAE (Schulman et al. 2016): for a valid sample,
 *     terminated: delta = r - V(s)                     (nothing after the end of the MDP)
 *     truncated:  delta = r + gamma V(s_last) - V(s)   (bootstrap, and the recursion stops)
 *     otherwise:  delta = r + gamma V(s') - V(s),  A = delta + gamma lambda A'
 *   lambda = 1 gives Monte-Carlo returns minus the baseline (REINFORCE with a learned baseline),
 *   bootstrapped only where an episode is cut (time limit or the end of the rollout).
 *
 * Exploration (agents/exploration/): `exploration()` holds the intrinsic signals. When `useBonus`,
 * GAE runs on reward + bonus (count bonus); when `intCoef` > 0, intCoef × intAdvantages (RND's
 * non-episodic intrinsic GAE) is added to the advantages after `returns` are formed, so the
 * extrinsic critic's target stays the (bonus-shaped) extrinsic return. `rewards` itself is never
 * changed: it is the env's reward.
 */

/** Intrinsic signals of a rollout (allocated on first use). */
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
}

export class RolloutBuffer {
  readonly size: number;
  readonly obs: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly costValues: Float32Array | null;
  readonly rewards: Float32Array;
  readonly costs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  readonly valid: Uint8Array;
  /** V (and cost V) of the observation after the last step, per env: the final bootstrap. */
  readonly lastValues: Float32Array;
  readonly lastCostValues: Float32Array | null;
  /** Filled by `computeAdvantages`. */
  readonly advantages: Float32Array;
  readonly returns: Float32Array;
  readonly costAdvantages: Float32Array | null;
  readonly costReturns: Float32Array | null;
  /** Steps stored in the current rollout (the last rollout of a run may be shorter). */
  steps = 0;
  private ex: ExplorationArrays | null = null;
  private learnRewards: Float32Array | null = null;

  constructor(
    readonly numSteps: number,
    readonly numEnvs: number,
    readonly obsDim: number,
    readonly numActions: number,
    withCost: boolean,
  ) {
    const n = numSteps * numEnvs;
    this.size = n;
    this.obs = new Float32Array(n * obsDim);
    this.masks = new Uint8Array(n * numActions);
    this.actions = new Int32Array(n);
    this.logp = new Float32Array(n);
    this.values = new Float32Array(n);
    this.costValues = withCost ? new Float32Array(n) : null;
    this.rewards = new Float32Array(n);
    this.costs = new Float32Array(n);
    this.terminated = new Uint8Array(n);
    this.truncated = new Uint8Array(n);
    this.valid = new Uint8Array(n);
    this.lastValues = new Float32Array(numEnvs);
    this.lastCostValues = withCost ? new Float32Array(numEnvs) : null;
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
    this.costAdvantages = withCost ? new Float32Array(n) : null;
    this.costReturns = withCost ? new Float32Array(n) : null;
  }

  /** Samples in use (steps × envs). */
  get length(): number {
    return this.steps * this.numEnvs;
  }

  /** The exploration arrays (allocated on first call). */
  exploration(): ExplorationArrays {
    if (!this.ex) {
      const n = this.size;
      this.ex = {
        bonus: new Float32Array(n),
        useBonus: false,
        intRewards: new Float32Array(n),
        intValues: new Float32Array(n),
        intAdvantages: new Float32Array(n),
        intReturns: new Float32Array(n),
        intCoef: 0,
      };
    }
    return this.ex;
  }

  computeAdvantages(gamma: number, lambda: number): void {
    let rewards = this.rewards;
    const ex = this.ex;
    if (ex?.useBonus) {
      this.learnRewards ??= new Float32Array(this.size);
      for (let k = 0; k < this.length; k++) this.learnRewards[k] = this.rewards[k]! + ex.bonus[k]!;
      rewards = this.learnRewards;
    }
    gae(this, rewards, this.values, this.lastValues, gamma, lambda, this.advantages, this.returns);
    if (ex && ex.intCoef > 0) {
      for (let k = 0; k < this.length; k++) if (this.valid[k]) this.advantages[k]! += ex.intCoef * ex.intAdvantages[k]!;
    }
    if (this.costValues && this.lastCostValues && this.costAdvantages && this.costReturns) {
      gae(this, this.costs, this.costValues, this.lastCostValues, gamma, lambda, this.costAdvantages, this.costReturns);
    }
  }

  /** Indices of the valid samples, in storage order. */
  validIndices(): Int32Array {
    let count = 0;
    const n = this.length;
    for (let k = 0; k < n; k++) count += this.valid[k]!;
    const out = new Int32Array(count);
    let j = 0;
    for (let k = 0; k < n; k++) if (this.valid[k]) out[j++] = k;
    return out;
  }
}

function gae(
  b: RolloutBuffer,
  rewards: Float32Array,
  values: Float32Array,
  lastValues: Float32Array,
  gamma: number,
  lambda: number,
  adv: Float32Array,
  ret: Float32Array,
): void {
  const n = b.numEnvs;
  for (let i = 0; i < n; i++) {
    let next = 0; // A of the following sample of this env
    for (let t = b.steps - 1; t >= 0; t--) {
      const k = t * n + i;
      if (!b.valid[k]) {
        adv[k] = 0;
        ret[k] = 0;
        next = 0;
        continue;
      }
      const v = values[k]!;
      const nextV = t + 1 < b.steps ? values[k + n]! : lastValues[i]!;
      let a: number;
      if (b.terminated[k]) a = rewards[k]! - v;
      else if (b.truncated[k]) a = rewards[k]! + gamma * nextV - v;
      else a = rewards[k]! + gamma * nextV - v + gamma * lambda * next;
      adv[k] = a;
      ret[k] = a + v;
      next = a;
    }
  }
}
