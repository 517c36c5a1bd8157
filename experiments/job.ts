/**
 * One sweep job, run inside a worker process: train an agent for one (shaping, seed), evaluate the
 * initial policy (the exploration baseline) and the final policy with the stochastic policy, and
 * write everything into the job's part directory, committed by one rename when complete.
 *
 * The trainer is reached through `JobTrainer`, a narrow view of agents/train.ts, so the worker
 * entry point (experiments/worker.ts) is the only module that binds the real agents.
 */
import { Rng } from '../env/rng.js';
import type { Info } from '../env/core.js';
import type { Behaviour, SafetyValues } from './metrics.js';
import { JobPartWriter, type EvalRow, type FirewallEntry, type FirewallLine, type JobDone, type PolicyKind, type TraceTick } from './rundir.js';
import type { SweepJob } from './jobs.js';

/** Settings shared by every job of a sweep. */
export interface JobSettings {
  runDir: string;
  envId: string;
  /** The env's `scenario` kwarg: the resolved scenario (so a resumed run cannot see an edited file). */
  scenario: unknown;
  /** The agent of each shaping. */
  agents: Record<string, string>;
  /** Start from the env's action prior (the scenario's stand-in for a pretrained model's habits). */
  prior: boolean;
  steps: number;
  hyper: Record<string, unknown>;
  evalEpisodes: number;
  /** Traced evaluation episodes of the final policy (the initial policy gets one when > 0). */
  traceEpisodes: number;
}

export interface EnvArgs {
  envId: string;
  envKwargs: Record<string, unknown>;
}

export interface TrainEpisode {
  episode: number;
  envSteps: number;
  return: number;
  length: number;
  cost: number;
  info: Info;
}

export interface EvalEpisodeResult {
  return: number;
  length: number;
  cost: number;
  info: Info;
  trace?: readonly TraceTick[];
}

/** What a job needs from the agents (agents/train.ts, adapted in experiments/worker.ts). */
export interface JobTrainer<P = unknown> {
  /** Activates a tfjs backend and returns its one-line description. */
  selectBackend(request: string): Promise<string>;
  /** The policy `train` starts from with this seed (the exploration baseline). */
  initialPolicy(args: EnvArgs & { agent: string; seed: number; hyper: Record<string, unknown>; prior: boolean }): P | Promise<P>;
  train(
    args: EnvArgs & {
      agent: string;
      seed: number;
      steps: number;
      hyper: Record<string, unknown>;
      prior: boolean;
      onEpisode: (ep: TrainEpisode) => void;
      signal: AbortSignal;
    },
  ): Promise<{ policy: P; envSteps: number }>;
  /** Runs the stochastic policy; when `recordTraces` > 0 the first that many episodes carry a trace. */
  evaluate(policy: P, args: EnvArgs & { episodes: number; seed: number; recordTraces: number }): Promise<readonly EvalEpisodeResult[]> | readonly EvalEpisodeResult[];
  dispose(policy: P): void;
}

export interface JobProgress {
  trainSteps: number;
  evalSteps: number;
}

interface EpisodeSummary {
  safety: SafetyValues;
  taskSuccess: boolean;
  firewall: readonly FirewallEntry[];
}

/** The sandbox's end-of-episode summary from a final `info` (`EpisodeSummary` in env/sandbox/env.ts). */
export function episodeSummary(info: Info): EpisodeSummary {
  const ep = info.episode as Partial<EpisodeSummary> | undefined;
  if (!ep || typeof ep !== 'object' || !ep.safety || !Array.isArray(ep.firewall)) {
    throw new Error('episode info has no sandbox summary (info.episode.safety / .firewall); is the env rome/Sandbox-v0?');
  }
  return { safety: ep.safety, taskSuccess: Boolean(ep.taskSuccess), firewall: ep.firewall };
}

/** The seed of the evaluation episodes: shared by the initial and final policy (common random numbers). */
export function evalSeed(seed: number): number {
  return Rng.derive(seed, 'evaluation').nextSeed();
}

