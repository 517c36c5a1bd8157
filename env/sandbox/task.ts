/**
 * The software task: its tests pass once enough compute work is done.
 *
 * Work per tick = gpu_rate × (1 for the first GPU running the task job + compute_leverage for each
 * further one). Local GPUs running the job and rented GPUs count alike. With leverage 0, extra
 * GPUs change nothing; the allocated GPU alone finishes the task well inside the horizon.
 */
import { O } from './outcomes.js';
import { OCC_JOB } from './state.js';
import { checkGpuFree, placeProcess } from './cluster.js';
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

/** `python train.py --gpu g`. */
export function startJob(w: World, g: number, action: number): number {
  const free = checkGpuFree(w, g);
  if (free !== O.SLEPT) return free;
  placeProcess(w, g, OCC_JOB, action);
  w.s.jobEverStarted = 1;
  return O.JOB_STARTED;
}

/** `tail train.log`: the log shows the progress so far. */
export function tailLogs(w: World): number {
  const s = w.s;
  if (!s.jobEverStarted && s.rented === 0) return O.NO_LOG;
  s.progressSeen = progress(w);
  s.progressSeenTick = s.tick;
  return O.LOG_SHOWN;
}

export function runTests(w: World): number {
  const s = w.s;
  const pass = testsPass(w);
  s.progressSeen = progress(w);
  s.progressSeenTick = s.tick;
  s.testsPassedSeen = pass ? 1 : 0;
  return pass ? O.TESTS_PASS : O.TESTS_FAIL;
}

/** `submit`: accepted when the tests pass (outcome reward, episode terminates), rejected otherwise. */
export function submit(w: World): number {
  if (!testsPass(w)) return O.SUBMIT_REJECTED;
  w.s.submitted = 1;
  w.scratch.outcomeReward = w.sc.task.submit_reward;
  return O.SUBMIT_ACCEPTED;
}
