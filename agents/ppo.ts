/**
 * Proximal Policy Optimization (Schulman et al. 2017), clipped-surrogate variant, top to bottom as
 * CleanRL's ppo.py reads: storage, rollout, advantages (GAE), the minibatch loss, the optimiser
 * step, the update. REINFORCE (reinforce.ts) and PPO-Lagrangian (ppo_lagrangian.ts) are this file
 * with another policy term or other advantages; train.ts drives the loop.
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
 * Two implementations of one minibatch step (`MinibatchStep`), chosen by train()'s `learner`:
 * - 'autodiff' (section 5 below): the loss of section 4 differentiated by tfjs, Adam in tfjs ops.
 *   The readable statement of the algorithm; change the loss here and it trains.
 * - 'fast' (the default; update.ts): the same loss with the backward pass written out by hand
 *   (gradients.ts) and Adam in plain JS (adam.ts), about half the kernels per step.
 * test/agents/gradients.test.ts checks that both give the same loss, statistics and gradients on
 * fixed minibatches, and the same parameters after a few updates.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../env/rng.js';
import type { VectorBuffers } from '../env/vector.js';
import type { AdamConfig, AdamState } from './adam.js';
import type { ActionHistory } from './checkpoint.js';
import type { EpisodeTracker } from './episodes.js';
import { LOSS_STATS, MASKED_LOGIT, type LossStats, type MinibatchTensors, type ObjectiveConfig } from './gradients.js';
import type { Hyperparameters } from './hyperparameters.js';
import { tfForward } from './mlp.js';
import { base64ToF32, f32ToBase64, type Policy, type PolicyVariables } from './policy.js';

export type { LossStats, MinibatchTensors, ObjectiveConfig } from './gradients.js';

// ---------------------------------------------------------------------------------------------
// 1. Storage: one rollout, time-major (sample (t, i) is at t * numEnvs + i).
// ---------------------------------------------------------------------------------------------

/**
 * Intrinsic signals of a rollout (agents/exploration/; allocated on first use). When `useBonus`,
 * GAE runs on reward + bonus (count bonus); when `intCoef` > 0, intCoef × intAdvantages (RND's
 * non-episodic intrinsic GAE) is added to the advantages after `returns` are formed, so the
 * extrinsic critic's target stays the (bonus-shaped) extrinsic return. `rewards` itself is never
 * changed: it is the env's reward.
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

  /** Section 3: GAE of the reward (plus any exploration signal) and, with a cost critic, of the cost. */
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
  readonly episodes: EpisodeTracker;
  /** The exploration methods' rollout hooks (agents/exploration/index.ts), null when none is on. */
  readonly explore: { isExploring(i: number): boolean; afterStep(b: VectorBuffers): void } | null;
  /** Every action batch, for a checkpoint's replay record (null: none kept). */
  readonly history: ActionHistory | null;
  /** Stops the rollout before the next env step. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Fills `ctx.buf` with `buf.steps` vector steps. Acting is plain JS (policy.ts): forward the actor
 * and critics on the normalised observations, draw the actions from the masked softmax with the
 * seeded stream. Returns false when `signal` stopped it.
 */
export function collectRollout(ctx: RolloutContext): boolean {
  const { vec, policy, buf, curObs, episodes, explore, history } = ctx;
  const n = buf.numEnvs;
  const d = buf.obsDim;
  const a = buf.numActions;
  const out = { actions: buf.actions, logp: buf.logp, values: buf.values, costValues: buf.costValues };
  const stepActions = new Int32Array(n);
  episodes.beginRollout();
  const exploring = explore ? (i: number) => explore.isExploring(i) : null;
  for (let t = 0; t < buf.steps; t++) {
    if (ctx.signal?.aborted) return false;
    const base = t * n;
    buf.obs.set(curObs, base * d);
    buf.masks.set(vec.buffers.actionMasks, base * a);
    policy.actBatch(curObs, vec.buffers.actionMasks, n, ctx.rng, out, base);
    stepActions.set(buf.actions.subarray(base, base + n));
    history?.push(stepActions);
    const b = vec.step(stepActions);
    for (let i = 0; i < n; i++) {
      const k = base + i;
      buf.rewards[k] = b.rewards[i]!;
      buf.costs[k] = b.costs[i]!;
      buf.terminated[k] = b.terminated[i]!;
      buf.truncated[k] = b.truncated[i]!;
      buf.valid[k] = b.resetStep[i] ? 0 : 1;
    }
    episodes.afterStep(b, exploring);
    explore?.afterStep(b);
    observe(policy, b.obs, n, curObs);
  }
  // Bootstrap values of the observations after the last step.
  policy.valuesBatch(curObs, n, buf.lastValues, 0);
  if (buf.lastCostValues) policy.costValuesBatch(curObs, n, buf.lastCostValues, 0);
  return true;
}

