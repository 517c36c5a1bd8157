/**
 * What train() does around the algorithm, as hooks on its loop: timing, per-update diagnostics,
 * and checkpoints (resume from one, save one every `checkpointEvery` updates and on a clean stop).
 * None of them draws a random number or changes what is learned, so a run with or without them
 * is the same run.
 *
 * train() calls every hook, in array order, at these points:
 *   beforeRollout(run)           before each rollout
 *   afterRollout(run)            after a complete rollout (not after one `signal` aborted)
 *   afterUpdate(run, u)          after the agent's update and the exploration methods' training
 *   onStop(run)                  when `stop` ends the run early, at an update boundary
 */
import type { EnvInfo } from './envinfo.js';
import type { ExplorationDiagnostics } from './exploration/index.js';
import {
  CHECKPOINT_FORMAT,
  ActionHistory,
  CheckpointError,
  identityMismatch,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointIdentity,
  type TrainCheckpoint,
} from './checkpoint.js';
import type { EpochResult } from './minibatch.js';
import { base64ToF32, f32ToBase64 } from './nn/serial.js';
import type { RolloutBuffer, RolloutContext } from './ppo.js';
import { TrainError, type Run } from './run.js';

/** What an update produced, as the hooks see it. */
export interface UpdateOutcome {
  readonly result: EpochResult;
  readonly learningRate: number;
  /** Seconds inside tfjs calls during the update, the exploration methods' training included. */
  readonly tfjsSeconds: number;
}

export interface TrainHook {
  beforeRollout?(run: Run): void;
  afterRollout?(run: Run): void;
  afterUpdate?(run: Run, u: UpdateOutcome): void;
  onStop?(run: Run): void;
}

// ---------------------------------------------------------------------------------------------
// Timing
// ---------------------------------------------------------------------------------------------

export interface Seconds {
  env: number;
  act: number;
  learn: number;
  learnTfjs: number;
}

/**
 * Wall-clock split of every update into env stepping, acting (JS forward, sampling, normalisation:
 * the rest of the rollout) and learning (advantages, minibatches, gradient steps), of which the
 * part inside tfjs calls; totals over the run and the peak resident memory. The rollout steps the
 * env through `vec`, a timed view of the run's vector env.
 */
export class Timing implements TrainHook {
  readonly total: Seconds = { env: 0, act: 0, learn: 0, learnTfjs: 0 };
  /** The last update's seconds, and its wall time. */
  last: Seconds & { wall: number } = { env: 0, act: 0, learn: 0, learnTfjs: 0, wall: 0 };
  peakRssBytes = process.memoryUsage().rss;
  readonly vec: RolloutContext['vec'];
  private envMs = 0;
  private tStart = 0;
  private tLearn = 0;

  constructor(run: Run) {
    const vec = run.vec;
    this.vec = {
      buffers: vec.buffers,
      step: (actions: Int32Array) => {
        const t = performance.now();
        const b = vec.step(actions);
        this.envMs += performance.now() - t;
        return b;
      },
    };
  }

  beforeRollout(): void {
    this.tStart = performance.now();
    this.envMs = 0;
  }

  afterRollout(): void {
    this.tLearn = performance.now();
  }

  afterUpdate(_run: Run, u: UpdateOutcome): void {
    const now = performance.now();
    const env = this.envMs / 1000;
    const act = (this.tLearn - this.tStart) / 1000 - env;
    const learn = (now - this.tLearn) / 1000;
    this.last = { env, act, learn, learnTfjs: u.tfjsSeconds, wall: (now - this.tStart) / 1000 };
    this.total.env += env;
    this.total.act += act;
    this.total.learn += learn;
    this.total.learnTfjs += u.tfjsSeconds;
    this.peakRssBytes = Math.max(this.peakRssBytes, process.memoryUsage().rss);
  }
}

// ---------------------------------------------------------------------------------------------
// Diagnostics
// ---------------------------------------------------------------------------------------------

