/**
 * `train()`: one training run of PPO, REINFORCE or PPO-Lagrangian on any registered env with a
 * Discrete action space.
 *
 * The loop, per update:
 *   1. rollout: numSteps vector steps of numEnvs envs. Acting is plain JS (policy.ts): normalise the
 *      observations when enabled (updating the running statistics), forward the actor and critics,
 *      draw actions from the masked softmax with the seeded action RNG. Finished episodes are
 *      reported in order.
 *   2. learning-rate annealing, then the agent's update (ppo.ts / reinforce.ts / ppo_lagrangian.ts):
 *      gradients in tfjs, Adam steps in JS (adam.ts).
 *   3. diagnostics, and a checkpoint every `checkpointEvery` updates.
 *
 * Randomness: policy initialisation, action sampling and minibatch shuffles each have their own
 * generator derived from the seed (`Rng.derive(seed, label)`), and env i is seeded seed + i; the
 * exploration methods (agents/exploration/) derive theirs the same way ('rnd-target', 'rnd-init',
 * 'rnd-minibatches', 'simhash-projection', 'go-explore'). Nothing else draws random numbers, so the
 * same seed on the same backend gives the same run, bit for bit.
 *
 * Exploration (RND, SimHash counts, Go-Explore restarts; all off by default): hooks around the
 * rollout and the update, see agents/exploration/index.ts. Episode records and `meanReturn` are the
 * env's own reward of episodes from the normal start; Go-Explore's exploration episodes are trained
 * on but not reported.
 *
 * Budget: `steps` counts every env step the vector env takes, including the autoreset steps of
 * next-step autoreset (which are not transitions and are not learned from), so the figure is an
 * upper bound on the transitions used. The last rollout is shortened so the total is `steps`
 * rounded up to a multiple of numEnvs.
 */
import { Rng } from '../env/rng.js';
import { SyncVectorEnv } from '../env/vector.js';
import { selectBackend, currentBackend, type BackendInfo, type BackendRequest } from './backend.js';
import {
  ActionHistory,
  CHECKPOINT_FORMAT,
  CheckpointError,
  identityMismatch,
  readCheckpoint,
  writeCheckpoint,
  type CheckpointIdentity,
  type TrainCheckpoint,
} from './checkpoint.js';
import { describeEnv, makeEnv, type EnvInfo } from './envinfo.js';
import { resolveHyperparameters, type AgentName, type Hyperparameters } from './hyperparameters.js';
import { EpisodeTracker } from './episodes.js';
import { Policy, base64ToF32, f32ToBase64 } from './policy.js';
import { AutodiffStep, collectRollout, Learner, observe, ppoUpdate, RolloutBuffer, type EpochResult, type MinibatchStep } from './ppo.js';
import { LagrangeMultiplier, ppoLagrangianUpdate } from './ppo_lagrangian.js';
import { reinforceUpdate } from './reinforce.js';
import { FastStep } from './update.js';
import { Exploration, type ExplorationDiagnostics } from './exploration/index.js';

export type { AgentName, Hyperparameters } from './hyperparameters.js';
export type { EpisodeRecord } from './episodes.js';

