/**
 * Proximal Policy Optimization (Schulman et al. 2017), clipped-surrogate variant, top to bottom as
 * CleanRL's ppo.py reads: 1 storage, 2 rollout, 3 advantages (GAE), 4 the minibatch loss, 5 the
 * optimiser step, 6 the update. REINFORCE (reinforce.ts) and PPO-Lagrangian (ppo_lagrangian.ts)
 * are this file with another policy term or other advantages; train.ts drives the loop, and the
 * plumbing lives apart: minibatch assembly (minibatch.ts), the exploration signals
 * (exploration/common.ts), the numeric primitives (nn/).
 *
 *   ratio   = exp(log pi(a|s) - log pi_old(a|s))
 *   L_pi    = mean(max(-A ratio, -A clip(ratio, 1 - eps, 1 + eps)))      (A standardised per minibatch)
 *   L_V     = 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, ±eps) - R)^2))   (value clipping)
 *   loss    = L_pi - c_ent H + c_V L_V [+ c_V L_Vcost] [+ beta KL(pi || prior)]
 *
 * with GAE advantages, `updateEpochs` passes over shuffled minibatches, global gradient-norm
 * clipping and Adam, linear learning-rate annealing (train.ts), and an optional early stop when
 * the approximate KL (the k3 estimator, mean of (ratio - 1) - log ratio) passes `targetKl`.
 *
 * Section 5's `AutodiffStep` (train()'s `learner: 'autodiff'`) differentiates section 4's loss
 * with tfjs: the readable statement of the algorithm, change the loss here and it trains. The
 * default 'fast' learner (update.ts) takes the same step with the backward pass written out by
 * hand, about half the kernels; test/agents/gradients.test.ts checks the two against each other.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../env/rng.js';
import type { VectorBuffers } from '../env/vector.js';
import { addIntrinsicAdvantages, explorationArrays, learningRewards, type ExplorationArrays } from './exploration/common.js';
import type { MinibatchTensors, ObjectiveConfig } from './gradients.js';
import type { Hyperparameters } from './hyperparameters.js';
import { Minibatches, type EpochResult, type MinibatchStep, type StepOutput } from './minibatch.js';
import { loadVariableMoments, variableMomentsState, type AdamConfig, type AdamState } from './nn/adam.js';
import { tfForward } from './nn/mlp.js';
import type { Policy, PolicyVariables } from './policy.js';

// ---------------------------------------------------------------------------------------------
// 1. Storage: one rollout, time-major (sample (t, i) is at t * numEnvs + i).
// ---------------------------------------------------------------------------------------------

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
  /** 0 on autoreset steps (not a transition of any episode; see section 3). */
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
  /** The exploration methods' signals (agents/exploration/common.ts), allocated on first use. */
  private ex: ExplorationArrays | null = null;

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
    return (this.ex ??= explorationArrays(this.size));
  }

  /** Section 3: GAE of the reward (plus any exploration signal) and, with a cost critic, of the cost. */
  computeAdvantages(gamma: number, lambda: number): void {
    const ex = this.ex;
    // The count bonus joins the reward GAE learns from; RND's intrinsic advantages join after `returns`.
    const rewards = ex ? learningRewards(ex, this.rewards, this.length) : this.rewards;
    gae(this, rewards, this.values, this.lastValues, gamma, lambda, this.advantages, this.returns);
    if (ex) addIntrinsicAdvantages(ex, this.advantages, this.valid, this.length);
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

// ---------------------------------------------------------------------------------------------
// 2. Rollout: numSteps vector steps with the current policy.
// ---------------------------------------------------------------------------------------------

/** What a rollout reads and writes besides the buffer. */
export interface RolloutContext {
  /** The vector env (train() may hand a timed view of it). */
  readonly vec: { step(actions: Int32Array): VectorBuffers; readonly buffers: VectorBuffers };
  readonly policy: Policy;
  readonly buf: RolloutBuffer;
  /** The action-sampling stream. */
  readonly rng: Rng;
  /** Normalised observations the next step acts on, [numEnvs × obsDim]; kept current. */
  readonly curObs: Float32Array;
  /** The run's record of each env step (episodes, exploration hooks, checkpoint replay: `Run.recordStep`). */
  readonly onStep: (actions: Int32Array, b: VectorBuffers) => void;
  /** Stops the rollout before the next env step. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Fills `ctx.buf` with `buf.steps` vector steps. Acting is plain JS (policy.ts): forward the actor
 * and critics on the normalised observations, draw the actions from the masked softmax with the
 * seeded stream. Returns false when `signal` stopped it.
 */
export function collectRollout(ctx: RolloutContext): boolean {
  const { vec, policy, buf, curObs } = ctx;
  const n = buf.numEnvs;
  const d = buf.obsDim;
  const a = buf.numActions;
  const out = { actions: buf.actions, logp: buf.logp, values: buf.values, costValues: buf.costValues };
  const stepActions = new Int32Array(n);
  for (let t = 0; t < buf.steps; t++) {
    if (ctx.signal?.aborted) return false;
    const base = t * n;
    buf.obs.set(curObs, base * d);
    buf.masks.set(vec.buffers.actionMasks, base * a);
    policy.actBatch(curObs, vec.buffers.actionMasks, n, ctx.rng, out, base);
    stepActions.set(buf.actions.subarray(base, base + n));
    const b = vec.step(stepActions);
    for (let i = 0; i < n; i++) {
      const k = base + i;
      buf.rewards[k] = b.rewards[i]!;
      buf.costs[k] = b.costs[i]!;
      buf.terminated[k] = b.terminated[i]!;
      buf.truncated[k] = b.truncated[i]!;
      buf.valid[k] = b.resetStep[i] ? 0 : 1;
    }
    ctx.onStep(stepActions, b);
    policy.observe(b.obs, n, curObs);
  }
  // Bootstrap values of the observations after the last step.
  policy.valuesBatch(curObs, n, buf.lastValues, 0);
  if (buf.lastCostValues) policy.costValuesBatch(curObs, n, buf.lastCostValues, 0);
  return true;
}

// ---------------------------------------------------------------------------------------------
// 3. Advantages: GAE over next-step autoreset rollouts.
// ---------------------------------------------------------------------------------------------
//
// How Gymnasium 1.x next-step autoreset (env/vector.ts) maps onto learning:
// - When env i ends an episode at step t, step t returns the episode's LAST observation. At t + 1 the
//   learner still computes V(obs) for env i, which is therefore V(last obs) — exactly the bootstrap a
//   time-limit truncation needs — and the vector env then resets env i, ignoring the action.
// - Sample t + 1 of env i is thus not a transition of any episode: `valid` is 0 there, it gets no
//   advantage, and it is left out of every loss.
// - GAE (Schulman et al. 2016): for a valid sample,
//     terminated: delta = r - V(s)                     (nothing after the end of the MDP)
//     truncated:  delta = r + gamma V(s_last) - V(s)   (bootstrap, and the recursion stops)
//     otherwise:  delta = r + gamma V(s') - V(s),  A = delta + gamma lambda A'
//   lambda = 1 gives Monte-Carlo returns minus the baseline (REINFORCE with a learned baseline),
//   bootstrapped only where an episode is cut (time limit or the end of the rollout).
//   The critic's target is R = A + V(s).

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

// ---------------------------------------------------------------------------------------------
// 4. The minibatch loss, for tfjs autodiff.
// ---------------------------------------------------------------------------------------------

/** The PPO objective of a policy (PPO-Lagrangian uses it too; REINFORCE has its own). */
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

/** 0.5 mean(max((V - R)^2, (V_old + clip(V - V_old, ±clip) - R)^2)); plain 0.5 mean((V - R)^2) when clip is 0. */
function valueLoss(v: tf.Tensor1D, returns: tf.Tensor1D, oldV: tf.Tensor1D, clip: number): tf.Scalar {
  const unclipped = tf.square(tf.sub(v, returns));
  if (!(clip > 0)) return tf.mul(0.5, tf.mean(unclipped));
  const vClipped = tf.add(oldV, tf.clipByValue(tf.sub(v, oldV), -clip, clip));
  return tf.mul(0.5, tf.mean(tf.maximum(unclipped, tf.square(tf.sub(vClipped, returns)))));
}

/**
 * The total loss of one minibatch as a differentiable function of the policy's variables, and its
 * statistics (LOSS_STATS order: policy loss, value loss, entropy, approx KL, clip fraction, cost
 * value loss, prior KL). gradients.ts differentiates exactly this by hand.
 */
export function ppoLoss(
  policy: Pick<Policy, 'actorSpec' | 'criticSpec'>,
  vars: PolicyVariables,
  mb: MinibatchTensors,
  cfg: ObjectiveConfig,
): { loss: tf.Scalar; stats: tf.Tensor1D } {
  const raw = tfForward(policy.actorSpec, vars.actor, mb.obs);
  const logits = mb.maskBias ? tf.add(raw, mb.maskBias) : raw;
  const logProbs = tf.logSoftmax(logits);
  const logp = tf.sum(tf.mul(logProbs, mb.actionOneHot), 1);
  const entropy = tf.neg(tf.mean(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1))) as tf.Scalar;
  const logRatio = tf.sub(logp, mb.oldLogp);
  const ratio = tf.exp(logRatio);
  const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logRatio));
  let policyLoss: tf.Scalar;
  let clipFrac: tf.Scalar = tf.scalar(0);
  if (cfg.policyTerm === 'ppo-clip') {
    const pg1 = tf.mul(tf.neg(mb.advantages), ratio);
    const pg2 = tf.mul(tf.neg(mb.advantages), tf.clipByValue(ratio, 1 - cfg.clipCoef, 1 + cfg.clipCoef));
    policyLoss = tf.mean(tf.maximum(pg1, pg2));
    clipFrac = tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), cfg.clipCoef), 'float32'));
  } else {
    // REINFORCE: -mean(log pi(a|s) A), no ratio and no clipping.
    policyLoss = tf.neg(tf.mean(tf.mul(logp, mb.advantages))) as tf.Scalar;
  }
  let loss = tf.sub(policyLoss, tf.mul(cfg.entCoef, entropy)) as tf.Scalar;
  let priorKl: tf.Scalar = tf.scalar(0);
  if (cfg.priorKl > 0 && cfg.logPrior) {
    const prior = tf.tensor2d(cfg.logPrior, [1, cfg.logPrior.length]);
    const logQ = tf.logSoftmax(mb.maskBias ? tf.add(prior, mb.maskBias) : tf.broadcastTo(prior, logProbs.shape));
    priorKl = tf.mean(tf.sum(tf.mul(tf.exp(logProbs), tf.sub(logProbs, logQ)), 1));
    loss = tf.add(loss, tf.mul(cfg.priorKl, priorKl));
  }
  const v = tf.reshape(tfForward(policy.criticSpec, vars.critic, mb.obs), [-1]) as tf.Tensor1D;
  const vLoss = valueLoss(v, mb.returns, mb.oldValues, cfg.valueClip);
  loss = tf.add(loss, tf.mul(cfg.vfCoef, vLoss));
  let costLoss: tf.Scalar = tf.scalar(0);
  if (vars.costCritic && mb.costReturns && mb.oldCostValues) {
    const cv = tf.reshape(tfForward(policy.criticSpec, vars.costCritic, mb.obs), [-1]) as tf.Tensor1D;
    costLoss = valueLoss(cv, mb.costReturns, mb.oldCostValues, cfg.valueClip);
    loss = tf.add(loss, tf.mul(cfg.vfCoef, costLoss));
  }
  const stats = tf.stack([policyLoss, vLoss, entropy, approxKl, clipFrac, costLoss, priorKl]) as tf.Tensor1D;
  return { loss, stats };
}

