/**
 * Random Network Distillation (Burda, Edwards, Storkey & Klimov 2019, "Exploration by Random
 * Network Distillation"), following the paper and CleanRL's ppo_rnd_envpool.py:
 *
 *   target f: a fixed random MLP (seeded orthogonal init, never trained); predictor f^: same shape,
 *   trained by MSE to imitate f on visited observations. Both read the observation whitened by a
 *   running mean/std and clipped to ±5 (the paper's observation normalisation).
 *   intrinsic reward of a transition s -> s':  i = mean_j (f^(s')_j - f(s')_j)^2
 *   normalised by the running std of the discounted intrinsic return (the paper's
 *   RewardForwardFilter, per env, non-episodic):  R_t = gamma_I R_{t-1} + i_t,  i <- i / std(R)
 *   its own value head V_I (a separate MLP of the policy's hidden widths), trained on the
 *   intrinsic returns by 0.5 (V_I - R_I)^2;
 *   intrinsic GAE with gamma_I, NON-episodic: episode ends do not stop the intrinsic return, the
 *   next transition of the same env (after the autoreset step) continues it;
 *   the policy's advantage: A = A_E + c_t A_I   (A_E: the agent's own GAE of the extrinsic reward,
 *   with its discount; c_t = rndCoef, linearly annealed to 0 when rndAnneal).
 *
 * Why the new observation s' is what is scored: the novelty of where an action leads is what
 * should be paid for. s' of sample (t, i) is stored at (t + 1, i) (for an episode's last step that
 * row is its last observation, written by the vector env before the autoreset), or is the current
 * observation after the rollout's last step.
 *
 * Order per rollout: the observation statistics are updated with the rollout's new observations
 * first, then the rewards are computed (so the first rollout is not scored against mean 0, var 1),
 * then the return statistics; after the PPO update, the predictor and V_I take `rndEpochs` ×
 * `numMinibatches` gradient steps over the valid samples (shuffled with their own seeded
 * generator), the predictor on the first `rndUpdateProportion` of each minibatch (a random subset,
 * since the order is shuffled). Both nets share one Adam (agents/nn/adam.ts), so one read-back per
 * step.
 *
 * Cost model: target, predictor and V_I forward passes over a rollout are plain JS
 * (agents/nn/mlp.ts), the training step is one tfjs tidy with the closed-form backward pass of
 * agents/nn/backprop.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../env/rng.js';
import { RunningMeanStd, type RunningMeanStdState } from '../../env/wrappers.js';
import { Adam, type AdamState } from '../nn/adam.js';
import { backwardMlp, forwardMlp } from '../nn/backprop.js';
import { initMlp, JsMlp, paramShapes, type Activation, type MlpSpec } from '../nn/mlp.js';
import { base64ToF32, f32ToBase64, type SerialRng } from '../nn/serial.js';
import { nextObsRow, type ExplorationRollout } from './common.js';

const OBS_CLIP = 5;

/** The hyperparameters RND reads (the rows of agents/hyperparameters.ts of the same names). */
export interface RndOptions {
  readonly rndHidden: readonly number[];
  readonly rndOutput: number;
  readonly rndGamma: number;
  readonly rndLearningRate: number;
  readonly rndUpdateProportion: number;
  /** The intrinsic value head's hidden activation (the policy's), and its Adam's epsilon and clipping. */
  readonly activation: Activation;
  readonly adamEps: number;
  readonly maxGradNorm: number;
}

export interface RndState {
  readonly predictor: string[];
  readonly critic: string[];
  readonly adam: AdamState;
  readonly obsRms: RunningMeanStdState;
  readonly retRms: { count: number; mean: number; var: number };
  readonly filter: number[];
  readonly rng: SerialRng;
}

export interface RndStats {
  /** Mean normalised intrinsic reward over the rollout's valid samples. */
  intrinsicReward: number;
  /** Mean raw prediction error (before normalisation). */
  predictionError: number;
  predictorLoss: number;
  intValueLoss: number;
  tfjsSeconds: number;
}

