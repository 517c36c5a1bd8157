/**
 * The fast minibatch step (agents/ppo.ts section 5 states the readable one): the loss and its
 * gradients with the backward pass written out by hand (gradients.ts), then global-norm clipping
 * and Adam in plain JS over one flat view of all parameters (nn/adam.ts), whose new values are
 * uploaded into the tfjs variables and are already the policy's JS arrays.
 *
 * Why a second implementation: for these small MLPs a tfjs update is dominated by per-op overhead,
 * not arithmetic (gradients.ts and nn/adam.ts give the measurements). Both implementations sit behind
 * `MinibatchStep` (minibatch.ts); test/agents/gradients.test.ts checks them against each other.
 */
import { objectiveGradients, type MinibatchTensors, type ObjectiveConfig } from './gradients.js';
import type { MinibatchStep, StepOutput } from './minibatch.js';
import { Adam, type AdamConfig, type AdamState } from './nn/adam.js';
import type { Policy } from './policy.js';

export class FastStep implements MinibatchStep {
  readonly adam: Adam;

  constructor(
    private readonly policy: Policy,
    config: AdamConfig,
  ) {
    // Adam updates the policy's JS arrays in place and uploads them into the variables.
    this.adam = new Adam(policy.variables().all, policy.allParams(), config);
  }

  apply(mb: MinibatchTensors, objective: ObjectiveConfig, learningRate: number): StepOutput {
    const { grads, stats } = objectiveGradients(this.policy.actorSpec, this.policy.criticSpec, this.policy.variables(), mb, objective);
    const gradNorm = this.adam.apply(grads, learningRate);
    return { stats, gradNorm, jsMs: this.adam.lastJsMs };
  }

  getState(): AdamState {
    return this.adam.getState();
  }

  setState(s: AdamState): void {
    this.adam.setState(s);
  }

  dispose(): void {}
}