export interface TrainOptions {
  /** Registered env id, e.g. 'classic/CartPole-v1' or 'rome/Sandbox-v0'. */
  envId: string;
  /** Passed to `make`, e.g. { scenario: 'mining', shaping: 'outcome' }. */
  envKwargs?: Record<string, unknown>;
  agent: AgentName;
  /** Total env steps (see the budget note above). */
  steps: number;
  seed: number;
  /** Vector env width; overrides hyper.numEnvs. */
  numEnvs?: number;
  /** Overrides of the agent's defaults (hyperparameters.ts documents every field). */
  hyper?: Partial<Hyperparameters>;
  /** Initialise the actor's action preferences from the env's `actionPrior()`. */
  prior?: boolean;
  /** KL(pi || prior) coefficient; overrides hyper.priorKl. Needs `prior`. */
  priorKl?: number;
  /**
   * Which minibatch step trains (agents/ppo.ts): 'fast' (default: hand-written gradients, JS Adam)
   * or 'autodiff' (ppo.ts's loss through tfjs autodiff, Adam in tfjs ops: the readable one, slower).
   */
  learner?: 'fast' | 'autodiff';
  /** tfjs backend; default: keep the one already selected, else 'auto'. */
  backend?: BackendRequest;
  /** Every finished training episode, in order. */
  onEpisode?: (ep: EpisodeRecord) => void;
  /**
   * After every update, with the live policy (its parameters change at the next update: evaluate
   * it now, or keep `policy.toJSON()`).
   */
  onUpdate?: (d: UpdateDiagnostics, policy: Policy) => void;
  /** Directory for `latest.json`; with it, a checkpoint every `checkpointEvery` updates and at the end. */
  checkpointDir?: string;
  /** Updates between checkpoints (default 10). */
  checkpointEvery?: number;
  /** Continue from the checkpoint in `checkpointDir` if there is one (else start fresh). */
  resume?: boolean;
  /**
   * Called just before a checkpoint is written; what it returns is stored in the checkpoint and
   * handed back to `onResume` (callers keep e.g. the byte length of their output files there).
   */
  onCheckpoint?: (c: CheckpointInfo) => unknown;
  /** Called once when a run resumes, before any further episode is reported. */
  onResume?: (c: CheckpointInfo & { extra: unknown }) => void;
  /** Stops the run at the next env step; no checkpoint is written (like a kill). */
  signal?: AbortSignal;
  /**
   * Stops the run cleanly at the end of the current update, after writing a checkpoint there (when
   * `checkpointDir` is set), so `resume` continues exactly where it stopped. The CLI's Ctrl-C.
   */
  stop?: AbortSignal;
}

export interface CheckpointInfo {
  readonly update: number;
  readonly envSteps: number;
  /** Episodes reported so far. */
  readonly episodes: number;
}

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
  seconds: { env: number; act: number; learn: number; learnTfjs: number };
}

export interface TrainResult {
  policy: Policy;
  backend: BackendInfo;
  hyper: Hyperparameters;
  env: EnvInfo;
  updates: number;
  envSteps: number;
  episodes: number;
  /** 'stopped': by `stop`, at an update boundary with a checkpoint; 'aborted': by `signal`, mid-rollout. */
  stopped: 'completed' | 'aborted' | 'stopped';
  resumedFrom: CheckpointInfo | null;
  lagrangeMultiplier: number | null;
  lastDiagnostics: UpdateDiagnostics | null;
  /** Totals over this process's part of the run. */
  seconds: { wall: number; env: number; act: number; learn: number; learnTfjs: number };
  peakRssBytes: number;
}

export class TrainError extends Error {
  override name = 'TrainError';
}

/** Label → generator: the run's independent random streams. */
export const RNG_LABELS = { init: 'policy-init', actions: 'actions', minibatches: 'minibatches' } as const;

export interface PolicyOptions {
  envId: string;
  envKwargs?: Record<string, unknown>;
  agent: AgentName;
  seed: number;
  hyper?: Partial<Hyperparameters>;
  prior?: boolean;
}

/**
 * The policy `train()` starts from for the same options: a pure function of the seed (and the env's
 * sizes and prior), independent of the tfjs backend. Use it to measure the initial policy.
 */
export function createPolicy(opts: PolicyOptions): Policy {
  const { env, hyper } = resolveRun(opts.envId, opts.envKwargs ?? {}, opts.agent, opts.hyper);
  return initialPolicy(env, hyper, opts.agent, opts.seed, opts.prior ?? false, opts.envId);
}

/**
 * What a run on this env needs before it starts: the env's sizes and extras, read from a throwaway
 * instance, and the hyperparameters resolved with what the env declares (`envDeclared`).
 */
