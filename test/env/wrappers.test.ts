import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  Autoreset,
  CartPoleEnv,
  isFlatEnv,
  make,
  NormalizeObservation,
  OrderEnforcing,
  RecordEpisodeStatistics,
  ResetNeeded,
  RunningMeanStd,
  TimeLimit,
  TransformReward,
  Wrapper,
  Box,
  type EpisodeStatistics,
} from '../../env/index.js';
import { CounterEnv, RandomWalkEnv } from './fixtures.js';

describe('TimeLimit', () => {
  it('truncates after exactly maxEpisodeSteps and restarts the count on reset', () => {
    const env = new TimeLimit(new CounterEnv(100), 3);
    env.reset();
    assert.deepEqual([env.step(0).truncated, env.step(0).truncated, env.step(0).truncated], [false, false, true]);
    assert.equal(env.elapsedSteps, 3);
    env.reset();
    assert.equal(env.elapsedSteps, 0);
    assert.equal(env.step(0).truncated, false);
  });
  it('sets truncated on a terminating step at the limit too, as Gymnasium does', () => {
    const env = new TimeLimit(new CounterEnv(2), 2);
    env.reset();
    env.step(0);
    const r = env.step(0);
    assert.deepEqual([r.terminated, r.truncated], [true, true]);
  });
  it('rejects a non-positive limit', () => {
    assert.throws(() => new TimeLimit(new CounterEnv(), 0), RangeError);
  });
});

describe('OrderEnforcing', () => {
  it('forbids step and render before reset, unless render enforcement is disabled', () => {
    const env = new OrderEnforcing(new CounterEnv());
    assert.equal(env.hasReset, false);
    assert.throws(() => env.step(0), ResetNeeded);
    assert.throws(() => env.render(), /Cannot call render\(\) before calling reset\(\)/);
    env.reset();
    assert.equal(env.hasReset, true);
    assert.equal(env.step(0).reward, 1);
    assert.equal(env.render(), '');
    assert.equal(new OrderEnforcing(new CounterEnv(), { disableRenderOrderEnforcing: true }).render(), '');
  });
  it('enforces the order on the vector fast path too', () => {
    const env = new OrderEnforcing(new CartPoleEnv());
    assert.ok(isFlatEnv(env));
    const buf = { obs: new Float32Array(4), rewards: new Float32Array(1), costs: new Float32Array(1), terminated: new Uint8Array(1), truncated: new Uint8Array(1) };
    assert.throws(() => env.stepFlat(0, buf as never, 0), ResetNeeded);
  });
});

describe('RecordEpisodeStatistics', () => {
  it('adds {r, l, t} on the final step only, without touching the inner info', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv(3));
    env.reset();
    const r1 = env.step(0);
    env.step(0);
    const r3 = env.step(0);
    assert.equal(r1.info['episode'], undefined);
    const ep = r3.info['episode'] as EpisodeStatistics;
    assert.deepEqual([ep.r, ep.l], [1 + 2 + 3, 3]);
    assert.ok(ep.t >= 0 && ep.t < 5);
    assert.equal(r3.info['t'], 3);
    assert.equal(env.episodeCount, 1);
  });
  it('keeps the last bufferLength episodes', () => {
    const env = new RecordEpisodeStatistics(new TimeLimit(new CounterEnv(100), 2), { bufferLength: 2 });
    for (let e = 0; e < 3; e++) {
      env.reset();
      env.step(0);
      env.step(0);
    }
    assert.deepEqual(env.returnQueue, [3, 3]);
    assert.deepEqual(env.lengthQueue, [2, 2]);
    assert.equal(env.timeQueue.length, 2);
    assert.equal(env.episodeCount, 3);
  });
  it('refuses to overwrite an existing info key', () => {
    const env = new RecordEpisodeStatistics(new CounterEnv(1), { statsKey: 't' });
    env.reset();
    assert.throws(() => env.step(0), /already has key 't'/);
  });
});

describe('Autoreset', () => {
  it('resets on the step after the episode ends, ignoring that action (next-step autoreset)', () => {
    const inner = new CounterEnv(2);
    const env = new Autoreset(inner);
    env.reset();
    env.step(0);
    const end = env.step(0);
    assert.equal(end.terminated, true);
    const calls = inner.stepCalls;
    const next = env.step(2);
    assert.equal(inner.stepCalls, calls, 'the action after the end must not reach the env');
    assert.deepEqual([next.reward, next.terminated, next.truncated], [0, false, false]);
    assert.deepEqual(Array.from(next.obs), [1, 0]);
    assert.equal(next.info['kind'], 'reset');
    assert.deepEqual(Array.from(env.step(1).obs), [1, 1]);
  });
});

