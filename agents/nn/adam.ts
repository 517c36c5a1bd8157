/**
 * Adam (Kingma & Ba 2015, PyTorch's formulation) with global gradient-norm clipping
 * (torch.nn.utils.clip_grad_norm_), whose state round-trips exactly through a checkpoint.
 *
 * The gradients come from tfjs (backprop.ts, agents/gradients.ts); the optimiser step runs in plain JS over one flat
 * view of all parameters, and the new values are uploaded into the tfjs variables. Why: on the
 * wasm backend an element-wise tfjs op over the ~20k parameters costs ~100 µs, and a tfjs Adam
 * step needs ~15 of them plus a reshape/split/assign per variable (measured: 1.5–2 ms per
 * minibatch at the sandbox's sizes, more than the forward and backward passes' matMuls); the same
 * arithmetic in a JS loop takes tens of microseconds, and one read-back plus one upload per
 * variable are memcpys on wasm/cpu. It also keeps the JS parameters (used for acting) current
 * without another read-back.
 *
 * Exactness: the bias corrections are computed from the step count, the same way before and after
 * a resume (tf.train.adam rebuilds its beta powers with pow() on resume, which rounds differently
 * from the running products it keeps), and the moments are saved bit for bit.
 */
import * as tf from '@tensorflow/tfjs';
import { base64ToF32, f32ToBase64 } from './serial.js';

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
  private readonly total: number;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private t = 0;
  /** Milliseconds the last `apply` spent in its JS loop (for the tfjs/JS time split). */
  lastJsMs = 0;

  /**
   * `vars[i]` is the tfjs copy of `params[i]` (same size); the optimiser updates `params` and
   * uploads them into `vars`.
   */
  constructor(
    readonly vars: readonly tf.Variable[],
    readonly params: readonly Float32Array[],
    readonly config: AdamConfig,
  ) {
    if (vars.length !== params.length) throw new RangeError('Adam: one parameter array per variable');
    vars.forEach((x, i) => {
      if (x.size !== params[i]!.length) throw new RangeError(`Adam: variable ${i} has ${x.size} values, its array ${params[i]!.length}`);
    });
    this.total = params.reduce((a, p) => a + p.length, 0);
    this.m = new Float32Array(this.total);
    this.v = new Float32Array(this.total);
  }

  /**
   * One update with learning rate `lr`; `grads[i]` is the gradient of `vars[i]`. Returns the global
   * gradient norm before clipping.
   */
  apply(grads: readonly tf.Tensor[], lr: number): number {
    const flatT = tf.tidy(() => tf.concat(grads.map((x) => x.reshape([-1]))));
    const flat = flatT.dataSync() as Float32Array;
    flatT.dispose();
    const t0 = performance.now();
    this.t += 1;
    const { beta1, beta2, epsilon, maxGradNorm } = this.config;
    let sq = 0;
    for (let i = 0; i < this.total; i++) sq += flat[i]! * flat[i]!;
    const norm = Math.sqrt(sq);
    const scale = maxGradNorm > 0 && Number.isFinite(maxGradNorm) ? Math.min(1, maxGradNorm / (norm + 1e-6)) : 1;
    const stepSize = lr / (1 - Math.pow(beta1, this.t));
    const invSqrtBc2 = 1 / Math.sqrt(1 - Math.pow(beta2, this.t));
    const m = this.m;
    const v = this.v;
    let off = 0;
    for (const p of this.params) {
      for (let j = 0; j < p.length; j++) {
        const k = off + j;
        const gk = flat[k]! * scale;
        const mk = beta1 * m[k]! + (1 - beta1) * gk;
        const vk = beta2 * v[k]! + (1 - beta2) * gk * gk;
        m[k] = mk;
        v[k] = vk;
        p[j] = p[j]! - (stepSize * mk) / (Math.sqrt(vk) * invSqrtBc2 + epsilon);
      }
      off += p.length;
    }
    this.lastJsMs = performance.now() - t0;
    tf.tidy(() => this.vars.forEach((x, i) => x.assign(tf.tensor(this.params[i]!, x.shape, 'float32'))));
    return norm;
  }

  getState(): AdamState {
    return { step: this.t, m: f32ToBase64(this.m), v: f32ToBase64(this.v) };
  }

  setState(s: AdamState): void {
    const m = base64ToF32(s.m);
    const v = base64ToF32(s.v);
    if (m.length !== this.total || v.length !== this.total) {
      throw new RangeError(`Adam.setState: moments have ${m.length}/${v.length} values, the parameters ${this.total}`);
    }
    this.m.set(m);
    this.v.set(v);
    this.t = s.step;
  }
}

/**
 * The same `AdamState` for moments held as tfjs variables (the autodiff learner's, agents/ppo.ts),
 * flattened in variable order; `loadVariableMoments` writes one back and returns its step count.
 */
export function variableMomentsState(step: number, m: readonly tf.Variable[], v: readonly tf.Variable[]): AdamState {
  const flat = (xs: readonly tf.Variable[]) => {
    const t = tf.tidy(() => tf.concat(xs.map((x) => x.reshape([-1]))));
    const values = t.dataSync() as Float32Array;
    t.dispose();
    return values;
  };
  return { step, m: f32ToBase64(flat(m)), v: f32ToBase64(flat(v)) };
}

export function loadVariableMoments(s: AdamState, m: readonly tf.Variable[], v: readonly tf.Variable[]): number {
  const total = m.reduce((a, x) => a + x.size, 0);
  const mFlat = base64ToF32(s.m);
  const vFlat = base64ToF32(s.v);
  if (mFlat.length !== total || vFlat.length !== total) throw new RangeError(`AutodiffStep.setState: moments have ${mFlat.length}/${vFlat.length} values, the parameters ${total}`);
  let off = 0;
  m.forEach((x, i) => {
    tf.tidy(() => {
      x.assign(tf.tensor(mFlat.subarray(off, off + x.size), x.shape, 'float32'));
      v[i]!.assign(tf.tensor(vFlat.subarray(off, off + x.size), x.shape, 'float32'));
    });
    off += x.size;
  });
  return s.step;
}
