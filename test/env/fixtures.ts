/**
 * Small envs for the env-core tests: a deterministic counter (wrapper and vector semantics are easy
 * to state on it) and a seeded random walk that passes checkEnv, from which the deliberately broken
 * envs in checker.test.ts each differ by one fault.
 */
import { BaseEnv, Box, Discrete, type ResetArgs, type ResetResult, type StepResult } from '../../env/index.js';

/**
 * obs = [episode index, step in episode]; reward = step in episode; terminates after `length`
 * steps. Counts how often step() was really called, so tests can see ignored actions.
 */
export class CounterEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box(0, 1e6, [2]);
  readonly actionSpace = new Discrete(3);
  stepCalls = 0;
  lastAction = -1;
  closed = 0;
  private episode = -1;
  private t = 0;
  constructor(readonly length = 3) {
    super();
  }
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.applySeed(args.seed);
    this.episode += 1;
    this.t = 0;
    return { obs: Float32Array.of(this.episode, 0), info: { kind: 'reset', episode: this.episode } };
  }
  step(action: number): StepResult<Float32Array> {
    this.stepCalls += 1;
    this.lastAction = action;
    this.t += 1;
    return {
      obs: Float32Array.of(this.episode, this.t),
      reward: this.t,
      terminated: this.t >= this.length,
      truncated: false,
      info: { kind: 'step', t: this.t },
    };
  }
  override close(): void {
    this.closed += 1;
  }
}

/** A seeded 1-D random walk with an action mask: a well-behaved env that passes checkEnv. */
export class RandomWalkEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box([-10, 0], [10, 100]);
  readonly actionSpace = new Discrete(3);
  protected pos = 0;
  protected t = 0;
  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.applySeed(args.seed);
    this.pos = this.rng.uniform(-1, 1);
    this.t = 0;
    return { obs: this.obs(), info: { actionMask: this.mask() } };
  }
  step(action: number): StepResult<Float32Array> {
    this.pos += (action - 1) * this.rng.uniform(0, 1);
    this.t += 1;
    const terminated = Math.abs(this.pos) >= 5;
    return {
      obs: this.obs(),
      reward: -Math.abs(this.pos),
      terminated,
      truncated: this.t >= 40 && !terminated,
      info: { actionMask: this.mask() },
    };
  }
  override render(): string {
    return `pos=${this.pos.toFixed(3)} t=${this.t}`;
  }
  protected obs(): Float32Array {
    return Float32Array.of(Math.max(-10, Math.min(10, this.pos)), this.t);
  }
  /** Moving away from the nearer wall is always allowed; at |pos| > 3 the step toward it is not. */
  protected mask(): Uint8Array {
    return Uint8Array.of(this.pos < -3 ? 0 : 1, 1, this.pos > 3 ? 0 : 1);
  }
}
