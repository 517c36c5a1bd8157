/**
 * The jobs of a sweep: one per (shaping, seed, arm), in a canonical order (shapings in the scenario's
 * order, then seeds as given). Run directories store jobs in this order, so a resumed or merged
 * run is byte-identical to an uninterrupted one whatever order the workers finished in.
 */
import { jobKey, type Arm, type JobId } from './schema.js';

export interface Shard {
  /** 0-based: Slurm's SLURM_ARRAY_TASK_ID and Kubernetes' JOB_COMPLETION_INDEX both start at 0. */
  index: number;
  count: number;
}

export interface SweepJob extends JobId {
  arm: Arm;
  /** Position in the unsharded canonical order. */
  index: number;
  key: string;
}

/**
 * Canonical order: shapings, then seeds, then arms (a seed's treatment job, then its control job).
 * A run without controls (`arms` = treatment only) has the jobs and keys of the format before controls.
 */
export function allJobs(shapings: readonly string[], seeds: readonly number[], arms: readonly Arm[] = ['treatment']): SweepJob[] {
  const out: SweepJob[] = [];
  for (const shaping of shapings)
    for (const seed of seeds)
      for (const arm of arms) out.push({ shaping, seed, arm, index: out.length, key: jobKey({ shaping, seed, arm }) });
  return out;
}

/** The arms of a run: treatment and control when its config has controls. */
export function armsOf(config: { controls?: unknown }): Arm[] {
  return config.controls ? ['treatment', 'control'] : ['treatment'];
}

/** Shard i of n: jobs whose canonical index ≡ i (mod n); a deterministic, balanced slice. */
export function shardJobs(jobs: readonly SweepJob[], shard: Shard | null): SweepJob[] {
  return shard === null ? [...jobs] : jobs.filter((j) => j.index % shard.count === shard.index);
}

/** Parse `i/n` with 0 <= i < n; null when malformed. */
export function parseShard(text: string): Shard | null {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) return null;
  return { index, count };
}
