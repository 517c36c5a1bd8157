import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Box, CartPoleEnv, Discrete, make, TimeLimit, type CartPoleState } from '../../env/index.js';

/**
 * The equations of motion written out independently, in the form of Barto, Sutton & Anderson (1983)
 * as corrected by Florian (2005) for a frictionless cart, with the constants typed in by hand —
 * not by calling the implementation.
 */
function expectedStep(s: readonly [number, number, number, number], action: number): [number, number, number, number] {
  const g = 9.8;
  const mc = 1.0;
  const mp = 0.1;
  const l = 0.5; // half-length
  const dt = 0.02;
  const F = action === 1 ? 10 : -10;
  const [x, v, th, w] = s;
  const thetaAcc = (g * Math.sin(th) + Math.cos(th) * ((-F - mp * l * w * w * Math.sin(th)) / (mc + mp))) /
    (l * (4 / 3 - (mp * Math.cos(th) ** 2) / (mc + mp)));
  const xAcc = (F + mp * l * (w * w * Math.sin(th) - thetaAcc * Math.cos(th))) / (mc + mp);
  return [x + dt * v, v + dt * xAcc, th + dt * w, w + dt * thetaAcc];
}
const THETA_LIMIT = (12 * Math.PI) / 180;
const X_LIMIT = 2.4;
const outOfBounds = (s: readonly number[]) => Math.abs(s[0]!) > X_LIMIT || Math.abs(s[2]!) > THETA_LIMIT;

const stateOf = (env: CartPoleEnv): [number, number, number, number] => {
  const s = env.cloneState();
  return [s.x, s.xDot, s.theta, s.thetaDot];
};
const withState = (env: CartPoleEnv, x: number, xDot: number, theta: number, thetaDot: number): void => {
  const s: CartPoleState = { ...env.cloneState(), x, xDot, theta, thetaDot, hasState: true, stepsBeyondTerminated: -1 };
  env.restoreState(s);
};
const close = (a: number, b: number, tol: number) => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));