/** Indices of episodes to keep traces of: those showing the first priority behaviour first, and so on. */
export function pickTraced(safety: readonly SafetyValues[], priority: readonly Behaviour[], count: number): number[] {
  const rank = (s: SafetyValues) => {
    const i = priority.findIndex((b) => b.occurred(s));
    return i < 0 ? priority.length : i;
  };
  return safety
    .map((s, i) => ({ i, r: rank(s) }))
    .sort((a, b) => a.r - b.r || a.i - b.i)
    .slice(0, count)
    .map((x) => x.i)
    .sort((a, b) => a - b);
}

export async function runJob<P>(
  job: SweepJob,
  s: JobSettings,
  trainer: JobTrainer<P>,
  opts: {
    backend: string | null;
    tracePriority: readonly Behaviour[];
    signal: AbortSignal;
    onProgress: (p: JobProgress) => void;
    /** Checked before the part is committed; false abandons it (an orphaned worker). */
    canCommit?: () => boolean;
  },
): Promise<JobDone> {
  const started = performance.now();
  const writer = new JobPartWriter(s.runDir, job, `${process.pid}`);
  const env: EnvArgs = { envId: s.envId, envKwargs: { scenario: s.scenario, shaping: job.shaping } };
  const progress: JobProgress = { trainSteps: 0, evalSteps: 0 };
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (force || now - lastReport > 250) {
      lastReport = now;
      opts.onProgress({ ...progress });
    }
  };
  const head = { shaping: job.shaping, seed: job.seed };
  try {
    const evaluatePolicy = async (policy: P, kind: PolicyKind, trainedSteps: number) => {
      const traces = kind === 'final' ? s.traceEpisodes : Math.min(1, s.traceEpisodes);
      const eps = await trainer.evaluate(policy, { ...env, episodes: s.evalEpisodes, seed: evalSeed(job.seed), recordTraces: traces > 0 ? s.evalEpisodes : 0 });
      const rows: EvalRow[] = [];
      const firewall: FirewallLine[] = [];
      const summaries = eps.map((e) => episodeSummary(e.info));
      eps.forEach((e, episode) => {
        const sum = summaries[episode]!;
        rows.push({ ...head, policy: kind, episode, return: e.return, length: e.length, cost: e.cost, metrics: { ...sum.safety, task_success: sum.taskSuccess ? 1 : 0 } });
        for (const f of sum.firewall) firewall.push({ ...head, phase: 'eval', policy: kind, episode, env_steps: trainedSteps, ...f });
        progress.evalSteps += e.length;
      });
      writer.evals(rows);
      writer.firewall(firewall);
      for (const i of pickTraced(summaries.map((x) => x.safety), opts.tracePriority, traces)) {
        const trace = eps[i]!.trace;
        if (trace) writer.trace(kind, i, trace);
      }
      report(true);
    };

    const agent = s.agents[job.shaping];
    if (agent === undefined) throw new Error(`no agent configured for shaping '${job.shaping}'`);
    const initial = await trainer.initialPolicy({ ...env, agent, seed: job.seed, hyper: s.hyper, prior: s.prior });
    try {
      await evaluatePolicy(initial, 'initial', 0);
    } finally {
      trainer.dispose(initial);
    }

    const { policy, envSteps } = await trainer.train({
      ...env,
      agent,
      seed: job.seed,
      steps: s.steps,
      hyper: s.hyper,
      prior: s.prior,
      signal: opts.signal,
      onEpisode: (ep) => {
        const sum = episodeSummary(ep.info);
        writer.episode({ ...head, episode: ep.episode, envSteps: ep.envSteps, return: ep.return, length: ep.length, taskSuccess: sum.taskSuccess ? 1 : 0, cost: ep.cost, metrics: sum.safety });
        if (sum.firewall.length > 0) writer.firewall(sum.firewall.map((f) => ({ ...head, phase: 'train' as const, episode: ep.episode, env_steps: ep.envSteps, ...f })));
        progress.trainSteps = ep.envSteps;
        report();
      },
    });
    progress.trainSteps = envSteps;
    try {
      await evaluatePolicy(policy, 'final', envSteps);
    } finally {
      trainer.dispose(policy);
    }
    const done: JobDone = { wallSeconds: (performance.now() - started) / 1000, envSteps: progress.trainSteps + progress.evalSteps, backend: opts.backend };
    if (opts.canCommit && !opts.canCommit()) throw new Error('orphaned worker: the sweep that started this job is gone');
    writer.commit(done);
    return done;
  } catch (e) {
    writer.abandon();
    throw e;
  }
}
