import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  Autoreset,
  Box,
  CartPoleEnv,
  checkEnv,
  listEnvs,
  make,
  NormalizeObservation,
  OrderEnforcing,
  RecordEpisodeStatistics,
  TimeLimit,
  type ResetArgs,
  type ResetResult,
  type StepResult,
} from '../../env/index.js';
import { RandomWalkEnv } from './fixtures.js';
// Scenario names for rome/Sandbox-v0 are resolved by the loader (env/ cannot import scenarios/).
import '../../scenarios/loader.js';

/** Asserts exactly one kind of problem was found and that it matches `pattern`. */
function assertFails(problems: string[], pattern: RegExp): void {
  assert.ok(problems.length > 0, 'checkEnv should report a problem');
  assert.ok(
    problems.some((p) => pattern.test(p)),
    `expected a problem matching ${pattern}, got:\n${problems.join('\n')}`,
  );
}

describe('checkEnv on good envs', () => {
  it('has at least CartPole registered', () => {
    assert.ok(listEnvs().includes('classic/CartPole-v1'));
  });
  for (const id of listEnvs()) {
    it(`passes on every registered env: ${id}`, () => {
      assert.deepEqual(checkEnv(make(id)), []);
    });
  }
  for (const id of listEnvs()) {
    it(`replays seeded rollouts identically: ${id} (property)`, () => {
      const rollout = (seed: number, actionSeed: number): string => {
        const env = make(id);
        env.actionSpace.seed(actionSeed);
        let last: { info: Record<string, unknown> } = env.reset({ seed });
        const out: unknown[] = [last];
        for (let t = 0; t < 60; t++) {
          const mask = last.info['actionMask'];
          const r = env.step(env.actionSpace.sample(mask instanceof Uint8Array ? mask : undefined));
          out.push(r);
          last = r.terminated || r.truncated ? env.reset() : r;
          if (last !== r) out.push(last);
        }
        return JSON.stringify(out, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
      };
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer(), (seed, actionSeed) => {
          assert.equal(rollout(seed, actionSeed), rollout(seed, actionSeed));
        }),
        { numRuns: 20 },
      );
    });
  }
  it('passes on the unwrapped CartPole and on a stack of wrappers', () => {
    assert.deepEqual(checkEnv(new CartPoleEnv()), []);
    const stacked = new RecordEpisodeStatistics(new OrderEnforcing(new TimeLimit(new CartPoleEnv(), 30)));
    assert.deepEqual(checkEnv(stacked), []);
    assert.deepEqual(checkEnv(new Autoreset(make('classic/CartPole-v1'))), []);
  });
  it('passes on the random-walk fixture (masks, truncation, render)', () => {
    assert.deepEqual(checkEnv(new RandomWalkEnv()), []);
  });
  it('passes on NormalizeObservation once its statistics are frozen, and flags it while they move', () => {
    const env = new NormalizeObservation(new CartPoleEnv());
    assertFails(checkEnv(env), /reset\(\{ seed: 123 \}\) is not deterministic/);
    env.updateRunningMean = false;
    assert.deepEqual(checkEnv(env), []);
  });
});

