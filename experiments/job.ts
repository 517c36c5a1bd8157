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
import type { EpisodeRecord } from '../agents/episodes.js';
import type { Behaviour, SafetyValues } from '../analysis/index.js';
import { attemptMask } from '../env/sandbox/attempts.js';
import type { Scenario } from '../env/sandbox/scenario.js';
import type { EpisodeSummary } from '../env/sandbox/index.js';
import {
  chainMilestones,
  JobPartWriter,
  type AblationRow,
  type Arm,
  type EvalRow,
  type FirewallLine,
  type JobDone,
  type OpportunityRow,
  type PolicyKind,
  type SweepJob,
  type TraceTick,
} from '../rundir/index.js';

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
  /** Per shaping, the resolved control scenario control jobs train in (scenarios/control.ts). */
  controls: Record<string, unknown> | null;
  /** Discount of the evaluation's discounted returns (the scenario's, as the planner's values use). */
  gamma: number;
  /** Evaluate each treatment job's final policy once per behaviour with its actions masked. */
  ablation: boolean;
}

export interface EnvArgs {
  envId: string;
  envKwargs: Record<string, unknown>;
}

/** One finished training episode, as agents/train.ts reports it. */
export type TrainEpisode = EpisodeRecord;

export interface EvalEpisodeResult {
  return: number;
  /** sum_t gamma^t r_t with `gamma` of the evaluate call. */
  discountedReturn: number;
  length: number;
  cost: number;
  info: Info;
  trace?: readonly TraceTick[];
  /** Per `watch` entry (same order): sum over steps of p_t, and of log(1 - p_t). */
  watched?: { probSum: readonly number[]; logNone: readonly number[] };
  /** Steps at which `forbid` left nothing legal. */
  fallbackSteps?: number;
  /** Every step's info.events (when `events` was asked for). */
  events?: readonly unknown[];
}

/**
 * An action set of a behaviour: `actions` marks the actions that attempt it (env/sandbox/attempts.ts),
 * null when the env has no such table (a trainer may still know the behaviour by name).
 */
export interface ActionSet {
  behaviour: string;
  actions: Uint8Array | null;
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
  /**
   * Runs the stochastic policy; when `recordTraces` > 0 the first that many episodes carry a trace.
   * `watch`: record the policy's probability of each set at every visited state; `forbid`: mask the
   * set's actions out (ablation); `events`: return every step's safety events.
   */
  evaluate(
    policy: P,
    args: EnvArgs & { episodes: number; seed: number; recordTraces: number; gamma: number; watch: readonly ActionSet[]; forbid?: ActionSet; events: boolean },
  ): Promise<readonly EvalEpisodeResult[]> | readonly EvalEpisodeResult[];
  dispose(policy: P): void;
}

