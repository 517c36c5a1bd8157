import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backend.js';
import { LOSS_STATS, MASKED_LOGIT, objectiveGradients, type MinibatchTensors, type ObjectiveConfig } from '../../agents/gradients.js';
import { Policy, priorLogits } from '../../agents/policy.js';
import { PPO_DEFAULTS } from '../../agents/hyperparameters.js';
import { AutodiffStep, Learner, ppoLoss, ppoUpdate, RolloutBuffer } from '../../agents/ppo.js';
import { FastStep } from '../../agents/update.js';
import { Rng } from '../../env/rng.js';

/**
 * The fast path's hand-written backward pass (gradients.ts) against tfjs autodiff of the readable
 * loss (`ppoLoss`, agents/ppo.ts section 4), on random minibatches that exercise every branch:
 * ratios inside and outside the clip range with both advantage signs, value clipping active and
 * not, masks, the entropy bonus, the prior KL, the cost critic, tanh and relu.
 * Tolerances: the loss and every statistic to 1e-5 relative, every gradient to 1e-4 of its largest
 * entry (float32 arithmetic in a different order).
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
      return { loss: out.loss.dataSync()[0]!, stats: out.stats.dataSync() as Float32Array, grads: out.grads.map((g) => g.dataSync() as Float32Array) };
    });
    const ref = tf.tidy(() => {
      let stats: Float32Array = new Float32Array(0);
      const { value, grads } = tf.variableGrads(() => {
        const out = ppoLoss(policy, vars, mb, conf);
        stats = out.stats.dataSync() as Float32Array;
        return out.loss;
      }, vars.all);
      return { loss: value.dataSync()[0]!, stats, grads: vars.all.map((v) => grads[v.name]!.dataSync() as Float32Array) };
    });
    assert.ok(Math.abs(ours.loss - ref.loss) <= 1e-5 * Math.max(1, Math.abs(ref.loss)), `loss ${ours.loss} vs ${ref.loss}`);
    LOSS_STATS.forEach((name, i) => {
      assert.ok(Math.abs(ours.stats[i]! - ref.stats[i]!) <= 1e-5 * Math.max(1, Math.abs(ref.stats[i]!)), `${name}: ${ours.stats[i]} vs ${ref.stats[i]}`);
    });
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

/**
 * The two `MinibatchStep` implementations behind one interface: the same Learner, seed and rollout
 * with the fast step (hand-written gradients, JS Adam) and the readable one (autodiff, Adam in
 * tfjs ops) must give the same loss statistics and parameters after a few updates, to float32
 * rounding: statistics to 1e-5 relative, parameters to 1e-4 of how far they moved (measured: 7e-8
 * and 5e-6), and each must leave the tensor count flat.
 */
describe('fast path and autodiff path: a few updates agree', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  const T = 16;
  const N = 4;
  function rollout(policy: Policy, rng: Rng): RolloutBuffer {
    const buf = new RolloutBuffer(T, N, D, A, true);
    buf.steps = T;
    const obs = Float32Array.from({ length: T * N * D }, () => rng.normal());
    for (let k = 0; k < T * N; k++) {
      for (let j = 0; j < A; j++) buf.masks[k * A + j] = j === 0 || rng.bernoulli(0.7) ? 1 : 0;
      buf.rewards[k] = rng.normal();
      buf.costs[k] = rng.bernoulli(0.2) ? 1 : 0;
      buf.terminated[k] = rng.bernoulli(0.05) ? 1 : 0;
      buf.valid[k] = 1;
    }
    buf.obs.set(obs);
    const out = { actions: buf.actions, logp: buf.logp, values: buf.values, costValues: buf.costValues };
    policy.actBatch(obs, buf.masks, T * N, rng, out, 0);
    policy.valuesBatch(obs.subarray(0, N * D), N, buf.lastValues, 0);
    policy.costValuesBatch(obs.subarray(0, N * D), N, buf.lastCostValues!, 0);
    return buf;
  }
  const h = { ...PPO_DEFAULTS, updateEpochs: 2, numMinibatches: 2, priorKl: 0.1 };

  it('PPO-Lagrangian-shaped update (masks, cost critic, prior KL): stats and parameters match', () => {
    const rng = new Rng(11);
    const prior = Float32Array.from({ length: A }, () => 0.1 + rng.next());
    const base = Policy.init({ obsDim: D, numActions: A, hidden: [16, 12], activation: 'tanh', costCritic: true, normObs: false, obsClip: 10 }, rng, prior);
    const buf = rollout(base, rng);
    const adam = { beta1: 0.9, beta2: 0.999, epsilon: h.adamEps, maxGradNorm: h.maxGradNorm };
    const run = (kind: 'fast' | 'autodiff') => {
      const before = tf.memory().numTensors;
      const policy = Policy.fromJSON(base.toJSON());
      const step = kind === 'fast' ? new FastStep(policy, adam) : new AutodiffStep(policy, adam);
      const learner = new Learner(policy, step, new Rng(5));
      const stats = [1, 2, 3].map((u) => ppoUpdate(learner, buf, h, 1e-3 * u).stats);
      const state = step.getState();
      step.dispose();
      policy.dispose();
      return { stats, params: policy.allParams(), state, leaked: tf.memory().numTensors - before };
    };
    const fast = run('fast');
    const auto = run('autodiff');
    assert.equal(fast.leaked, 0, 'fast path leaks tensors');
    assert.equal(auto.leaked, 0, 'autodiff path leaks tensors');
    assert.equal(fast.state.step, 12);
    assert.equal(auto.state.step, 12);
    fast.stats.forEach((s, u) => {
      for (const name of LOSS_STATS) {
        const a = s[name];
        const b = auto.stats[u]![name];
        assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(a)), `update ${u + 1} ${name}: fast ${a} vs autodiff ${b}`);
      }
    });
    // Parameters: the change each path made, compared with the size of that change.
    const start = base.allParams();
    fast.params.forEach((p, i) => {
      let moved = 0;
      let err = 0;
      for (let j = 0; j < p.length; j++) {
        moved = Math.max(moved, Math.abs(p[j]! - start[i]![j]!));
        err = Math.max(err, Math.abs(p[j]! - auto.params[i]![j]!));
      }
      assert.ok(moved > 0, `parameter ${i} did not move`);
      assert.ok(err <= 1e-4 * moved + 1e-7, `parameter ${i}: paths differ by ${err}, moved ${moved}`);
    });
    base.dispose();
  });
});
