/**
 * The agents' objectives written for tfjs autodiff: the readable statement of what
 * gradients.ts differentiates by hand. Tests check that both agree (loss and every gradient);
 * training uses gradients.ts because it needs about half the kernels per step.
 */
import * as tf from '@tensorflow/tfjs';
import type { MinibatchTensors, ObjectiveConfig } from './gradients.js';
import { tfForward, type MlpSpec } from './mlp.js';
import type { PolicyVariables } from './policy.js';

function valueLoss(v: tf.Tensor1D, returns: tf.Tensor1D, oldV: tf.Tensor1D, clip: number): tf.Scalar {
  const unclipped = tf.square(tf.sub(v, returns));
  if (!(clip > 0)) return tf.mul(0.5, tf.mean(unclipped));
  const vClipped = tf.add(oldV, tf.clipByValue(tf.sub(v, oldV), -clip, clip));
  return tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(vClipped, returns)))));
}

/** The total loss of one minibatch, as a differentiable function of the variables. */
export function referenceLoss(
  actorSpec: MlpSpec,
  criticSpec: MlpSpec,
  vars: PolicyVariables,
  mb: MinibatchTensors,
  cfg: ObjectiveConfig,
): tf.Scalar {
  const raw = tfForward(actorSpec, vars.actor, mb.obs);
  const logits = mb.maskBias ? tf.add(raw, mb.maskBias) : raw;
  const logProbs = tf.logSoftmax(logits);
  const logp = tf.sum(tf.mul(logProbs, mb.actionOneHot), 1);
  const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1)));
  let policyLoss: tf.Scalar;
  if (cfg.policyTerm === 'ppo-clip') {
    const ratio = tf.exp(tf.sub(logp, mb.oldLogp));
    const pg1 = tf.mul(tf.neg(mb.advantages), ratio);
    const pg2 = tf.mul(tf.neg(mb.advantages), tf.clipByValue(ratio, 1 - cfg.clipCoef, 1 + cfg.clipCoef));
    policyLoss = tf.mean(tf.maximum(pg1, pg2));
  } else {
    policyLoss = tf.neg(tf.mean(tf.mul(logp, mb.advantages))) as tf.Scalar;
  }
  let loss = tf.sub(policyLoss, tf.mul(cfg.entCoef, entropy)) as tf.Scalar;
  if (cfg.priorKl > 0 && cfg.logPrior) {
    const prior = tf.tensor2d(cfg.logPrior, [1, cfg.logPrior.length]);
    const logQ = tf.logSoftmax(mb.maskBias ? tf.add(prior, mb.maskBias) : tf.broadcastTo(prior, logProbs.shape));
    const kl = tf.mean(tf.sum(tf.mul(tf.exp(logProbs), tf.sub(logProbs, logQ)), 1));
    loss = tf.add(loss, tf.mul(cfg.priorKl, kl));
  }
  const v = tf.reshape(tfForward(criticSpec, vars.critic, mb.obs), [-1]) as tf.Tensor1D;
  loss = tf.add(loss, tf.mul(cfg.vfCoef, valueLoss(v, mb.returns, mb.oldValues, cfg.valueClip)));
  if (vars.costCritic && mb.costReturns && mb.oldCostValues) {
    const cv = tf.reshape(tfForward(criticSpec, vars.costCritic, mb.obs), [-1]) as tf.Tensor1D;
    loss = tf.add(loss, tf.mul(cfg.vfCoef, valueLoss(cv, mb.costReturns, mb.oldCostValues, cfg.valueClip)));
  }
  return loss;
}
