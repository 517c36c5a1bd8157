import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Discrete, InvalidAction, listEnvs, make, ResetNeeded, SyncVectorEnv } from '../../env/index.js';
import '../../scenarios/loader.js';

test('make wraps every registered env in OrderEnforcing: step before reset throws ResetNeeded', () => {
  const ids = listEnvs().filter((id) => !id.startsWith('test/'));
  assert.ok(ids.includes('classic/CartPole-v1') && ids.includes('rome/Sandbox-v0'));
  for (const id of ids) {
    const env = make(id);
    assert.throws(() => env.step(0 as never), ResetNeeded, id);
    assert.throws(() => env.render(), ResetNeeded, id);
    env.reset({ seed: 1 });
    env.step(0 as never);
  }
});

test('an action outside the action space throws a clear InvalidAction and uses up no tick', () => {
  for (const id of ['classic/CartPole-v1', 'rome/Sandbox-v0']) {
    const env = make(id);
    env.reset({ seed: 3 });
    const n = (env.actionSpace as Discrete).n;
    for (const bad of [999, -1, 1.5, NaN, undefined, '3', null, [1]]) {
      assert.throws(() => env.step(bad as never), (e: Error) => {
        assert.ok(e instanceof InvalidAction, `${id} ${String(bad)}: ${e}`);
        assert.match(e.message, new RegExp(`^step: action .* is outside the action space Discrete\\(${n}\\): expected an integer from 0 to ${n - 1}$`));
        return true;
      });
    }
    assert.throws(() => env.step('3' as never), /action "3" \(a string\)/);
    assert.throws(() => env.step(undefined as never), /action undefined is outside/);
  }
  // The sandbox's clock did not move: the first valid step is tick 0.
  const sb = make('rome/Sandbox-v0', { scenario: 'mining' });
  sb.reset({ seed: 3 });
  assert.throws(() => sb.step(999 as never), InvalidAction);
  assert.equal(sb.step(0 as never).info['tick'], 0);
});

test('unknown kwargs are rejected by name', () => {
  assert.throws(() => make('rome/Sandbox-v0', { scenario: 'mining', bogus: 1 }), /rome\/Sandbox-v0: unknown kwarg 'bogus' \(known: scenario, shaping/);
  assert.throws(() => make('classic/CartPole-v1', { bogus: 1 }), /unknown kwarg 'bogus'/);
  assert.throws(() => make('classic/CartPole-v1', { orderEnforce: 'yes' }), /orderEnforce' must be true or false/);
  assert.throws(() => make('classic/CartPole-v1', { maxEpisodeSteps: -3 }), /maxEpisodeSteps' must be a positive integer or null/);
});

test('the vector env checks its action array at its public step, before stepping any env', () => {
  const v = new SyncVectorEnv([() => make('rome/Sandbox-v0'), () => make('rome/Sandbox-v0')]);
  assert.throws(() => v.step(new Int32Array(2)), /before reset/);
  v.reset({ seed: 0 });
  const before = Float32Array.from(v.buffers.obs);
  assert.throws(() => v.step(Int32Array.of(0, v.numActions)), /action \d+ of env 1 is outside the action space/);
  assert.throws(() => v.step(Int32Array.of(-1, 0)), /action -1 of env 0/);
  assert.deepEqual(v.buffers.obs, before, 'nothing stepped');
  v.step(Int32Array.of(0, 0));
});
