/**
 * The agent table: how train() runs each agent. An agent is PPO's loop (agents/ppo.ts) with its own
 * update and, where it has one, its own per-run state; adding an agent is one entry here, one name
 * in `AGENTS` (hyperparameters.ts) and its defaults in the hyperparameter table.
 *
 * The exploration methods (agents/exploration/) are not agents: they are hyperparameters that any
 * agent here can combine with (their own table is `EXPLORATION_METHODS` in exploration/index.ts).
 */
import type { AgentName, Hyperparameters } from './hyperparameters.js';
import type { EpochResult } from './minibatch.js';
import { ppoUpdate, type Learner, type RolloutBuffer } from './ppo.js';
import { LagrangeMultiplier, ppoLagrangianUpdate } from './ppo_lagrangian.js';
import { reinforceUpdate } from './reinforce.js';

/** One agent's part of a run. */
export interface AgentRun {
  /**
   * The update on a filled rollout (advantages, then the gradient epochs). `meanEpisodeCost`: mean
   * cost of the episodes that ended in this rollout (null when none did).
   */
  update(learner: Learner, buf: RolloutBuffer, h: Hyperparameters, learningRate: number, meanEpisodeCost: number | null): EpochResult;
  /** PPO-Lagrangian's multiplier (saved in checkpoints, reported per update); null for the others. */
  readonly multiplier: LagrangeMultiplier | null;
}

export interface AgentSpec {
  /** The policy has a second critic for the cost signal, and rollouts store its values. */
  readonly costCritic: boolean;
  /** A short description (for help texts). */
  readonly about: string;
  create(h: Hyperparameters): AgentRun;
}

export const AGENT_TABLE: Readonly<Record<AgentName, AgentSpec>> = {
  ppo: {
    costCritic: false,
    about: 'PPO, clipped surrogate (agents/ppo.ts)',
    create: () => ({ multiplier: null, update: (learner, buf, h, lr) => ppoUpdate(learner, buf, h, lr) }),
  },
  reinforce: {
    costCritic: false,
    about: 'REINFORCE with a learned baseline (agents/reinforce.ts)',
    create: () => ({ multiplier: null, update: (learner, buf, h, lr) => reinforceUpdate(learner, buf, h, lr) }),
  },
  'ppo-lagrangian': {
    costCritic: true,
    about: 'PPO-Lagrangian: PPO subject to E[episode cost] <= costLimit (agents/ppo_lagrangian.ts)',
    create: (h) => {
      const multiplier = new LagrangeMultiplier(h.lagrangeInit, h.lagrangeLr, h.costLimit, h.lagrangeKp);
      return { multiplier, update: (learner, buf, hp, lr, cost) => ppoLagrangianUpdate(learner, buf, hp, lr, multiplier, cost) };
    },
  },
};
