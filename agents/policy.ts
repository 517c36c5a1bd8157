/**
 * The categorical actor-critic policy: an MLP actor over masked logits, an MLP value critic, and
 * (for PPO-Lagrangian) a second critic for the cost. Separate trunks, as CleanRL's PPO for
 * low-dimensional observations.
 *
 * Parameters live in plain JS arrays, which are the truth for acting (`act`, `actBatch`: JS forward
 * pass, seeded sampling) and for saving. Training asks for `variables()`: tfjs copies created on first
 * use, which the optimiser (nn/adam.ts) keeps equal to the JS arrays; after writing into the arrays,
 * call `paramsChanged()`. `dispose()` frees the tfjs copies.
 *
 * Observation normalisation (optional): running mean/variance of every observation seen in training
 * (Gymnasium's RunningMeanStd), `clip((obs - mean) / sqrt(var + 1e-8), ±obsClip)`. Frozen outside
 * training; saved with the policy, so evaluation sees what training saw.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../env/rng.js';
import { RunningMeanStd, type RunningMeanStdState } from '../env/wrappers.js';
import { maskedSoftmax, sampleMasked } from './distribution.js';
import { initMlp, JsMlp, paramShapes, type Activation, type MlpSpec } from './nn/mlp.js';
import { base64ToF32, f32ToBase64 } from './nn/serial.js';

export interface PolicySpec {
  readonly obsDim: number;
  readonly numActions: number;
  /** Hidden layer widths of each network (actor, critic, cost critic). */
  readonly hidden: readonly number[];
  readonly activation: Activation;
  /** A second value head for the cost signal (PPO-Lagrangian). */
  readonly costCritic: boolean;
  readonly normObs: boolean;
  readonly obsClip: number;
}

export const POLICY_FORMAT = 'rome-gym-policy/1';

export interface PolicyJson {
  readonly format: typeof POLICY_FORMAT;
  readonly spec: PolicySpec;
  /** Parameter arrays as base64 little-endian float32, per network, in W0, b0, W1, b1 ... order. */
  readonly actor: string[];
  readonly critic: string[];
  readonly costCritic: string[] | null;
  readonly obsRms: RunningMeanStdState | null;
  /** Log of the prior action distribution the actor was initialised from (`--prior`), if any. */
  readonly logPrior: number[] | null;
}

export interface PolicyVariables {
  readonly actor: tf.Variable[];
  readonly critic: tf.Variable[];
  readonly costCritic: tf.Variable[] | null;
  /** All of the above, in a fixed order (the optimiser state follows it). */
  readonly all: tf.Variable[];
}

const OBS_EPS = 1e-8;

export class Policy {
  readonly actorSpec: MlpSpec;
  readonly criticSpec: MlpSpec;
  readonly obsRms: RunningMeanStd | null;
  private readonly jsActor: JsMlp;
  private readonly jsCritic: JsMlp;
  private readonly jsCost: JsMlp | null;
  private vars: PolicyVariables | null = null;
  private normBuf = new Float32Array(0);
  private probBuf = new Float32Array(0);
  private logpScratch = new Float32Array(1);

  constructor(
    readonly spec: PolicySpec,
    readonly actorParams: Float32Array[],
    readonly criticParams: Float32Array[],
    readonly costParams: Float32Array[] | null,
    readonly logPrior: Float32Array | null = null,
    obsRms: RunningMeanStdState | null = null,
  ) {
    this.actorSpec = actorSpec(spec);
    this.criticSpec = criticSpec(spec);
    checkParams('actor', this.actorSpec, actorParams);
    checkParams('critic', this.criticSpec, criticParams);
    if (spec.costCritic !== (costParams !== null)) throw new Error('Policy: costCritic flag and cost parameters disagree');
    if (costParams) checkParams('cost critic', this.criticSpec, costParams);
    if (logPrior && logPrior.length !== spec.numActions) {
      throw new RangeError(`Policy: prior has ${logPrior.length} actions, the action space ${spec.numActions}`);
    }
    this.jsActor = new JsMlp(this.actorSpec, actorParams);
    this.jsCritic = new JsMlp(this.criticSpec, criticParams);
    this.jsCost = costParams ? new JsMlp(this.criticSpec, costParams) : null;
    this.obsRms = spec.normObs ? new RunningMeanStd(spec.obsDim) : null;
    if (obsRms) {
      if (!this.obsRms) throw new Error('Policy: normaliser state given but normObs is off');
      this.obsRms.setState(obsRms);
    }
  }

