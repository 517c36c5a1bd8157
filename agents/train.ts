/**
 * `train()`: one training run of an agent from the agent table (agents/agents.ts: PPO, REINFORCE,
 * PPO-Lagrangian) on any registered env with a Discrete action space, optionally with exploration
 * methods (agents/exploration/).
 *
 * The loop, per update (the algorithm itself reads top to bottom in agents/ppo.ts):
 *   1. rollout (ppo.ts `collectRollout`): numSteps vector steps of numEnvs envs, acting in plain JS;
 *      finished episodes are reported in order (agents/episodes.ts);
 *   2. learning-rate annealing, then the agent's update (advantages, gradient epochs) and the
 *      exploration methods' own training;
 *   3. the hooks (agents/hooks.ts): timing, diagnostics (`onUpdate`), checkpoints.
 * The run's state (policy, learner, random streams, envs, storage) is a `Run` (agents/run.ts);
 * resuming restores it from a checkpoint (hooks.ts `Checkpoints.restore`).
 *
 * Determinism: every random draw comes from a stream derived from the seed (run.ts), so the same
 * seed on the same backend gives the same run, bit for bit, with or without checkpoints.
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
import { AGENT_TABLE } from './agents.js';
import { selectBackend, currentBackend, type BackendInfo, type BackendRequest } from './backend.js';
import type { CheckpointIdentity, TrainCheckpoint } from './checkpoint.js';
import { describeEnv, makeEnv, type EnvInfo } from './envinfo.js';
import { Checkpoints, Diagnostics, loadCheckpoint, mean, Timing, type CheckpointInfo, type TrainHook, type UpdateDiagnostics, type UpdateOutcome } from './hooks.js';
import { resolveHyperparameters, type AgentName, type Hyperparameters } from './hyperparameters.js';
import { Policy } from './policy.js';
import { collectRollout } from './ppo.js';
import { RNG_LABELS, Run, TrainError } from './run.js';
import type { EpisodeRecord } from './episodes.js';

export type { AgentName, Hyperparameters } from './hyperparameters.js';
export type { EpisodeRecord } from './episodes.js';
export type { CheckpointInfo, UpdateDiagnostics } from './hooks.js';
export { RNG_LABELS, TrainError } from './run.js';

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
      costCritic: AGENT_TABLE[agent].costCritic,
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
  const identity: CheckpointIdentity = { envId: opts.envId, envKwargs, agent: opts.agent, seed: opts.seed, hyper: h, prior: opts.prior ?? false, backend: backend.name };
  const ckpt: TrainCheckpoint | null = opts.resume ? loadCheckpoint(opts.checkpointDir, identity) : null;

  const policy = ckpt ? Policy.fromJSON(ckpt.policy) : initialPolicy(envInfo, h, opts.agent, opts.seed, opts.prior ?? false, opts.envId);
  const run = new Run(
    { envId: opts.envId, envKwargs, agent: opts.agent, seed: opts.seed, hyper: h, env: envInfo, learner: opts.learner ?? 'fast', onEpisode: opts.onEpisode },
    policy,
  );
  const N = h.numEnvs;
  let numUpdates = Math.ceil(opts.steps / (N * h.numSteps));
  const timing = new Timing(run);
  const diagnostics = new Diagnostics(timing, () => numUpdates, opts.onUpdate);
  const checkpoints = new Checkpoints(
    { dir: opts.checkpointDir, every: opts.checkpointEvery, onCheckpoint: opts.onCheckpoint, onResume: opts.onResume },
    identity,
    () => numUpdates,
  );
  // In this order: diagnostics read the timing; a checkpoint follows the caller's onUpdate.
  const hooks: TrainHook[] = [timing, diagnostics, checkpoints];
  let stopped: TrainResult['stopped'] = 'completed';

  try {
    if (ckpt) checkpoints.restore(run, ckpt, envInfo);
    else run.reset();
    numUpdates = Math.max(run.update, numUpdates);
    const { buf, episodes, explore } = run;
    // The action record a checkpoint replays is kept only when checkpoints are written.
    const keepHistory = Boolean(opts.checkpointDir);
    while (run.update < numUpdates) {
      for (const k of hooks) k.beforeRollout?.(run);
      buf.steps = Math.max(1, Math.min(h.numSteps, Math.ceil((opts.steps - episodes.envSteps) / N)));
      episodes.beginRollout();
      const complete = collectRollout({
        vec: timing.vec,
        policy,
        buf,
        rng: run.actionRng,
        curObs: run.curObs,
        onStep: (actions, b) => run.recordStep(actions, b, keepHistory),
        signal: opts.signal,
      });
      if (!complete) {
        stopped = 'aborted';
        break;
      }
      for (const k of hooks) k.afterRollout?.(run);

      run.update += 1;
      const lr = h.annealLr ? h.learningRate * (1 - (run.update - 1) / numUpdates) : h.learningRate;
      explore?.beforeUpdate(buf, run.curObs, run.update, numUpdates);
      const result = run.agent.update(run.learner, buf, h, lr, episodes.costs.length ? mean(episodes.costs) : null);
      policy.paramsChanged();
      const exploreTfjs = explore ? explore.afterUpdate(buf) : 0;
      const outcome: UpdateOutcome = { result, learningRate: lr, tfjsSeconds: result.tfjsSeconds + exploreTfjs };
      for (const k of hooks) k.afterUpdate?.(run, outcome);

      // The loop is synchronous: without this turn of the event loop a signal handler (Ctrl-C)
      // would never run until training ended. Once per update, so it costs nothing measurable.
      await new Promise<void>((r) => setImmediate(r));
      if (opts.stop?.aborted && run.update < numUpdates) {
        for (const k of hooks) k.onStop?.(run);
        stopped = 'stopped';
        break;
      }
    }
  } finally {
    run.dispose();
  }

  return {
    policy,
    backend,
    hyper: h,
    env: envInfo,
    updates: run.update,
    envSteps: run.episodes.envSteps,
    episodes: run.episodes.count,
    stopped,
    resumedFrom: checkpoints.resumedFrom,
    lagrangeMultiplier: run.agent.multiplier ? run.agent.multiplier.value : null,
    lastDiagnostics: diagnostics.last,
    seconds: { wall: (performance.now() - t0) / 1000, ...timing.total },
    peakRssBytes: timing.peakRssBytes,
  };
}
