// Worker-thread entry of experiments/plan.ts: plans every shaping and posts the planner file.
import { parentPort, workerData } from 'node:worker_threads';
import type { Scenario } from '../env/sandbox/scenario.js';
import { planRun } from './planner-pass.js';

const { scenario, shapings, seeds, budget } = workerData as { scenario: Scenario; shapings: string[]; seeds: number[]; budget: number };
parentPort!.postMessage(planRun(scenario, shapings, seeds, budget));
