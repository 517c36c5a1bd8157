/**
 * Wrappers (Gymnasium's `gymnasium.wrappers`): each holds an inner env, changes one thing about it,
 * and forwards the rest, so they compose (`new RecordEpisodeStatistics(new TimeLimit(env, 500))`)
 * and `unwrapped` always reaches the innermost env.
 *
 * Vector fast path: a wrapper whose effect can be applied to the flat buffers (TimeLimit,
 * OrderEnforcing, NormalizeObservation) also implements `FlatEnv` when — and only when — the env
 * it wraps does, so `SyncVectorEnv` over `make('classic/CartPole-v1')` stays allocation-free. The
 * others make the vector env fall back to the generic `step`, which gives the same numbers.
 */
import type { Env, EnvSpec, Info, ResetArgs, ResetResult, StepResult } from './core.js';
import { Box, Discrete, type Space, type SpaceValue } from './spaces.js';
import { isFlatEnv, type FlatEnv } from './vector.js';

export class Wrapper<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> implements Env<O, A> {
  spec: EnvSpec | undefined;
  constructor(readonly env: Env<O, A>) {
    this.spec = env.spec;
  }
  get observationSpace(): Space<O> {
    return this.env.observationSpace;
  }
  get actionSpace(): Space<A> {
    return this.env.actionSpace;
  }
  reset(args?: ResetArgs): ResetResult<O> {
    return this.env.reset(args);
  }
  step(action: A): StepResult<O> {
    return this.env.step(action);
  }
  render(): string {
    return this.env.render();
  }
  close(): void {
    this.env.close();
  }
  get unwrapped(): Env {
    return this.env.unwrapped;
  }
}

/**
 * Makes `w` a FlatEnv over `inner` (own properties, so `isFlatEnv` sees them only when installed):
 * `obsDim`, `numActions` and `episodeInfo` are the inner env's; `impl` applies the wrapper's change.
 */
function installFlat(w: object, inner: FlatEnv, impl: Pick<FlatEnv, 'resetFlat' | 'stepFlat'>): void {
  const flat: FlatEnv = { obsDim: inner.obsDim, numActions: inner.numActions, episodeInfo: () => inner.episodeInfo(), ...impl };
  Object.assign(w, flat);
}

/** Truncates the episode after `maxEpisodeSteps` steps (Gymnasium: even on a terminating step). */
export class TimeLimit<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> extends Wrapper<O, A> {
  private elapsed = 0;
  constructor(
    env: Env<O, A>,
    readonly maxEpisodeSteps: number,
  ) {
    super(env);
    if (!Number.isInteger(maxEpisodeSteps) || maxEpisodeSteps <= 0) {
      throw new RangeError(`TimeLimit: maxEpisodeSteps must be a positive integer, got ${maxEpisodeSteps}`);
    }
    if (isFlatEnv(env)) {
      const max = maxEpisodeSteps;
      installFlat(this, env, {
        resetFlat: (seed, buf, i) => {
          this.elapsed = 0;
          env.resetFlat(seed, buf, i);
        },
        stepFlat: (action, buf, i) => {
          env.stepFlat(action, buf, i);
          if (++this.elapsed >= max) buf.truncated[i] = 1;
        },
      });
    }
  }
  /** Steps taken since the last reset. */
  get elapsedSteps(): number {
    return this.elapsed;
  }
  override reset(args?: ResetArgs): ResetResult<O> {
    this.elapsed = 0;
    return this.env.reset(args);
  }
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.elapsed += 1;
    if (this.elapsed >= this.maxEpisodeSteps) return { ...r, truncated: true };
    return r;
  }
}


/** Gymnasium's `ResetNeeded`: the env was used in an order the contract forbids. */
export class ResetNeeded extends Error {
  override name = 'ResetNeeded';
}

/** An action outside the env's action space (Gymnasium asserts `action_space.contains(action)`). */
export class InvalidAction extends TypeError {
  override name = 'InvalidAction';
}

