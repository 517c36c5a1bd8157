/**
 * Multi-layer perceptrons, twice: a plain-JS forward pass for acting (rollouts and evaluation:
 * small batches where tfjs's per-op overhead would dominate) and a tfjs graph over the same
 * parameters for gradients. Parameters are row-major `[in, out]` weight matrices and `[out]` biases,
 * in the order W0, b0, W1, b1, ...
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../../env/rng.js';
import { orthogonal } from './init.js';

export type Activation = 'tanh' | 'relu';

export interface MlpSpec {
  /** Layer widths from input to output, e.g. [obsDim, 64, 64, numActions]. */
  readonly sizes: readonly number[];
  readonly activation: Activation;
}

export function paramShapes(spec: MlpSpec): number[][] {
  const shapes: number[][] = [];
  for (let l = 0; l + 1 < spec.sizes.length; l++) {
    shapes.push([spec.sizes[l]!, spec.sizes[l + 1]!], [spec.sizes[l + 1]!]);
  }
  return shapes;
}

/**
 * CleanRL's `layer_init`: orthogonal weights (gain sqrt(2) for hidden layers, `outGain` for the
 * output layer: 0.01 for policy logits so the initial policy is near uniform, 1 for values), zero biases.
 */
export function initMlp(spec: MlpSpec, outGain: number, rng: Rng): Float32Array[] {
  const params: Float32Array[] = [];
  const layers = spec.sizes.length - 1;
  for (let l = 0; l < layers; l++) {
    const fanIn = spec.sizes[l]!;
    const fanOut = spec.sizes[l + 1]!;
    params.push(orthogonal(fanIn, fanOut, l + 1 === layers ? outGain : Math.SQRT2, rng), new Float32Array(fanOut));
  }
  return params;
}

/**
 * Plain-JS forward pass with preallocated scratch buffers. `forward` returns a view into an internal
 * buffer that the next call overwrites.
 *
 * Speed: each output is a dot product over a transposed copy of the weights, computed for four
 * rows at once, then the activation over the whole block (measured: 24 µs instead of 62 µs per
 * sandbox observation for actor + critic, against accumulating into the output row). Call
 * `refresh()` after the parameters change so the transposed copy follows.
 */
export class JsMlp {
  private scratch: Float32Array[] = [];
  private capacity = 0;
  private readonly transposed: Float32Array[];

  constructor(
    readonly spec: MlpSpec,
    readonly params: Float32Array[],
  ) {
    this.transposed = [];
    for (let l = 0; l + 1 < spec.sizes.length; l++) this.transposed.push(new Float32Array(spec.sizes[l]! * spec.sizes[l + 1]!));
    this.refresh();
  }

  /** Recomputes the transposed weights from `params`. */
  refresh(): void {
    const { sizes } = this.spec;
    for (let l = 0; l + 1 < sizes.length; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const w = this.params[2 * l]!;
      const wt = this.transposed[l]!;
      for (let k = 0; k < fanIn; k++) for (let j = 0; j < fanOut; j++) wt[j * fanIn + k] = w[k * fanOut + j]!;
    }
  }

  forward(x: Float32Array, n: number): Float32Array {
    if (n > this.capacity) this.grow(n);
    const { sizes } = this.spec;
    const layers = sizes.length - 1;
    const relu = this.spec.activation === 'relu';
    let input = x;
    for (let l = 0; l < layers; l++) {
      const fanIn = sizes[l]!;
      const fanOut = sizes[l + 1]!;
      const wt = this.transposed[l]!;
      const b = this.params[2 * l + 1]!;
      const out = this.scratch[l]!;
      const act = l + 1 === layers ? 0 : relu ? 2 : 1;
      let r = 0;
      // Four rows at a time share each weight load. Every row's sum runs over k in the same order
      // in both loops, so a row's output does not depend on the batch it came in.
      for (; r + 3 < n; r += 4) {
        const x0 = r * fanIn;
        const x1 = x0 + fanIn;
        const x2 = x1 + fanIn;
        const x3 = x2 + fanIn;
        const o0 = r * fanOut;
        for (let j = 0; j < fanOut; j++) {
          const wo = j * fanIn;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          for (let k = 0; k < fanIn; k++) {
            const w = wt[wo + k]!;
            s0 += input[x0 + k]! * w;
            s1 += input[x1 + k]! * w;
            s2 += input[x2 + k]! * w;
            s3 += input[x3 + k]! * w;
          }
          const bj = b[j]!;
          out[o0 + j] = bj + s0;
          out[o0 + fanOut + j] = bj + s1;
          out[o0 + 2 * fanOut + j] = bj + s2;
          out[o0 + 3 * fanOut + j] = bj + s3;
        }
      }
      for (; r < n; r++) {
        const x0 = r * fanIn;
        const o0 = r * fanOut;
        for (let j = 0; j < fanOut; j++) {
          const wo = j * fanIn;
          let s0 = 0;
          for (let k = 0; k < fanIn; k++) s0 += input[x0 + k]! * wt[wo + k]!;
          out[o0 + j] = b[j]! + s0;
        }
      }
      const size = n * fanOut;
      if (act === 1) for (let i = 0; i < size; i++) out[i] = Math.tanh(out[i]!);
      else if (act === 2) for (let i = 0; i < size; i++) out[i] = out[i]! > 0 ? out[i]! : 0;
      input = out;
    }
    return input.subarray(0, n * sizes[layers]!);
  }

  private grow(n: number): void {
    this.capacity = Math.max(n, 2 * this.capacity);
    this.scratch = this.spec.sizes.slice(1).map((w) => new Float32Array(this.capacity * w));
  }
}

/**
 * The same network as a tfjs graph over variables `vars` (W0, b0, ...), for tfjs autodiff
 * (`ppoLoss` in agents/ppo.ts). The default fast path uses the hand-written backward pass of backprop.ts.
 */
export function tfForward(spec: MlpSpec, vars: readonly tf.Tensor[], x: tf.Tensor2D): tf.Tensor2D {
  const layers = spec.sizes.length - 1;
  let h = x;
  for (let l = 0; l < layers; l++) {
    const hidden = l + 1 < layers;
    const z = tf.add(tf.matMul(h, vars[2 * l] as tf.Tensor2D), vars[2 * l + 1]!) as tf.Tensor2D;
    h = !hidden ? z : spec.activation === 'tanh' ? tf.tanh(z) : tf.relu(z);
  }
  return h;
}