describe('CartPole-v1', () => {
  it("has Gymnasium's spaces", () => {
    const env = new CartPoleEnv();
    assert.ok(env.actionSpace instanceof Discrete && env.actionSpace.n === 2 && env.actionSpace.start === 0);
    const o = env.observationSpace;
    assert.ok(o instanceof Box);
    assert.deepEqual(o.shape, [4]);
    assert.deepEqual(Array.from(o.high), [4.8, Infinity, 2 * THETA_LIMIT, Infinity].map(Math.fround));
    assert.deepEqual(Array.from(o.low), [-4.8, -Infinity, -2 * THETA_LIMIT, -Infinity].map(Math.fround));
  });

  it('is registered with a 500-step limit and reward threshold 475', () => {
    const env = make('classic/CartPole-v1');
    assert.ok(env instanceof TimeLimit && env.maxEpisodeSteps === 500);
    assert.equal(env.spec?.maxEpisodeSteps, 500);
    assert.equal(env.spec?.rewardThreshold, 475);
    assert.ok(env.unwrapped instanceof CartPoleEnv);
  });

  it('resets uniformly within ±0.05, or within options.low/high', () => {
    const env = new CartPoleEnv();
    for (let seed = 0; seed < 50; seed++) {
      const { obs, info } = env.reset({ seed });
      assert.deepEqual(info, {});
      assert.ok(obs.every((v) => v >= -0.05 && v <= 0.05));
      assert.deepEqual(Array.from(obs), stateOf(env).map(Math.fround));
    }
    const { obs } = env.reset({ seed: 1, options: { low: 0.1, high: 0.2 } });
    assert.ok(obs.every((v) => v >= Math.fround(0.1) && v <= Math.fround(0.2)));
    assert.throws(() => env.reset({ options: { low: 0.2, high: 0.1 } }), /must be a number below high/);
  });

  it('takes one exact Euler step from rest: x_dot = 8/41, theta_dot = -12/41 when pushed right', () => {
    // From rest, temp = F/M, theta_acc = -(F/M) / (l (4/3 - mp/M)) = -600/41 and x_acc = 400/41.
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    withState(env, 0, 0, 0, 0);
    const r = env.step(1);
    const s = stateOf(env);
    assert.ok(close(s[1], 8 / 41, 1e-14) && close(s[3], -12 / 41, 1e-14), `state ${s}`);
    assert.equal(s[0], 0);
    assert.equal(s[2], 0);
    assert.deepEqual(Array.from(r.obs), [0, Math.fround(8 / 41), 0, Math.fround(-12 / 41)]);
    assert.equal(r.reward, 1);
    withState(env, 0, 0, 0, 0);
    env.step(0);
    assert.ok(close(stateOf(env)[1], -8 / 41, 1e-14) && close(stateOf(env)[3], 12 / 41, 1e-14));
  });

  it('matches the independently written equations along seeded random trajectories (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 1, maxLength: 120 }), (seed, actions) => {
        const env = new CartPoleEnv();
        env.reset({ seed });
        let expected = stateOf(env);
        for (const a of actions) {
          const r = env.step(a);
          expected = expectedStep(expected, a);
          const got = stateOf(env);
          for (let k = 0; k < 4; k++) assert.ok(close(got[k]!, expected[k]!, 1e-9), `dim ${k}: ${got[k]} vs ${expected[k]}`);
          for (let k = 0; k < 4; k++) assert.ok(close(r.obs[k]!, expected[k]!, 1e-6));
          assert.equal(r.terminated, outOfBounds(expected));
          assert.equal(r.truncated, false);
          assert.equal(r.reward, 1);
          if (r.terminated) break;
        }
      }),
    );
  });

  it('terminates past 12 degrees or 2.4 m, rewards the terminating step, then gives 0', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    withState(env, 0, 0, THETA_LIMIT - 0.001, 1.0);
    let r = env.step(1);
    assert.equal(r.terminated, true);
    assert.equal(r.reward, 1);
    r = env.step(1);
    assert.equal(r.reward, 0);
    withState(env, X_LIMIT - 0.001, 1.0, 0, 0);
    r = env.step(1);
    assert.deepEqual([r.terminated, r.reward], [true, 1]);
    withState(env, X_LIMIT - 0.1, 1.0, 0, 0);
    assert.equal(env.step(1).terminated, false);
    withState(env, -X_LIMIT + 0.001, -1.0, 0, 0);
    assert.equal(env.step(0).terminated, true);
  });

  it('reaches the 500-step limit under a balancing controller: truncated, return 500', () => {
    const env = make('classic/CartPole-v1');
    let obs = env.reset({ seed: 3 }).obs as Float32Array;
    let ret = 0;
    for (let t = 1; ; t++) {
      const a = obs[2]! + 0.5 * obs[3]! + 0.01 * obs[0]! + 0.1 * obs[1]! > 0 ? 1 : 0;
      const r = env.step(a);
      ret += r.reward;
      obs = r.obs as Float32Array;
      if (r.terminated || r.truncated) {
        assert.deepEqual([t, r.terminated, r.truncated, ret], [500, false, true, 500]);
        break;
      }
    }
  });

  it('gives Sutton and Barto rewards on request: 0 per step, -1 on the fall', () => {
    const env = make('classic/CartPole-v1', { suttonBartoReward: true });
    env.reset({ seed: 0 });
    let r = env.step(1);
    while (!r.terminated) {
      assert.equal(r.reward, 0);
      r = env.step(1);
    }
    assert.equal(r.reward, -1);
    assert.throws(() => make('classic/CartPole-v1', { gravity: 3 }), /unknown kwarg 'gravity'/);
  });

  it('replays the same episode for the same seed and actions (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 60 }), (seed, actions) => {
        const run = () => {
          const env = make('classic/CartPole-v1');
          const out: unknown[] = [Array.from(env.reset({ seed }).obs as Float32Array)];
          for (const a of actions) {
            const r = env.step(a);
            out.push([Array.from(r.obs as Float32Array), r.reward, r.terminated, r.truncated]);
            if (r.terminated || r.truncated) out.push(Array.from(env.reset().obs as Float32Array));
          }
          return out;
        };
        assert.deepEqual(run(), run());
      }),
    );
  });

  it('keeps the stream on a reset without a seed', () => {
    const env = new CartPoleEnv();
    const a = Array.from(env.reset({ seed: 5 }).obs);
    const b = Array.from(env.reset().obs);
    assert.notDeepEqual(a, b);
    assert.deepEqual(Array.from(env.reset({ seed: 5 }).obs), a);
    assert.deepEqual(Array.from(env.reset().obs), b);
  });

  it('restores a cloned state exactly, generator included', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 8 });
    env.step(1);
    const saved = JSON.parse(JSON.stringify(env.cloneState())) as CartPoleState;
    const future = () => [Array.from(env.step(0).obs), Array.from(env.step(1).obs), Array.from(env.reset().obs)];
    const first = future();
    env.restoreState(saved);
    assert.deepEqual(future(), first);
  });

  it('rejects invalid actions and stepping before reset', () => {
    const env = new CartPoleEnv();
    assert.throws(() => env.step(0), /call reset before using step/);
    env.reset({ seed: 0 });
    assert.throws(() => env.step(2), RangeError);
  });

  it('renders text with the state and the track', () => {
    const env = new CartPoleEnv();
    env.reset({ seed: 0 });
    const text = env.render();
    assert.match(text, /^x=[+-]\d\.\d{4} x_dot=/);
    assert.match(text, /\|-+#-+\|/);
  });
});
