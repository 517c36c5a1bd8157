import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BaseEnv, listEnvs, make, OrderEnforcing, register, registration, TimeLimit, UnknownEnvError } from '../../env/index.js';
import { CounterEnv } from './fixtures.js';

describe('registry', () => {
  it('lists the registered ids, sorted', () => {
    const ids = listEnvs();
    assert.ok(ids.includes('classic/CartPole-v1'));
    assert.deepEqual(ids, [...ids].sort());
  });

  it('rejects an unknown id with an error listing the known ids', () => {
    assert.throws(
      () => make('classic/CartPole-v0'),
      (e: unknown) => e instanceof UnknownEnvError && /unknown env id 'classic\/CartPole-v0'; known ids: .*classic\/CartPole-v1/.test(e.message),
    );
  });

  it('rejects malformed and duplicate ids', () => {
    assert.throws(() => register({ id: 'NoNamespace-v0', entryPoint: () => new CounterEnv() }), /must look like/);
    assert.throws(() => register({ id: 'test/NoVersion', entryPoint: () => new CounterEnv() }), /must look like/);
    register({ id: 'test/Counter-v0', entryPoint: (kw) => new CounterEnv(kw['length'] as number | undefined) });
    assert.throws(() => register({ id: 'test/Counter-v0', entryPoint: () => new CounterEnv() }), /already registered/);
  });

  it('passes kwargs to the entry point and records them in spec', () => {
    const env = make('test/Counter-v0', { length: 7 });
    assert.ok(env instanceof OrderEnforcing, 'make adds OrderEnforcing, as Gymnasium does');
    assert.ok(env.unwrapped instanceof BaseEnv);
    assert.deepEqual(env.spec, { id: 'test/Counter-v0', kwargs: { length: 7 } });
    assert.equal((env.unwrapped as CounterEnv).length, 7);
    const bare = make('test/Counter-v0', { length: 7, orderEnforce: false });
    assert.ok(bare instanceof CounterEnv, 'orderEnforce: false leaves it out');
  });

  it('wraps in TimeLimit from the registration, which kwargs can override or remove', () => {
    register({ id: 'test/LongCounter-v1', entryPoint: () => new CounterEnv(1000), maxEpisodeSteps: 4, rewardThreshold: 9 });
    assert.equal(registration('test/LongCounter-v1').maxEpisodeSteps, 4);
    const env = make('test/LongCounter-v1');
    assert.ok(env instanceof TimeLimit);
    assert.deepEqual(env.spec, { id: 'test/LongCounter-v1', kwargs: {}, maxEpisodeSteps: 4, rewardThreshold: 9 });
    assert.equal(env.unwrapped.spec, env.spec);
    env.reset();
    const flags = Array.from({ length: 4 }, () => env.step(0).truncated);
    assert.deepEqual(flags, [false, false, false, true]);

    const longer = make('test/LongCounter-v1', { maxEpisodeSteps: 6 });
    assert.equal((longer as TimeLimit).maxEpisodeSteps, 6);
    assert.equal(longer.spec?.maxEpisodeSteps, 6);
    const unlimited = make('test/LongCounter-v1', { maxEpisodeSteps: null });
    assert.ok(unlimited instanceof OrderEnforcing && unlimited.unwrapped instanceof CounterEnv);
    assert.equal(unlimited.spec?.maxEpisodeSteps, undefined);
  });
});
