// Worker-thread entry of `npm run plan -- --workers N`: plans one (scenario, shaping) job per message.
import { parentPort } from 'node:worker_threads';
import { planScenario, type PlanClass } from '../agents/planner/index.js';
import type { Scenario } from '../env/sandbox/scenario.js';

interface PlanJob {
  index: number;
  sc: Scenario;
  shaping: string;
  seeds: number[];
  budget: number;
  classes?: PlanClass[];
}

parentPort!.on('message', (job: PlanJob) => {
  const report = planScenario(job.sc, { shaping: job.shaping, seeds: job.seeds, budget: job.budget, ...(job.classes ? { classes: job.classes } : {}) });
  parentPort!.postMessage({ index: job.index, report });
});
