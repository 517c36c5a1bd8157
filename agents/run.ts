/**
 * The live state of one training run, which train()'s loop, its hooks (agents/hooks.ts) and a
 * checkpoint share: the policy and its learner, the agent's own state, the random streams, the
 * vector env with the exploration methods, the rollout storage and the episode bookkeeping.
 *
 * Randomness: policy initialisation, action sampling and minibatch shuffles each have their own
 * generator derived from the seed (`Rng.derive(seed, label)`), and env i is seeded seed + i; the
 * exploration methods derive theirs the same way. Nothing else draws random numbers.
 */
import { Rng } from '../env/rng.js';
import { SyncVectorEnv, type VectorBuffers } from '../env/vector.js';
import { AGENT_TABLE, type AgentRun } from './agents.js';
import { ActionHistory } from './checkpoint.js';
import { makeEnv, type EnvInfo } from './envinfo.js';
import { EpisodeTracker, type EpisodeRecord } from './episodes.js';
import { Exploration } from './exploration/index.js';
import type { AgentName, Hyperparameters } from './hyperparameters.js';
import type { MinibatchStep } from './minibatch.js';
import type { AdamConfig } from './nn/adam.js';
import type { Policy } from './policy.js';
import { AutodiffStep, Learner, RolloutBuffer } from './ppo.js';
import { FastStep } from './update.js';

/** Label → generator: the run's independent random streams. */
export const RNG_LABELS = { init: 'policy-init', actions: 'actions', minibatches: 'minibatches' } as const;

/** A run that cannot start or continue as asked (one line, for the CLI's exit 2). */
export class TrainError extends Error {
  override name = 'TrainError';
}

export interface RunConfig {
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly agent: AgentName;
  readonly seed: number;
  readonly hyper: Hyperparameters;
  readonly env: EnvInfo;
  readonly learner: 'fast' | 'autodiff';
  readonly onEpisode?: ((ep: EpisodeRecord) => void) | undefined;
}

export class Run {
  readonly h: Hyperparameters;
  readonly step: MinibatchStep;
  readonly learner: Learner;
  readonly agent: AgentRun;
  readonly actionRng: Rng;
  readonly shuffleRng: Rng;
  readonly vec: SyncVectorEnv;
  readonly explore: Exploration | null;
  readonly buf: RolloutBuffer;
  /** Normalised observations the next step acts on. */
  readonly curObs: Float32Array;
  readonly episodes: EpisodeTracker;
  /** Every action batch sent to the envs (a checkpoint's replay record; filled only when checkpointing). */
  history: ActionHistory;
  /** Updates done (1-based count). */
  update = 0;

  constructor(
    readonly config: RunConfig,
    readonly policy: Policy,
  ) {
    const h = config.hyper;
    this.h = h;
    const n = h.numEnvs;
    const adam: AdamConfig = { beta1: 0.9, beta2: 0.999, epsilon: h.adamEps, maxGradNorm: h.maxGradNorm };
    this.step = config.learner === 'autodiff' ? new AutodiffStep(policy, adam) : new FastStep(policy, adam);
    this.actionRng = Rng.derive(config.seed, RNG_LABELS.actions);
    this.shuffleRng = Rng.derive(config.seed, RNG_LABELS.minibatches);
    this.learner = new Learner(policy, this.step, this.shuffleRng);
    const spec = AGENT_TABLE[config.agent];
    this.agent = spec.create(h);
    this.vec = new SyncVectorEnv(Array.from({ length: n }, () => () => makeEnv(config.envId, config.envKwargs)));
    try {
      this.explore = Exploration.create(h, this.vec, config.seed);
    } catch (e) {
      this.vec.close();
      this.step.dispose();
      policy.dispose();
      throw new TrainError((e as Error).message);
    }
    this.buf = new RolloutBuffer(h.numSteps, n, config.env.obsDim, config.env.numActions, spec.costCritic);
    this.curObs = new Float32Array(n * config.env.obsDim);
    this.episodes = new EpisodeTracker(n, config.onEpisode);
    this.history = new ActionHistory(config.env.numActions);
  }

  /**
   * What the run records of each vector step of a rollout (collectRollout's `onStep`): the episode
   * sums and reports (Go-Explore's exploration episodes are not reported), the exploration methods'
   * step hook, and, when `keepHistory`, the actions for a checkpoint's replay.
   */
  recordStep(actions: Int32Array, b: VectorBuffers, keepHistory: boolean): void {
    if (keepHistory) this.history.push(actions);
    const explore = this.explore;
    this.episodes.afterStep(b, explore ? (i) => explore.isExploring(i) : null);
    explore?.afterStep(b);
  }

  /** A fresh start: env i seeded seed + i. */
  reset(): void {
    const b = this.vec.reset({ seed: this.config.seed });
    this.explore?.onReset(b);
    this.policy.observe(b.obs, this.h.numEnvs, this.curObs);
  }

  dispose(): void {
    this.vec.close();
    this.step.dispose();
    this.policy.dispose();
    this.explore?.dispose();
  }
}
