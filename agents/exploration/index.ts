/**
 * The exploration methods as one object train() drives (docs/exploration.md):
 * - RND (rnd.ts, `rndCoef` > 0): intrinsic advantage from a second, non-episodic value head;
 * - SimHash counts (simhash.ts, `countBeta` > 0): a bonus added to the learning reward;
 * - Go-Explore restarts (goexplore.ts, `goExplore` > 0): exploration episodes from archived cells.
 * Any combination may be on. Each reads the observation as a whole vector: none knows what any
 * feature means, so none can point the agent at a particular behaviour.
 *
 * Hidden-signal discipline: the intrinsic signals live only in the rollout buffer's exploration
 * arrays and in the advantages the policy term reads. The env's reward, the episode records
 * (episodes.csv) and every evaluation never see them.
 *
 * Hooks, in the order train() calls them:
 *   onReset(b)                      after vec.reset()
 *   afterStep(b)                    after every vec.step(), before the new observations are read
 *   isExploring(i)                  at an episode's end: skip reporting it
 *   beforeUpdate(buf, cur, u, U)    after the rollout, before the agent's update (which runs GAE)
 *   afterUpdate(buf)                after the agent's update (RND trains its predictor here)
 * State: getState()/setState() for checkpoints (RND and counts; Go-Explore is rebuilt by replay).
 */
import type { SyncVectorEnv, VectorBuffers } from '../../env/vector.js';
import type { ExplorationRollout } from './common.js';
import { GoExplore } from './goexplore.js';
import { Rnd, type RndOptions, type RndState } from './rnd.js';
import { SimHashCounts, type SimHashState } from './simhash.js';

/**
 * The hyperparameters the exploration methods read, by their names in agents/hyperparameters.ts
 * (whose `Hyperparameters` is one of these: train() passes its own). Declared here so that data
 * flows one way: agents/ imports this folder, never the reverse.
 */
export interface ExplorationOptions extends RndOptions {
  readonly rndCoef: number;
  readonly rndAnneal: boolean;
  readonly rndEpochs: number;
  readonly countBeta: number;
  readonly countBits: number;
  readonly countAnneal: boolean;
  readonly goExplore: number;
  readonly goExploreLevels: number;
  readonly goExploreMaxCells: number;
  /** The policy's hidden widths (RND's intrinsic value head has the same), its GAE lambda and minibatch count. */
  readonly hidden: readonly number[];
  readonly gaeLambda: number;
  readonly numMinibatches: number;
}

export interface ExplorationState {
  readonly rnd: RndState | null;
  readonly counts: SimHashState | null;
}

export interface ExplorationDiagnostics {
  /** RND: mean normalised intrinsic reward of the rollout, the intrinsic weight in force, losses. */
  intrinsicReward: number | null;
  intrinsicCoef: number | null;
  predictorLoss: number | null;
  intValueLoss: number | null;
  /** SimHash: mean bonus of the rollout, distinct codes so far. */
  countBonus: number | null;
  hashCodes: number | null;
  /** Go-Explore: archive size, and exploration episodes begun so far. */
  archiveCells: number | null;
  restarts: number | null;
}

/**
 * The exploration methods, each turned on by one hyperparameter being > 0 (its other
 * hyperparameters are in the hyperparameter table under the same prefix). Any combination may be
 * on, with any agent of the agent table (agents/agents.ts).
 */
export const EXPLORATION_METHODS = [
  { name: 'rnd', switch: 'rndCoef', about: 'Random Network Distillation: intrinsic advantage (rnd.ts)' },
  { name: 'simhash', switch: 'countBeta', about: 'SimHash count bonus on the learning reward (simhash.ts)' },
  { name: 'go-explore', switch: 'goExplore', about: 'Go-Explore restarts from archived cells (goexplore.ts)' },
] as const satisfies readonly { name: string; switch: keyof ExplorationOptions; about: string }[];

export type ExplorationMethod = (typeof EXPLORATION_METHODS)[number]['name'];
type Switches = Pick<ExplorationOptions, (typeof EXPLORATION_METHODS)[number]['switch']>;

/** Which methods a set of hyperparameters turns on, in table order (for config files and reports). */
export function explorationMethods(h: Switches): ExplorationMethod[] {
  return EXPLORATION_METHODS.filter((m) => h[m.switch] > 0).map((m) => m.name);
}

