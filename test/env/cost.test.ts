/**
 * The cost signal of the Env step contract (env/core.ts `Info.cost`, read only by `stepCost`): what
 * the vector env buffers, what training and evaluation sum per episode, all from the one reader.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stepCost } from '../../env/core.js';
import { make } from '../../env/registry.js';
import { SyncVectorEnv } from '../../env/vector.js';
import { COSTLY_SHORTCUT_ID } from '../agents/constrained_env.js';

test('stepCost: the number in info.cost, 0 when absent or not a number', () => {
  assert.equal(stepCost({ cost: 0.25 }), 0.25);
  assert.equal(stepCost({}), 0);
  assert.equal(stepCost({ cost: 'high' } as never), 0);
});

test('the vector env buffers each step\'s stepCost (an env without the flat fast path)', () => {
  const vec = new SyncVectorEnv([() => make(COSTLY_SHORTCUT_ID), () => make(COSTLY_SHORTCUT_ID)]);
  const single = [make(COSTLY_SHORTCUT_ID), make(COSTLY_SHORTCUT_ID)];
  vec.reset({ seed: 1 });
  single.forEach((e, i) => e.reset({ seed: 1 + i }));
  for (let t = 0; t < 10; t++) {
    const actions = Int32Array.from([t % 2, 1]);
    const b = vec.step(actions);
    single.forEach((e, i) => assert.equal(b.costs[i], Math.fround(stepCost(e.step(actions[i]!).info)), `step ${t} env ${i}`));
  }
  vec.close();
});
