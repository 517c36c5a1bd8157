/**
 * An MLP's forward pass as a tfjs graph that keeps every layer's input, and its backward pass
 * written out by hand: the closed forms the fast learner (agents/gradients.ts) and RND's predictor
 * and value head (agents/exploration/rnd.ts) take their gradients with, instead of tfjs autodiff.
 * Parameters in the order of mlp.ts (W0, b0, W1, b1, ...).
 *
 *   dense layer z = x W + b:  dW = x^T dz, db = sum_rows dz, dx = dz W^T
 *   activations:              tanh: dz = dh (1 - h^2); relu: dz = dh 1[h > 0]
 */
import * as tf from '@tensorflow/tfjs';
import type { MlpSpec } from './mlp.js';

export interface MlpTrace {
  /** Input of every layer: x, h1, h2, ... */
  readonly inputs: tf.Tensor2D[];
  readonly out: tf.Tensor2D;
}

export function forwardMlp(spec: MlpSpec, vars: readonly tf.Tensor[], x: tf.Tensor2D): MlpTrace {
  const layers = spec.sizes.length - 1;
  const inputs: tf.Tensor2D[] = [];
  let h = x;
  for (let l = 0; l < layers; l++) {
    inputs.push(h);
    const hidden = l + 1 < layers;
    const z = tf.fused.matMul({
      a: h,
      b: vars[2 * l] as tf.Tensor2D,
      bias: vars[2 * l + 1]!,
      activation: hidden && spec.activation === 'relu' ? 'relu' : 'linear',
    }) as tf.Tensor2D;
    h = hidden && spec.activation === 'tanh' ? tf.tanh(z) : z;
  }
  return { inputs, out: h };
}

/**
 * Gradients of every parameter given dLoss/dOutput. Transposes are explicit because tfjs-wasm's
 * matMul with a transposed operand is several times slower than transpose + plain matMul.
 */
export function backwardMlp(spec: MlpSpec, vars: readonly tf.Tensor[], trace: MlpTrace, dOut: tf.Tensor2D): tf.Tensor[] {
  const layers = spec.sizes.length - 1;
  const grads: tf.Tensor[] = new Array<tf.Tensor>(2 * layers);
  let dz = dOut;
  for (let l = layers - 1; l >= 0; l--) {
    const input = trace.inputs[l]!;
    grads[2 * l] = tf.matMul(tf.transpose(input), dz);
    grads[2 * l + 1] = tf.sum(dz, 0);
    if (l === 0) break;
    const dh = tf.matMul(dz, tf.transpose(vars[2 * l] as tf.Tensor2D));
    // `input` is this layer's input = the previous layer's activation output h.
    dz = spec.activation === 'tanh' ? tf.mul(dh, tf.sub(1, tf.square(input))) : tf.mul(dh, tf.step(input));
  }
  return grads;
}