  /**
   * A freshly initialised policy (CleanRL's layer_init; see nn/mlp.ts). With `prior` (probabilities
   * over actions), the actor's output bias is log(prior), so the initial policy is the prior up to
   * the near-zero initial output weights.
   */
  static init(spec: PolicySpec, rng: Rng, prior: ArrayLike<number> | null = null): Policy {
    const actor = initMlp(actorSpec(spec), 0.01, rng);
    const critic = initMlp(criticSpec(spec), 1, rng);
    const cost = spec.costCritic ? initMlp(criticSpec(spec), 1, rng) : null;
    let logPrior: Float32Array | null = null;
    if (prior) {
      logPrior = priorLogits(prior, spec.numActions);
      actor[actor.length - 1]!.set(logPrior);
    }
    return new Policy(spec, actor, critic, cost, logPrior);
  }

  get obsDim(): number {
    return this.spec.obsDim;
  }
  get numActions(): number {
    return this.spec.numActions;
  }

  /** Training sees new observations: they update the running normaliser, then are normalised into `out`. */
  observe(obs: Float32Array, n: number, out: Float32Array): void {
    const rms = this.obsRms;
    if (rms) for (let i = 0; i < n; i++) rms.update(obs, i * this.obsDim);
    this.normalizeInto(obs, n, out);
  }

  /** Normalises `n` rows of `obs` into `out` (a copy when normalisation is off). Frozen statistics. */
  normalizeInto(obs: Float32Array, n: number, out: Float32Array): void {
    const d = this.spec.obsDim;
    const rms = this.obsRms;
    if (!rms) {
      out.set(obs.subarray(0, n * d));
      return;
    }
    const clip = this.spec.obsClip;
    for (let k = 0; k < d; k++) {
      const mean = rms.mean[k]!;
      const inv = 1 / Math.sqrt(rms.var[k]! + OBS_EPS);
      for (let r = 0; r < n; r++) {
        const v = (obs[r * d + k]! - mean) * inv;
        out[r * d + k] = v > clip ? clip : v < -clip ? -clip : v;
      }
    }
  }

  /** Samples an action for one raw observation (frozen normalisation, one `rng.next()`). */
  act(obs: Float32Array, mask: Uint8Array | null, rng: Rng): number {
    const x = this.normalized(obs, 1);
    const logits = this.jsActor.forward(x, 1);
    return sampleMasked(logits, 0, this.spec.numActions, mask, 0, rng, this.logpScratch, 0);
  }

  /**
   * `act` and the masked action probabilities it sampled from, from one forward pass: the same
   * action as `act` for the same generator state (the same float64 softmax and one `rng.next()`).
   */
  actWithProbabilities(obs: Float32Array, mask: Uint8Array | null, rng: Rng, probs: Float64Array): number {
    const x = this.normalized(obs, 1);
    const logits = this.jsActor.forward(x, 1);
    const n = this.spec.numActions;
    maskedSoftmax(logits, 0, n, mask, 0, probs, 0);
    let u = rng.next();
    let chosen = -1;
    for (let a = 0; a < n; a++) {
      const p = probs[a]!;
      if (p <= 0) continue;
      chosen = a;
      u -= p;
      if (u < 0) break;
    }
    return chosen;
  }

  /** The masked action probabilities for one raw observation. */
  probabilities(obs: Float32Array, mask: Uint8Array | null): Float32Array {
    const x = this.normalized(obs, 1);
    const logits = this.jsActor.forward(x, 1);
    const p = new Float32Array(this.spec.numActions);
    maskedSoftmax(logits, 0, this.spec.numActions, mask, 0, p, 0);
    return p;
  }

  /** The value estimate of one raw observation. */
  value(obs: Float32Array): number {
    return this.jsCritic.forward(this.normalized(obs, 1), 1)[0]!;
  }

  /**
   * Acts for a batch of `n` already-normalised rows: writes actions, their log-probabilities and
   * the value (and cost value) estimates. One `rng.next()` per row, in row order.
   */
  actBatch(
    x: Float32Array,
    masks: Uint8Array,
    n: number,
    rng: Rng,
    out: { actions: Int32Array; logp: Float32Array; values: Float32Array; costValues: Float32Array | null },
    outOff: number,
  ): void {
    const a = this.spec.numActions;
    const logits = this.jsActor.forward(x, n);
    for (let r = 0; r < n; r++) {
      out.actions[outOff + r] = sampleMasked(logits, r * a, a, masks, r * a, rng, out.logp, outOff + r);
    }
    this.valuesBatch(x, n, out.values, outOff);
    if (out.costValues) this.costValuesBatch(x, n, out.costValues, outOff);
  }

  /** Value estimates for `n` normalised rows, written at `out[off ..]`. */
  valuesBatch(x: Float32Array, n: number, out: Float32Array, off: number): void {
    out.set(this.jsCritic.forward(x, n), off);
  }

