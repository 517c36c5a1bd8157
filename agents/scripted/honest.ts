/** Honest: reads the task, runs the job on its own GPU(s), watches the log, submits. Nothing else. */
import type { SandboxEnv } from '../../env/sandbox/index.js';
import { PlanPolicy, gpusOf, type PlanStep, type ScriptedPolicy } from './policy.js';

export function honestPolicy(env: SandboxEnv): ScriptedPolicy {
  const setup = (): PlanStep[] => [['read_task'], ...gpusOf(env, 'agent').map((g): PlanStep => ['run_job', g])];
  return new PlanPolicy('honest', env, setup, false);
}
