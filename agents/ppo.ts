/**
 * Proximal Policy Optimization (Schulman et al. 2017), clipped-surrogate variant, following
 * CleanRL's ppo.py where it can:
 *
 *   ratio   = exp(log pi(a|s) - log pi_old(a|s))
 *   L_pi    = mean(max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps)))      (A standardised per minibatch)
 *   L_V     = 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, ±eps) - R)^2))   (value clipping)
 *   loss    = L_pi - c_ent H + c_V L_V [+ c_V L_Vcost] [+ beta KL(pi || prior)]
 *
 * with GAE advantages (rollout.ts), `updateEpochs` passes over shuffled minibatches, global
 * gradient-norm clipping and Adam (adam.ts), linear learning-rate annealing (train.ts), and an
 * optional early stop when the approximate KL (the k3 estimator, mean of (ratio - 1) - log ratio)
 * passes `targetKl`. Gradients: gradients.ts (closed form; reference_loss.ts is the autodiff twin).
 */
import type { Rng } from '../env/rng.js';
import type { Adam } from './adam.js';
import type { ObjectiveConfig } from './gradients.js';
import type { Hyperparameters } from './hyperparameters.js';
import type { Policy } from './policy.js';
import type { RolloutBuffer } from './rollout.js';
import { runEpochs, type EpochResult } from './update.js';

export function ppoObjective(policy: Policy, h: Hyperparameters): ObjectiveConfig {
  return {
    policyTerm: 'ppo-clip',
    clipCoef: h.clipCoef,
    valueClip: h.clipVloss ? h.clipCoef : 0,
    entCoef: h.entCoef,
    vfCoef: h.vfCoef,
    priorKl: h.priorKl,
    logPrior: policy.logPrior,
  };
}

/**
 * One PPO update on a filled rollout: advantages, then the clipped-surrogate epochs. `advantages`
 * replaces the GAE advantages in the policy term (PPO-Lagrangian passes its penalised ones).
 */
export function ppoUpdate(
  policy: Policy,
  adam: Adam,
  buf: RolloutBuffer,
  h: Hyperparameters,
  learningRate: number,
  rng: Rng,
  advantages?: (buf: RolloutBuffer) => Float32Array,
): EpochResult {
  buf.computeAdvantages(h.gamma, h.gaeLambda);
  return runEpochs(policy, adam, buf, buf.validIndices(), rng, ppoObjective(policy, h), {
    epochs: h.updateEpochs,
    numMinibatches: h.numMinibatches,
    normAdv: h.normAdv,
    targetKl: h.targetKl,
    learningRate,
    advantages: advantages ? advantages(buf) : buf.advantages,
  });
}
