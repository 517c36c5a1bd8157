import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backend.js';
import { MASKED_LOGIT, objectiveGradients, type MinibatchTensors, type ObjectiveConfig } from '../../agents/gradients.js';
import { Policy, priorLogits } from '../../agents/policy.js';
import { referenceLoss } from '../../agents/reference_loss.js';
import { Rng } from '../../env/rng.js';

/**
 * The hand-written backward pass (gradients.ts) against tfjs autodiff of the same objective
 * (reference_loss.ts), on random minibatches that exercise every branch: ratios inside and
 * outside the clip range with both advantage signs, value clipping active and not, masks,
 * the entropy bonus, the prior KL, the cost critic, tanh and relu.
 */
const B = 48;
const D = 5;
const A = 6;

function batch(rng: Rng, masked: boolean, withCost: boolean): MinibatchTensors {
  const obs = Float32Array.from({ length: B * D }, () => rng.normal());
  const oneHot = new Float32Array(B * A);
  const maskBias = new Float32Array(B * A);
  for (let i = 0; i < B; i++) {
    const valid: number[] = [];
    for (let j = 0; j < A; j++) {
      const ok = !masked || j === 0 || rng.bernoulli(0.6);
      maskBias[i * A + j] = ok ? 0 : MASKED_LOGIT;
      if (ok) valid.push(j);
    }
    oneHot[i * A + valid[rng.int(valid.length)]!] = 1;
  }
  // old log-probs spread around the current ones so that ratios land on both sides of the clip range.
  const vec = (f: () => number) => tf.tensor1d(Float32Array.from({ length: B }, f));
  return {
    size: B,
    obs: tf.tensor2d(obs, [B, D]),
    actionOneHot: tf.tensor2d(oneHot, [B, A]),
    maskBias: masked ? tf.tensor2d(maskBias, [B, A]) : null,
    oldLogp: vec(() => -Math.log(A) + 0.6 * rng.normal()),
    advantages: vec(() => rng.normal()),
    returns: vec(() => rng.normal()),
    oldValues: vec(() => 0.3 * rng.normal()),
    costReturns: withCost ? vec(() => rng.normal()) : null,
    oldCostValues: withCost ? vec(() => 0.3 * rng.normal()) : null,
  };
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let scale = 1e-3;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i]! - b[i]!));
  return err / scale;
}

function check(name: string, cfg: ObjectiveConfig, opts: { masked: boolean; cost: boolean; activation: 'tanh' | 'relu'; seed: number }) {
  it(name, () => {
    const rng = new Rng(opts.seed);
    const prior = Float32Array.from({ length: A }, () => 0.1 + rng.next());
    const policy = Policy.init(
      { obsDim: D, numActions: A, hidden: [16, 12], activation: opts.activation, costCritic: opts.cost, normObs: false, obsClip: 10 },
      rng,
      prior,
    );
    // Larger output weights than the init's, so the policy is far from uniform.
    for (const p of policy.actorParams) for (let i = 0; i < p.length; i++) p[i] = p[i]! + 0.3 * rng.normal();
    for (const p of policy.criticParams) for (let i = 0; i < p.length; i++) p[i] = p[i]! + 0.1 * rng.normal();
    const vars = policy.variables();
    const mb = batch(rng, opts.masked, opts.cost);
    const conf = { ...cfg, logPrior: cfg.priorKl > 0 ? priorLogits(prior, A) : null };
    const ours = tf.tidy(() => {
      const out = objectiveGradients(policy.actorSpec, policy.criticSpec, vars, mb, conf);
      return { loss: out.loss.dataSync()[0]!, grads: out.grads.map((g) => g.dataSync() as Float32Array) };
    });
    const ref = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => referenceLoss(policy.actorSpec, policy.criticSpec, vars, mb, conf), vars.all);
      return { loss: value.dataSync()[0]!, grads: vars.all.map((v) => grads[v.name]!.dataSync() as Float32Array) };
    });
    assert.ok(Math.abs(ours.loss - ref.loss) <= 1e-5 * Math.max(1, Math.abs(ref.loss)), `loss ${ours.loss} vs ${ref.loss}`);
    assert.equal(ours.grads.length, ref.grads.length);
    ours.grads.forEach((g, i) => {
      const err = maxRelErr(g, ref.grads[i]!);
      assert.ok(err < 1e-4, `gradient ${i}: relative error ${err}`);
    });
    policy.dispose();
    tf.dispose(Object.values(mb).filter((t): t is tf.Tensor => t instanceof tf.Tensor));
  });
}

describe('hand-written gradients match tfjs autodiff', () => {
  before(async () => {
    await selectBackend('wasm');
  });
  const ppo: ObjectiveConfig = { policyTerm: 'ppo-clip', clipCoef: 0.2, valueClip: 0.2, entCoef: 0.01, vfCoef: 0.5, priorKl: 0, logPrior: null };
  check('PPO, clipped value loss, tanh', ppo, { masked: false, cost: false, activation: 'tanh', seed: 1 });
  check('PPO with masks, a prior KL term and a cost critic', { ...ppo, priorKl: 0.3 }, { masked: true, cost: true, activation: 'tanh', seed: 2 });
  check('PPO, relu, no value clipping, no entropy bonus', { ...ppo, valueClip: 0, entCoef: 0 }, { masked: true, cost: false, activation: 'relu', seed: 3 });
  check('REINFORCE with baseline', { ...ppo, policyTerm: 'reinforce', valueClip: 0 }, { masked: false, cost: false, activation: 'tanh', seed: 4 });
  check('REINFORCE with masks and prior KL', { ...ppo, policyTerm: 'reinforce', valueClip: 0, priorKl: 1 }, { masked: true, cost: false, activation: 'tanh', seed: 5 });
});
