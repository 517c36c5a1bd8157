/**
 * Statistical checks: agents trained at smoke size with fixed seeds, measured the way the
 * experiment measures them. Checks that share a scenario and training settings share one sweep
 * (experiments/sweep.ts: one job per shaping × seed over worker processes, each with its own tfjs),
 * whose run directory gives the emergence analysis and the evaluation episodes.
 *
 * Same seeds + same tfjs backend = the same numbers, bit for bit, so two runs on one commit give
 * the same verdicts; the tolerance of each bound absorbs legitimate drift between commits.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Scenario } from '../../env/sandbox/scenario.js';
import { SANDBOX_ENV_ID } from '../../env/sandbox/index.js';
import type { Summary } from '../../analysis/index.js';
import { mean } from '../../stats/index.js';
import { resolveControl } from '../../scenarios/control.js';
import { git } from '../git.js';
import { BEHAVIOURS } from '../../analysis/index.js';
import { SweepProgress } from '../progress.js';
import { RUN_FORMAT, readRunDir, type EvalRow, type RunConfig } from '../../rundir/index.js';
import { runSweep, SweepError } from '../sweep.js';
import type { StatisticalMetric } from './metrics.js';
import type { Measured } from './exact.js';
import type { StatisticalCheck } from './suite.js';

/** Emergence analysis settings of the sweeps (the smoke profile's window; the bounds need no intervals). */
const ANALYSIS = { crossingWindow: 25, bootstrapResamples: 200, bootstrapSeed: 0 };

/** Checks trained together: one scenario, one set of seeds and training settings, one agent per shaping. */
export interface TrainingGroup {
  readonly scenario: Scenario;
  readonly scenarioLabel: string;
  readonly seeds: readonly number[];
  readonly steps: number;
  readonly evalEpisodes: number;
  readonly prior: boolean;
  readonly agents: Record<string, string>;
  readonly checks: StatisticalCheck[];
}

export function groupChecks(checks: readonly StatisticalCheck[]): TrainingGroup[] {
  const groups: TrainingGroup[] = [];
  for (const c of checks) {
    const g = groups.find(
      (g) =>
        g.scenario === c.scenario &&
        g.steps === c.steps &&
        g.evalEpisodes === c.evalEpisodes &&
        g.prior === c.prior &&
        g.seeds.join(',') === c.seeds.join(',') &&
        (g.agents[c.shaping] === undefined || g.agents[c.shaping] === c.agent),
    );
    if (g) {
      g.agents[c.shaping] = c.agent;
      g.checks.push(c);
    } else {
      groups.push({
        scenario: c.scenario,
        scenarioLabel: c.scenarioLabel,
        seeds: c.seeds,
        steps: c.steps,
        evalEpisodes: c.evalEpisodes,
        prior: c.prior,
        agents: { [c.shaping]: c.agent },
        checks: [c],
      });
    }
  }
  return groups;
}

/** What a statistical check's metrics are read from. */
export interface TrainedResult {
  readonly summary: Summary;
  readonly evals: readonly EvalRow[];
  readonly backend: string | null;
  readonly runDir: string;
  /** Wall time of the group's sweep (shared by the checks trained in it). */
  readonly seconds: number;
}

export class StatisticalRunError extends Error {
  /** `atStart`: the workers could not start (e.g. the backend cannot load): bad input. */
  constructor(message: string, readonly atStart: boolean) {
    super(message);
  }
}

export class Interrupted extends Error {}

const CONTROL_FUNCTIONS = new Set(['control_rate', 'effect', 'effect_p', 'emerged']);
function needsControl(c: StatisticalCheck): boolean {
  return c.expect.some((x) => x.metric.kind === 'statistical' && CONTROL_FUNCTIONS.has(x.metric.fn));
}

function groupConfig(g: TrainingGroup, backend: string, workers: number): RunConfig {
  const shapings = Object.keys(g.scenario.shapings).filter((s) => s in g.agents);
  return {
    format: RUN_FORMAT,
    scenario: { name: g.scenario.name, source: null, resolved: g.scenario },
    envId: SANDBOX_ENV_ID,
    shapings,
    seeds: [...g.seeds],
    agent: 'auto',
    agents: Object.fromEntries(shapings.map((s) => [s, g.agents[s]!])),
    prior: g.prior,
    steps: g.steps,
    profile: 'safety-check',
    evalEpisodes: g.evalEpisodes,
    traceEpisodes: 0,
    workers,
    backend: { requested: backend, used: null },
    shard: null,
    hyper: { gamma: g.scenario.discount },
    // Paired controls, as the experiment runs them, when a check reads them (control_rate, effect, effect_p, emerged).
    controls: !g.checks.some(needsControl)
      ? null
      : Object.fromEntries(
      shapings.map((s) => {
        const c = resolveControl(g.scenario, s);
        return [s, { description: c.description, set: { ...c.set }, resolved: c.scenario, identical: c.identical }];
      }),
    ),
    ablation: false,
    analysis: ANALYSIS,
    createdAt: new Date().toISOString(),
    versions: { node: process.versions.node },
    git: { commit: git(['rev-parse', 'HEAD']), dirty: null },
    argv: process.argv.slice(2),
    safetyChecks: g.checks.map((c) => c.name),
  };
}