export interface JobProgress {
  trainSteps: number;
  evalSteps: number;
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

/** A scenario's rent price, when the resolved scenario is a sandbox scenario (Infinity otherwise: never reached). */
function rentPrice(scenario: unknown): number {
  const p = (scenario as { economy?: { rent_price?: unknown } } | null)?.economy?.rent_price;
  return typeof p === 'number' ? p : Infinity;
}

/** The behaviours' attempt sets in a scenario; null sets when it is not a sandbox scenario. */
export function actionSets(scenario: unknown, behaviours: readonly Behaviour[]): ActionSet[] {
  const sc = scenario as { cluster?: { gpus?: unknown } } | null;
  const sandbox = Array.isArray(sc?.cluster?.gpus);
  return behaviours.map((b) => ({ behaviour: b.name, actions: sandbox ? attemptMask(scenario as Pick<Scenario, 'cluster'>, b.name) : null }));
}

export async function runJob<P>(
  job: SweepJob,
  s: JobSettings,
  trainer: JobTrainer<P>,
  opts: {
    backend: string | null;
    /** Every behaviour the analysis measures (opportunity and ablation rows are written for each). */
    behaviours: readonly Behaviour[];
    tracePriority: readonly Behaviour[];
    signal: AbortSignal;
    onProgress: (p: JobProgress) => void;
    /** Checked before the part is committed; false abandons it (an orphaned worker). */
    canCommit?: () => boolean;
  },
): Promise<JobDone> {
  const started = performance.now();
  const writer = new JobPartWriter(s.runDir, job, `${process.pid}`);
  const arm: Arm = job.arm;
  let scenario = s.scenario;
  if (arm === 'control') {
    const c = s.controls?.[job.shaping];
    if (c === undefined) throw new Error(`no control scenario configured for shaping '${job.shaping}'`);
    scenario = c;
  }
  const env: EnvArgs = { envId: s.envId, envKwargs: { scenario, shaping: job.shaping } };
  const watch = actionSets(scenario, opts.behaviours);
  const price = rentPrice(scenario);
  const progress: JobProgress = { trainSteps: 0, evalSteps: 0 };
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (force || now - lastReport > 250) {
      lastReport = now;
      opts.onProgress({ ...progress });
    }
  };
  const head = { shaping: job.shaping, seed: job.seed, ...(arm === 'control' ? { arm } : {}) };
  const eseed = evalSeed(job.seed);
  try {
    const evaluatePolicy = async (policy: P, kind: PolicyKind, trainedSteps: number) => {
      const traces = kind === 'final' ? s.traceEpisodes : Math.min(1, s.traceEpisodes);
      const eps = await trainer.evaluate(policy, { ...env, episodes: s.evalEpisodes, seed: eseed, recordTraces: traces > 0 ? s.evalEpisodes : 0, gamma: s.gamma, watch, events: true });
      const rows: EvalRow[] = [];
      const firewall: FirewallLine[] = [];
      const summaries = eps.map((e) => episodeSummary(e.info));
      eps.forEach((e, episode) => {
        const sum = summaries[episode]!;
        const chain = chainMilestones(e.events ?? [], price, sum.taskSuccess);
        rows.push({
          ...head,
          arm,
          policy: kind,
          episode,
          return: e.return,
          discountedReturn: e.discountedReturn,
          length: e.length,
          cost: e.cost,
          metrics: { ...sum.safety, task_success: sum.taskSuccess ? 1 : 0, ...chain },
        });
        for (const f of sum.firewall) firewall.push({ ...head, phase: 'eval', policy: kind, episode, env_steps: trainedSteps, ...f });
        progress.evalSteps += e.length;
      });
      writer.evals(rows);
      writer.firewall(firewall);
      const steps = eps.reduce((a, e) => a + e.length, 0);
      const opportunity: OpportunityRow[] = [];
      watch.forEach((w, k) => {
        if (eps.some((e) => e.watched === undefined)) return;
        opportunity.push({
          shaping: job.shaping,
          seed: job.seed,
          arm,
          policy: kind,
          behaviour: w.behaviour,
          episodes: eps.length,
          steps,
          probSum: eps.reduce((a, e) => a + e.watched!.probSum[k]!, 0),
          episodeProbSum: eps.reduce((a, e) => a + (1 - Math.exp(e.watched!.logNone[k]!)), 0),
        });
      });
      writer.opportunity(opportunity);
      for (const i of pickTraced(summaries.map((x) => x.safety), opts.tracePriority, traces)) {
        const trace = eps[i]!.trace;
        if (trace) writer.trace(kind, i, trace);
      }
      report(true);
    };

    /** The final policy with each behaviour's actions masked: what the behaviour contributes to the return. */
    const ablate = async (policy: P) => {
      const rows: AblationRow[] = [];
      for (const w of watch) {
        const byName = opts.behaviours.find((b) => b.name === w.behaviour)!;
        const eps = await trainer.evaluate(policy, { ...env, episodes: s.evalEpisodes, seed: eseed, recordTraces: 0, gamma: s.gamma, watch: [], forbid: w, events: false });
        rows.push({
          shaping: job.shaping,
          seed: job.seed,
          arm,
          behaviour: w.behaviour,
          episodes: eps.length,
          returnSum: eps.reduce((a, e) => a + e.return, 0),
          discountedReturnSum: eps.reduce((a, e) => a + e.discountedReturn, 0),
          occurred: eps.filter((e) => byName.occurred(episodeSummary(e.info).safety)).length,
          fallbackSteps: eps.reduce((a, e) => a + (e.fallbackSteps ?? 0), 0),
        });
        progress.evalSteps += eps.reduce((a, e) => a + e.length, 0);
        report();
      }
      writer.ablation(rows);
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
      if (s.ablation && arm === 'treatment') await ablate(policy);
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
