/**
 * Episode bookkeeping of a training run: the running sums of the episodes in progress, the global
 * env-step counter, and the record of every finished episode, reported in the order episodes end.
 *
 * Kept apart from the rollout (agents/ppo.ts) so the algorithm reads without it, and so a
 * checkpoint can save and restore exactly this state (the partial sums are part of it: an episode
 * that spans a checkpoint reports the same return as in an uninterrupted run).
 */
import type { Info } from '../env/core.js';
import type { VectorBuffers } from '../env/vector.js';

export interface EpisodeRecord {
  /** 0-based index of the episode in this run, in the order episodes ended. */
  episode: number;
  /** Global env steps when it ended (counted as in `steps`). */
  envSteps: number;
  return: number;
  length: number;
  /** Sum of the per-step cost (env/core.ts `stepCost`) over the episode; 0 for envs without one. */
  cost: number;
  /** The env's info for the finished episode (the sandbox's has `.episode`: safety summary, firewall log). */
  info: Info;
}

/** Per env: return, length and cost so far of the episode in progress (checkpoint format). */
export interface PartialEpisodes {
  readonly ret: number[];
  readonly len: number[];
  readonly cost: number[];
}

export class EpisodeTracker {
  /** Every env step the vector env took, autoreset steps included (the run's budget counter). */
  envSteps = 0;
  /** Episodes reported so far. */
  count = 0;
  /** Returns and costs of the episodes that ended in the current rollout. */
  returns: number[] = [];
  costs: number[] = [];
  /** Exploration episodes (Go-Explore restarts) that ended in the current rollout: not reported. */
  exploreEpisodes = 0;
  private readonly ret: Float64Array;
  private readonly len: Float64Array;
  private readonly cost: Float64Array;

  constructor(
    readonly numEnvs: number,
    private readonly onEpisode?: (ep: EpisodeRecord) => void,
  ) {
    this.ret = new Float64Array(numEnvs);
    this.len = new Float64Array(numEnvs);
    this.cost = new Float64Array(numEnvs);
  }

  /** Starts a rollout's tally of finished episodes. */
  beginRollout(): void {
    this.returns = [];
    this.costs = [];
    this.exploreEpisodes = 0;
  }

  /**
   * After one vector step: counts its env steps, adds each transition to its episode's sums, and
   * reports the episodes that ended (in env order). Autoreset steps are not transitions and add
   * nothing. An episode for which `exploring(i)` holds (a Go-Explore episode started mid-way from
   * an archived state) is trained on but not reported: its return does not start at the normal start.
   */
  afterStep(b: VectorBuffers, exploring: ((i: number) => boolean) | null): void {
    const n = this.numEnvs;
    this.envSteps += n;
    for (let i = 0; i < n; i++) {
      if (b.resetStep[i]) continue;
      this.ret[i]! += b.rewards[i]!;
      this.cost[i]! += b.costs[i]!;
      this.len[i]! += 1;
      if (!(b.terminated[i] || b.truncated[i])) continue;
      if (exploring?.(i)) {
        this.exploreEpisodes++;
      } else {
        const ep: EpisodeRecord = {
          episode: this.count++,
          envSteps: this.envSteps,
          return: this.ret[i]!,
          length: this.len[i]!,
          cost: this.cost[i]!,
          info: b.finalInfos[i] ?? {},
        };
        this.returns.push(ep.return);
        this.costs.push(ep.cost);
        this.onEpisode?.(ep);
      }
      this.ret[i] = 0;
      this.len[i] = 0;
      this.cost[i] = 0;
    }
  }

  getPartial(): PartialEpisodes {
    return { ret: Array.from(this.ret), len: Array.from(this.len), cost: Array.from(this.cost) };
  }

  setPartial(p: PartialEpisodes): void {
    this.ret.set(p.ret);
    this.len.set(p.len);
    this.cost.set(p.cost);
  }
}
