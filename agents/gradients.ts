/**
 * Loss and gradients of the policy-gradient objectives, with the backward pass written out by hand.
 *
 * Why by hand: for these small MLPs a tfjs update is dominated by per-op overhead, not arithmetic.
 * Autodiff through `tf.variableGrads` ran ~360 kernels per minibatch step (tape bookkeeping,
 * identity/reshape/cast kernels of the generic gradients); the closed forms below need about half,
 * and no tape. `ppoLoss` (ppo.ts section 4) states the same losses for tfjs autodiff, and
 * test/agents/gradients.test.ts checks that both give the same loss and gradients.
 *
 * Notation per minibatch of B rows: z logits (invalid actions get MASKED_LOGIT added), p = softmax(z),
 * log p = logSoftmax(z), a the taken action, A the advantage, H_i = -sum_j p_ij log p_ij.
 *
 *   policy term, PPO:       L = mean_i max(-A_i r_i, -A_i clip(r_i, 1 ± eps)),  r_i = exp(log p_ia - log p_old)
 *                           dL/dlog p_ia = -A_i r_i / B where the unclipped branch is the max, else 0
 *   policy term, REINFORCE: L = -mean_i A_i log p_ia,   dL/dlog p_ia = -A_i / B
 *   through the softmax:    dlog p_ia / dz_ij = 1[j = a] - p_ij
 *   entropy bonus -c H:     d(-c mean H)/dz_ij = (c / B) p_ij (log p_ij + H_i)
 *   prior KL  beta KL(p||q): d/dz_ij = (beta / B) p_ij (log p_ij - log q_ij - KL_i)
 *   value term c_V L_V:     L_V = 0.5 mean max(u^2, w^2), u = V - R, w = V_old + clip(V - V_old, ±eps) - R
 *                           dL_V/dV_i = (u_i if u_i^2 >= w_i^2 else w_i 1[|V - V_old| <= eps]) / B
 *   dense layers:           backwardMlp (nn/backprop.ts)
 */
import * as tf from '@tensorflow/tfjs';
import { backwardMlp, forwardMlp } from './nn/backprop.js';
import type { MlpSpec } from './nn/mlp.js';
import type { PolicyVariables } from './policy.js';

/** Large negative logit offset for invalid actions: exp() underflows to exactly 0 in float32. */
export const MASKED_LOGIT = -1e9;

/** One minibatch, on the backend. */
export interface MinibatchTensors {
  readonly size: number;
  readonly obs: tf.Tensor2D;
  /** One-hot of the taken actions, [B, A]. */
  readonly actionOneHot: tf.Tensor2D;
  /** 0 for valid actions, MASKED_LOGIT for invalid ones; null when nothing in the batch is masked. */
  readonly maskBias: tf.Tensor2D | null;
  readonly oldLogp: tf.Tensor1D;
  readonly advantages: tf.Tensor1D;
  readonly returns: tf.Tensor1D;
  readonly oldValues: tf.Tensor1D;
  readonly costReturns: tf.Tensor1D | null;
  readonly oldCostValues: tf.Tensor1D | null;
}

/** The statistics every loss reports, in this order (zeros where an agent has no such term). */
export const LOSS_STATS = ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'clipFrac', 'costValueLoss', 'priorKl'] as const;
export type LossStats = Record<(typeof LOSS_STATS)[number], number>;

export interface ObjectiveConfig {
  /** 'ppo-clip': clipped surrogate; 'reinforce': plain log-likelihood ratio gradient. */
  readonly policyTerm: 'ppo-clip' | 'reinforce';
  /** PPO clip epsilon (unused by REINFORCE). */
  readonly clipCoef: number;
  /** Value clipping range; 0 = plain squared error. */
  readonly valueClip: number;
  readonly entCoef: number;
  readonly vfCoef: number;
  /** KL(pi || prior) weight; needs `logPrior`. */
  readonly priorKl: number;
  readonly logPrior: Float32Array | null;
}

export interface ObjectiveOutput {
  /** Gradients in `vars.all` order. */
  readonly grads: tf.Tensor[];
  /** The total loss. */
  readonly loss: tf.Scalar;
  /** LOSS_STATS values, [LOSS_STATS.length]. */
  readonly stats: tf.Tensor1D;
}

interface CriticOutput {
  readonly loss: tf.Scalar;
  readonly grads: tf.Tensor[];
}

/** Value loss 0.5 mean max(u^2, w^2) (or 0.5 mean u^2 without clipping) and its parameter gradients. */
function criticLossAndGrads(
  spec: MlpSpec,
  vars: readonly tf.Tensor[],
  obs: tf.Tensor2D,
  returns: tf.Tensor1D,
  oldValues: tf.Tensor1D,
  clip: number,
  coef: number,
  b: number,
): CriticOutput {
  const trace = forwardMlp(spec, vars, obs);
  const v = tf.reshape(trace.out, [b]);
  const u = tf.sub(v, returns);
  let loss: tf.Scalar;
  let residual: tf.Tensor;
  if (clip > 0) {
    const dv = tf.sub(v, oldValues);
    const dvClipped = tf.clipByValue(dv, -clip, clip);
    const w = tf.sub(tf.add(oldValues, dvClipped), returns);
    const u2 = tf.square(u);
    const w2 = tf.square(w);
    loss = tf.mul(0.5, tf.mean(tf.maximum(u2, w2)));
    // clamp passes the gradient where it did not clip (torch.clamp: inclusive bounds).
    residual = tf.where(tf.greaterEqual(u2, w2), u, tf.mul(w, tf.cast(tf.equal(dvClipped, dv), 'float32')));
  } else {
    loss = tf.mul(0.5, tf.mean(tf.square(u)));
    residual = u;
  }
  const dOut = tf.reshape(tf.mul(residual, coef / b), [b, 1]) as tf.Tensor2D;
  return { loss, grads: backwardMlp(spec, vars, trace, dOut) };
}

