import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backend.js';
import { maskedSoftmax, sampleMasked } from '../../agents/distribution.js';
import { orthogonal } from '../../agents/nn/init.js';
import { tfForward } from '../../agents/nn/mlp.js';
import { Policy, type PolicySpec } from '../../agents/policy.js';
import { Rng } from '../../env/rng.js';

const SPEC: PolicySpec = { obsDim: 7, numActions: 5, hidden: [32, 16], activation: 'tanh', costCritic: true, normObs: true, obsClip: 5 };

describe('orthogonal initialisation', () => {
  it('has orthonormal columns (tall) or rows (wide), scaled by the gain, and is a function of the seed', () => {
    for (const [rows, cols] of [
      [12, 5],
      [5, 12],
      [8, 8],
    ] as const) {
      const gain = 1.7;
      const w = orthogonal(rows, cols, gain, new Rng(3));
      const tall = rows >= cols;
      const n = tall ? cols : rows;
      for (let a = 0; a < n; a++) {
        for (let b = 0; b < n; b++) {
          let dot = 0;
          for (let k = 0; k < (tall ? rows : cols); k++) {
            const x = tall ? w[k * cols + a]! : w[a * cols + k]!;
            const y = tall ? w[k * cols + b]! : w[b * cols + k]!;
            dot += x * y;
          }
          assert.ok(Math.abs(dot - (a === b ? gain * gain : 0)) < 1e-4, `(${a},${b}) = ${dot}`);
        }
      }
      assert.deepEqual(orthogonal(rows, cols, gain, new Rng(3)), w);
      assert.notDeepEqual(orthogonal(rows, cols, gain, new Rng(4)), w);
    }
  });
});

describe('masked categorical', () => {
  it('never draws a masked action, and draws each valid one at about its probability', () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -5, max: 5, noNaN: true }), { minLength: 2, maxLength: 9 }),
        fc.array(fc.boolean(), { minLength: 9, maxLength: 9 }),
        fc.integer({ min: 0, max: 1e6 }),
        (logits, maskBits, seed) => {
          const n = logits.length;
          const mask = Uint8Array.from(maskBits.slice(0, n), (b) => (b ? 1 : 0));
          const rng = new Rng(seed);
          const logp = new Float32Array(1);
          const any = mask.some((m) => m === 1);
          for (let i = 0; i < 50; i++) {
            const a = sampleMasked(logits, 0, n, mask, 0, rng, logp, 0);
            assert.ok(a >= 0 && a < n);
            if (any) assert.equal(mask[a], 1, `drew masked action ${a}`);
            assert.ok(Number.isFinite(logp[0]!) && logp[0]! <= 1e-6);
          }
        },
      ),
      { numRuns: 200 },
    );
    const probs = new Float64Array(4);
    maskedSoftmax([0, 1, 2, 3], 0, 4, Uint8Array.of(1, 0, 1, 1), 0, probs, 0);
    const counts = [0, 0, 0, 0];
    const rng = new Rng(9);
    const logp = new Float32Array(1);
    for (let i = 0; i < 20000; i++) counts[sampleMasked([0, 1, 2, 3], 0, 4, Uint8Array.of(1, 0, 1, 1), 0, rng, logp, 0)]! += 1;
    assert.equal(counts[1], 0);
    for (const a of [0, 2, 3]) assert.ok(Math.abs(counts[a]! / 20000 - probs[a]!) < 0.015, `action ${a}: ${counts[a]! / 20000} vs ${probs[a]}`);
    assert.equal(probs[1], 0);
  });
});

describe('Policy', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('acts identically from the JS forward pass and the tfjs graph of the same parameters', () => {
    const p = Policy.init(SPEC, new Rng(1));
    for (const w of p.actorParams) for (let i = 0; i < w.length; i++) w[i] = w[i]! + 0.2 * Math.sin(i);
    p.paramsChanged();
    const n = 6;
    const rng = new Rng(2);
    const x = Float32Array.from({ length: n * SPEC.obsDim }, () => rng.normal());
    const vars = p.variables();
    const tfLogits = tf.tidy(() => tfForward(p.actorSpec, vars.actor, tf.tensor2d(x, [n, SPEC.obsDim])).dataSync());
    const tfValues = tf.tidy(() => tfForward(p.criticSpec, vars.critic, tf.tensor2d(x, [n, SPEC.obsDim])).dataSync());
    const out = { actions: new Int32Array(n), logp: new Float32Array(n), values: new Float32Array(n), costValues: new Float32Array(n) };
    p.actBatch(x, new Uint8Array(n * SPEC.numActions).fill(1), n, new Rng(3), out, 0);
    for (let r = 0; r < n; r++) {
      assert.ok(Math.abs(out.values[r]! - tfValues[r]!) < 1e-5);
      const row = Array.from(tfLogits.slice(r * SPEC.numActions, (r + 1) * SPEC.numActions));
      const lse = Math.log(row.reduce((s, l) => s + Math.exp(l), 0));
      assert.ok(Math.abs(out.logp[r]! - (row[out.actions[r]!]! - lse)) < 1e-5);
    }
    p.dispose();
  });

  it('round-trips through JSON: same parameters, normaliser and actions', () => {
    const p = Policy.init(SPEC, new Rng(5), [0.5, 0.2, 0.1, 0.1, 0.1]);
    for (let i = 0; i < 40; i++) p.obsRms!.update(Float32Array.from({ length: 7 }, (_, k) => k * i * 0.1));
    const q = Policy.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    assert.deepEqual(q.toJSON(), p.toJSON());
    const obs = Float32Array.of(0.3, -1, 2, 0, 5, 1, -2);
    const mask = Uint8Array.of(1, 1, 0, 1, 1);
    const r1 = new Rng(6);
    const r2 = new Rng(6);
    for (let i = 0; i < 20; i++) assert.equal(p.act(obs, mask, r1), q.act(obs, mask, r2));
    assert.throws(() => Policy.fromJSON({ ...p.toJSON(), format: 'other' as never }), /unknown format/);
  });

  it('with a prior, starts out acting like the prior', () => {
    const prior = [0.6, 0.25, 0.1, 0.04, 0.01];
    const p = Policy.init({ ...SPEC, normObs: false }, new Rng(7), prior);
    const probs = p.probabilities(Float32Array.of(1, 0, -1, 0.5, 2, 0, 1), null);
    prior.forEach((q, a) => assert.ok(Math.abs(probs[a]! - q) < 0.02, `action ${a}: ${probs[a]} vs prior ${q}`));
    const uniform = Policy.init({ ...SPEC, normObs: false }, new Rng(7)).probabilities(Float32Array.of(1, 0, -1, 0.5, 2, 0, 1), null);
    uniform.forEach((q) => assert.ok(Math.abs(q - 0.2) < 0.02));
  });

  it('normalises observations with frozen statistics and clips them', () => {
    const p = Policy.init(SPEC, new Rng(8));
    for (let i = 0; i < 100; i++) p.obsRms!.update(Float32Array.from({ length: 7 }, () => (i % 2 ? 1 : -1)));
    const out = new Float32Array(7);
    p.normalizeInto(Float32Array.of(1, -1, 0, 100, -100, 1, 1), 1, out);
    assert.ok(Math.abs(out[0]! - 1) < 0.01 && Math.abs(out[1]! + 1) < 0.01 && Math.abs(out[2]!) < 0.01);
    assert.equal(out[3], 5);
    assert.equal(out[4], -5);
  });
});