function describeValue(x: unknown): string {
  if (typeof x === 'string') return `${JSON.stringify(x)} (a string)`;
  if (x === undefined) return 'undefined';
  if (typeof x === 'number') return String(x);
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** `step: action 999 is outside the action space Discrete(57): expected an integer from 0 to 56`. */
export function invalidActionMessage(action: unknown, space: Space): string {
  const expected =
    space instanceof Discrete
      ? `expected an integer from ${space.start} to ${space.start + space.n - 1}`
      : `expected a value of ${JSON.stringify(space.toJSON())}`;
  const name = space instanceof Discrete ? `Discrete(${space.n}${space.start !== 0 ? `, start=${space.start}` : ''})` : space.constructor.name;
  return `step: action ${describeValue(action)} is outside the action space ${name}: ${expected}`;
}

/**
 * Throws ResetNeeded on `step` (and, unless disabled, `render`) before the first `reset`, and
 * InvalidAction on a `step` whose action is outside the action space (an env would otherwise
 * spend a tick on it: the sandbox reads 999 as "command not found"). `make` adds it to every env.
 *
 * The flat path (`stepFlat`, driven by the vector env) keeps only the order check, one boolean:
 * the vector env checks its action array once per call at its public `step`, so the per-env hot
 * loop does no second range check.
 */
export class OrderEnforcing<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> extends Wrapper<
  O,
  A
> {
  private reset_ = false;
  private readonly disableRenderOrderEnforcing: boolean;
  constructor(env: Env<O, A>, opts: { disableRenderOrderEnforcing?: boolean } = {}) {
    super(env);
    this.disableRenderOrderEnforcing = opts.disableRenderOrderEnforcing ?? false;
    if (isFlatEnv(env)) {
      // Until the first reset, stepFlat throws; the first resetFlat swaps in the inner env's own
      // stepFlat, so the hot loop pays nothing for the order check afterwards.
      const direct = env.stepFlat.bind(env);
      installFlat(this, env, {
        resetFlat: (seed, buf, i) => {
          if (!this.reset_) (this as unknown as FlatEnv).stepFlat = direct;
          this.reset_ = true;
          env.resetFlat(seed, buf, i);
        },
        stepFlat: () => {
          throw new ResetNeeded('Cannot call step() before calling reset()');
        },
      });
      // OrderEnforcing leaves observations as they are, so the inner env's rewrite of its row after
      // a `restoreState` (SyncVectorEnv.restoreState, Go-Explore's restarts) is exact here too.
      const inner = env as FlatEnv;
      if (typeof inner.writeFlat === 'function') {
        (this as unknown as FlatEnv).writeFlat = (buf, i) => {
          // A restored state is a started episode: stepping it is in order.
          if (!this.reset_) (this as unknown as FlatEnv).stepFlat = direct;
          this.reset_ = true;
          inner.writeFlat!(buf, i);
        };
      }
    }
  }
  get hasReset(): boolean {
    return this.reset_;
  }
  override reset(args?: ResetArgs): ResetResult<O> {
    if (!this.reset_ && isFlatEnv(this.env)) (this as unknown as FlatEnv).stepFlat = this.env.stepFlat.bind(this.env);
    this.reset_ = true;
    return this.env.reset(args);
  }
  override step(action: A): StepResult<O> {
    if (!this.reset_) throw new ResetNeeded('Cannot call step() before calling reset()');
    if (!this.env.actionSpace.contains(action)) throw new InvalidAction(invalidActionMessage(action, this.env.actionSpace));
    return this.env.step(action);
  }
  override render(): string {
    if (!this.disableRenderOrderEnforcing && !this.reset_) {
      throw new ResetNeeded(
        'Cannot call render() before calling reset(); if this is intended, pass disableRenderOrderEnforcing: true to OrderEnforcing',
      );
    }
    return this.env.render();
  }
}

export interface EpisodeStatistics {
  /** Undiscounted return. */
  r: number;
  /** Length in steps. */
  l: number;
  /** Wall-clock seconds since the episode's reset (rounded to microseconds, as Gymnasium). */
  t: number;
}

/**
 * Adds `info.episode = { r, l, t }` on the step that ends an episode and keeps the last
 * `bufferLength` returns, lengths and times. The inner env's info object is not mutated.
 */
export class RecordEpisodeStatistics<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> extends Wrapper<
  O,
  A
> {
  readonly returnQueue: number[] = [];
  readonly lengthQueue: number[] = [];
  readonly timeQueue: number[] = [];
  episodeCount = 0;
  private episodeReturn = 0;
  private episodeLength = 0;
  private episodeStart = 0;
  private readonly bufferLength: number;
  private readonly statsKey: string;
  constructor(env: Env<O, A>, opts: { bufferLength?: number; statsKey?: string } = {}) {
    super(env);
    this.bufferLength = opts.bufferLength ?? 100;
    this.statsKey = opts.statsKey ?? 'episode';
  }
  override reset(args?: ResetArgs): ResetResult<O> {
    const r = this.env.reset(args);
    this.episodeStart = performance.now();
    this.episodeReturn = 0;
    this.episodeLength = 0;
    return r;
  }
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    this.episodeReturn += r.reward;
    this.episodeLength += 1;
    if (!r.terminated && !r.truncated) return r;
    if (this.statsKey in r.info) throw new Error(`RecordEpisodeStatistics: info already has key '${this.statsKey}'`);
    const t = Math.round((performance.now() - this.episodeStart) * 1e3) / 1e6;
    const episode: EpisodeStatistics = { r: this.episodeReturn, l: this.episodeLength, t };
    this.episodeCount += 1;
    push(this.returnQueue, episode.r, this.bufferLength);
    push(this.lengthQueue, episode.l, this.bufferLength);
    push(this.timeQueue, episode.t, this.bufferLength);
    return { ...r, info: { ...r.info, [this.statsKey]: episode } };
  }
}

function push(queue: number[], v: number, cap: number): void {
  queue.push(v);
  if (queue.length > cap) queue.shift();
}

/**
 * Gymnasium 1.x next-step autoreset for a single env: the `step` after a terminated or truncated
 * one ignores its action, resets, and returns the reset obs and info with reward 0 and both flags
 * false — the same convention as `SyncVectorEnv`.
 */