/** Loss statistics and gradients of the whole objective for one minibatch. */
export function objectiveGradients(
  actorSpec: MlpSpec,
  criticSpec: MlpSpec,
  vars: PolicyVariables,
  mb: MinibatchTensors,
  cfg: ObjectiveConfig,
): ObjectiveOutput {
  const b = mb.size;
  const actor = forwardMlp(actorSpec, vars.actor, mb.obs);
  const z = mb.maskBias ? tf.add(actor.out, mb.maskBias) : actor.out;
  // log-softmax by hand, keeping exp(z - max) for the probabilities.
  const shifted = tf.sub(z, tf.max(z, 1, true));
  const e = tf.exp(shifted);
  const sumE = tf.sum(e, 1, true);
  const logProbs = tf.sub(shifted, tf.log(sumE));
  const p = tf.div(e, sumE);
  const logp = tf.sum(tf.mul(logProbs, mb.actionOneHot), 1);
  const entRow = tf.neg(tf.sum(tf.mul(p, logProbs), 1));
  const entropy = tf.mean(entRow);

  const logRatio = tf.sub(logp, mb.oldLogp);
  const ratio = tf.exp(logRatio);
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  let policyLoss: tf.Scalar;
  let clipFrac: tf.Scalar;
  let gLogp: tf.Tensor1D; // dL/dlog p(a) * B
  if (cfg.policyTerm === 'ppo-clip') {
    const eps = cfg.clipCoef;
    const negA = tf.neg(mb.advantages);
    const pg1 = tf.mul(negA, ratio);
    const pg2 = tf.mul(negA, tf.clipByValue(ratio, 1 - eps, 1 + eps));
    policyLoss = tf.mean(tf.maximum(pg1, pg2));
    gLogp = tf.mul(pg1, tf.cast(tf.greaterEqual(pg1, pg2), 'float32'));
    clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), eps), 'float32'));
  } else {
    policyLoss = tf.neg(tf.mean(tf.mul(logp, mb.advantages))) as tf.Scalar;
    gLogp = tf.neg(mb.advantages);
    clipFrac = tf.scalar(0);
  }
  let dz = tf.mul(tf.reshape(tf.mul(gLogp, 1 / b), [b, 1]), tf.sub(mb.actionOneHot, p));
  let loss: tf.Scalar = policyLoss;
  if (cfg.entCoef !== 0) {
    dz = tf.add(dz, tf.mul(tf.mul(p, tf.add(logProbs, tf.reshape(entRow, [b, 1]))), cfg.entCoef / b));
    loss = tf.sub(loss, tf.mul(cfg.entCoef, entropy));
  }
  let priorKl: tf.Scalar = tf.scalar(0);
  if (cfg.priorKl > 0 && cfg.logPrior) {
    const prior = tf.tensor2d(cfg.logPrior, [1, cfg.logPrior.length]);
    const qz = mb.maskBias ? tf.add(prior, mb.maskBias) : prior;
    const qShift = tf.sub(qz, tf.max(qz, 1, true));
    const logQ = tf.sub(qShift, tf.log(tf.sum(tf.exp(qShift), 1, true)));
    const diff = tf.sub(logProbs, logQ);
    const klRow = tf.sum(tf.mul(p, diff), 1);
    priorKl = tf.mean(klRow);
    dz = tf.add(dz, tf.mul(tf.mul(p, tf.sub(diff, tf.reshape(klRow, [b, 1]))), cfg.priorKl / b));
    loss = tf.add(loss, tf.mul(cfg.priorKl, priorKl));
  }
  const actorGrads = backwardMlp(actorSpec, vars.actor, actor, dz as tf.Tensor2D);

  const critic = criticLossAndGrads(criticSpec, vars.critic, mb.obs, mb.returns, mb.oldValues, cfg.valueClip, cfg.vfCoef, b);
  loss = tf.add(loss, tf.mul(cfg.vfCoef, critic.loss));
  let costLoss: tf.Scalar = tf.scalar(0);
  let costGrads: tf.Tensor[] = [];
  if (vars.costCritic) {
    if (!mb.costReturns || !mb.oldCostValues) throw new Error('objectiveGradients: cost critic without cost returns');
    const cost = criticLossAndGrads(criticSpec, vars.costCritic, mb.obs, mb.costReturns, mb.oldCostValues, cfg.valueClip, cfg.vfCoef, b);
    costLoss = cost.loss;
    costGrads = cost.grads;
    loss = tf.add(loss, tf.mul(cfg.vfCoef, costLoss));
  }
  const stats = tf.stack([policyLoss, critic.loss, entropy, approxKl, clipFrac, costLoss, priorKl]) as tf.Tensor1D;
  return { grads: [...actorGrads, ...critic.grads, ...costGrads], loss, stats };
}