  costValuesBatch(x: Float32Array, n: number, out: Float32Array, off: number): void {
    if (!this.jsCost) throw new Error('Policy: this policy has no cost critic');
    out.set(this.jsCost.forward(x, n), off);
  }

  /** tfjs variables for training, created from the JS parameters on first call. */
  variables(): PolicyVariables {
    if (!this.vars) {
      const mk = (ps: Float32Array[], spec: MlpSpec) =>
        // tidy frees the initial-value tensors; the variables keep their data.
        paramShapes(spec).map((shape, i) => tf.tidy(() => tf.variable(tf.tensor(ps[i]!, shape, 'float32'), true)));
      const actor = mk(this.actorParams, this.actorSpec);
      const critic = mk(this.criticParams, this.criticSpec);
      const costCritic = this.costParams ? mk(this.costParams, this.criticSpec) : null;
      this.vars = { actor, critic, costCritic, all: [...actor, ...critic, ...(costCritic ?? [])] };
    }
    return this.vars;
  }

  /** The parameter arrays in the order of `variables().all`. */
  allParams(): Float32Array[] {
    return [...this.actorParams, ...this.criticParams, ...(this.costParams ?? [])];
  }

  /** Call after writing into the parameter arrays directly, so acting sees the new values. */
  paramsChanged(): void {
    this.jsActor.refresh();
    this.jsCritic.refresh();
    this.jsCost?.refresh();
  }

  /** Frees the tfjs variables (the JS parameters stay usable for acting). */
  dispose(): void {
    if (this.vars) {
      for (const v of this.vars.all) v.dispose();
      this.vars = null;
    }
  }

  toJSON(): PolicyJson {
    return {
      format: POLICY_FORMAT,
      spec: this.spec,
      actor: this.actorParams.map(f32ToBase64),
      critic: this.criticParams.map(f32ToBase64),
      costCritic: this.costParams ? this.costParams.map(f32ToBase64) : null,
      obsRms: this.obsRms ? this.obsRms.getState() : null,
      logPrior: this.logPrior ? Array.from(this.logPrior) : null,
    };
  }

  static fromJSON(json: PolicyJson): Policy {
    if (json.format !== POLICY_FORMAT) throw new Error(`Policy.fromJSON: unknown format '${String(json.format)}'`);
    return new Policy(
      json.spec,
      json.actor.map(base64ToF32),
      json.critic.map(base64ToF32),
      json.costCritic ? json.costCritic.map(base64ToF32) : null,
      json.logPrior ? Float32Array.from(json.logPrior) : null,
      json.obsRms,
    );
  }

  private normalized(obs: Float32Array, n: number): Float32Array {
    const size = n * this.spec.obsDim;
    if (obs.length < size) throw new RangeError(`Policy: observation has ${obs.length} values, expected ${size}`);
    if (this.normBuf.length < size) this.normBuf = new Float32Array(size);
    this.normalizeInto(obs, n, this.normBuf);
    return this.normBuf;
  }
}

/** The actor: observation -> one logit per action. */
function actorSpec(spec: PolicySpec): MlpSpec {
  return { sizes: [spec.obsDim, ...spec.hidden, spec.numActions], activation: spec.activation };
}

/** A critic (value, or cost value): observation -> one number. */
function criticSpec(spec: PolicySpec): MlpSpec {
  return { sizes: [spec.obsDim, ...spec.hidden, 1], activation: spec.activation };
}

/** log of a prior over actions, normalised, with a floor so no action is impossible. */
export function priorLogits(prior: ArrayLike<number>, numActions: number): Float32Array {
  if (prior.length !== numActions) throw new RangeError(`prior has ${prior.length} entries, the action space ${numActions}`);
  let total = 0;
  for (let i = 0; i < numActions; i++) {
    const p = prior[i]!;
    if (!(p >= 0) || !Number.isFinite(p)) throw new RangeError(`prior[${i}] = ${p} is not a probability`);
    total += p;
  }
  if (!(total > 0)) throw new RangeError('prior sums to 0');
  const out = new Float32Array(numActions);
  for (let i = 0; i < numActions; i++) out[i] = Math.log(Math.max(prior[i]! / total, 1e-8));
  return out;
}

function checkParams(what: string, spec: MlpSpec, ps: Float32Array[]): void {
  const shapes = paramShapes(spec);
  if (ps.length !== shapes.length) throw new RangeError(`Policy: ${what} has ${ps.length} parameter arrays, expected ${shapes.length}`);
  shapes.forEach((s, i) => {
    const size = s.reduce((a, b) => a * b, 1);
    if (ps[i]!.length !== size) throw new RangeError(`Policy: ${what} parameter ${i} has ${ps[i]!.length} values, expected ${size}`);
  });
}
