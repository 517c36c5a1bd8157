/**
 * The gradient loop shared by the policy-gradient agents: epochs over shuffled minibatches of a
 * rollout's valid samples, one gradient + Adam step per minibatch.
 *
 * Cost model, per minibatch: the samples are gathered in JS and uploaded as a handful of tensors;
 * the loss and its gradients run as tfjs kernels (gradients.ts); the gradients are read back once
 * for the optimiser step, which runs in JS and uploads the new parameters (adam.ts explains why).
 * The loss statistics stay on the backend, one small tensor per minibatch, and are read back with
 * one `dataSync` per epoch. Every tensor is created inside `tf.tidy` or disposed explicitly, so the
 * tensor count is flat across updates.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../env/rng.js';
import type { Adam } from './adam.js';
import { LOSS_STATS, MASKED_LOGIT, objectiveGradients, type LossStats, type MinibatchTensors, type ObjectiveConfig } from './gradients.js';
import type { Policy, PolicyVariables } from './policy.js';
import type { RolloutBuffer } from './rollout.js';

export interface EpochOptions {
  readonly epochs: number;
  readonly numMinibatches: number;
  /** Standardise advantages per minibatch (CleanRL's norm_adv). */
  readonly normAdv: boolean;
  /** Stop the epochs early once the epoch's mean approximate KL exceeds this (null: never). */
  readonly targetKl: number | null;
  readonly learningRate: number;
  /** Which advantages drive the policy term (PPO-Lagrangian passes its combined advantages). */
  readonly advantages: Float32Array;
}

export interface EpochResult {
  readonly stats: LossStats;
  readonly epochsRun: number;
  readonly gradNorm: number;
  readonly minibatches: number;
  /** Seconds inside tfjs calls (uploads, kernels, read-backs); the rest of the update is JS. */
  readonly tfjsSeconds: number;
}

/** Preallocated host-side minibatch arrays, reused across minibatches and updates. */
class HostBatch {
  obs = new Float32Array(0);
  oneHot = new Float32Array(0);
  maskBias = new Float32Array(0);
  oldLogp = new Float32Array(0);
  adv = new Float32Array(0);
  ret = new Float32Array(0);
  oldV = new Float32Array(0);
  costRet = new Float32Array(0);
  oldCostV = new Float32Array(0);
  ensure(b: number, d: number, a: number): void {
    if (this.oldLogp.length >= b && this.obs.length >= b * d && this.oneHot.length >= b * a) return;
    this.obs = new Float32Array(b * d);
    this.oneHot = new Float32Array(b * a);
    this.maskBias = new Float32Array(b * a);
    this.oldLogp = new Float32Array(b);
    this.adv = new Float32Array(b);
    this.ret = new Float32Array(b);
    this.oldV = new Float32Array(b);
    this.costRet = new Float32Array(b);
    this.oldCostV = new Float32Array(b);
  }
}

const host = new HostBatch();
const APPROX_KL = LOSS_STATS.indexOf('approxKl');

export type { LossStats } from './gradients.js';

/**
 * Runs the epochs. `indices` are the valid sample indices of `buf`; they are shuffled in place with
 * `rng` (one Fisher–Yates pass per epoch), so the minibatch order is part of the seeded stream.
 */
export function runEpochs(
  policy: Policy,
  adam: Adam,
  buf: RolloutBuffer,
  indices: Int32Array,
  rng: Rng,
  objective: ObjectiveConfig,
  opts: EpochOptions,
): EpochResult {
  const n = indices.length;
  const vars = policy.variables();
  const mbCount = Math.max(1, Math.min(opts.numMinibatches, n));
  const mbSize = Math.ceil(n / mbCount);
  const totals = new Float64Array(LOSS_STATS.length);
  let counted = 0;
  let epochsRun = 0;
  let lastNorm = 0;
  let tfjsMs = 0;
  for (let epoch = 0; epoch < opts.epochs && n > 0; epoch++) {
    rng.shuffle(indices);
    const epochStats: tf.Tensor1D[] = [];
    for (let start = 0; start < n; start += mbSize) {
      const end = Math.min(n, start + mbSize);
      const { stats, norm, ms } = gradientStep(policy, vars, adam, buf, indices, start, end, objective, opts);
      tfjsMs += ms;
      epochStats.push(stats);
      lastNorm = norm;
    }
    // One read-back per epoch: all minibatch statistics stacked.
    const t0 = performance.now();
    const stacked = tf.tidy(() => tf.concat(epochStats));
    const values = stacked.dataSync();
    stacked.dispose();
    for (const t of epochStats) t.dispose();
    tfjsMs += performance.now() - t0;
    const k = LOSS_STATS.length;
    let epochKl = 0;
    for (let m = 0; m < epochStats.length; m++) {
      for (let s = 0; s < k; s++) totals[s]! += values[m * k + s]!;
      epochKl += values[m * k + APPROX_KL]!;
    }
    counted += epochStats.length;
    epochsRun++;
    if (opts.targetKl !== null && epochKl / epochStats.length > opts.targetKl) break;
  }
  const stats = {} as LossStats;
  LOSS_STATS.forEach((name, s) => (stats[name] = counted > 0 ? totals[s]! / counted : 0));
  return { stats, epochsRun, gradNorm: lastNorm, minibatches: counted, tfjsSeconds: tfjsMs / 1000 };
}