// ---------------------------------------------------------------------------------------------
// 5. The optimiser step: one gradient step on one minibatch (a `MinibatchStep`, minibatch.ts).
// ---------------------------------------------------------------------------------------------

/**
 * The readable step: tfjs autodiff of `ppoLoss`, then torch.nn.utils.clip_grad_norm_ and Adam
 * (Kingma & Ba 2015, PyTorch's formulation) in tfjs ops:
 *
 *   g      <- g · min(1, maxGradNorm / (||g|| + 1e-6))           (all parameters' gradients together)
 *   m      <- beta1 m + (1 - beta1) g;   v <- beta2 v + (1 - beta2) g^2
 *   theta  <- theta - lr / (1 - beta1^t) · m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 */
export class AutodiffStep implements MinibatchStep {
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];
  private t = 0;

  constructor(
    private readonly policy: Policy,
    private readonly config: AdamConfig,
  ) {
    const vars = policy.variables().all;
    this.m = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
    this.v = vars.map((x) => tf.tidy(() => tf.variable(tf.zerosLike(x), false)));
  }

  apply(mb: MinibatchTensors, objective: ObjectiveConfig, learningRate: number): StepOutput {
    const vars = this.policy.variables();
    let stats: tf.Tensor1D | null = null;
    const { grads } = tf.variableGrads(() => {
      const out = ppoLoss(this.policy, vars, mb, objective);
      stats = tf.keep(out.stats);
      return out.loss;
    }, vars.all);
    const g = vars.all.map((x) => grads[x.name]!);
    const gradNorm = tf.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x))))).dataSync()[0]!;
    const { beta1, beta2, epsilon, maxGradNorm } = this.config;
    const clip = maxGradNorm > 0 && Number.isFinite(maxGradNorm) ? Math.min(1, maxGradNorm / (gradNorm + 1e-6)) : 1;
    this.t += 1;
    const stepSize = learningRate / (1 - Math.pow(beta1, this.t));
    const sqrtBc2 = Math.sqrt(1 - Math.pow(beta2, this.t));
    vars.all.forEach((theta, i) => {
      const gi = tf.mul(g[i]!, clip);
      this.m[i]!.assign(tf.add(tf.mul(beta1, this.m[i]!), tf.mul(1 - beta1, gi)));
      this.v[i]!.assign(tf.add(tf.mul(beta2, this.v[i]!), tf.mul(1 - beta2, tf.square(gi))));
      theta.assign(tf.sub(theta, tf.div(tf.mul(stepSize, this.m[i]!), tf.add(tf.div(tf.sqrt(this.v[i]!), sqrtBc2), epsilon))));
    });
    this.policy.allParams().forEach((p, i) => p.set(vars.all[i]!.dataSync()));
    return { stats: stats!, gradNorm, jsMs: 0 };
  }

  getState(): AdamState {
    return variableMomentsState(this.t, this.m, this.v);
  }

  setState(s: AdamState): void {
    this.t = loadVariableMoments(s, this.m, this.v);
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

// ---------------------------------------------------------------------------------------------
// 6. The update: epochs over shuffled minibatches of the rollout's valid samples.
// ---------------------------------------------------------------------------------------------

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

/**
 * The policy-gradient learner of one run: its minibatch step (fast or autodiff), the minibatch
 * shuffling stream, and its own host-side minibatch scratch (minibatch.ts: gathering, upload, the
 * one read-back of the loss statistics per epoch).
 */
export class Learner {
  private readonly batch = new Minibatches();

  constructor(
    readonly policy: Policy,
    readonly step: MinibatchStep,
    /** The minibatch-shuffling stream. */
    readonly rng: Rng,
  ) {}

  /**
   * Runs the epochs. `indices` are the valid sample indices of `buf`; they are shuffled in place
   * (one Fisher–Yates pass per epoch), so the minibatch order is part of the seeded stream.
   */
  runEpochs(buf: RolloutBuffer, indices: Int32Array, objective: ObjectiveConfig, opts: EpochOptions): EpochResult {
    const n = indices.length;
    const mbSize = Math.ceil(n / Math.max(1, Math.min(opts.numMinibatches, n)));
    this.batch.begin();
    let epochsRun = 0;
    let gradNorm = 0;
    for (let epoch = 0; epoch < opts.epochs && n > 0; epoch++) {
      this.rng.shuffle(indices);
      for (let start = 0; start < n; start += mbSize) {
        const adv = this.batch.gather(buf, indices.subarray(start, Math.min(n, start + mbSize)), opts.advantages);
        if (opts.normAdv && adv.length > 1) standardize(adv);
        gradNorm = this.batch.step(this.step, objective, opts.learningRate);
      }
      const epochKl = this.batch.endEpoch();
      epochsRun++;
      if (opts.targetKl !== null && epochKl > opts.targetKl) break;
    }
    return { ...this.batch.summary(), epochsRun, gradNorm };
  }
}

/** (A - mean) / (std + 1e-8) in place, with torch's unbiased std, as CleanRL's norm_adv. */
function standardize(adv: Float32Array): void {
  const b = adv.length;
  let sum = 0;
  for (let r = 0; r < b; r++) sum += adv[r]!;
  const mean = sum / b;
  let sq = 0;
  for (let r = 0; r < b; r++) sq += (adv[r]! - mean) ** 2;
  const std = Math.sqrt(sq / (b - 1));
  for (let r = 0; r < b; r++) adv[r] = (adv[r]! - mean) / (std + 1e-8);
}

/**
 * One PPO update on a filled rollout: advantages (section 3), then the clipped-surrogate epochs.
 * `advantages` replaces the GAE advantages in the policy term (PPO-Lagrangian passes its penalised ones).
 */
export function ppoUpdate(
  learner: Learner,
  buf: RolloutBuffer,
  h: Hyperparameters,
  learningRate: number,
  advantages?: (buf: RolloutBuffer) => Float32Array,
): EpochResult {
  buf.computeAdvantages(h.gamma, h.gaeLambda);
  return learner.runEpochs(buf, buf.validIndices(), ppoObjective(learner.policy, h), {
    epochs: h.updateEpochs,
    numMinibatches: h.numMinibatches,
    normAdv: h.normAdv,
    targetKl: h.targetKl,
    learningRate,
    advantages: advantages ? advantages(buf) : buf.advantages,
  });
}
