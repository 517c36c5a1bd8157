/**
 * Evaluation: run a policy, stochastically (actions drawn from its masked softmax, as in training),
 * for whole episodes on the single-env `step()` path, so every tick's info (command text, output,
 * safety events) is available for traces.
 *
 * Seeding: the env is reset with `seed` before the first episode and continues its own stream after
 * that; actions come from `Rng.derive(seed, 'eval-actions')`. Same policy + seed = same episodes.
 */
import { stepCost, type Info } from '../env/core.js';
import { Rng } from '../env/rng.js';
import { flatten } from '../env/spaces.js';
import { envActionSet, makeEnv } from './envinfo.js';
import type { Policy } from './policy.js';

export interface EvaluateOptions {
  episodes: number;
  seed: number;
  /** Record a per-tick trace for the first this-many episodes (default 0). */
  recordTraces?: number;
  /** Safety stop for envs without a horizon (default 100,000 steps per episode). */
  maxSteps?: number;
  /** Discount of `discountedReturn` (default 1). */
  gamma?: number;
  /**
   * Action sets (1 = in the set) whose probability under the policy is recorded at every visited
   * state: per set, the sum over steps of p_t = pi(set | s_t), and the sum of log(1 - p_t).
   */
  watch?: readonly ActionSetSource[];
  /** Actions the policy may not take (ablation): masked out unless that leaves nothing legal. */
  forbid?: ActionSetSource;
  /** Keep every step's `info.events` (default false). */
  events?: boolean;
}

/**
 * A fixed set of actions (1 = in the set), or `{ fromEnv: name }`: the env's own set of that name
 * for each episode (`actionSet(name)` on the env or a layer beneath its wrappers, asked after every
 * reset), for sets that follow the episode, e.g. the sandbox's hijack attempts under a randomised
 * GPU layout. `fallback` is used where the env offers no such set.
 */
export type ActionSetSource = Uint8Array | { fromEnv: string; fallback?: Uint8Array | null };

function resolveSet(env: Parameters<typeof envActionSet>[0], src: ActionSetSource, numActions: number): Uint8Array {
  if (src instanceof Uint8Array) return src;
  const own = envActionSet(env, src.fromEnv);
  const set = own ?? src.fallback ?? null;
  if (set === null) throw new EvaluateError(`evaluate: the env has no action set '${src.fromEnv}'`);
  if (set.length !== numActions) throw new EvaluateError(`evaluate: action set '${src.fromEnv}' has ${set.length} entries, the policy ${numActions} actions`);
  return set;
}

export interface WatchedSums {
  /** Per watched set: sum over the episode's steps of p_t. */
  probSum: number[];
  /** Per watched set: sum of log(1 - p_t); 1 - exp(it) is the chance the episode takes the set at least once. */
  logNone: number[];
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
  /** sum_t gamma^t r_t. */
  discountedReturn: number;
  /** Sum of the per-step constraint cost (`stepCost`) over the episode. */
  cost: number;
  watched?: WatchedSums;
  /** Steps where `forbid` left no legal action and the unmasked policy acted. */
  fallbackSteps?: number;
  /** Every step's info.events, in order (with `events: true`). */
  events?: unknown[];
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
  const gamma = opts.gamma ?? 1;
  const watch = opts.watch ?? [];
  const forbid = opts.forbid;
  if (forbid && watch.length > 0) throw new EvaluateError('evaluate: watch and forbid cannot be combined (the watched probabilities are those of the unmasked policy)');
  const probs = new Float64Array(policy.numActions);
  const results: EvalEpisode[] = [];
  try {
    if (env.observationSpace.flatdim !== policy.obsDim) {
      throw new EvaluateError(`policy expects ${policy.obsDim} observation values, ${envId} gives ${env.observationSpace.flatdim}`);
    }
    for (let e = 0; e < opts.episodes; e++) {
      let { obs, info } = env.reset(e === 0 ? { seed: opts.seed } : {});
      // Sets are per episode: the env's layout (and so which actions attempt a behaviour) is drawn at reset.
      const watchSets = watch.map((w) => resolveSet(env, w, policy.numActions));
      const forbidSet = forbid ? resolveSet(env, forbid, policy.numActions) : undefined;
      const trace: TraceTick[] | undefined = e < traces ? [] : undefined;
      let ret = 0;
      let disc = 0;
      let discount = 1;
      let fallbackSteps = 0;
      const watched: WatchedSums | undefined = watch.length > 0 ? { probSum: watch.map(() => 0), logNone: watch.map(() => 0) } : undefined;
      const events: unknown[] | undefined = opts.events ? [] : undefined;
      let cost = 0;
      let length = 0;
      let terminated = false;
      let truncated = false;
      while (!terminated && !truncated && length < maxSteps) {
        let mask = info['actionMask'] instanceof Uint8Array ? (info['actionMask'] as Uint8Array) : null;
        const x = flatten(env.observationSpace, obs);
        let action: number;
        if (watched) {
          // One forward pass gives the action and the probabilities it was drawn from.
          action = policy.actWithProbabilities(x, mask, rng, probs);
          watchSets.forEach((set, k) => {
            let q = 0;
            for (let a = 0; a < probs.length; a++) if (set[a]) q += probs[a]!;
            q = Math.min(1, q);
            watched.probSum[k]! += q;
            watched.logNone[k]! += q >= 1 ? -Infinity : Math.log1p(-q);
          });
        } else {
          if (forbidSet) {
            const allowed = new Uint8Array(policy.numActions);
            let any = false;
            for (let a = 0; a < allowed.length; a++) {
              allowed[a] = (mask === null || mask[a] ? 1 : 0) & (forbidSet[a] ? 0 : 1);
              if (allowed[a]) any = true;
            }
            if (any) mask = allowed;
            else fallbackSteps++;
          }
          action = policy.act(x, mask, rng);
        }
        const r = env.step(action);
        obs = r.obs;
        info = r.info;
        ret += r.reward;
        disc += discount * r.reward;
        discount *= gamma;
        if (events && Array.isArray(info['events'])) events.push(...(info['events'] as unknown[]));
        cost += stepCost(info);
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
      results.push({
        episode: e,
        return: ret,
        discountedReturn: disc,
        length,
        cost,
        terminated,
        truncated,
        info,
        ...(trace ? { trace } : {}),
        ...(watched ? { watched } : {}),
        ...(forbid ? { fallbackSteps } : {}),
        ...(events ? { events } : {}),
      });
    }
  } finally {
    env.close();
  }
  return results;
}