function gradientStep(
  policy: Policy,
  vars: PolicyVariables,
  adam: Adam,
  buf: RolloutBuffer,
  indices: Int32Array,
  start: number,
  end: number,
  objective: ObjectiveConfig,
  opts: EpochOptions,
): { stats: tf.Tensor1D; norm: number; ms: number } {
  const b = end - start;
  const d = buf.obsDim;
  const a = buf.numActions;
  host.ensure(b, d, a);
  const withCost = buf.costReturns !== null && buf.costValues !== null;
  host.oneHot.fill(0, 0, b * a);
  let anyMasked = false;
  let advSum = 0;
  for (let r = 0; r < b; r++) {
    const k = indices[start + r]!;
    host.obs.set(buf.obs.subarray(k * d, k * d + d), r * d);
    host.oneHot[r * a + buf.actions[k]!] = 1;
    for (let j = 0; j < a; j++) {
      const ok = buf.masks[k * a + j]!;
      host.maskBias[r * a + j] = ok ? 0 : MASKED_LOGIT;
      if (!ok) anyMasked = true;
    }
    host.oldLogp[r] = buf.logp[k]!;
    host.adv[r] = opts.advantages[k]!;
    advSum += opts.advantages[k]!;
    host.ret[r] = buf.returns[k]!;
    host.oldV[r] = buf.values[k]!;
    if (withCost) {
      host.costRet[r] = buf.costReturns![k]!;
      host.oldCostV[r] = buf.costValues![k]!;
    }
  }
  if (opts.normAdv && b > 1) {
    const mean = advSum / b;
    let sq = 0;
    for (let r = 0; r < b; r++) sq += (host.adv[r]! - mean) ** 2;
    // torch's std() is the unbiased one; CleanRL divides by (std + 1e-8).
    const std = Math.sqrt(sq / (b - 1));
    for (let r = 0; r < b; r++) host.adv[r] = (host.adv[r]! - mean) / (std + 1e-8);
  }
  const t0 = performance.now();
  let norm = 0;
  const out = tf.tidy(() => {
    const mb: MinibatchTensors = {
      size: b,
      obs: tf.tensor2d(host.obs.subarray(0, b * d), [b, d]),
      actionOneHot: tf.tensor2d(host.oneHot.subarray(0, b * a), [b, a]),
      maskBias: anyMasked ? tf.tensor2d(host.maskBias.subarray(0, b * a), [b, a]) : null,
      oldLogp: tf.tensor1d(host.oldLogp.subarray(0, b)),
      advantages: tf.tensor1d(host.adv.subarray(0, b)),
      returns: tf.tensor1d(host.ret.subarray(0, b)),
      oldValues: tf.tensor1d(host.oldV.subarray(0, b)),
      costReturns: withCost ? tf.tensor1d(host.costRet.subarray(0, b)) : null,
      oldCostValues: withCost ? tf.tensor1d(host.oldCostV.subarray(0, b)) : null,
    };
    const { grads, stats } = objectiveGradients(policy.actorSpec, policy.criticSpec, vars, mb, objective);
    norm = adam.apply(grads, opts.learningRate);
    return stats;
  });
  // The optimiser's own JS loop is not tfjs time.
  return { stats: out, norm, ms: performance.now() - t0 - adam.lastJsMs };
}
