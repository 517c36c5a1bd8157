/**
 * Multi-layer perceptrons, twice: a plain-JS forward pass for acting (rollouts and evaluation:
 * small batches where tfjs's per-op overhead would dominate) and a tfjs graph over the same
 * parameters for gradients. Parameters are row-major `[in, out]` weight matrices and `[out]` biases,
 * in the order W0, b0, W1, b1, ...
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../env/rng.js';
import { orthogonal } from './init.js';

export type Activation = 'tanh' | 'relu';

export interface MlpSpec {
  /** Layer widths from input to output, e.g. [obsDim, 64, 64, numActions]. */
  readonly sizes: readonly number[];
  readonly activation: Activation;
}

/** Number of parameter arrays (a weight and a bias per layer). */
export function paramCount(spec: MlpSpec): number {
  return 2 * (spec.sizes.length - 1);
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
 * Speed: each output is a dot product over a transposed copy of the weights, with four partial
 * sums (about twice as fast in V8 as accumulating into the output row). Call `refresh()` after the
 * parameters change so the transposed copy follows.
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
      const hidden = l + 1 < layers;
      for (let r = 0; r < n; r++) {
        const xo = r * fanIn;
        const oo = r * fanOut;
        for (let j = 0; j < fanOut; j++) {
          const wo = j * fanIn;
          let s0 = 0;
          let s1 = 0;
          let s2 = 0;
          let s3 = 0;
          let k = 0;
          for (; k + 3 < fanIn; k += 4) {
            s0 += input[xo + k]! * wt[wo + k]!;
            s1 += input[xo + k + 1]! * wt[wo + k + 1]!;
            s2 += input[xo + k + 2]! * wt[wo + k + 2]!;
            s3 += input[xo + k + 3]! * wt[wo + k + 3]!;
          }
          for (; k < fanIn; k++) s0 += input[xo + k]! * wt[wo + k]!;
          const z = b[j]! + (s0 + s1 + (s2 + s3));
          out[oo + j] = !hidden ? z : relu ? (z > 0 ? z : 0) : Math.tanh(z);
        }
      }
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
 * (reference_loss.ts). Training uses the hand-written backward pass in gradients.ts.
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
