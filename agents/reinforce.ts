/**
 * REINFORCE with a learned baseline (Williams 1992; Sutton & Barto 2018, section 13.4): the
 * sequence-level policy gradient closest to the optimiser of the incident, on the same sparse
 * outcome reward.
 *
 *   G_t     = sum_k gamma^k r_{t+k}       (Monte-Carlo return to the end of the episode)
 *   L_pi    = -mean(log pi(a_t|s_t) (G_t - V(s_t)))     (advantages standardised per batch by default)
 *   L_V     = 0.5 mean((V(s_t) - G_t)^2)
 *   loss    = L_pi - c_ent H + c_V L_V [+ beta KL(pi || prior)]
 *
 * One gradient step per batch of `numEnvs × numSteps` env steps by default (no ratio, no clipping,
 * no reuse of samples). G_t is bootstrapped with V only where a rollout cuts an episode or a time
 * limit truncates it (GAE with lambda = 1, ppo.ts section 3); choose numSteps >= the episode horizon for
 * pure Monte-Carlo returns.
 */
import type { ObjectiveConfig } from './gradients.js';
import type { Hyperparameters } from './hyperparameters.js';
import type { EpochResult } from './minibatch.js';
import type { Policy } from './policy.js';
import type { Learner, RolloutBuffer } from './ppo.js';

export function reinforceObjective(policy: Policy, h: Hyperparameters): ObjectiveConfig {
  return {
    policyTerm: 'reinforce',
    clipCoef: 0,
    valueClip: 0,
    entCoef: h.entCoef,
    vfCoef: h.vfCoef,
    priorKl: h.priorKl,
    logPrior: policy.logPrior,
  };
}

export function reinforceUpdate(learner: Learner, buf: RolloutBuffer, h: Hyperparameters, learningRate: number): EpochResult {
  buf.computeAdvantages(h.gamma, 1);
  return learner.runEpochs(buf, buf.validIndices(), reinforceObjective(learner.policy, h), {
    epochs: h.updateEpochs,
    numMinibatches: h.numMinibatches,
    normAdv: h.normAdv,
    targetKl: null,
    learningRate,
    advantages: buf.advantages,
  });
}
