/**
 * CartPole-v1, a line-for-line port of Gymnasium's `gymnasium/envs/classic_control/cartpole.py`
 * (Barto, Sutton & Anderson 1983), so agents can be checked against published results.
 *
 * State (float64, as Gymnasium keeps it): cart position x, cart velocity, pole angle theta (rad,
 * 0 = upright), pole angular velocity. The observation is that state cast to float32.
 * Actions: 0 pushes the cart left, 1 pushes it right, with a fixed force of 10 N.
 * Reward: 1 for every step, including the one that terminates. Termination: |theta| > 12 degrees
 * or |x| > 2.4. The 500-step limit is not here: `make` adds it (TimeLimit), as Gymnasium does.
 */
import { BaseEnv, type Info, type ResetArgs, type ResetResult, type SerialisedRng, type StepResult } from '../core.js';
import { Box, Discrete } from '../spaces.js';
import type { FlatEnv, VectorBuffers } from '../vector.js';

export const CARTPOLE = {
  gravity: 9.8,
  masscart: 1.0,
  masspole: 0.1,
  totalMass: 0.1 + 1.0,
  /** Half the pole's length (Gymnasium's `length`). */
  length: 0.5,
  polemassLength: 0.1 * 0.5,
  forceMag: 10.0,
  /** Seconds between state updates. */
  tau: 0.02,
  thetaThresholdRadians: (12 * 2 * Math.PI) / 360,
  xThreshold: 2.4,
  resetLow: -0.05,
  resetHigh: 0.05,
} as const;

const { gravity, masspole, totalMass, length, polemassLength, forceMag, tau, thetaThresholdRadians, xThreshold } =
  CARTPOLE;

export interface CartPoleOptions {
  /** Gymnasium's `sutton_barto_reward`: 0 per step and -1 on termination instead of +1 per step. */
  suttonBartoReward?: boolean;
}

/** Everything that determines the env's future: the float64 state and the generator. */
export interface CartPoleState {
  readonly x: number;
  readonly xDot: number;
  readonly theta: number;
  readonly thetaDot: number;
  readonly hasState: boolean;
  readonly stepsBeyondTerminated: number;
  readonly rng: SerialisedRng;
}

const KNOWN_KWARGS = new Set(['suttonBartoReward']);

export function cartPoleFromKwargs(kwargs: Record<string, unknown>): CartPoleEnv {
  for (const k of Object.keys(kwargs)) {
    if (!KNOWN_KWARGS.has(k)) throw new Error(`classic/CartPole-v1: unknown kwarg '${k}' (known: ${[...KNOWN_KWARGS].join(', ')})`);
  }
  const sb = kwargs['suttonBartoReward'];
  if (sb !== undefined && typeof sb !== 'boolean') throw new TypeError('classic/CartPole-v1: suttonBartoReward must be a boolean');
  return new CartPoleEnv(sb === undefined ? {} : { suttonBartoReward: sb });
}

export class CartPoleEnv extends BaseEnv<Float32Array, number> implements FlatEnv {
  // Gymnasium 1.x bounds: twice the termination thresholds, velocities unbounded.
  readonly observationSpace = new Box(
    [-xThreshold * 2, -Infinity, -thetaThresholdRadians * 2, -Infinity],
    [xThreshold * 2, Infinity, thetaThresholdRadians * 2, Infinity],
  );
  readonly actionSpace = new Discrete(2);
  readonly obsDim = 4;
  readonly numActions = 2;

  private x = 0;
  private xDot = 0;
  private theta = 0;
  private thetaDot = 0;
  private hasState = false;
  /** -1 until the pole falls; then how many steps were taken after the terminating one. */
  private stepsBeyondTerminated = -1;
  private readonly suttonBartoReward: boolean;