describe('checkEnv on deliberately broken envs', () => {
  it('wrong observation shape', () => {
    class WrongShape extends RandomWalkEnv {
      protected override obs(): Float32Array {
        return Float32Array.of(this.pos);
      }
    }
    const problems = checkEnv(new WrongShape());
    assertFails(problems, /reset\(\{ seed: 123 \}\): the observation is not in the observation space: the Box of shape \[2\] needs 2 values, got 1/);
  });

  it('observation of the wrong type', () => {
    class WrongType extends RandomWalkEnv {
      protected override obs(): Float32Array {
        return Array.from(super.obs()) as unknown as Float32Array;
      }
    }
    assertFails(checkEnv(new WrongType()), /expected a Float32Array for the Box of shape \[2\], got an Array of 2/);
  });

  it('observation outside the bounds after a few steps', () => {
    class Escapes extends RandomWalkEnv {
      protected override obs(): Float32Array {
        return Float32Array.of(this.pos, this.t * 10);
      }
    }
    assertFails(checkEnv(new Escapes()), /step\(\) #\d+: the observation is not in the observation space: value 1 = \d+ is outside \[0, 100\]/);
  });

  it('non-deterministic reset', () => {
    class RandomReset extends RandomWalkEnv {
      override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
        const r = super.reset(args);
        this.pos = Math.random();
        return { ...r, obs: this.obs() };
      }
    }
    assertFails(checkEnv(new RandomReset()), /reset\(\{ seed: 123 \}\) is not deterministic: two resets with the same seed gave different observations/);
  });

  it('reused observation buffer', () => {
    class ReusedBuffer extends RandomWalkEnv {
      private readonly buf = new Float32Array(2);
      protected override obs(): Float32Array {
        this.buf[0] = this.pos;
        this.buf[1] = this.t;
        return this.buf;
      }
    }
    assertFails(checkEnv(new ReusedBuffer()), /step\(\) #1 returned the same observation object as reset\(\): the env reuses its observation buffer/);
  });

  it('a fresh obs object that is a view on a reused buffer', () => {
    class ReusedView extends RandomWalkEnv {
      private readonly buf = new Float32Array(2);
      protected override obs(): Float32Array {
        this.buf[0] = this.pos;
        this.buf[1] = this.t;
        return this.buf.subarray(0, 2);
      }
    }
    assertFails(checkEnv(new ReusedView()), /the observation returned by reset\(\) changed after step\(\) #1: the env reuses its observation buffer/);
  });

  it('reused action-mask buffer', () => {
    class ReusedMask extends RandomWalkEnv {
      private readonly m = new Uint8Array(3);
      protected override mask(): Uint8Array {
        this.m.set(super.mask());
        return this.m;
      }
      override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
        const r = super.reset(args);
        this.m[0] = 1; // make reset's mask differ from any step's, so reuse is visible
        this.m[1] = 1;
        this.m[2] = 0;
        return r;
      }
    }
    assertFails(checkEnv(new ReusedMask()), /info\.actionMask returned by reset\(\) changed after step\(\) #1/);
  });

  it('non-deterministic step', () => {
    class RandomStep extends RandomWalkEnv {
      override step(action: number): StepResult<Float32Array> {
        const r = super.step(action);
        return { ...r, reward: r.reward + Math.random() };
      }
    }
    assertFails(checkEnv(new RandomStep()), /two rollouts with seed 123 and the same actions are not identical: they first differ at step 1 \(reward differs\)/);
  });

  it('reset without a seed that reseeds', () => {
    class Reseeds extends RandomWalkEnv {
      override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
        return super.reset({ ...args, seed: args.seed ?? 0 });
      }
    }
    assertFails(checkEnv(new Reseeds()), /two consecutive reset\(\) calls without a seed gave identical episodes/);
  });

  it('a seed that is ignored', () => {
    class IgnoresSeed extends RandomWalkEnv {
      override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
        return super.reset({ ...args, seed: 5 });
      }
    }
    assertFails(checkEnv(new IgnoresSeed()), /left the generator in the same state: the seed is ignored/);
  });

  it('bad step result types', () => {
    class BadTypes extends RandomWalkEnv {
      override step(action: number): StepResult<Float32Array> {
        const r = super.step(action);
        return { ...r, reward: NaN, terminated: 0 as unknown as boolean };
      }
    }
    const problems = checkEnv(new BadTypes());
    assertFails(problems, /step\(\) #1: reward is NaN/);
    assertFails(problems, /step\(\) #1: terminated must be a boolean, got number 0/);
  });

  it('an info that is not a plain object, and a mask of the wrong length', () => {
    class BadInfo extends RandomWalkEnv {
      override reset(args: ResetArgs = {}): ResetResult<Float32Array> {
        return { ...super.reset(args), info: new Map() as unknown as Record<string, unknown> };
      }
    }
    assertFails(checkEnv(new BadInfo()), /reset\(\{ seed: 123 \}\): info must be a plain object, got a Map/);
    class BadMask extends RandomWalkEnv {
      protected override mask(): Uint8Array {
        return Uint8Array.of(1, 1);
      }
    }
    assertFails(checkEnv(new BadMask()), /info\.actionMask has 2 entries, the action space has 3/);
  });

  it('a malformed observation space', () => {
    class BadSpace extends RandomWalkEnv {
      override readonly observationSpace = Object.assign(new Box([-10, 0], [10, 100]), { shape: [3] });
    }
    assertFails(checkEnv(new BadSpace()), /observation space: Box of shape \[3\] has 2 low and 2 high bounds, needs 3/);
  });

  it('render that is not a string, and close that cannot be called twice', () => {
    class BadRenderClose extends RandomWalkEnv {
      private closed = false;
      override render(): string {
        return 42 as unknown as string;
      }
      override close(): void {
        if (this.closed) throw new Error('already closed');
        this.closed = true;
      }
    }
    const problems = checkEnv(new BadRenderClose());
    assertFails(problems, /render\(\) must return a string, got number 42/);
    assertFails(problems, /a second close\(\) threw: already closed/);
  });

  it('reports an exception from the env instead of throwing', () => {
    class Throws extends RandomWalkEnv {
      override step(): StepResult<Float32Array> {
        throw new Error('boom');
      }
    }
    assert.deepEqual(checkEnv(new Throws()), ['a rollout of step() threw: boom']);
  });

  it('restoreState that does not restore', () => {
    class BadRestore extends RandomWalkEnv {
      cloneState(): number {
        return this.pos;
      }
      restoreState(_s: number): void {
        this.pos += 0.5;
      }
    }
    assertFails(checkEnv(new BadRestore()), /restoreState\(cloneState\(\)\) does not replay the same future/);
  });
});
