/**
 * Vector env: N copies of an env stepped in one call over flat typed arrays.
 *
 * Layout: `obs` is numEnvs × obsDim Float32 (row per env, flattened with `spaces.flatten`),
 * `actionMasks` is numEnvs × numActions Uint8 (1 = valid), actions are an Int32Array of numEnvs.
 *
 * Autoreset is Gymnasium 1.x "next-step": when env i terminates or truncates at step t, step t
 * returns that episode's last observation and sets `terminated[i]`/`truncated[i]`; `finalInfos[i]`
 * holds the ended episode's info (for the sandbox, its safety summary). On step t+1 the action for
 * env i is ignored, env i is reset, and that step returns the reset observation with reward 0,
 * cost 0 and both flags false. A learner must therefore not bootstrap across that reset step
 * (`resetStep[i]` marks it).
 *
 * Buffers returned by `reset`/`step` belong to the vector env and are overwritten by the next call:
 * they are views, documented as such, so the hot loop allocates nothing. Copy what you keep.
 */
import { stepCost, type Env, type Info } from './core.js';
import { Discrete, flatten, type Space, type SpaceValue } from './spaces.js';
import { Rng } from './rng.js';

/**
 * Optional fast path: an env that writes its observation and mask straight into flat buffers.
 * The sandbox and CartPole implement it so the vector env allocates nothing per step.
 */
export interface FlatEnv {
  readonly obsDim: number;
  readonly numActions: number;
  /** Resets (reseeding when `seed` is given) and writes obs (and mask, when not null) at env index i. */
  resetFlat(seed: number | undefined, buf: VectorBuffers, i: number): void;
  /** Steps and writes obs, reward, cost, terminated, truncated (and mask) at env index i. */
  stepFlat(action: number, buf: VectorBuffers, i: number): void;
  /** Info of the episode that just ended (called once after a terminal or truncated step). */
  episodeInfo(): Info;
  /** Writes the current obs and the whole mask row at env index i (after `restoreState`). */
  writeFlat?(buf: VectorBuffers, i: number): void;
}

/** Envs whose whole state can be saved and put back (the sandbox's counterfactual rollouts). */
export interface RestorableEnv<S = unknown> {
  cloneState(): S;
  restoreState(snapshot: S): void;
}

export function isRestorable(env: unknown): env is RestorableEnv {
  const e = env as Partial<RestorableEnv> | null;
  return !!e && typeof e.cloneState === 'function' && typeof e.restoreState === 'function';
}

export function isFlatEnv(env: unknown): env is FlatEnv {
  const e = env as Partial<FlatEnv> | null;
  return !!e && typeof e.resetFlat === 'function' && typeof e.stepFlat === 'function';
}

export interface VectorBuffers {
  readonly obsDim: number;
  readonly numActions: number;
  readonly obs: Float32Array;
  readonly rewards: Float32Array;
  readonly costs: Float32Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** 1 where this step was an autoreset (action ignored, obs is a fresh episode's first). */
  readonly resetStep: Uint8Array;
  readonly actionMasks: Uint8Array;
  /** Per env: the ended episode's info on the step it ended, otherwise null. */
  readonly finalInfos: (Info | null)[];
}

export interface VectorEnvOptions {
  /** Cut episodes at this many steps (truncated). Applied by the vector env, not by wrappers. */
  maxEpisodeSteps?: number;
}

function allocBuffers(n: number, obsDim: number, numActions: number): VectorBuffers {
  return {
    obsDim,
    numActions,
    obs: new Float32Array(n * obsDim),
    rewards: new Float32Array(n),
    costs: new Float32Array(n),
    terminated: new Uint8Array(n),
    truncated: new Uint8Array(n),
    resetStep: new Uint8Array(n),
    actionMasks: new Uint8Array(n * numActions).fill(1),
    finalInfos: new Array<Info | null>(n).fill(null),
  };
}

/** Steps N envs in this thread, one after another. Actions must come from a Discrete space. */
export class SyncVectorEnv {
  readonly numEnvs: number;
  readonly envs: Env[];
  readonly singleObservationSpace: Space;
  readonly singleActionSpace: Discrete;
  readonly obsDim: number;
  readonly numActions: number;
  readonly buffers: VectorBuffers;
  private readonly flat: (FlatEnv | null)[];
  private readonly maxSteps: number;
  private readonly elapsed: Int32Array;
  private readonly needsReset: Uint8Array;
  private started = false;

  constructor(factories: readonly (() => Env)[], opts: VectorEnvOptions = {}) {
    if (factories.length === 0) throw new RangeError('SyncVectorEnv: need at least one env');
    this.envs = factories.map((f) => f());
    this.numEnvs = this.envs.length;
    const first = this.envs[0]!;
    if (!(first.actionSpace instanceof Discrete)) throw new TypeError('SyncVectorEnv: action space must be Discrete');
    this.singleObservationSpace = first.observationSpace;
    this.singleActionSpace = first.actionSpace;
    this.obsDim = first.observationSpace.flatdim;
    this.numActions = first.actionSpace.n;
    this.envs.forEach((e, i) => {
      const n = e.actionSpace instanceof Discrete ? e.actionSpace.n : -1;
      if (e.observationSpace.flatdim !== this.obsDim || n !== this.numActions) {
        throw new TypeError(`SyncVectorEnv: env ${i} has different spaces from env 0 (flatdim ${e.observationSpace.flatdim} vs ${this.obsDim}, actions ${n} vs ${this.numActions})`);
      }
    });
    this.flat = this.envs.map((e) => (isFlatEnv(e) ? e : null));
    this.maxSteps = opts.maxEpisodeSteps ?? Infinity;
    this.elapsed = new Int32Array(this.numEnvs);
    this.needsReset = new Uint8Array(this.numEnvs);
    this.buffers = allocBuffers(this.numEnvs, this.obsDim, this.numActions);
  }

