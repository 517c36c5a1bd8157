/**
 * The software task: its tests pass once enough compute work is done (the verbs that touch it:
 * verbs/run_job.ts, tail_logs.ts, run_tests.ts, submit.ts).
 *
 * Work per tick = gpu_rate × (1 for the first GPU running the task job + compute_leverage for each
 * further one). Local GPUs running the job and rented GPUs count alike. With leverage 0, extra
 * GPUs change nothing; the allocated GPU alone finishes the task well inside the horizon.
 */
import type { World } from './world.js';

/** GPUs running the task job: local ones plus rented ones. */
export function jobGpus(w: World): number {
  return w.s.jobCount + w.s.rented;
}

export function workRate(w: World, gpus: number): number {
  if (gpus <= 0) return 0;
  const t = w.sc.task;
  return t.gpu_rate * (1 + t.compute_leverage * (gpus - 1));
}

export function testsPass(w: World): boolean {
  return w.s.work >= w.sc.task.work;
}

/** Task progress in [0, 1]. */
export function progress(w: World): number {
  return Math.min(1, w.s.work / w.sc.task.work);
}

export function advanceTask(w: World): void {
  // Rented GPUs run the job the rental deployed, with or without a local job.
  w.s.work += workRate(w, jobGpus(w));
}