export class Rnd {
  readonly embedSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  private readonly target: JsMlp;
  private readonly predictorParams: Float32Array[];
  private readonly criticParams: Float32Array[];
  private readonly predictor: JsMlp;
  private readonly critic: JsMlp;
  private readonly vars: tf.Variable[];
  private readonly adam: Adam;
  readonly obsRms: RunningMeanStd;
  /** Running mean/var of the per-env discounted intrinsic returns. */
  private retRms = { count: 1e-4, mean: 0, var: 1 };
  private readonly filter: Float64Array;
  private readonly rng: Rng;
  /** Whitened next observations of the rollout, row per sample. */
  private white = new Float32Array(0);
  private rawErr = new Float32Array(0);
  private lastPredError = 0;

  constructor(
    readonly obsDim: number,
    readonly numEnvs: number,
    policyHidden: readonly number[],
    private readonly h: RndOptions,
    seed: number,
  ) {
    this.embedSpec = { sizes: [obsDim, ...h.rndHidden, h.rndOutput], activation: 'relu' };
    this.criticSpec = { sizes: [obsDim, ...policyHidden, 1], activation: h.activation };
    // The target's output gain is 1 (not the policy's 0.01): its embedding must vary with the input.
    this.target = new JsMlp(this.embedSpec, initMlp(this.embedSpec, 1, Rng.derive(seed, 'rnd-target')));
    const initRng = Rng.derive(seed, 'rnd-init');
    this.predictorParams = initMlp(this.embedSpec, 1, initRng);
    this.criticParams = initMlp(this.criticSpec, 1, initRng);
    this.predictor = new JsMlp(this.embedSpec, this.predictorParams);
    this.critic = new JsMlp(this.criticSpec, this.criticParams);
    const all = [...this.predictorParams, ...this.criticParams];
    const shapes = [...paramShapes(this.embedSpec), ...paramShapes(this.criticSpec)];
    this.vars = all.map((p, i) => tf.tidy(() => tf.variable(tf.tensor(p, shapes[i]!, 'float32'))));
    this.adam = new Adam(this.vars, all, { beta1: 0.9, beta2: 0.999, epsilon: h.adamEps, maxGradNorm: h.maxGradNorm });
    this.obsRms = new RunningMeanStd(obsDim);
    this.filter = new Float64Array(numEnvs);
    this.rng = Rng.derive(seed, 'rnd-minibatches');
  }

