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
 * - Typed signals in `info` (see `Info`): `cost`, the per-step constraint cost (safe RL), read only
 *   through `stepCost(info)`; `actionMask`, the invalid-action mask. The methods below document them.
 */
import { Rng, type RngState } from './rng.js';
import type { Space, SpaceValue } from './spaces.js';

/**
 * The `info` of `reset` and `step`: free-form diagnostics (the sandbox's `events`, `episode`, ...)
 * plus the typed signals every consumer may rely on.
 */
export interface Info {
  /**
   * The constraint cost of this step (Safety-Gymnasium's `cost`, Ray et al. 2019's constrained
   * MDP): a non-negative number, separate from the reward, that a constrained learner keeps under a
   * limit in expectation over an episode (agents/ppo_lagrangian.ts). Absent means 0. Only a step's
   * info carries it; read it with `stepCost(info)`, never as a raw field.
   */
  cost?: number;
  /** Invalid-action mask of the next step (1 = valid), where an env has one (Discrete actions). */
  actionMask?: Uint8Array;
  [key: string]: unknown;
}

/**
 * The one reader of the cost signal: the constraint cost of a step from its `info` (0 when the env
 * reports none). The vector env's `costs` buffer (and through it the training episode sums), the
 * evaluation episode sums and the shell transcripts all take it from here.
 */
export function stepCost(info: Info): number {
  return typeof info.cost === 'number' ? info.cost : 0;
}

export interface ResetArgs {
  seed?: number;
  options?: Record<string, unknown>;
}

export interface ResetResult<O> {
  obs: O;
  info: Info;
}

export interface StepResult<O> {
  /** The observation after the action (an element of `observationSpace`). */
  obs: O;
  /** The reward of the action: what the learner maximises. */
  reward: number;
  /** The episode reached a terminal state of the task (the MDP ended): do not bootstrap past it. */
  terminated: boolean;
  /** The episode was cut from outside the MDP (a time limit): bootstrap from `obs`. */
  truncated: boolean;
  /** Diagnostics and the typed signals: `cost` (via `stepCost`), `actionMask`; see `Info`. */
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
  /**
   * Starts an episode.
   *
   * Args: `seed` (an integer reseeds the env's generator; absent keeps the stream), `options`
   * (env-specific). Returns `{ obs, info }`: the first observation and its info (`info.actionMask`
   * where the env has masks; `reset` carries no cost).
   */
  reset(args?: ResetArgs): ResetResult<O>;
  /**
   * Runs one timestep of the env with `action`.
   *
   * Returns `{ obs, reward, terminated, truncated, info }`:
   * - `obs`: the observation after the action;
   * - `reward`: the reward of the action;
   * - `terminated`: a terminal state of the task was reached (no value after it);
   * - `truncated`: the episode was cut from outside the MDP (time limit; its value is bootstrapped);
   * - `info`: diagnostics, and the typed signals of `Info`: `cost`, the step's constraint cost
   *   (>= 0, absent = 0; read with `stepCost(info)`), kept apart from `reward` so that a learner can
   *   either ignore it, penalise it, or constrain its episode sum; `actionMask` for the next step.
   * After `terminated` or `truncated`, call `reset` before stepping again.
   */
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