  constructor(opts: CartPoleOptions = {}) {
    super();
    this.suttonBartoReward = opts.suttonBartoReward ?? false;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.applySeed(args.seed);
    const { low, high } = resetBounds(args.options);
    this.initState(low, high);
    return { obs: this.observation(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    if (action !== 0 && action !== 1) throw new RangeError(`CartPole: action must be 0 or 1, got ${String(action)}`);
    if (!this.hasState) throw new Error('CartPole: call reset before using step');
    const terminated = this.advance(action);
    return { obs: this.observation(), reward: this.reward(terminated), terminated, truncated: false, info: {} };
  }

  resetFlat(seed: number | undefined, buf: VectorBuffers, i: number): void {
    this.applySeed(seed);
    this.initState(CARTPOLE.resetLow, CARTPOLE.resetHigh);
    this.writeObs(buf.obs, i * 4);
  }

  stepFlat(action: number, buf: VectorBuffers, i: number): void {
    if (action !== 0 && action !== 1) throw new RangeError(`CartPole: action must be 0 or 1, got ${action}`);
    const terminated = this.advance(action);
    this.writeObs(buf.obs, i * 4);
    buf.rewards[i] = this.reward(terminated);
    buf.costs[i] = 0;
    buf.terminated[i] = terminated ? 1 : 0;
    buf.truncated[i] = 0;
  }

  episodeInfo(): Info {
    return {};
  }

  /** A JSON-serialisable snapshot (Gymnasium exposes `env.unwrapped.state` for the same purposes). */
  cloneState(): CartPoleState {
    const { x, xDot, theta, thetaDot, hasState, stepsBeyondTerminated } = this;
    return { x, xDot, theta, thetaDot, hasState, stepsBeyondTerminated, rng: this.rng.getState() };
  }

  restoreState(s: CartPoleState): void {
    this.x = s.x;
    this.xDot = s.xDot;
    this.theta = s.theta;
    this.thetaDot = s.thetaDot;
    this.hasState = s.hasState;
    this.stepsBeyondTerminated = s.stepsBeyondTerminated;
    this.rng.setState(s.rng);
  }

  override render(): string {
    if (!this.hasState) return 'CartPole: not reset';
    const width = 49;
    const pos = Math.round(((this.x + xThreshold) / (2 * xThreshold)) * (width - 1));
    const track: string[] = Array.from({ length: width }, (_, k) => (k === 0 || k === width - 1 ? '|' : '-'));
    const tilt = this.theta > 0.05 ? '/' : this.theta < -0.05 ? '\\' : '|';
    const pole = track.map(() => ' ');
    if (pos >= 0 && pos < width) {
      track[pos] = '#';
      pole[pos] = tilt;
    }
    const f = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(4);
    return [
      `x=${f(this.x)} x_dot=${f(this.xDot)} theta=${f(this.theta)} theta_dot=${f(this.thetaDot)}`,
      pole.join('').trimEnd(),
      track.join(''),
    ].join('\n');
  }

  private initState(low: number, high: number): void {
    this.x = this.rng.uniform(low, high);
    this.xDot = this.rng.uniform(low, high);
    this.theta = this.rng.uniform(low, high);
    this.thetaDot = this.rng.uniform(low, high);
    this.hasState = true;
    this.stepsBeyondTerminated = -1;
  }

  /** One Euler step of the equations of motion; returns whether the episode terminated. */
  private advance(action: number): boolean {
    const force = action === 1 ? forceMag : -forceMag;
    const theta = this.theta;
    const thetaDot = this.thetaDot;
    const costheta = Math.cos(theta);
    const sintheta = Math.sin(theta);
    const temp = (force + polemassLength * thetaDot * thetaDot * sintheta) / totalMass;
    const thetaacc =
      (gravity * sintheta - costheta * temp) / (length * (4.0 / 3.0 - (masspole * costheta * costheta) / totalMass));
    const xacc = temp - (polemassLength * thetaacc * costheta) / totalMass;
    const x = this.x + tau * this.xDot;
    this.x = x;
    this.xDot = this.xDot + tau * xacc;
    const th = theta + tau * thetaDot;
    this.theta = th;
    this.thetaDot = thetaDot + tau * thetaacc;
    return x < -xThreshold || x > xThreshold || th < -thetaThresholdRadians || th > thetaThresholdRadians;
  }

  private reward(terminated: boolean): number {
    if (!terminated) return this.suttonBartoReward ? 0 : 1;
    if (this.stepsBeyondTerminated < 0) {
      this.stepsBeyondTerminated = 0;
      return this.suttonBartoReward ? -1 : 1;
    }
    // Stepping an already-terminated episode: undefined behaviour in Gymnasium, which returns 0 (or -1).
    this.stepsBeyondTerminated += 1;
    return this.suttonBartoReward ? -1 : 0;
  }

  private observation(): Float32Array {
    const o = new Float32Array(4);
    this.writeObs(o, 0);
    return o;
  }

  private writeObs(out: Float32Array, off: number): void {
    out[off] = this.x;
    out[off + 1] = this.xDot;
    out[off + 2] = this.theta;
    out[off + 3] = this.thetaDot;
  }
}

/** Gymnasium's `maybe_parse_reset_bounds`: `options.low` / `options.high` override ±0.05. */
function resetBounds(options: Record<string, unknown> | undefined): { low: number; high: number } {
  const low = options?.['low'] ?? CARTPOLE.resetLow;
  const high = options?.['high'] ?? CARTPOLE.resetHigh;
  if (typeof low !== 'number' || typeof high !== 'number' || !(low < high)) {
    throw new RangeError(`CartPole.reset: options low (${String(low)}) must be a number below high (${String(high)})`);
  }
  return { low, high };
}
