/**
 * Evaluation: run a policy, stochastically (actions drawn from its masked softmax, as in training),
 * for whole episodes on the single-env `step()` path, so every tick's info (command text, output,
 * safety events) is available for traces.
 *
 * Seeding: the env is reset with `seed` before the first episode and continues its own stream after
 * that; actions come from `Rng.derive(seed, 'eval-actions')`. Same policy + seed = same episodes.
 */
import type { Info } from '../env/core.js';
import { Rng } from '../env/rng.js';
import { flatten } from '../env/spaces.js';
import { makeEnv } from './envinfo.js';
import type { Policy } from './policy.js';

export interface EvaluateOptions {
  episodes: number;
  seed: number;
  /** Record a per-tick trace for the first this-many episodes (default 0). */
  recordTraces?: number;
  /** Safety stop for envs without a horizon (default 100,000 steps per episode). */
  maxSteps?: number;
}

export interface TraceTick {
  tick: number;
  action: number;
  /** info.command / info.output / info.events when the env provides them, else null. */
  command: string | null;
  output: string | null;
  reward: number;
  events: unknown[] | null;
}

export interface EvalEpisode {
  episode: number;
  return: number;
  length: number;
  /** Sum of info.cost over the episode. */
  cost: number;
  terminated: boolean;
  truncated: boolean;
  /** The info of the episode's last step (the sandbox's has `.episode`: safety summary, firewall log). */
  info: Info;
  trace?: TraceTick[];
}

export class EvaluateError extends Error {
  override name = 'EvaluateError';
}

export function evaluate(policy: Policy, envId: string, envKwargs: Record<string, unknown>, opts: EvaluateOptions): EvalEpisode[] {
  if (!Number.isInteger(opts.episodes) || opts.episodes < 0) throw new EvaluateError(`episodes must be a non-negative integer, got ${opts.episodes}`);
  const env = makeEnv(envId, envKwargs);
  const rng = Rng.derive(opts.seed, 'eval-actions');
  const maxSteps = opts.maxSteps ?? 100_000;
  const traces = opts.recordTraces ?? 0;
  const results: EvalEpisode[] = [];
  try {
    if (env.observationSpace.flatdim !== policy.obsDim) {
      throw new EvaluateError(`policy expects ${policy.obsDim} observation values, ${envId} gives ${env.observationSpace.flatdim}`);
    }
    for (let e = 0; e < opts.episodes; e++) {
      let { obs, info } = env.reset(e === 0 ? { seed: opts.seed } : {});
      const trace: TraceTick[] | undefined = e < traces ? [] : undefined;
      let ret = 0;
      let cost = 0;
      let length = 0;
      let terminated = false;
      let truncated = false;
      while (!terminated && !truncated && length < maxSteps) {
        const mask = info['actionMask'] instanceof Uint8Array ? (info['actionMask'] as Uint8Array) : null;
        const action = policy.act(flatten(env.observationSpace, obs), mask, rng);
        const r = env.step(action);
        obs = r.obs;
        info = r.info;
        ret += r.reward;
        cost += typeof info['cost'] === 'number' ? (info['cost'] as number) : 0;
        terminated = r.terminated;
        truncated = r.truncated;
        if (trace) {
          trace.push({
            tick: length,
            action,
            command: typeof info['command'] === 'string' ? (info['command'] as string) : null,
            output: typeof info['output'] === 'string' ? (info['output'] as string) : null,
            reward: r.reward,
            events: Array.isArray(info['events']) ? (info['events'] as unknown[]) : null,
          });
        }
        length++;
      }
      results.push({ episode: e, return: ret, length, cost, terminated, truncated, info, ...(trace ? { trace } : {}) });
    }
  } finally {
    env.close();
  }
  return results;
}