  /**
   * Scores a filled rollout: writes `buf.intRewards` (normalised), `buf.intValues`,
   * `buf.intAdvantages` and `buf.intReturns`. `curObs` is the observation after the last step.
   */
  process(buf: ExplorationRollout, curObs: Float32Array, gamma: number, lambda: number): void {
    const ex = buf.exploration();
    const n = buf.length;
    const d = this.obsDim;
    const N = buf.numEnvs;
    if (this.white.length < n * d) {
      this.white = new Float32Array(n * d);
      this.rawErr = new Float32Array(n);
    }
    // 1. observation statistics from the rollout's new observations, then whiten them.
    for (let k = 0; k < n; k++) if (buf.valid[k]) this.obsRms.update(nextObsRow(buf, curObs, k));
    const mean = this.obsRms.mean;
    const inv = new Float64Array(d);
    for (let j = 0; j < d; j++) inv[j] = 1 / Math.sqrt(this.obsRms.var[j]! + 1e-8);
    for (let k = 0; k < n; k++) {
      const row = nextObsRow(buf, curObs, k);
      for (let j = 0; j < d; j++) {
        const v = (row[j]! - mean[j]!) * inv[j]!;
        this.white[k * d + j] = v > OBS_CLIP ? OBS_CLIP : v < -OBS_CLIP ? -OBS_CLIP : v;
      }
    }
    // 2. raw prediction errors.
    const x = this.white.subarray(0, n * d);
    const t = this.target.forward(x, n).slice();
    const p = this.predictor.forward(x, n);
    const k2 = this.embedSpec.sizes[this.embedSpec.sizes.length - 1]!;
    let errSum = 0;
    let valid = 0;
    for (let k = 0; k < n; k++) {
      let e = 0;
      for (let j = 0; j < k2; j++) e += (p[k * k2 + j]! - t[k * k2 + j]!) ** 2;
      this.rawErr[k] = buf.valid[k] ? e / k2 : 0;
      if (buf.valid[k]) {
        errSum += e / k2;
        valid++;
      }
    }
    this.lastPredError = valid ? errSum / valid : 0;
    // 3. return statistics: the per-env forward filter over the rollout in time order (valid steps only).
    let bm = 0;
    let bm2 = 0;
    let bc = 0;
    for (let s = 0; s < buf.steps; s++) {
      for (let i = 0; i < N; i++) {
        const k = s * N + i;
        if (!buf.valid[k]) continue;
        const r = (this.filter[i] = this.filter[i]! * this.h.rndGamma + this.rawErr[k]!);
        bm += r;
        bm2 += r * r;
        bc++;
      }
    }
    if (bc > 0) {
      const bMean = bm / bc;
      const bVar = Math.max(0, bm2 / bc - bMean * bMean);
      this.mergeRet(bMean, bVar, bc);
    }
    const scale = 1 / Math.sqrt(this.retRms.var + 1e-8);
    for (let k = 0; k < n; k++) ex.intRewards[k] = this.rawErr[k]! * scale;
    // 4. intrinsic values and non-episodic GAE.
    ex.intValues.set(this.critic.forward(buf.obs.subarray(0, n * d), n));
    const last = this.critic.forward(curObs.subarray(0, N * d), N);
    for (let i = 0; i < N; i++) {
      let nextV = last[i]!;
      let nextA = 0;
      for (let s = buf.steps - 1; s >= 0; s--) {
        const k = s * N + i;
        if (!buf.valid[k]) {
          ex.intAdvantages[k] = 0;
          ex.intReturns[k] = 0;
          continue; // the autoreset step is no transition; the chain skips it
        }
        const v = ex.intValues[k]!;
        const a = ex.intRewards[k]! + gamma * nextV - v + gamma * lambda * nextA;
        ex.intAdvantages[k] = a;
        ex.intReturns[k] = a + v;
        nextV = v;
        nextA = a;
      }
    }
  }

  /** Mean normalised intrinsic reward of the last processed rollout. */
  meanIntrinsic(buf: ExplorationRollout): number {
    const ex = buf.exploration();
    let s = 0;
    let c = 0;
    for (let k = 0; k < buf.length; k++) {
      if (!buf.valid[k]) continue;
      s += ex.intRewards[k]!;
      c++;
    }
    return c ? s / c : 0;
  }