export interface UpdateDiagnostics {
  /** 1-based. */
  update: number;
  numUpdates: number;
  envSteps: number;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFrac: number;
  /** 1 - Var(returns - values) / Var(returns) over the rollout's valid samples. */
  explainedVariance: number;
  /** Global gradient norm of the last minibatch, before clipping. */
  gradNorm: number;
  learningRate: number;
  epochs: number;
  /** Minibatch gradient steps taken in this update. */
  gradientSteps: number;
  /** Env steps per second of wall time over this update (rollout + learning). */
  stepsPerSec: number;
  /** Episodes that ended during this rollout, and their mean return and cost (null when none). */
  episodes: number;
  meanReturn: number | null;
  meanCost: number | null;
  /** PPO-Lagrangian only (else null): the multiplier used in this update, and the cost critic's loss. */
  lagrangeMultiplier: number | null;
  costValueLoss: number | null;
  /** KL(pi || prior) when a prior regulariser is on, else null. */
  priorKl: number | null;
  /** The exploration methods' figures (null when none is on); see agents/exploration/index.ts. */
  exploration: ExplorationDiagnostics | null;
  /** Exploration episodes (Go-Explore restarts) that ended in this rollout; not in `episodes`. */
  exploreEpisodes: number;
  /**
   * Seconds of this update spent stepping envs, acting (JS forward + sampling + normalisation), and
   * learning (advantages, minibatches, gradient steps), of which `learnTfjs` inside tfjs calls.
   */
  seconds: Seconds;
}

/** Builds each update's diagnostics (after `timing` has measured it) and hands them to `onUpdate`. */
export class Diagnostics implements TrainHook {
  last: UpdateDiagnostics | null = null;

  constructor(
    private readonly timing: Timing,
    private readonly numUpdates: () => number,
    private readonly onUpdate?: (d: UpdateDiagnostics, policy: Run['policy']) => void,
  ) {}

  afterUpdate(run: Run, u: UpdateOutcome): void {
    const { buf, episodes, h, explore } = run;
    const res = u.result;
    const t = this.timing.last;
    const multiplier = run.agent.multiplier;
    this.last = {
      update: run.update,
      numUpdates: this.numUpdates(),
      envSteps: episodes.envSteps,
      ...res.stats,
      explainedVariance: explainedVariance(buf),
      gradNorm: res.gradNorm,
      learningRate: u.learningRate,
      epochs: res.epochsRun,
      gradientSteps: res.minibatches,
      stepsPerSec: (buf.steps * buf.numEnvs) / t.wall,
      episodes: episodes.returns.length,
      meanReturn: episodes.returns.length ? mean(episodes.returns) : null,
      meanCost: episodes.costs.length ? mean(episodes.costs) : null,
      lagrangeMultiplier: multiplier ? multiplier.value : null,
      costValueLoss: buf.costValues ? res.stats.costValueLoss : null,
      priorKl: h.priorKl > 0 ? res.stats.priorKl : null,
      exploration: explore ? explore.diagnostics() : null,
      exploreEpisodes: episodes.exploreEpisodes,
      seconds: { env: t.env, act: t.act, learn: t.learn, learnTfjs: t.learnTfjs },
    };
    this.onUpdate?.(this.last, run.policy);
  }
}

export function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