describe('TransformReward', () => {
  it('maps every reward and leaves the rest alone', () => {
    const env = new TransformReward(new CounterEnv(5), (r, info) => -r + (info['t'] === 2 ? 100 : 0));
    env.reset();
    assert.deepEqual([env.step(0).reward, env.step(0).reward, env.step(0).reward], [-1, 98, -3]);
  });
});

describe('RunningMeanStd and NormalizeObservation', () => {
  it('match the closed-form pooled statistics of a (count 1e-4, mean 0, var 1) prior and the samples', () => {
    const xs = [3, -1, 4, 1, 5, 9, 2, 6];
    const rms = new RunningMeanStd(1);
    for (const x of xs) rms.update([x]);
    const eps = 1e-4;
    const n = xs.length;
    const sampleMean = xs.reduce((a, b) => a + b) / n;
    const mean = (n * sampleMean) / (n + eps);
    const m2 = eps * 1 + xs.reduce((a, x) => a + (x - sampleMean) ** 2, 0) + sampleMean ** 2 * ((eps * n) / (eps + n));
    assert.ok(Math.abs(rms.mean[0]! - mean) < 1e-12);
    assert.ok(Math.abs(rms.var[0]! - m2 / (n + eps)) < 1e-12);
    assert.ok(Math.abs(rms.count - (n + eps)) < 1e-12);
  });

  it('normalises with the statistics including the current obs, and exposes an unbounded Box', () => {
    const env = new NormalizeObservation(new CounterEnv(10));
    assert.ok(env.observationSpace instanceof Box);
    assert.deepEqual(Array.from(env.observationSpace.high), [Infinity, Infinity]);
    env.reset();
    let obs = env.step(0).obs;
    for (let k = 0; k < 4; k++) obs = env.step(0).obs;
    // The second dim has seen 0,1,2,3,4,5; recompute its normalised value directly.
    const rms = env.rms;
    assert.ok(Math.abs(obs[1]! - Math.fround((5 - rms.mean[1]!) / Math.sqrt(rms.var[1]! + 1e-8))) < 1e-6);
    assert.ok(obs[1]! > 1 && obs[1]! < 2, `got ${obs[1]}`);
  });

  it('saves and restores its statistics; frozen statistics stop moving', () => {
    const a = new NormalizeObservation(new CounterEnv(10));
    a.reset();
    for (let k = 0; k < 5; k++) a.step(0);
    const saved = JSON.parse(JSON.stringify(a.getState())) as ReturnType<typeof a.getState>;
    const b = new NormalizeObservation(new CounterEnv(10));
    b.setState(saved);
    b.updateRunningMean = false;
    b.reset();
    const before = b.getState();
    const x = b.step(0).obs;
    assert.deepEqual(b.getState(), before);
    assert.ok(Math.abs(x[1]! - (1 - saved.mean[1]!) / Math.sqrt(saved.var[1]! + 1e-8)) < 1e-6);
    assert.throws(() => b.setState({ count: 1, mean: [0], var: [1] }), /expected 2 dims/);
  });

  it('requires a Box observation space', () => {
    const discreteObs = { ...new CounterEnv(), observationSpace: { kind: 'discrete' } } as never;
    assert.throws(() => new NormalizeObservation(discreteObs), /must be a Box/);
  });
});

describe('composition', () => {
  it('reaches the innermost env through any stack and forwards spec, spaces, render and close', () => {
    const base = new CounterEnv(4);
    const stack = new RecordEpisodeStatistics(
      new TransformReward(new Autoreset(new OrderEnforcing(new TimeLimit(base, 10))), (r) => 2 * r),
    );
    assert.equal(stack.unwrapped, base);
    assert.equal(stack.observationSpace, base.observationSpace);
    assert.equal(stack.actionSpace, base.actionSpace);
    stack.reset({ seed: 1 });
    const rs = [1, 2, 3, 4].map(() => stack.step(0));
    assert.deepEqual(rs.map((r) => r.reward), [2, 4, 6, 8]);
    assert.deepEqual((rs[3]!.info['episode'] as EpisodeStatistics).r, 20);
    stack.close();
    assert.equal(base.closed, 1);
    const made = new Wrapper(make('classic/CartPole-v1'));
    assert.equal(made.spec?.id, 'classic/CartPole-v1');
    assert.ok(made.unwrapped instanceof CartPoleEnv);
  });

  it('offers the vector fast path only where the whole stack can apply it', () => {
    assert.ok(isFlatEnv(make('classic/CartPole-v1')));
    assert.ok(isFlatEnv(new NormalizeObservation(new OrderEnforcing(new TimeLimit(new CartPoleEnv(), 5)))));
    assert.ok(!isFlatEnv(new TimeLimit(new RandomWalkEnv(), 5)));
    assert.ok(!isFlatEnv(new RecordEpisodeStatistics(make('classic/CartPole-v1'))));
    assert.ok(!isFlatEnv(new Wrapper(new CartPoleEnv())));
  });
});