export class Exploration {
  readonly rnd: Rnd | null;
  readonly counts: SimHashCounts | null;
  readonly goExplore: GoExplore | null;
  private coef = 0;
  private lastCountBonus: number | null = null;
  private lastIntrinsic: number | null = null;
  private lastLosses: { predictorLoss: number; intValueLoss: number } | null = null;

  private constructor(
    private readonly h: ExplorationOptions,
    vec: SyncVectorEnv,
    seed: number,
  ) {
    const d = vec.obsDim;
    const on = new Set(explorationMethods(h));
    this.rnd = on.has('rnd') ? new Rnd(d, vec.numEnvs, h.hidden, h, seed) : null;
    this.counts = on.has('simhash') ? new SimHashCounts(d, h.countBits, h.countBeta, seed) : null;
    this.goExplore = on.has('go-explore') ? new GoExplore(vec, h.goExplore, h.goExploreLevels, h.goExploreMaxCells, seed) : null;
  }

  /** null when every method is off (plain agent: train() then runs exactly as before). */
  static create(h: ExplorationOptions, vec: SyncVectorEnv, seed: number): Exploration | null {
    if (explorationMethods(h).length === 0) return null;
    return new Exploration(h, vec, seed);
  }

  onReset(b: VectorBuffers): void {
    this.goExplore?.onReset(b);
  }

  afterStep(b: VectorBuffers): void {
    this.goExplore?.afterStep(b);
  }

  isExploring(i: number): boolean {
    return this.goExplore?.isExploring(i) ?? false;
  }

  /**
   * Fills the buffer's exploration arrays: the count bonus (added to the learning reward by
   * `computeAdvantages`) and RND's intrinsic advantages with the weight in force at `update`
   * (1-based) of `numUpdates`.
   */
  beforeUpdate(buf: ExplorationRollout, curObs: Float32Array, update: number, numUpdates: number): void {
    const ex = buf.exploration();
    ex.useBonus = false;
    ex.intCoef = 0;
    if (this.counts) {
      const scale = this.h.countAnneal ? 1 - (update - 1) / numUpdates : 1;
      this.lastCountBonus = this.counts.process(buf, curObs, scale);
      ex.useBonus = true;
    }
    if (this.rnd) {
      this.coef = this.h.rndAnneal ? this.h.rndCoef * (1 - (update - 1) / numUpdates) : this.h.rndCoef;
      this.rnd.process(buf, curObs, this.h.rndGamma, this.h.gaeLambda);
      this.lastIntrinsic = this.rnd.meanIntrinsic(buf);
      ex.intCoef = this.coef;
    }
  }

  /** RND's predictor and intrinsic value head learn from the rollout; returns seconds inside tfjs. */
  afterUpdate(buf: ExplorationRollout): number {
    if (!this.rnd) return 0;
    const r = this.rnd.train(buf, this.h.rndEpochs, this.h.numMinibatches);
    this.lastLosses = { predictorLoss: r.predictorLoss, intValueLoss: r.intValueLoss };
    return r.tfjsSeconds;
  }

  diagnostics(): ExplorationDiagnostics {
    return {
      intrinsicReward: this.rnd ? this.lastIntrinsic : null,
      intrinsicCoef: this.rnd ? this.coef : null,
      predictorLoss: this.lastLosses?.predictorLoss ?? null,
      intValueLoss: this.lastLosses?.intValueLoss ?? null,
      countBonus: this.counts ? this.lastCountBonus : null,
      hashCodes: this.counts ? this.counts.size : null,
      archiveCells: this.goExplore ? this.goExplore.size : null,
      restarts: this.goExplore ? this.goExplore.restarts : null,
    };
  }

  getState(): ExplorationState {
    return { rnd: this.rnd ? this.rnd.getState() : null, counts: this.counts ? this.counts.getState() : null };
  }

  setState(s: ExplorationState | null | undefined): void {
    if (this.rnd) {
      if (!s?.rnd) throw new Error('checkpoint has no RND state');
      this.rnd.setState(s.rnd);
    }
    if (this.counts) {
      if (!s?.counts) throw new Error('checkpoint has no SimHash counts');
      this.counts.setState(s.counts);
    }
  }

  dispose(): void {
    this.rnd?.dispose();
  }
}