export class Autoreset<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> extends Wrapper<O, A> {
  private pendingReset = false;
  override reset(args?: ResetArgs): ResetResult<O> {
    this.pendingReset = false;
    return this.env.reset(args);
  }
  override step(action: A): StepResult<O> {
    if (this.pendingReset) {
      this.pendingReset = false;
      const { obs, info } = this.env.reset();
      return { obs, reward: 0, terminated: false, truncated: false, info };
    }
    const r = this.env.step(action);
    this.pendingReset = r.terminated || r.truncated;
    return r;
  }
}

/** Applies `f` to every reward (reward shaping). `f` receives the step's info too. */
export class TransformReward<O extends SpaceValue = SpaceValue, A extends SpaceValue = SpaceValue> extends Wrapper<O, A> {
  constructor(
    env: Env<O, A>,
    private readonly f: (reward: number, info: Info) => number,
  ) {
    super(env);
  }
  override step(action: A): StepResult<O> {
    const r = this.env.step(action);
    return { ...r, reward: this.f(r.reward, r.info) };
  }
}

export interface RunningMeanStdState {
  count: number;
  mean: number[];
  var: number[];
}

/**
 * Per-dimension running mean and (population) variance, updated one sample at a time (Welford).
 * Starts like Gymnasium's RunningMeanStd — count 1e-4, mean 0, var 1 — so the numbers match it.
 */
export class RunningMeanStd {
  count: number;
  readonly mean: Float64Array;
  readonly var: Float64Array;
  constructor(
    readonly size: number,
    epsilon = 1e-4,
  ) {
    this.count = epsilon;
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
  }
  update(x: ArrayLike<number>, offset = 0): void {
    const n = this.count;
    const tot = n + 1;
    for (let k = 0; k < this.size; k++) {
      const delta = x[offset + k]! - this.mean[k]!;
      this.mean[k] = this.mean[k]! + delta / tot;
      this.var[k] = (this.var[k]! * n + (delta * delta * n) / tot) / tot;
    }
    this.count = tot;
  }
  getState(): RunningMeanStdState {
    return { count: this.count, mean: Array.from(this.mean), var: Array.from(this.var) };
  }
  setState(s: RunningMeanStdState): void {
    if (s.mean.length !== this.size || s.var.length !== this.size) {
      throw new RangeError(`RunningMeanStd.setState: expected ${this.size} dims, got ${s.mean.length}/${s.var.length}`);
    }
    this.count = s.count;
    this.mean.set(s.mean);
    this.var.set(s.var);
  }
}

/**
 * Normalises Box observations to roughly zero mean, unit variance with running statistics
 * (`(obs - mean) / sqrt(var + epsilon)`), updating them on every obs unless `updateRunningMean`
 * is false (evaluation). The observation space becomes an unbounded Box of the same shape.
 */
export class NormalizeObservation<A extends SpaceValue = SpaceValue> extends Wrapper<Float32Array, A> {
  updateRunningMean = true;
  readonly rms: RunningMeanStd;
  private readonly space: Box;
  private readonly epsilon: number;
  constructor(env: Env<Float32Array, A>, opts: { epsilon?: number } = {}) {
    super(env);
    const inner = env.observationSpace;
    if (!(inner instanceof Box)) throw new TypeError('NormalizeObservation: the observation space must be a Box');
    this.space = new Box(-Infinity, Infinity, inner.shape);
    this.rms = new RunningMeanStd(inner.size);
    this.epsilon = opts.epsilon ?? 1e-8;
    if (isFlatEnv(env)) {
      installFlat(this, env, {
        resetFlat: (seed, buf, i) => {
          env.resetFlat(seed, buf, i);
          this.normalizeInPlace(buf.obs, i * env.obsDim);
        },
        stepFlat: (action, buf, i) => {
          env.stepFlat(action, buf, i);
          this.normalizeInPlace(buf.obs, i * env.obsDim);
        },
      });
    }
  }
  override get observationSpace(): Box {
    return this.space;
  }
  override reset(args?: ResetArgs): ResetResult<Float32Array> {
    const r = this.env.reset(args);
    return { obs: this.normalize(r.obs), info: r.info };
  }
  override step(action: A): StepResult<Float32Array> {
    const r = this.env.step(action);
    return { ...r, obs: this.normalize(r.obs) };
  }
  getState(): RunningMeanStdState {
    return this.rms.getState();
  }
  setState(s: RunningMeanStdState): void {
    this.rms.setState(s);
  }
  private normalize(obs: Float32Array): Float32Array {
    const out = Float32Array.from(obs);
    this.normalizeInPlace(out, 0);
    return out;
  }
  private normalizeInPlace(x: Float32Array, off: number): void {
    const rms = this.rms;
    if (this.updateRunningMean) rms.update(x, off);
    for (let k = 0; k < rms.size; k++) {
      x[off + k] = (x[off + k]! - rms.mean[k]!) / Math.sqrt(rms.var[k]! + this.epsilon);
    }
  }
}
