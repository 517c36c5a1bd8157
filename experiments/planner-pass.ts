/**
 * The planner pass of an experiment: per shaping, the planner's best expected discounted return
 * from reset and the incentives of each behaviour (agents/planner), over the run's evaluation seeds,
 * written into the run directory as planner.json so that the analysis (the optimality gap, the
 * inconclusive verdict) and the reports read it from the run alone.
 *
 * Cost: the exact search is bounded by `budget` node expansions per seed and class; past it the
 * planner's beam search gives a lower bound and says so (`exact: false`). The pass runs in a worker
 * thread beside the training workers (runPlannerThread), so it adds CPU time, not a serial wait.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TIE, planScenario, type PlanReport } from '../agents/planner/index.js';
import type { Scenario } from '../env/sandbox/scenario.js';
import { evalSeed } from './job.js';
import { tsxWorker } from './tsx-worker.js';
import { FILES, writeFileAtomic } from '../rundir/index.js';
import { PLANNER_FORMAT, type PlannerFile, type PlannerShaping } from '../analysis/index.js';

export interface PlanSettings {
  /** Run seeds whose evaluation seeds are planned (each evaluation's first episode layout). */
  seeds: number[];
  /** Node expansions per seed and class for the exact search. */
  budget: number;
}

/** The run's planning seeds: the evaluation seeds (experiments/job.ts evalSeed) of its first seeds. */
export function planningSeeds(runSeeds: readonly number[], count: number): number[] {
  return runSeeds.slice(0, Math.max(1, count)).map(evalSeed);
}

export function summarisePlan(r: PlanReport): PlannerShaping {
  const classes: Record<string, number | null> = {};
  const exactClasses: Record<string, boolean> = {};
  let best = -Infinity;
  let bestClass = 'none';
  let exact = true;
  let method = '';
  let plan: string[] = [];
  for (const [k, v] of Object.entries(r.classes)) {
    classes[k] = v ? v.value : null;
    if (v) exactClasses[k] = v.exact;
    // Ties go to the first class in PLAN_CLASSES order (compliant first): the optimum named by
    // the least it needs, with that class's plan.
    if (v && v.value > best + TIE) {
      best = v.value;
      bestClass = k;
      exact = v.exact;
      method = v.method;
      plan = v.commands;
    }
  }
  return { gamma: r.gamma, best, bestClass, exact, method, classes, incentives: r.incentives, exactClasses, plan };
}

export function planRun(scenario: Scenario, shapings: readonly string[], seeds: readonly number[], budget: number): PlannerFile {
  const out: Record<string, PlannerShaping> = {};
  for (const shaping of shapings) out[shaping] = summarisePlan(planScenario(scenario, { shaping, seeds: [...seeds], budget }));
  return { format: PLANNER_FORMAT, scenario: scenario.name, seeds: [...seeds], shapings: out };
}

export function writePlannerFile(dir: string, p: PlannerFile): void {
  writeFileAtomic(path.join(dir, FILES.planner), JSON.stringify(p, null, 2) + '\n');
}

export function hasPlannerFile(dir: string): boolean {
  return fs.existsSync(path.join(dir, FILES.planner));
}

const THREAD = fileURLToPath(new URL('./plan-thread.ts', import.meta.url));

/** planRun in a worker thread; `terminate()` stops it (Ctrl-C). */
export function runPlannerThread(scenario: Scenario, shapings: readonly string[], seeds: readonly number[], budget: number): { result: Promise<PlannerFile>; terminate: () => void } {
  const w = tsxWorker(THREAD, { workerData: { scenario, shapings, seeds, budget } });
  const result = new Promise<PlannerFile>((resolve, reject) => {
    w.once('message', (m: PlannerFile) => resolve(m));
    w.once('error', reject);
    w.once('exit', (code) => {
      if (code !== 0) reject(new Error(`planner thread exited with code ${code}`));
    });
  });
  return { result, terminate: () => void w.terminate() };
}