export function resolveRun(
  envId: string,
  envKwargs: Record<string, unknown>,
  agent: AgentName,
  overrides: Partial<Hyperparameters> = {},
): { env: EnvInfo; hyper: Hyperparameters } {
  const probe = makeEnv(envId, envKwargs);
  let env: EnvInfo;
  try {
    env = describeEnv(probe);
  } finally {
    probe.close();
  }
  return { env, hyper: resolveHyperparameters(agent, envId, overrides, envDeclared(env)) };
}

/** Hyperparameters an env declares itself: its intended discount and its cost limit. */
export function envDeclared(info: EnvInfo): Partial<Hyperparameters> {
  const out: Partial<Hyperparameters> = {};
  if (info.discount !== null) out.gamma = info.discount;
  if (info.costLimit !== null) out.costLimit = info.costLimit;
  return out;
}

function initialPolicy(info: EnvInfo, h: Hyperparameters, agent: AgentName, seed: number, prior: boolean, envId: string): Policy {
  if (prior && !info.actionPrior) throw new TrainError(`--prior: env ${envId} offers no actionPrior()`);
  return Policy.init(
    {
      obsDim: info.obsDim,
      numActions: info.numActions,
      hidden: h.hidden,
      activation: h.activation,
      costCritic: agent === 'ppo-lagrangian',
      normObs: h.normObs,
      obsClip: h.obsClip,
    },
    Rng.derive(seed, RNG_LABELS.init),
    prior ? info.actionPrior : null,
  );
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  if (!Number.isInteger(opts.steps) || opts.steps <= 0) throw new TrainError(`steps must be a positive integer, got ${opts.steps}`);
  if (!Number.isInteger(opts.seed)) throw new TrainError(`seed must be an integer, got ${opts.seed}`);
  const envKwargs = opts.envKwargs ?? {};
  const overrides: Partial<Hyperparameters> = { ...opts.hyper };
  if (opts.numEnvs !== undefined) overrides.numEnvs = opts.numEnvs;
  if (opts.priorKl !== undefined) overrides.priorKl = opts.priorKl;
  const { env: envInfo, hyper: h } = resolveRun(opts.envId, envKwargs, opts.agent, overrides);
  if (h.priorKl > 0 && !opts.prior) throw new TrainError('priorKl > 0 needs the prior (--prior)');
  const backend = await selectBackend(opts.backend ?? currentBackend()?.requested ?? 'auto');

  const N = h.numEnvs;
  const d = envInfo.obsDim;
  const A = envInfo.numActions;
  const identity: CheckpointIdentity = {
    envId: opts.envId,
    envKwargs,
    agent: opts.agent,
    seed: opts.seed,
    hyper: h,
    prior: opts.prior ?? false,
    backend: backend.name,
  };

  let ckpt: TrainCheckpoint | null = null;
  if (opts.resume) {
    if (!opts.checkpointDir) throw new TrainError('resume needs a checkpoint directory');
    ckpt = readCheckpoint(opts.checkpointDir);
    if (ckpt) {
      const why = identityMismatch(ckpt.identity, identity);
      if (why) throw new CheckpointError(`cannot resume: ${why}`);
    }
  }

  const policy = ckpt ? Policy.fromJSON(ckpt.policy) : initialPolicy(envInfo, h, opts.agent, opts.seed, opts.prior ?? false, opts.envId);
  const adamConfig = { beta1: 0.9, beta2: 0.999, epsilon: h.adamEps, maxGradNorm: h.maxGradNorm };
  const step: MinibatchStep = opts.learner === 'autodiff' ? new AutodiffStep(policy, adamConfig) : new FastStep(policy, adamConfig);
  const actionRng = Rng.derive(opts.seed, RNG_LABELS.actions);
  const shuffleRng = Rng.derive(opts.seed, RNG_LABELS.minibatches);
  const learner = new Learner(policy, step, shuffleRng);
  const withCost = opts.agent === 'ppo-lagrangian';
  const multiplier = withCost ? new LagrangeMultiplier(h.lagrangeInit, h.lagrangeLr, h.costLimit, h.lagrangeKp) : null;

  const vec = new SyncVectorEnv(Array.from({ length: N }, () => () => makeEnv(opts.envId, envKwargs)));
  let explore: Exploration | null;
  try {
    explore = Exploration.create(h, vec, opts.seed);
  } catch (e) {
    vec.close();
    throw new TrainError((e as Error).message);
  }
  const buf = new RolloutBuffer(h.numSteps, N, d, A, withCost);
  const curObs = new Float32Array(N * d);
  const episodes = new EpisodeTracker(N, opts.onEpisode);
  let history = new ActionHistory(A);
  let update = 0;
  let resumedFrom: CheckpointInfo | null = null;

  if (ckpt) {
    step.setState(ckpt.adam);
    actionRng.setState(ckpt.rngs.actions);
    shuffleRng.setState(ckpt.rngs.minibatches);
    if (multiplier && ckpt.lagrange) {
      multiplier.value = ckpt.lagrange.value;
      multiplier.integral = ckpt.lagrange.integral;
    }
    episodes.setPartial(ckpt.partial);
    curObs.set(base64ToF32(ckpt.currentObs));
    history = ActionHistory.deserialize(A, ckpt.actionHistory);
    explore?.setState(ckpt.exploration);
    update = ckpt.update;
    episodes.envSteps = ckpt.envSteps;
    episodes.count = ckpt.episodes;
    resumedFrom = { update, envSteps: episodes.envSteps, episodes: episodes.count };
    opts.onResume?.({ ...resumedFrom, extra: ckpt.extra });
    // Replay: bring every env back to where it was (see checkpoint.ts).
    // Go-Explore's archive and restarts are replayed too: the same hooks, in the same order.
    // (Not `explore?.hook(vec.step(...))`: optional chaining would skip the step itself.)
    const b0 = vec.reset({ seed: opts.seed });
    explore?.onReset(b0);
    const acts = new Int32Array(N);
    for (let s = 0; s < history.length / N; s++) {
      const b = vec.step(history.read(s, acts));
      explore?.afterStep(b);
    }
    ckpt = null;
  } else {
    const b = vec.reset({ seed: opts.seed });
    explore?.onReset(b);
    observe(policy, b.obs, N, curObs);
  }

  const perUpdate = N * h.numSteps;
  const numUpdates = Math.max(update, Math.ceil(opts.steps / perUpdate));
  let lastDiag: UpdateDiagnostics | null = null;
  let stopped: TrainResult['stopped'] = 'completed';
  const total = { env: 0, act: 0, learn: 0, learnTfjs: 0 };
  let peakRss = process.memoryUsage().rss;
  // Env milliseconds of the current rollout: the rollout steps this timed view of the vector env.
  let envMs = 0;
  const timedVec = {
    buffers: vec.buffers,
    step(actions: Int32Array) {
      const t = performance.now();
      const b = vec.step(actions);
      envMs += performance.now() - t;
      return b;
    },
  };

  const saveCheckpoint = () => {
    if (!opts.checkpointDir) return;
    const info: CheckpointInfo = { update, envSteps: episodes.envSteps, episodes: episodes.count };
    const extra = opts.onCheckpoint?.(info);
    writeCheckpoint(opts.checkpointDir, {
      format: CHECKPOINT_FORMAT,
      identity,
      ...info,
      policy: policy.toJSON(),
      adam: step.getState(),
      rngs: { actions: actionRng.getState(), minibatches: shuffleRng.getState() },
      lagrange: multiplier ? { value: multiplier.value, integral: multiplier.integral } : null,
      partial: episodes.getPartial(),
      currentObs: f32ToBase64(curObs),
      actionHistory: history.serialize(),
      extra: extra ?? null,
      exploration: explore ? explore.getState() : null,
    });
  };

  try {
    while (update < numUpdates) {
      const tStart = performance.now();
      const remaining = opts.steps - episodes.envSteps;
      buf.steps = Math.max(1, Math.min(h.numSteps, Math.ceil(remaining / N)));
      envMs = 0;
      const done = collectRollout({ vec: timedVec, policy, buf, rng: actionRng, curObs, episodes, explore, history: opts.checkpointDir ? history : null, signal: opts.signal });
      if (!done) {
        stopped = 'aborted';
        break;
      }
      const envSec = envMs;
      const actSec = performance.now() - tStart - envMs;
      const epReturns = episodes.returns;
      const epCosts = episodes.costs;
      const exploreEpisodes = episodes.exploreEpisodes;

      update += 1;
      const lr = h.annealLr ? h.learningRate * (1 - (update - 1) / numUpdates) : h.learningRate;
      const tl = performance.now();
      const meanCost = epCosts.length ? mean(epCosts) : null;
      explore?.beforeUpdate(buf, curObs, update, numUpdates);
      let res: EpochResult;
      if (opts.agent === 'ppo') res = ppoUpdate(learner, buf, h, lr);
      else if (opts.agent === 'reinforce') res = reinforceUpdate(learner, buf, h, lr);
      else res = ppoLagrangianUpdate(learner, buf, h, lr, multiplier!, meanCost);
      policy.paramsChanged();
      const exploreTfjs = explore ? explore.afterUpdate(buf) : 0;
      const learnSec = (performance.now() - tl) / 1000;
      const wall = (performance.now() - tStart) / 1000;
      total.env += envSec / 1000;
      total.act += actSec / 1000;
      total.learn += learnSec;
      total.learnTfjs += res.tfjsSeconds + exploreTfjs;
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      lastDiag = {
        update,
        numUpdates,
        envSteps: episodes.envSteps,
        ...res.stats,
        explainedVariance: explainedVariance(buf),
        gradNorm: res.gradNorm,
        learningRate: lr,
        epochs: res.epochsRun,
        gradientSteps: res.minibatches,
        stepsPerSec: (buf.steps * N) / wall,
        episodes: epReturns.length,
        meanReturn: epReturns.length ? mean(epReturns) : null,
        meanCost,
        lagrangeMultiplier: multiplier ? multiplier.value : null,
        costValueLoss: withCost ? res.stats.costValueLoss : null,
        priorKl: h.priorKl > 0 ? res.stats.priorKl : null,
        exploration: explore ? explore.diagnostics() : null,
        exploreEpisodes,
        seconds: { env: envSec / 1000, act: actSec / 1000, learn: learnSec, learnTfjs: res.tfjsSeconds + exploreTfjs },
      };
      opts.onUpdate?.(lastDiag, policy);
      const every = opts.checkpointEvery ?? 10;
      const scheduled = update % every === 0 || update === numUpdates;
      if (opts.checkpointDir && scheduled) saveCheckpoint();
      // The loop is synchronous: without this turn of the event loop a signal handler (Ctrl-C)
      // would never run until training ended. Once per update, so it costs nothing measurable.
      await new Promise<void>((r) => setImmediate(r));
      if (opts.stop?.aborted && update < numUpdates) {
        if (opts.checkpointDir && !scheduled) saveCheckpoint();
        stopped = 'stopped';
        break;
      }
    }
  } finally {
    vec.close();
    step.dispose();
    policy.dispose();
    explore?.dispose();
  }

  return {
    policy,
    backend,
    hyper: h,
    env: envInfo,
    updates: update,
    envSteps: episodes.envSteps,
    episodes: episodes.count,
    stopped,
    resumedFrom,
    lagrangeMultiplier: multiplier ? multiplier.value : null,
    lastDiagnostics: lastDiag,
    seconds: { wall: (performance.now() - t0) / 1000, ...total },
    peakRssBytes: peakRss,
  };
}

function mean(xs: readonly number[]): number {
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

