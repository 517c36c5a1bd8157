/**
 * The environment contract (Gymnasium's `gymnasium.Env`, in TypeScript).
 *
 * - `reset({ seed, options })` starts an episode and returns `{ obs, info }`. An integer `seed`
 *   reseeds the env's own generator; no seed keeps the current stream, so consecutive resets give
 *   different episodes. An env that was never seeded starts from seed 0: rome-gym prefers a
 *   reproducible default to OS entropy (Gymnasium draws OS entropy here).
 * - `step(action)` advances one tick and returns `{ obs, reward, terminated, truncated, info }`.
 *   `terminated`: the episode reached a terminal state of the task (the MDP ended).
 *   `truncated`: it was cut short from outside the MDP (a time limit). After either, call `reset`.
 * - Observations returned by `reset`/`step` are fresh values: a caller may keep them, and they do not
 *   change on the next step (the reused-buffer trap, Gymnasium issue #1681, is checked by `checkEnv`).
 * - `render()` returns a text rendering; `close()` releases resources and may be called twice.
 * - Invalid-action masks, where an env has them, travel in `info.actionMask` (Uint8Array, 1 = valid).
 */
import { Rng, type RngState } from './rng.js';
import type { Space, SpaceValue } from './spaces.js';

export type Info = Record<string, unknown>;

export interface ResetArgs {
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  obs: O;
  info: Info;
}

export interface StepResult<O> {
  obs: O;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: Info;
}

export interface EnvSpec {
  /** Registered id, e.g. `classic/CartPole-v1`. */
  readonly id: string;
  readonly kwargs: Readonly<Record<string, unknown>>;
  readonly maxEpisodeSteps?: number;
  readonly rewardThreshold?: number;
}

export interface Env<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> {
  readonly observationSpace: Space<O>;
  readonly actionSpace: Space<A>;
  /** Set by `make`; undefined for envs constructed directly. */
  spec: EnvSpec | undefined;
  reset(args?: ResetArgs): ResetResult<O>;
  step(action: A): StepResult<O>;
  render(): string;
  close(): void;
  /** The innermost env beneath any wrappers. */
  readonly unwrapped: Env;
}

export interface SerialisedRng {
  alea: RngState;
  spareNormal: number | null;
}

/**
 * Base class for concrete envs: owns the seeded generator (`this.rng`) with Gymnasium's seeding
 * semantics. Subclasses call `this.applySeed(args.seed)` at the top of their own `reset`.
 */
export abstract class BaseEnv<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue>
  implements Env<O, A>
{
  abstract readonly observationSpace: Space<O>;
  abstract readonly actionSpace: Space<A>;
  spec: EnvSpec | undefined = undefined;
  protected rng: Rng = new Rng(0);
  /** The last integer seed given to `reset`, if any (recorded for run metadata). */
  protected lastSeed: number | undefined = undefined;

  /** An integer seed reseeds the generator; undefined keeps the stream. */
  protected applySeed(seed: number | undefined): void {
    if (seed === undefined) return;
    if (!Number.isInteger(seed)) throw new TypeError(`reset: seed must be an integer, got ${seed}`);
    this.rng = new Rng(seed);
    this.lastSeed = seed;
  }

  abstract reset(args?: ResetArgs): ResetResult<O>;
  abstract step(action: A): StepResult<O>;

  render(): string {
    return '';
  }

  close(): void {}

  get unwrapped(): Env {
    return this as unknown as Env;
  }

  /** The generator's full state, for checkpoints and `cloneState()`. */
  get rngState(): SerialisedRng {
    return this.rng.getState();
  }
}
