/**
 * Adam (Kingma & Ba 2015, PyTorch's formulation) with global gradient-norm clipping, over tfjs
 * variables, with a state that round-trips exactly through a checkpoint.
 *
 * Why not `tf.train.adam`: its `setWeights` rebuilds the beta powers with `pow`, which rounds
 * differently from the running products it keeps during training, so a resumed run would drift
 * from an uninterrupted one. Here the bias corrections are computed in JS from the step count, the
 * same way before and after a resume, and the moments are saved bit for bit.
 *
 * For speed the moments are kept as ONE flat vector over all parameters: a step is one concat of
 * the gradients, a dozen fused element-wise ops, one split and one assign per variable.
 */
import * as tf from '@tensorflow/tfjs';
import { base64ToF32, f32ToBase64 } from './policy.js';

export interface AdamConfig {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Clip the global L2 norm of all gradients to this (<= 0 or Infinity: no clipping). */
  readonly maxGradNorm: number;
}

export interface AdamState {
  readonly step: number;
  /** base64 float32 of the flat first and second moments. */
  readonly m: string;
  readonly v: string;
}

export class Adam {
  private readonly sizes: number[];
  private readonly total: number;
  private m: tf.Variable;
  private v: tf.Variable;
  private t = 0;

  constructor(
    readonly vars: readonly tf.Variable[],
    readonly config: AdamConfig,
  ) {
    this.sizes = vars.map((x) => x.size);
    this.total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.tidy(() => tf.variable(tf.zeros([this.total]), false));
    this.v = tf.tidy(() => tf.variable(tf.zeros([this.total]), false));
  }

  get step(): number {
    return this.t;
  }

  /**
   * One update with learning rate `lr`. `grads[i]` is the gradient of `vars[i]`. Returns the
   * pre-clipping global gradient norm as a scalar tensor the caller owns (read it lazily).
   */
  apply(grads: readonly tf.Tensor[], lr: number): tf.Scalar {
    this.t += 1;
    const { beta1, beta2, epsilon, maxGradNorm } = this.config;
    const bc1 = 1 - Math.pow(beta1, this.t);
    const bc2 = 1 - Math.pow(beta2, this.t);
    const stepSize = lr / bc1;
    const invSqrtBc2 = 1 / Math.sqrt(bc2);
    return tf.tidy(() => {
      const g0 = tf.concat(grads.map((g) => g.reshape([-1])));
      const norm = tf.norm(g0) as tf.Scalar;
      // scale = min(1, maxNorm / (norm + 1e-6)), as torch.nn.utils.clip_grad_norm_.
      const g =
        maxGradNorm > 0 && Number.isFinite(maxGradNorm)
          ? tf.mul(g0, tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6))))
          : g0;
      const m = tf.add(tf.mul(this.m, beta1), tf.mul(g, 1 - beta1));
      const v = tf.add(tf.mul(this.v, beta2), tf.mul(tf.square(g), 1 - beta2));
      this.m.assign(m);
      this.v.assign(v);
      const delta = tf.div(tf.mul(m, stepSize), tf.add(tf.mul(tf.sqrt(v), invSqrtBc2), epsilon));
      const parts = tf.split(delta, this.sizes);
      this.vars.forEach((x, i) => x.assign(tf.sub(x, parts[i]!.reshape(x.shape))));
      return tf.keep(norm);
    });
  }

  getState(): AdamState {
    return {
      step: this.t,
      m: f32ToBase64(this.m.dataSync() as Float32Array),
      v: f32ToBase64(this.v.dataSync() as Float32Array),
    };
  }

  setState(s: AdamState): void {
    const m = base64ToF32(s.m);
    const v = base64ToF32(s.v);
    if (m.length !== this.total || v.length !== this.total) {
      throw new RangeError(`Adam.setState: moments have ${m.length}/${v.length} values, the parameters ${this.total}`);
    }
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(m));
      this.v.assign(tf.tensor1d(v));
    });
    this.t = s.step;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
