/**
 * Go-Explore-style restarts (Ecoffet, Huizinga, Lehman, Stanley & Clune 2021, "First return, then
 * explore"), the "return by restoring the simulator" variant, inside on-policy training:
 *
 * - Cells: an observation downscaled to `levels` values per feature (floor(x · levels), clamped to
 *   [0, levels - 1] for the sandbox's [0, 1] features) and hashed (53 bits). Whole observation, no
 *   feature singled out.
 * - Archive: per cell, a snapshot of the env (`cloneState()`) at the best visit so far (higher
 *   extrinsic return accumulated since the normal start, then fewer steps), its visit count and how
 *   often it was chosen. Terminal observations are not archived (nothing to explore from them).
 * - Exploration episodes: when an env finishes a normal episode, with probability `goExplore` it
 *   runs an exploration episode instead of its next normal one: a cell is drawn with weight
 *   1 / sqrt(1 + visits + chosen) (the paper's count-based selection: rarely seen, rarely chosen
 *   cells first), its snapshot is restored, and the policy acts from there to the episode's end.
 *   Those transitions (with the env's own reward) are trained on like any other.
 * - The env's own streams are untouched: just before restoring the cell, the env's freshly reset
 *   state (its generator included) is saved, and when the exploration episode ends the env is put
 *   back into exactly that state, so the sequence of normal episodes' starts is the one the env
 *   would have produced without exploration episodes (given the same actions).
 * - Exploration episodes are not reported as training episodes (their return starts mid-episode);
 *   evaluation always runs from the normal start (agents/evaluate.ts never sees this module).
 *
 * Determinism and resume: every decision is drawn from the run's 'go-explore' stream, in env
 * order, and depends only on the observations and rewards, so the archive is a pure function of
 * the seed and the action history. A resumed run rebuilds it by replaying the history through
 * `onReset`/`afterStep` exactly as the live run called them (checkpoints store no snapshots).
 */
import { Rng } from '../../env/rng.js';
import type { SyncVectorEnv, VectorBuffers } from '../../env/vector.js';
import { Hash53 } from './common.js';

interface Cell {
  snapshot: unknown;
  score: number;
  steps: number;
  visits: number;
  chosen: number;
}

export interface GoExploreStats {
  cells: number;
  /** Exploration episodes begun so far. */
  restarts: number;
}

export class GoExplore {
  private readonly cells = new Map<number, Cell>();
  /** Cell keys in archive order (selection iterates it: deterministic). */
  private readonly order: number[] = [];
  private readonly rng: Rng;
  private readonly exploring: Uint8Array;
  private readonly own: unknown[];
  private readonly score: Float64Array;
  private readonly steps: Int32Array;
  private weights = new Float64Array(0);
  restarts = 0;
  /** Cells found after the archive was full. */
  dropped = 0;

  constructor(
    private readonly vec: SyncVectorEnv,
    readonly probability: number,
    readonly levels: number,
    readonly maxCells: number,
    seed: number,
  ) {
    if (!vec.supportsRestore()) throw new TypeError('Go-Explore needs envs that can clone and restore their state (the sandbox)');
    const n = vec.numEnvs;
    this.rng = Rng.derive(seed, 'go-explore');
    this.exploring = new Uint8Array(n);
    this.own = new Array<unknown>(n).fill(null);
    this.score = new Float64Array(n);
    this.steps = new Int32Array(n);
  }

  /** Whether env i's current episode is an exploration episode (its end is not a training episode). */
  isExploring(i: number): boolean {
    return this.exploring[i] === 1;
  }

  get size(): number {
    return this.cells.size;
  }

  /** The cell of row i of `obs`. */
  cellKey(obs: Float32Array, off: number, dim: number): number {
    const h = new Hash53();
    const L = this.levels;
    for (let j = 0; j < dim; j++) {
      let q = Math.floor(obs[off + j]! * L);
      if (q >= L && obs[off + j]! <= 1) q = L - 1;
      h.add(q | 0);
    }
    return h.value();
  }

  /** After `vec.reset()`: archive the start observations. */
  onReset(b: VectorBuffers): void {
    for (let i = 0; i < this.vec.numEnvs; i++) {
      this.exploring[i] = 0;
      this.score[i] = 0;
      this.steps[i] = 0;
      this.visit(b, i);
    }
  }

  /**
   * After every `vec.step()`: on an autoreset step, end an exploration episode (put the env back)
   * or perhaps begin one; on a transition, archive the new observation. May rewrite env i's rows
   * of `b.obs` and `b.actionMasks`; call before reading them.
   */
  afterStep(b: VectorBuffers): void {
    for (let i = 0; i < this.vec.numEnvs; i++) {
      if (b.resetStep[i]) {
        if (this.exploring[i]) {
          this.vec.restoreState(i, this.own[i]);
          this.own[i] = null;
          this.exploring[i] = 0;
          this.score[i] = 0;
          this.steps[i] = 0;
        } else if (this.probability > 0 && this.order.length > 0 && this.rng.next() < this.probability) {
          const key = this.choose();
          const cell = this.cells.get(key)!;
          cell.chosen++;
          this.own[i] = this.vec.cloneState(i);
          this.vec.restoreState(i, cell.snapshot);
          this.exploring[i] = 1;
          this.score[i] = cell.score;
          this.steps[i] = cell.steps;
          this.restarts++;
        } else {
          this.score[i] = 0;
          this.steps[i] = 0;
        }
        this.visit(b, i);
        continue;
      }
      this.score[i]! += b.rewards[i]!;
      this.steps[i]! += 1;
      if (b.terminated[i] || b.truncated[i]) continue;
      this.visit(b, i);
    }
  }

  stats(): GoExploreStats {
    return { cells: this.cells.size, restarts: this.restarts };
  }

  private visit(b: VectorBuffers, i: number): void {
    const d = b.obsDim;
    const key = this.cellKey(b.obs, i * d, d);
    const cell = this.cells.get(key);
    const score = this.score[i]!;
    const steps = this.steps[i]!;
    if (!cell) {
      if (this.cells.size >= this.maxCells) {
        this.dropped++;
        return;
      }
      this.cells.set(key, { snapshot: this.vec.cloneState(i), score, steps, visits: 1, chosen: 0 });
      this.order.push(key);
      return;
    }
    cell.visits++;
    if (score > cell.score || (score === cell.score && steps < cell.steps)) {
      cell.snapshot = this.vec.cloneState(i);
      cell.score = score;
      cell.steps = steps;
    }
  }

  private choose(): number {
    const m = this.order.length;
    if (this.weights.length < m) this.weights = new Float64Array(Math.max(m, 2 * this.weights.length));
    for (let c = 0; c < m; c++) {
      const cell = this.cells.get(this.order[c]!)!;
      this.weights[c] = 1 / Math.sqrt(1 + cell.visits + cell.chosen);
    }
    const idx = this.rng.categorical(this.weights.subarray(0, m));
    return this.order[idx < 0 ? 0 : idx]!;
  }
}
