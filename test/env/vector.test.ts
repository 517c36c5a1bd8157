import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CartPoleEnv, make, Rng, sampleMaskedActions, SyncVectorEnv, Wrapper, type VectorBuffers } from '../../env/index.js';
import { CounterEnv, RandomWalkEnv } from './fixtures.js';

const snapshot = (b: VectorBuffers) => ({
  obs: Array.from(b.obs),
  rewards: Array.from(b.rewards),
  costs: Array.from(b.costs),
  terminated: Array.from(b.terminated),
  truncated: Array.from(b.truncated),
  resetStep: Array.from(b.resetStep),
  actionMasks: Array.from(b.actionMasks),
  finalInfos: b.finalInfos.map((x) => (x === null ? null : { ...x })),
});

describe('SyncVectorEnv', () => {
  it('lays out N copies in flat typed arrays', () => {
    const v = new SyncVectorEnv([() => new CartPoleEnv(), () => new CartPoleEnv(), () => new CartPoleEnv()]);
    assert.deepEqual([v.numEnvs, v.obsDim, v.numActions], [3, 4, 2]);
    const b = v.reset({ seed: 10 });
    assert.ok(b.obs instanceof Float32Array && b.obs.length === 12);
    assert.ok(b.actionMasks instanceof Uint8Array && b.actionMasks.length === 6);
  });

  it('seeds env i with seed + i', () => {
    const v = new SyncVectorEnv(Array.from({ length: 4 }, () => () => make('classic/CartPole-v1')));
    const b = v.reset({ seed: 40 });
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(Array.from(b.obs.subarray(4 * i, 4 * i + 4)), Array.from(new CartPoleEnv().reset({ seed: 40 + i }).obs));
    }
  });

  it('autoresets on the next step: the ending step keeps the last obs, the next one ignores the action and returns the reset obs', () => {
    const inner: CounterEnv[] = [];
    const v = new SyncVectorEnv([2, 3].map((len) => () => {
      const e = new CounterEnv(len);
      inner.push(e);
      return e;
    }));
    v.reset();
    const act = Int32Array.of(1, 1);
    let b = v.step(act); // t=1 for both
    b = v.step(act); // env 0 ends at t=2
    assert.deepEqual(Array.from(b.terminated), [1, 0]);
    assert.deepEqual(Array.from(b.obs), [0, 2, 0, 2], 'the ending step returns the episode’s last obs');
    assert.deepEqual(Array.from(b.rewards), [2, 2]);
    assert.deepEqual(b.finalInfos, [{ kind: 'step', t: 2 }, null]);
    assert.deepEqual(Array.from(b.resetStep), [0, 0]);

    b = v.step(Int32Array.of(2, 2)); // env 0 autoresets, env 1 ends at t=3
    assert.equal(inner[0]!.stepCalls, 2, 'the action on the reset step is ignored');
    assert.equal(inner[0]!.lastAction, 1);
    assert.deepEqual(Array.from(b.resetStep), [1, 0]);
    assert.deepEqual([b.rewards[0], b.terminated[0], b.truncated[0]], [0, 0, 0]);
    assert.deepEqual(Array.from(b.obs.subarray(0, 2)), [1, 0], 'env 0 shows its new episode’s first obs');
    assert.deepEqual(b.finalInfos, [null, { kind: 'step', t: 3 }]);
    assert.deepEqual(Array.from(b.terminated), [0, 1]);

    b = v.step(act);
    assert.deepEqual(Array.from(b.resetStep), [0, 1]);
    assert.deepEqual(Array.from(b.obs), [1, 1, 1, 0]);
    assert.equal(inner[0]!.lastAction, 1);
  });

  it('truncates at maxEpisodeSteps unless the episode terminated', () => {
    const v = new SyncVectorEnv([() => new CounterEnv(3), () => new CounterEnv(100)], { maxEpisodeSteps: 3 });
    v.reset();
    const a = Int32Array.of(0, 0);
    v.step(a);
    v.step(a);
    const b = v.step(a);
    assert.deepEqual(Array.from(b.terminated), [1, 0]);
    assert.deepEqual(Array.from(b.truncated), [0, 1]);
    assert.deepEqual(b.finalInfos, [{ kind: 'step', t: 3 }, { kind: 'step', t: 3 }], 'a truncation by the vector env also reports the final info');
    assert.deepEqual(Array.from(v.step(a).resetStep), [1, 1]);
  });

  it('copies info.actionMask into actionMasks on the generic path', () => {
    const v = new SyncVectorEnv([() => new RandomWalkEnv(), () => new RandomWalkEnv()]);
    v.reset({ seed: 1 });
    const rng = new Rng(0);
    const actions = new Int32Array(2);
    let sawMasked = false;
    for (let t = 0; t < 300; t++) {
      const b = v.step(sampleMaskedActions(rng, v.buffers, actions));
      for (let i = 0; i < 2; i++) {
        const row = Array.from(b.actionMasks.subarray(3 * i, 3 * i + 3));
        if (row.includes(0)) sawMasked = true;
        assert.ok(row.includes(1));
      }
    }
    assert.ok(sawMasked, 'the walk should reach a wall at some point in 300 steps');
  });

  for (const limit of ['TimeLimit', 'vector'] as const) {
    it(`gives identical buffers on the flat fast path and the generic path (time limit by ${limit})`, () => {
      const kw = limit === 'TimeLimit' ? { maxEpisodeSteps: 25 } : { maxEpisodeSteps: null };
      const opts = limit === 'vector' ? { maxEpisodeSteps: 25 } : {};
      const flat = new SyncVectorEnv(Array.from({ length: 8 }, () => () => make('classic/CartPole-v1', kw)), opts);
      // A plain Wrapper hides the fast path, forcing the generic step/reset path.
      const generic = new SyncVectorEnv(Array.from({ length: 8 }, () => () => new Wrapper(make('classic/CartPole-v1', kw))), opts);
      assert.notEqual(flat['flat'][0], null);
      assert.equal(generic['flat'][0], null);
      assert.deepEqual(snapshot(flat.reset({ seed: 3 })), snapshot(generic.reset({ seed: 3 })));
      const rng = new Rng(1);
      const a = new Int32Array(8);
      let truncations = 0;
      let terminations = 0;
      for (let t = 0; t < 2000; t++) {
        for (let i = 0; i < 8; i++) a[i] = rng.int(2);
        const f = snapshot(flat.step(a));
        assert.deepEqual(f, snapshot(generic.step(a)), `step ${t}`);
        truncations += f.truncated.reduce((x, y) => x + y, 0);
        terminations += f.terminated.reduce((x, y) => x + y, 0);
      }
      assert.ok(truncations > 0 && terminations > 0, 'both kinds of episode end should be exercised');
    });
  }

  it('replays identically for the same seed and actions (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e6 }), fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 80 }), (seed, bits) => {
        const run = () => {
          const cart = new SyncVectorEnv([() => make('classic/CartPole-v1'), () => make('classic/CartPole-v1')]);
          const walk = new SyncVectorEnv([() => new RandomWalkEnv(), () => new RandomWalkEnv()]);
          const out = [snapshot(cart.reset({ seed })), snapshot(walk.reset({ seed }))];
          for (const k of bits) {
            out.push(snapshot(cart.step(Int32Array.of(k & 1, k >> 1))));
            out.push(snapshot(walk.step(Int32Array.of(k % 3, 2 - (k % 3)))));
          }
          return out;
        };
        assert.deepEqual(run(), run());
      }),
      { numRuns: 50 },
    );
  });

  it('rejects misuse', () => {
    assert.throws(() => new SyncVectorEnv([]), /at least one env/);
    assert.throws(() => new SyncVectorEnv([() => new CartPoleEnv(), () => new RandomWalkEnv()]), /env 1 has different spaces from env 0/);
    const v = new SyncVectorEnv([() => new CartPoleEnv()]);
    assert.throws(() => v.step(Int32Array.of(0)), /before reset/);
    v.reset();
    assert.throws(() => v.step(Int32Array.of(0, 1)), /2 actions for 1 envs/);
  });

  it('closes every env', () => {
    const envs: CounterEnv[] = [];
    const v = new SyncVectorEnv([0, 1].map(() => () => {
      const e = new CounterEnv();
      envs.push(e);
      return e;
    }));
    v.close();
    assert.deepEqual(envs.map((e) => e.closed), [1, 1]);
  });
});

describe('sampleMaskedActions', () => {
  it('draws only valid actions, uniformly, and 0 when none is valid', () => {
    const buf = { numActions: 3, actionMasks: Uint8Array.of(0, 1, 1, 0, 0, 0, 1, 0, 0) } as unknown as VectorBuffers;
    const out = new Int32Array(3);
    const rng = new Rng(2);
    const counts = [0, 0, 0];
    for (let t = 0; t < 1000; t++) {
      sampleMaskedActions(rng, buf, out);
      counts[out[0]!]! += 1;
      assert.equal(out[1], 0);
      assert.equal(out[2], 0);
    }
    assert.equal(counts[0], 0);
    assert.ok(counts[1]! > 400 && counts[2]! > 400, `counts ${counts}`);
  });
});
