/**
 * What a sweep's jobs train. The jobs themselves (one per shaping × seed × arm, in the canonical
 * order run directories store them in) are part of the run-directory contract: rundir/jobs.ts.
 */
import type { AgentName } from '../agents/hyperparameters.js';
import type { Scenario } from '../env/sandbox/scenario.js';

/** The agent a shaping's jobs train unless one is named: PPO, and PPO-Lagrangian for a constrained shaping. */
export function defaultAgent(scenario: Scenario, shaping: string): AgentName {
  return scenario.shapings[shaping]?.kind === 'constrained' ? 'ppo-lagrangian' : 'ppo';
}
