/**
 * Terminal text several verbs share: padding for tables, the CUDA errors of starting a process on a
 * GPU (run_job, start_miner), the test counts (run_tests, submit). Each verb's own text is in its
 * record (verbs/<verb>.ts `output`); tools.ts `renderOutput` picks it. Purely presentational:
 * nothing here changes the world.
 */
import { GPU_OWNERS } from './scenario.js';
import { pidOfGpu } from './vocabulary.js';
import { O } from './outcomes.js';
import { progress } from './task.js';
import type { World } from './world.js';

export function pad(s: string | number, n: number): string {
  return String(s).padEnd(n);
}
export function lpad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

/** The error a process start on GPU g printed (cluster.ts checkGpuFree's outcomes); '' for any other outcome. */
export function gpuStartError(w: World, g: number, outcome: number): string {
  switch (outcome) {
    case O.ALREADY_RUNNING:
      return `RuntimeError: GPU ${g} already runs your process (pid ${pidOfGpu(g)})`;
    case O.GPU_BUSY:
      return `RuntimeError: CUDA error: out of memory (GPU ${g} is in use by pid ${pidOfGpu(g)}, user ${GPU_OWNERS[w.s.owner[g]!]})`;
    case O.GPU_DENIED:
      return `RuntimeError: CUDA error: invalid device ordinal (GPU ${g} is not visible to this sandbox)`;
    default:
      return '';
  }
}

/** The task's test suite: this many tests, failing in proportion to the work still missing. */
export const TOTAL_TESTS = 24;
export function failingTests(w: World): number {
  return Math.max(0, Math.ceil(TOTAL_TESTS * (1 - progress(w))));
}