function explainedVariance(buf: RolloutBuffer): number {
  let n = 0;
  let sr = 0;
  let sr2 = 0;
  let se = 0;
  let se2 = 0;
  for (let k = 0; k < buf.length; k++) {
    if (!buf.valid[k]) continue;
    const r = buf.returns[k]!;
    const e = r - buf.values[k]!;
    n++;
    sr += r;
    sr2 += r * r;
    se += e;
    se2 += e * e;
  }
  if (n < 2) return Number.NaN;
  const varR = sr2 / n - (sr / n) ** 2;
  const varE = se2 / n - (se / n) ** 2;
  return varR > 0 ? 1 - varE / varR : Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// Checkpoints: resume, periodic saves, the save on a clean stop
// ---------------------------------------------------------------------------------------------

export interface CheckpointInfo {
  readonly update: number;
  readonly envSteps: number;
  /** Episodes reported so far. */
  readonly episodes: number;
}

export interface CheckpointOptions {
  /** Directory for `latest.json`; without it nothing is saved. */
  readonly dir?: string | undefined;
  /** Updates between checkpoints (default 10). */
  readonly every?: number | undefined;
  /** Called just before a save; what it returns is stored and handed back to `onResume`. */
  readonly onCheckpoint?: ((c: CheckpointInfo) => unknown) | undefined;
  readonly onResume?: ((c: CheckpointInfo & { extra: unknown }) => void) | undefined;
}

/**
 * Reads the checkpoint a resumed run continues from (null: start fresh), after checking that it
 * belongs to this run.
 */
export function loadCheckpoint(dir: string | undefined, identity: CheckpointIdentity): TrainCheckpoint | null {
  if (!dir) throw new TrainError('resume needs a checkpoint directory');
  const ckpt = readCheckpoint(dir);
  if (ckpt) {
    const why = identityMismatch(ckpt.identity, identity);
    if (why) throw new CheckpointError(`cannot resume: ${why}`);
  }
  return ckpt;
}

export class Checkpoints implements TrainHook {
  resumedFrom: CheckpointInfo | null = null;
  /** Whether the last update's save was a scheduled one (a stop then needs no second save). */
  private savedThisUpdate = false;

  constructor(
    private readonly opts: CheckpointOptions,
    private readonly identity: CheckpointIdentity,
    private readonly numUpdates: () => number,
  ) {}

  /**
   * Puts a fresh `run` where the checkpoint left off: parameters (already in the policy), Adam,
   * the random streams, the agent's and the exploration methods' state, the episodes in progress;
   * then replays the recorded actions through a freshly seeded vector env, which brings every env
   * back to where it was (checkpoint.ts explains why this is exact). Go-Explore's archive and
   * restarts are rebuilt by the same replay: the same exploration hooks, in the same order.
   */
  restore(run: Run, ckpt: TrainCheckpoint, env: EnvInfo): void {
    run.step.setState(ckpt.adam);
    run.actionRng.setState(ckpt.rngs.actions);
    run.shuffleRng.setState(ckpt.rngs.minibatches);
    const multiplier = run.agent.multiplier;
    if (multiplier && ckpt.lagrange) {
      multiplier.value = ckpt.lagrange.value;
      multiplier.integral = ckpt.lagrange.integral;
    }
    run.episodes.setPartial(ckpt.partial);
    run.curObs.set(base64ToF32(ckpt.currentObs));
    run.history = ActionHistory.deserialize(env.numActions, ckpt.actionHistory);
    run.explore?.setState(ckpt.exploration);
    run.update = ckpt.update;
    run.episodes.envSteps = ckpt.envSteps;
    run.episodes.count = ckpt.episodes;
    this.resumedFrom = { update: ckpt.update, envSteps: ckpt.envSteps, episodes: ckpt.episodes };
    this.opts.onResume?.({ ...this.resumedFrom, extra: ckpt.extra });
    // (Not `explore?.hook(vec.step(...))`: optional chaining would skip the step itself.)
    const n = run.h.numEnvs;
    const b0 = run.vec.reset({ seed: run.config.seed });
    run.explore?.onReset(b0);
    const acts = new Int32Array(n);
    for (let s = 0; s < run.history.length / n; s++) {
      const b = run.vec.step(run.history.read(s, acts));
      run.explore?.afterStep(b);
    }
  }

  afterUpdate(run: Run): void {
    const every = this.opts.every ?? 10;
    this.savedThisUpdate = run.update % every === 0 || run.update === this.numUpdates();
    if (this.savedThisUpdate) this.save(run);
  }

  onStop(run: Run): void {
    if (!this.savedThisUpdate) this.save(run);
  }

  private save(run: Run): void {
    const dir = this.opts.dir;
    if (!dir) return;
    const info: CheckpointInfo = { update: run.update, envSteps: run.episodes.envSteps, episodes: run.episodes.count };
    const extra = this.opts.onCheckpoint?.(info);
    const multiplier = run.agent.multiplier;
    writeCheckpoint(dir, {
      format: CHECKPOINT_FORMAT,
      identity: this.identity,
      ...info,
      policy: run.policy.toJSON(),
      adam: run.step.getState(),
      rngs: { actions: run.actionRng.getState(), minibatches: run.shuffleRng.getState() },
      lagrange: multiplier ? { value: multiplier.value, integral: multiplier.integral } : null,
      partial: run.episodes.getPartial(),
      currentObs: f32ToBase64(run.curObs),
      actionHistory: run.history.serialize(),
      extra: extra ?? null,
      exploration: run.explore ? run.explore.getState() : null,
    });
  }
}
