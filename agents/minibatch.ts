/**
 * A minibatch and the step taken on it: the interface both learner paths implement
 * (`MinibatchStep`), and the Learner's host-side plumbing (agents/ppo.ts section 6 states the
 * algorithm): gathering the rows of one minibatch from the rollout into JS arrays reused across
 * minibatches and updates, uploading them as `MinibatchTensors` for one step, and reading the loss
 * statistics back once per epoch.
 *
 * Cost model, per minibatch: the samples are gathered in JS and uploaded as a handful of tensors;
 * the step runs as tfjs kernels (and, on the fast path, a JS optimiser loop). The loss statistics
 * stay on the backend, one small tensor per minibatch, and are read back with one `dataSync` per
 * epoch. Every tensor is created inside `tf.tidy` or disposed explicitly, so the tensor count is
 * flat across updates. Time inside tfjs calls (uploads, kernels, read-backs) is summed apart from
 * the JS time, for the diagnostics.
 */
import * as tf from '@tensorflow/tfjs';
import { LOSS_STATS, MASKED_LOGIT, type LossStats, type MinibatchTensors, type ObjectiveConfig } from './gradients.js';
import type { AdamState } from './nn/adam.js';

/** The rollout fields a minibatch reads (agents/ppo.ts's RolloutBuffer has them), time-major. */
export interface RolloutSamples {
  readonly obsDim: number;
  readonly numActions: number;
  readonly obs: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly returns: Float32Array;
  readonly costValues: Float32Array | null;
  readonly costReturns: Float32Array | null;
}

/**
 * One gradient step on one minibatch, in two implementations: `AutodiffStep` (agents/ppo.ts
 * section 5, the readable one) and `FastStep` (update.ts, the default). Per call: loss and
 * gradients, global-norm clipping, Adam, and the new parameters written into both the tfjs
 * variables and the policy's JS arrays (acting reads those). Called inside a `tf.tidy`; `stats` is
 * the only tensor that outlives it.
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

/** What one update's epochs did: agents/ppo.ts's `Learner.runEpochs` returns it. */
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

const APPROX_KL = LOSS_STATS.indexOf('approxKl');

/** One Learner's minibatches: host scratch, upload, and the statistics of the update in progress. */
export class Minibatches {
  private obs = new Float32Array(0);
  private oneHot = new Float32Array(0);
  private maskBias = new Float32Array(0);
  private oldLogp = new Float32Array(0);
  private adv = new Float32Array(0);
  private ret = new Float32Array(0);
  private oldV = new Float32Array(0);
  private costRet = new Float32Array(0);
  private oldCostV = new Float32Array(0);
  /** The gathered minibatch: rows, widths, whether any action is masked, whether it has a cost critic. */
  private b = 0;
  private d = 0;
  private a = 0;
  private anyMasked = false;
  private withCost = false;
  /** Statistics tensors of the epoch in progress, and the sums over the update's minibatches. */
  private epoch: tf.Tensor1D[] = [];
  private readonly totals = new Float64Array(LOSS_STATS.length);
  private counted = 0;
  private tfjsMs = 0;

  /** Starts an update: its statistics and tfjs time start from zero. */
  begin(): void {
    this.totals.fill(0);
    this.counted = 0;
    this.tfjsMs = 0;
  }

  /**
   * Copies rows `rows` of the rollout into the host arrays, `advantages[k]` as each row's advantage.
   * Returns the minibatch's advantages, which the caller may standardise in place before `step`.
   */
  gather(buf: RolloutSamples, rows: Int32Array, advantages: Float32Array): Float32Array {
    const b = rows.length;
    const d = buf.obsDim;
    const a = buf.numActions;
    this.ensure(b, d, a);
    this.b = b;
    this.d = d;
    this.a = a;
    this.withCost = buf.costReturns !== null && buf.costValues !== null;
    this.oneHot.fill(0, 0, b * a);
    this.anyMasked = false;
    for (let r = 0; r < b; r++) {
      const k = rows[r]!;
      this.obs.set(buf.obs.subarray(k * d, k * d + d), r * d);
      this.oneHot[r * a + buf.actions[k]!] = 1;
      for (let j = 0; j < a; j++) {
        const ok = buf.masks[k * a + j]!;
        this.maskBias[r * a + j] = ok ? 0 : MASKED_LOGIT;
        if (!ok) this.anyMasked = true;
      }
      this.oldLogp[r] = buf.logp[k]!;
      this.adv[r] = advantages[k]!;
      this.ret[r] = buf.returns[k]!;
      this.oldV[r] = buf.values[k]!;
      if (this.withCost) {
        this.costRet[r] = buf.costReturns![k]!;
        this.oldCostV[r] = buf.costValues![k]!;
      }
    }
    return this.adv.subarray(0, b);
  }

  /** Uploads the gathered minibatch and takes one step on it; returns the gradient norm before clipping. */
  step(step: MinibatchStep, objective: ObjectiveConfig, learningRate: number): number {
    const { b, d, a, withCost } = this;
    const t0 = performance.now();
    let norm = 0;
    let jsMs = 0;
    const stats = tf.tidy(() => {
      const mb: MinibatchTensors = {
        size: b,
        obs: tf.tensor2d(this.obs.subarray(0, b * d), [b, d]),
        actionOneHot: tf.tensor2d(this.oneHot.subarray(0, b * a), [b, a]),
        maskBias: this.anyMasked ? tf.tensor2d(this.maskBias.subarray(0, b * a), [b, a]) : null,
        oldLogp: tf.tensor1d(this.oldLogp.subarray(0, b)),
        advantages: tf.tensor1d(this.adv.subarray(0, b)),
        returns: tf.tensor1d(this.ret.subarray(0, b)),
        oldValues: tf.tensor1d(this.oldV.subarray(0, b)),
        costReturns: withCost ? tf.tensor1d(this.costRet.subarray(0, b)) : null,
        oldCostValues: withCost ? tf.tensor1d(this.oldCostV.subarray(0, b)) : null,
      };
      const r = step.apply(mb, objective, learningRate);
      norm = r.gradNorm;
      jsMs = r.jsMs;
      return r.stats;
    });
    // The optimiser's own JS loop is not tfjs time.
    this.tfjsMs += performance.now() - t0 - jsMs;
    this.epoch.push(stats);
    return norm;
  }

  /** Ends an epoch: one read-back of all its minibatch statistics. Returns the epoch's mean approximate KL. */
  endEpoch(): number {
    const t0 = performance.now();
    const stacked = tf.tidy(() => tf.concat(this.epoch));
    const values = stacked.dataSync();
    stacked.dispose();
    for (const t of this.epoch) t.dispose();
    this.tfjsMs += performance.now() - t0;
    const k = LOSS_STATS.length;
    const m = this.epoch.length;
    let epochKl = 0;
    for (let i = 0; i < m; i++) {
      for (let s = 0; s < k; s++) this.totals[s]! += values[i * k + s]!;
      epochKl += values[i * k + APPROX_KL]!;
    }
    this.counted += m;
    this.epoch = [];
    return epochKl / m;
  }

  /** The update's mean of each loss statistic, its minibatch count and its seconds inside tfjs. */
  summary(): Pick<EpochResult, 'stats' | 'minibatches' | 'tfjsSeconds'> {
    const stats = {} as LossStats;
    LOSS_STATS.forEach((name, s) => (stats[name] = this.counted > 0 ? this.totals[s]! / this.counted : 0));
    return { stats, minibatches: this.counted, tfjsSeconds: this.tfjsMs / 1000 };
  }

  private ensure(b: number, d: number, a: number): void {
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