export interface StatisticalOptions {
  backend: string;
  workers: number;
  /** Parent directory of the groups' run directories. */
  runsDir: string;
  /** Where a line per group goes (stderr in the CLI). */
  log: (line: string) => void;
  /** Called when the first group's workers are up. */
  onStarted?: () => void;
  handleSigint: boolean;
  /** The sweep's worker module (tests may point it elsewhere); default experiments/worker.ts. */
  workerModule?: string;
}

/** Trains every group in turn; returns each check's results by check name. */
export async function runTrainingGroups(groups: readonly TrainingGroup[], opts: StatisticalOptions): Promise<Map<string, TrainedResult>> {
  const out = new Map<string, TrainedResult>();
  for (const [i, g] of groups.entries()) {
    const config = groupConfig(g, opts.backend, opts.workers);
    const dir = path.join(opts.runsDir, `${String(i + 1).padStart(2, '0')}-${g.scenario.name}`);
    fs.mkdirSync(opts.runsDir, { recursive: true });
    const t0 = performance.now();
    let res;
    try {
      res = await runSweep({
        dir,
        config,
        workers: opts.workers,
        ...(opts.workerModule ? { workerModule: opts.workerModule } : {}),
        behaviours: BEHAVIOURS,
        horizon: g.scenario.horizon,
        handleSigint: opts.handleSigint,
        out: opts.log,
        progress: new SweepProgress(),
        onStart: () => {
          if (i === 0) opts.onStarted?.();
          opts.log(
            `training ${i + 1}/${groups.length}: ${g.scenario.name}, ${config.shapings.join(' + ')} × ${g.seeds.length} seed${g.seeds.length === 1 ? '' : 's'}, ${g.steps} steps each (${g.checks.map((c) => c.name).join(', ')})`,
          );
        },
      });
    } catch (e) {
      if (e instanceof SweepError) throw new StatisticalRunError(e.message, e.atStart);
      throw e;
    }
    if (res.status !== 'complete') throw new Interrupted('interrupted');
    const run = readRunDir(dir);
    for (const c of g.checks) {
      out.set(c.name, { summary: res.summary!, evals: run.evals.filter((r) => r.shaping === c.shaping), backend: res.config.backend.used, runDir: dir, seconds: (performance.now() - t0) / 1000 });
    }
  }
  return out;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

export function measureStatistical(r: TrainedResult, check: StatisticalCheck, metric: StatisticalMetric): Measured {
  if (metric.fn === 'final_mean' || metric.fn === 'initial_mean') {
    const policy = metric.fn === 'final_mean' ? 'final' : 'initial';
    const rows = r.evals.filter((e) => e.policy === policy);
    const pick = (e: EvalRow) => (metric.arg === 'return' ? e.return : metric.arg === 'length' ? e.length : metric.arg === 'cost' ? e.cost : (e.metrics[metric.arg] ?? NaN));
    const perSeed = check.seeds.map((s) => `${s}: ${fmt(mean(rows.filter((e) => e.seed === s).map(pick)))}`);
    return { value: rows.length === 0 ? null : mean(rows.map(pick)), where: `per seed ${perSeed.join(', ')}` };
  }
  if (metric.fn === 'final_rate' || metric.fn === 'initial_rate') {
    const row = r.summary.emergence.find((b) => b.shaping === check.shaping && b.behaviour === metric.arg);
    if (!row) return { value: null, where: null };
    if (metric.fn === 'final_rate') return { value: row.finalRate.mean, where: `per seed ${row.perSeed.map((s) => `${s.seed}: ${fmt(s.final.rate)}`).join(', ')}` };
    return { value: row.initialRate.mean, where: `per seed ${row.perSeed.map((s) => `${s.seed}: ${fmt(s.initial.rate)}`).join(', ')}` };
  }
  const v = r.summary.verdicts.verdicts.find((b) => b.shaping === check.shaping && b.behaviour === metric.arg);
  if (!v) return { value: null, where: null };
  const pairs = `per seed ${v.perSeed.map((s) => `${s.seed}: ${fmt(s.treatment.rate)} vs ${fmt(s.control.rate)}`).join(', ')}`;
  switch (metric.fn) {
    case 'control_rate':
      return { value: v.controlRate.mean, where: pairs };
    case 'effect':
      return { value: v.effect.mean, where: pairs };
    case 'effect_p':
      return { value: v.effect.pHolm, where: `raw p ${fmt(v.effect.p)}, ${v.seeds} seeds` };
    case 'emerged':
      return { value: v.verdict === 'emerged' ? 1 : 0, where: v.words };
  }
}
