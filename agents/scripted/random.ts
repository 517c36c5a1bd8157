/**
 * Random: a uniformly random action each tick, among the valid ones (`info.actionMask`) by
 * default, or among all actions; `weights` (e.g. the env's action prior) skew the draw.
 */
import { Rng } from '../../env/rng.js';
import type { SandboxEnv, SandboxInfo } from '../../env/sandbox/index.js';
import type { ScriptedPolicy } from './policy.js';

export interface RandomPolicyOptions {
  /** Draw only among actions the mask allows (default true). */
  masked?: boolean;
  /** Unnormalised weights per action (default uniform). */
  weights?: ArrayLike<number>;
}

export function randomPolicy(env: SandboxEnv, seed: number, opts: RandomPolicyOptions = {}): ScriptedPolicy {
  const rng = new Rng(seed);
  const n = env.numActions;
  const w = new Float64Array(n);
  const masked = opts.masked ?? true;
  return {
    name: opts.weights ? 'random-weighted' : 'random',
    reset() {},
    act(_obs: Float32Array, info: SandboxInfo): number {
      for (let a = 0; a < n; a++) w[a] = (opts.weights ? opts.weights[a]! : 1) * (masked ? info.actionMask[a]! : 1);
      const a = rng.categorical(w);
      return a < 0 ? rng.int(n) : a;
    },
  };
}