/** Feeds new observations to the running normaliser, then writes their normalised form to `out`. */
export function observe(policy: Policy, obs: Float32Array, n: number, out: Float32Array): void {
  const rms = policy.obsRms;
  if (rms) for (let i = 0; i < n; i++) rms.update(obs, i * policy.obsDim);
  policy.normalizeInto(obs, n, out);
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
// 5. The optimiser step: one gradient step on one minibatch.
// ---------------------------------------------------------------------------------------------

/**
 * One gradient step on one minibatch: loss and gradients, global-norm clipping, Adam, and the new
 * parameters written into both the tfjs variables and the policy's JS arrays (acting reads those).
 * Called inside a `tf.tidy`; `stats` is the only tensor that outlives it.
 */
export interface MinibatchStep {
  apply(mb: MinibatchTensors, objective: ObjectiveConfig, learningRate: number): StepOutput;
  /** Adam's moments and step count: the same format for both implementations. */
  getState(): AdamState;
  setState(s: AdamState): void;
  dispose(): void;
}

export interface StepOutput {
  /** LOSS_STATS values, [LOSS_STATS.length], on the backend. */
  readonly stats: tf.Tensor1D;
  /** Global gradient norm before clipping. */
  readonly gradNorm: number;
  /** Milliseconds of the step spent in plain JS (not tfjs time). */
  readonly jsMs: number;
}

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
    const flat = (xs: tf.Variable[]) => {
      const t = tf.tidy(() => tf.concat(xs.map((x) => x.reshape([-1]))));
      const values = t.dataSync() as Float32Array;
      t.dispose();
      return values;
    };
    return { step: this.t, m: f32ToBase64(flat(this.m)), v: f32ToBase64(flat(this.v)) };
  }

  setState(s: AdamState): void {
    const total = this.m.reduce((a, x) => a + x.size, 0);
    const m = base64ToF32(s.m);
    const v = base64ToF32(s.v);
    if (m.length !== total || v.length !== total) throw new RangeError(`AutodiffStep.setState: moments have ${m.length}/${v.length} values, the parameters ${total}`);
    let off = 0;
    this.m.forEach((x, i) => {
      tf.tidy(() => {
        x.assign(tf.tensor(m.subarray(off, off + x.size), x.shape, 'float32'));
        this.v[i]!.assign(tf.tensor(v.subarray(off, off + x.size), x.shape, 'float32'));
      });
      off += x.size;
    });
    this.t = s.step;
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

export interface EpochResult {
  /** Mean of each loss statistic over the minibatches. */
  readonly stats: LossStats;
  readonly epochsRun: number;
  /** Global gradient norm of the last minibatch, before clipping. */
  readonly gradNorm: number;
  readonly minibatches: number;
  /** Seconds inside tfjs calls (uploads, kernels, read-backs); the rest of the update is JS. */
  readonly tfjsSeconds: number;
}

/** Host-side minibatch arrays, reused across minibatches and updates (owned by one Learner). */
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

const APPROX_KL = LOSS_STATS.indexOf('approxKl');

/**
 * The policy-gradient learner of one run: its minibatch step (fast or autodiff), the minibatch
 * shuffling stream and its own host-side scratch.
 *
 * Cost model, per minibatch: the samples are gathered in JS and uploaded as a handful of tensors;
 * the step runs as tfjs kernels (and, on the fast path, a JS optimiser loop). The loss statistics
 * stay on the backend, one small tensor per minibatch, and are read back with one `dataSync` per
 * epoch. Every tensor is created inside `tf.tidy` or disposed explicitly, so the tensor count is
 * flat across updates.
 */
export class Learner {
  private readonly host = new HostBatch();

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
    const mbCount = Math.max(1, Math.min(opts.numMinibatches, n));
    const mbSize = Math.ceil(n / mbCount);
    const totals = new Float64Array(LOSS_STATS.length);
    let counted = 0;
    let epochsRun = 0;
    let lastNorm = 0;
    let tfjsMs = 0;
    for (let epoch = 0; epoch < opts.epochs && n > 0; epoch++) {
      this.rng.shuffle(indices);
      const epochStats: tf.Tensor1D[] = [];
      for (let start = 0; start < n; start += mbSize) {
        const end = Math.min(n, start + mbSize);
        const { stats, norm, ms } = this.minibatchStep(buf, indices, start, end, objective, opts);
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

  /** Gathers samples [start, end) of the shuffled order, uploads them and takes one step. */
  private minibatchStep(
    buf: RolloutBuffer,
    indices: Int32Array,
    start: number,
    end: number,
    objective: ObjectiveConfig,
    opts: EpochOptions,
  ): { stats: tf.Tensor1D; norm: number; ms: number } {
    const host = this.host;
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
    let jsMs = 0;
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
      const r = this.step.apply(mb, objective, opts.learningRate);
      norm = r.gradNorm;
      jsMs = r.jsMs;
      return r.stats;
    });
    // The optimiser's own JS loop is not tfjs time.
    return { stats: out, norm, ms: performance.now() - t0 - jsMs };
  }
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
