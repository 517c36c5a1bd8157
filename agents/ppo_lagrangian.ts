/**
 * PPO-Lagrangian (Ray, Achiam & Amodei 2019, "Benchmarking Safe Exploration"; OmniSafe's PPOLag):
 * maximise return subject to E[episode cost] <= costLimit, with a Lagrange multiplier lambda >= 0
 * and PPO on the penalised advantage.
 *
 *   e      = J_c - costLimit          J_c: mean cost (sum of stepCost) of the episodes that ended in
 *                                     this rollout; no update when none ended
 *   I     <- max(0, I + lagrangeLr e)  integral term = projected gradient ascent on lambda
 *   lambda = max(0, I + lagrangeKp e)  plus a proportional term (PID Lagrangian, Stooke, Achiam &
 *                                     Abbeel 2020), which damps the overshoot of pure ascent: lambda
 *                                     falls as soon as the cost is under the limit
 *   A      = (A_r - lambda A_c) / (1 + lambda)     A_c: GAE of the cost with its own critic
 *
 * lambda is updated before the policy, from the rollout the policy just collected, as in OmniSafe.
 * Dividing by (1 + lambda) keeps the advantage's scale bounded as lambda grows.
 *
 * Measured on test/agents/constrained_env.ts (each tick: safe work, reward 0.5, or a shortcut,
 * reward 1 and cost 1; 20 ticks; limit 5; 12,800 env steps, seeds 1–3; mean cost of the last quarter
 * of training episodes): defaults (lagrangeLr 0.02, lagrangeKp 0.1) 5.54–5.93; pure ascent
 * (lagrangeLr 0.05, lagrangeKp 0) 1.60–6.95, swinging to either side; plain PPO 19.2 (seed 1).
 */
import type { Hyperparameters } from './hyperparameters.js';
import type { EpochResult } from './minibatch.js';
import { ppoUpdate, type Learner, type RolloutBuffer } from './ppo.js';

export class LagrangeMultiplier {
  /** The integral part (projected to >= 0), i.e. plain gradient ascent on lambda when kp = 0. */
  integral: number;
  /** The multiplier in force: max(0, integral + kp (J_c - d)). */
  value: number;

  constructor(
    init: number,
    readonly ki: number,
    readonly costLimit: number,
    readonly kp = 0,
  ) {
    if (!(init >= 0)) throw new RangeError(`Lagrange multiplier must start >= 0, got ${init}`);
    this.integral = init;
    this.value = init;
  }

  /** One update from the latest mean episode cost (null: no episode ended; lambda unchanged). */
  update(meanEpisodeCost: number | null): number {
    if (meanEpisodeCost === null) return this.value;
    const err = meanEpisodeCost - this.costLimit;
    this.integral = Math.max(0, this.integral + this.ki * err);
    this.value = Math.max(0, this.integral + this.kp * err);
    return this.value;
  }
}

export function ppoLagrangianUpdate(
  learner: Learner,
  buf: RolloutBuffer,
  h: Hyperparameters,
  learningRate: number,
  multiplier: LagrangeMultiplier,
  meanEpisodeCost: number | null,
): EpochResult {
  if (!buf.costAdvantages) throw new Error('PPO-Lagrangian needs a rollout buffer with a cost critic');
  const lambda = multiplier.update(meanEpisodeCost);
  return ppoUpdate(learner, buf, h, learningRate, (b) => {
    const combined = new Float32Array(b.length);
    const ar = b.advantages;
    const ac = b.costAdvantages!;
    for (let k = 0; k < combined.length; k++) combined[k] = (ar[k]! - lambda * ac[k]!) / (1 + lambda);
    return combined;
  });
}
