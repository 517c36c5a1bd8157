import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RolloutBuffer } from '../../agents/ppo.js';

/** One env, a hand-written trajectory with a termination, an autoreset step and a truncation. */
function buffer(): RolloutBuffer {
  const b = new RolloutBuffer(7, 1, 1, 2, true);
  b.steps = 7;
  // t:         0    1    2    3(reset) 4    5    6
  const r = [1, 2, 3, 0, 4, 5, 6];
  const v = [10, 20, 30, 99, 40, 50, 60];
  const term = [0, 0, 1, 0, 0, 0, 0];
  const trunc = [0, 0, 0, 0, 1, 0, 0];
  const valid = [1, 1, 1, 0, 1, 0, 1];
  // t = 5 is the autoreset step after the truncation at t = 4; values[5] is V(last obs of that episode).
  for (let t = 0; t < 7; t++) {
    b.rewards[t] = r[t]!;
    b.values[t] = v[t]!;
    b.terminated[t] = term[t]!;
    b.truncated[t] = trunc[t]!;
    b.valid[t] = valid[t]!;
    b.costs[t] = t;
    b.costValues![t] = 0;
  }
  b.lastValues[0] = 70;
  b.lastCostValues![0] = 0;
  return b;
}

describe('GAE over next-step autoreset rollouts', () => {
  it('stops at terminations, bootstraps truncations from the next stored value, skips reset steps', () => {
    const g = 0.9;
    const l = 0.8;
    const b = buffer();
    b.computeAdvantages(g, l);
    const d2 = 3 - 30; // terminated: no bootstrap
    const d1 = 2 + g * 30 - 20;
    const d0 = 1 + g * 20 - 10;
    const d4 = 4 + g * 50 - 40; // truncated: bootstrap with V(last obs) = values[5]
    const d6 = 6 + g * 70 - 60; // rollout end: bootstrap with lastValues
    const expected = [d0 + g * l * (d1 + g * l * d2), d1 + g * l * d2, d2, 0, d4, 0, d6];
    expected.forEach((e, t) => assert.ok(Math.abs(b.advantages[t]! - e) < 1e-4, `t=${t}: ${b.advantages[t]} vs ${e}`));
    for (const t of [0, 1, 2, 4, 6]) assert.ok(Math.abs(b.returns[t]! - (b.advantages[t]! + b.values[t]!)) < 1e-4);
    assert.deepEqual(Array.from(b.validIndices()), [0, 1, 2, 4, 6]);
  });

  it('with lambda = 1 gives Monte-Carlo returns within episodes (REINFORCE), and the same for costs', () => {
    const g = 0.5;
    const b = buffer();
    b.computeAdvantages(g, 1);
    assert.ok(Math.abs(b.returns[0]! - (1 + g * 2 + g * g * 3)) < 1e-5);
    assert.ok(Math.abs(b.returns[2]! - 3) < 1e-5);
    assert.ok(Math.abs(b.costReturns![0]! - (0 + g * 1 + g * g * 2)) < 1e-5);
    assert.ok(Math.abs(b.costReturns![4]! - (4 + g * 0)) < 1e-5);
  });

  it('handles several envs independently (time-major layout)', () => {
    const b = new RolloutBuffer(2, 2, 1, 2, false);
    b.steps = 2;
    b.valid.fill(1);
    b.rewards.set([1, 10, 2, 20]); // t0: env0=1, env1=10; t1: env0=2, env1=20
    b.terminated.set([0, 0, 1, 0]);
    b.lastValues.set([100, 5]);
    b.computeAdvantages(1, 1);
    assert.deepEqual(Array.from(b.returns), [3, 10 + 20 + 5, 2, 25]);
  });
});