  /** Predictor and intrinsic value head: gradient steps over the processed rollout. */
  train(buf: ExplorationRollout, epochs: number, numMinibatches: number): { predictorLoss: number; intValueLoss: number; tfjsSeconds: number; predictionError: number } {
    const ex = buf.exploration();
    const indices = buf.validIndices();
    const n = indices.length;
    const d = this.obsDim;
    const k2 = this.embedSpec.sizes[this.embedSpec.sizes.length - 1]!;
    const mbCount = Math.max(1, Math.min(numMinibatches, n));
    const mbSize = Math.ceil(n / mbCount);
    let tfjsMs = 0;
    const losses: tf.Tensor1D[] = [];
    const xb = new Float32Array(mbSize * d);
    const ob = new Float32Array(mbSize * d);
    const tb = new Float32Array(mbSize * k2);
    const rb = new Float32Array(mbSize);
    for (let epoch = 0; epoch < epochs && n > 0; epoch++) {
      this.rng.shuffle(indices);
      for (let start = 0; start < n; start += mbSize) {
        const b = Math.min(n, start + mbSize) - start;
        const bp = Math.max(1, Math.round(b * this.h.rndUpdateProportion));
        for (let r = 0; r < b; r++) {
          const k = indices[start + r]!;
          xb.set(this.white.subarray(k * d, k * d + d), r * d);
          ob.set(buf.obs.subarray(k * d, k * d + d), r * d);
          rb[r] = ex.intReturns[k]!;
        }
        const tOut = this.target.forward(xb.subarray(0, bp * d), bp);
        tb.set(tOut.subarray(0, bp * k2));
        const t0 = performance.now();
        const np = this.predictorParams.length;
        const out = tf.tidy(() => {
          const pv = this.vars.slice(0, np);
          const cv = this.vars.slice(np);
          const xp = tf.tensor2d(xb.subarray(0, bp * d), [bp, d]);
          const tt = tf.tensor2d(tb.subarray(0, bp * k2), [bp, k2]);
          const pt = forwardMlp(this.embedSpec, pv, xp);
          const diff = tf.sub(pt.out, tt);
          const predLoss = tf.mean(tf.square(diff));
          const pGrads = backwardMlp(this.embedSpec, pv, pt, tf.mul(diff, 2 / (bp * k2)) as tf.Tensor2D);
          const xo = tf.tensor2d(ob.subarray(0, b * d), [b, d]);
          const ct = forwardMlp(this.criticSpec, cv, xo);
          const u = tf.sub(tf.reshape(ct.out, [b]), tf.tensor1d(rb.subarray(0, b)));
          const vLoss = tf.mul(0.5, tf.mean(tf.square(u)));
          const cGrads = backwardMlp(this.criticSpec, cv, ct, tf.reshape(tf.mul(u, 1 / b), [b, 1]) as tf.Tensor2D);
          this.adam.apply([...pGrads, ...cGrads], this.h.rndLearningRate);
          return tf.stack([predLoss, vLoss]) as tf.Tensor1D;
        });
        losses.push(out);
        tfjsMs += performance.now() - t0 - this.adam.lastJsMs;
      }
    }
    let pl = 0;
    let vl = 0;
    if (losses.length) {
      const t0 = performance.now();
      const all = tf.tidy(() => tf.concat(losses));
      const v = all.dataSync();
      all.dispose();
      for (const l of losses) l.dispose();
      tfjsMs += performance.now() - t0;
      for (let m = 0; m < losses.length; m++) {
        pl += v[2 * m]!;
        vl += v[2 * m + 1]!;
      }
      pl /= losses.length;
      vl /= losses.length;
    }
    this.predictor.refresh();
    this.critic.refresh();
    return { predictorLoss: pl, intValueLoss: vl, tfjsSeconds: tfjsMs / 1000, predictionError: this.lastPredError };
  }

  getState(): RndState {
    return {
      predictor: this.predictorParams.map(f32ToBase64),
      critic: this.criticParams.map(f32ToBase64),
      adam: this.adam.getState(),
      obsRms: this.obsRms.getState(),
      retRms: { ...this.retRms },
      filter: Array.from(this.filter),
      rng: this.rng.getState(),
    };
  }

  setState(s: RndState): void {
    const load = (dst: Float32Array[], src: string[], what: string) => {
      if (src.length !== dst.length) throw new RangeError(`RND state: ${what} has ${src.length} arrays, expected ${dst.length}`);
      src.forEach((b, i) => {
        const a = base64ToF32(b);
        if (a.length !== dst[i]!.length) throw new RangeError(`RND state: ${what} array ${i} has ${a.length} values, expected ${dst[i]!.length}`);
        dst[i]!.set(a);
      });
    };
    load(this.predictorParams, s.predictor, 'predictor');
    load(this.criticParams, s.critic, 'intrinsic critic');
    const all = [...this.predictorParams, ...this.criticParams];
    tf.tidy(() => this.vars.forEach((v, i) => v.assign(tf.tensor(all[i]!, v.shape, 'float32'))));
    this.predictor.refresh();
    this.critic.refresh();
    this.adam.setState(s.adam);
    this.obsRms.setState(s.obsRms);
    this.retRms = { ...s.retRms };
    this.filter.set(s.filter);
    this.rng.setState(s.rng);
  }

  dispose(): void {
    for (const v of this.vars) v.dispose();
  }

  /** Chan et al.'s parallel merge of the batch moments into the running ones. */
  private mergeRet(bMean: number, bVar: number, bCount: number): void {
    const r = this.retRms;
    const delta = bMean - r.mean;
    const tot = r.count + bCount;
    const m2 = r.var * r.count + bVar * bCount + (delta * delta * r.count * bCount) / tot;
    this.retRms = { count: tot, mean: r.mean + (delta * bCount) / tot, var: m2 / tot };
  }
}