  /**
   * Resets every env. With an integer `seed`, env i is seeded `seed + i` (Gymnasium's convention);
   * without, each keeps its stream.
   */
  reset(args: { seed?: number } = {}): VectorBuffers {
    const b = this.buffers;
    for (let i = 0; i < this.numEnvs; i++) {
      this.resetOne(i, args.seed === undefined ? undefined : args.seed + i);
      b.rewards[i] = 0;
      b.costs[i] = 0;
      b.terminated[i] = 0;
      b.truncated[i] = 0;
      b.resetStep[i] = 0;
      b.finalInfos[i] = null;
    }
    this.started = true;
    return b;
  }

  step(actions: Int32Array): VectorBuffers {
    if (!this.started) throw new Error('SyncVectorEnv.step called before reset');
    if (actions.length !== this.numEnvs) throw new RangeError(`step: ${actions.length} actions for ${this.numEnvs} envs`);
    // The action check of OrderEnforcing, once per call for all envs (the flat path skips it).
    const lo = this.singleActionSpace.start;
    const hi = lo + this.numActions;
    for (let i = 0; i < this.numEnvs; i++) {
      const a = actions[i]!;
      if (a < lo || a >= hi) throw new RangeError(`step: action ${a} of env ${i} is outside the action space Discrete(${this.numActions}): expected an integer from ${lo} to ${hi - 1}`);
    }
    const b = this.buffers;
    for (let i = 0; i < this.numEnvs; i++) {
      b.finalInfos[i] = null;
      if (this.needsReset[i]) {
        this.resetOne(i, undefined);
        b.rewards[i] = 0;
        b.costs[i] = 0;
        b.terminated[i] = 0;
        b.truncated[i] = 0;
        b.resetStep[i] = 1;
        continue;
      }
      b.resetStep[i] = 0;
      const a = actions[i]!;
      const fe = this.flat[i];
      let stepInfo: Info | null = null;
      if (fe) {
        fe.stepFlat(a, b, i);
      } else {
        const env = this.envs[i]!;
        const r = env.step(a);
        this.writeObs(i, r.obs, r.info);
        b.rewards[i] = r.reward;
        b.costs[i] = stepCost(r.info);
        b.terminated[i] = r.terminated ? 1 : 0;
        b.truncated[i] = r.truncated ? 1 : 0;
        stepInfo = r.info;
      }
      this.elapsed[i]! += 1;
      if (!b.terminated[i] && this.elapsed[i]! >= this.maxSteps) b.truncated[i] = 1;
      if (b.terminated[i] || b.truncated[i]) {
        this.needsReset[i] = 1;
        b.finalInfos[i] = fe ? fe.episodeInfo() : stepInfo;
      }
    }
    return b;
  }

  close(): void {
    for (const e of this.envs) e.close();
  }

  /** Whether every env can be cloned and restored with its observation rewritten (`restoreState`). */
  supportsRestore(): boolean {
    return this.envs.every((e, i) => isRestorable(e.unwrapped) && typeof this.flat[i]?.writeFlat === 'function');
  }

  /** Env i's whole state, including its generator (needs `supportsRestore()`). */
  cloneState(i: number): unknown {
    const e = this.envs[i]!.unwrapped;
    if (!isRestorable(e)) throw new TypeError(`SyncVectorEnv: env ${i} cannot clone its state`);
    return e.cloneState();
  }

  /**
   * Puts env i into a state from `cloneState` (of any env of the same kind) and rewrites its row of
   * `obs` and `actionMasks`; the env's episode continues from there (its elapsed-step count restarts
   * at 0). Rewards and flags of the current step are left as they are.
   */
  restoreState(i: number, snapshot: unknown): void {
    const e = this.envs[i]!.unwrapped;
    const fe = this.flat[i];
    if (!isRestorable(e) || !fe?.writeFlat) throw new TypeError(`SyncVectorEnv: env ${i} cannot restore a state`);
    e.restoreState(snapshot);
    fe.writeFlat(this.buffers, i);
    this.elapsed[i] = 0;
    this.needsReset[i] = 0;
  }

  private resetOne(i: number, seed: number | undefined): void {
    this.elapsed[i] = 0;
    this.needsReset[i] = 0;
    const fe = this.flat[i];
    if (fe) {
      fe.resetFlat(seed, this.buffers, i);
      return;
    }
    const r = this.envs[i]!.reset(seed === undefined ? {} : { seed });
    this.writeObs(i, r.obs, r.info);
  }

  private writeObs(i: number, obs: SpaceValue, info: Info): void {
    const b = this.buffers;
    b.obs.set(flatten(this.singleObservationSpace, obs), i * this.obsDim);
    const mask = info['actionMask'];
    if (mask instanceof Uint8Array) b.actionMasks.set(mask, i * this.numActions);
  }
}

/** Draws a uniformly random valid action per env from the current masks (benchmarks, baselines). */
export function sampleMaskedActions(rng: Rng, buf: VectorBuffers, out: Int32Array): Int32Array {
  const n = buf.numActions;
  for (let i = 0; i < out.length; i++) {
    const off = i * n;
    let count = 0;
    for (let a = 0; a < n; a++) count += buf.actionMasks[off + a]!;
    if (count === 0) {
      out[i] = 0;
      continue;
    }
    let k = rng.int(count);
    for (let a = 0; a < n; a++) {
      if (buf.actionMasks[off + a] && k-- === 0) {
        out[i] = a;
        break;
      }
    }
  }
  return out;
}
