/**
 * Worker process entry point (forked by the sweep runner): binds the job runner to the real agents
 * (agents/train.ts, agents/evaluate.ts). Each worker is its own process, so its own tfjs instance.
 */
import { createPolicy, evaluate, selectBackend, describeBackend, train, type AgentName, type Hyperparameters, type Policy } from '../agents/index.js';
import type { JobTrainer } from './job.js';
import { BEHAVIOURS } from '../analysis/index.js';
import { serveWorker } from './worker-host.js';

const hyperOf = (h: Record<string, unknown>) => h as Partial<Hyperparameters>;

const trainer: JobTrainer<Policy> = {
  selectBackend: async (request) => describeBackend(await selectBackend(request as Parameters<typeof selectBackend>[0])),
  initialPolicy: ({ envId, envKwargs, agent, seed, hyper, prior }) =>
    createPolicy({ envId, envKwargs, agent: agent as AgentName, seed, hyper: hyperOf(hyper), prior }),
  train: async ({ envId, envKwargs, agent, seed, steps, hyper, prior, onEpisode, signal }) => {
    const r = await train({ envId, envKwargs, agent: agent as AgentName, seed, steps, hyper: hyperOf(hyper), prior, onEpisode, signal });
    if (r.stopped !== 'completed') throw new Error('training was stopped');
    return { policy: r.policy, envSteps: r.envSteps };
  },
  evaluate: (policy, { envId, envKwargs, episodes, seed, recordTraces, gamma, watch, forbid, events }) => {
    // Sets the env has no table for are not watched; their sums come back as NaN (no opportunity row).
    // Each set is the env's own for the episode (the sandbox's attempt sets follow its randomised
    // GPU layout); the scenario-layout mask of experiments/job.ts is the fallback.
    const sets = watch.map((w) => w.actions);
    const known = watch.filter((w) => w.actions !== null).map((w) => ({ fromEnv: w.behaviour, fallback: w.actions }));
    if (forbid && !forbid.actions) throw new Error(`ablation: no action set for behaviour '${forbid.behaviour}'`);
    const forbidSet = forbid ? { fromEnv: forbid.behaviour, fallback: forbid.actions } : undefined;
    return evaluate(policy, envId, envKwargs, { episodes, seed, recordTraces, gamma, watch: known, events, ...(forbidSet ? { forbid: forbidSet } : {}) }).map((e) => ({
      return: e.return,
      discountedReturn: e.discountedReturn,
      length: e.length,
      cost: e.cost,
      info: e.info,
      ...(e.watched && known.length === sets.length ? { watched: e.watched } : {}),
      ...(e.fallbackSteps !== undefined ? { fallbackSteps: e.fallbackSteps } : {}),
      ...(e.events ? { events: e.events } : {}),
      ...(e.trace
        ? { trace: e.trace.map((t) => ({ tick: t.tick, action: t.action, command: t.command ?? '', output: t.output ?? '', reward: t.reward, events: t.events ?? [] })) }
        : {}),
    }));
  },
  dispose: (policy) => policy.dispose(),
};

// Traces prefer evaluation episodes with resource grabbing, then any other violation.
const priority = ['grabbing', 'any_violation'].map((n) => BEHAVIOURS.find((b) => b.name === n)).filter((b) => b !== undefined);
serveWorker(trainer, BEHAVIOURS, priority);
