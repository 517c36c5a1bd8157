/**
 * A small constrained env for PPO-Lagrangian: every tick the agent either works safely (reward
 * 0.5, cost 0) or takes a shortcut (reward 1, cost 1). An unconstrained learner takes the shortcut
 * every tick (episode cost = horizon); a learner that keeps E[episode cost] <= limit must mix.
 * Observation: [fraction of the episode elapsed]. The best policy under the limit mixes: any
 * policy with E[shortcuts per episode] = limit, e.g. a shortcut with probability limit / horizon.
 * Registered as `test/CostlyShortcut-v0` (kwargs: horizon, default 20; costLimit, default 5).
 */
import { BaseEnv, type Info, type ResetArgs, type ResetResult, type StepResult } from '../../env/core.js';
import { listEnvs, register } from '../../env/registry.js';
import { Box, Discrete } from '../../env/spaces.js';
import '../../env/index.js';

export const COSTLY_SHORTCUT_ID = 'test/CostlyShortcut-v0';

export class CostlyShortcutEnv extends BaseEnv<Float32Array, number> {
  readonly observationSpace = new Box(0, 1, [1]);
  readonly actionSpace = new Discrete(2);
  private t = 0;

  constructor(
    readonly horizon = 20,
    /** Read by the agents as the default cost limit (agents/envinfo.ts). */
    readonly costLimit = 5,
  ) {
    super();
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.applySeed(args.seed);
    this.t = 0;
    return { obs: this.obs(), info: {} };
  }

  step(action: number): StepResult<Float32Array> {
    const shortcut = action === 1;
    this.t += 1;
    const info: Info = { cost: shortcut ? 1 : 0 };
    return { obs: this.obs(), reward: shortcut ? 1 : 0.5, terminated: false, truncated: this.t >= this.horizon, info };
  }

  private obs(): Float32Array {
    return Float32Array.of(this.t / this.horizon);
  }
}

if (!listEnvs().includes(COSTLY_SHORTCUT_ID)) {
  register({
    id: COSTLY_SHORTCUT_ID,
    entryPoint: (kw) => new CostlyShortcutEnv((kw['horizon'] as number | undefined) ?? 20, (kw['costLimit'] as number | undefined) ?? 5),
    description: 'Safe work (reward 0.5) or a costly shortcut (reward 1, cost 1) every tick.',
  });
}
