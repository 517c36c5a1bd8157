/**
 * `npm run experiment -- --scenario mining`: trains agents under each of a scenario's reward
 * shapings across seeds, evaluates the initial and final policies, and reports whether, when and
 * how often each safety behaviour emerged (analysis/), into a run directory.
 *
 * The CLI layer: it composes the sweep (experiments/sweep.ts) with the report (reports/build.ts),
 * which reads the finished run directory alone; neither of those imports the other.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { AGENTS, BACKEND_REQUESTS } from '../agents/index.js';
import { listScenarios, ScenarioError } from '../scenarios/loader.js';
import { writeReport } from '../reports/build.js';
import type { Scenario } from '../env/sandbox/scenario.js';
import { SANDBOX_ENV_ID } from '../env/sandbox/index.js';
import { cliDefaults, intFlag, LIMITS, parseHyperSets, runCli, scenarioFlag, UsageError } from '../experiments/cli.js';
import { HyperparameterError, resolveHyperparameters } from '../agents/hyperparameters.js';
import { git } from '../experiments/git.js';
import { resolveControl } from '../scenarios/control.js';
import { DEFAULT_ALPHA, DEFAULT_GAP_THRESHOLD, DEFAULT_MIN_EFFECT } from '../analysis/index.js';
import { defaultAgent } from '../experiments/jobs.js';
import { BEHAVIOURS } from '../analysis/index.js';
import { PROFILES, PROFILE_NAMES, type ProfileName } from '../experiments/profiles.js';
import { entriesBesidesLock, lockRunDir, RunDirError, RunDirLockedError } from '../experiments/lock.js';
import { formatDuration } from '../experiments/progress.js';
import { allJobs, ARMS, armsOf, parseShard, readConfig, RUN_FORMAT, shardJobs, type CapabilityEntry, type RunConfig, type RunControl, type Shard } from '../rundir/index.js';
import { hasPlannerFile, planningSeeds, runPlannerThread, writePlannerFile } from '../experiments/planner-pass.js';
import { formatGapTable, formatVerdictTable } from '../experiments/summary.js';
import { capabilityFor } from '../experiments/capability-record.js';
import { capabilityLines } from '../reports/capability.js';
import { runSweep, SweepError, writeSummary } from '../experiments/sweep.js';

function controlWords(c: RunConfig): string {
  const d = [...new Set(Object.values(c.controls ?? {}).map((x) => x.description))];
  return d.length === 0 ? 'no control' : d.join('; ');
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function usage(msg: string): never {
  throw new UsageError(msg);
}

/** `5` → seeds 1..5; `1,2,7` → those seeds; `3..6` → 3,4,5,6. */
export function parseSeeds(text: string): number[] | null {
  const t = text.trim();
  let seeds: number[];
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    if (n < 1) return null;
    seeds = Array.from({ length: n }, (_, i) => i + 1);
  } else if (/^\d+\.\.\d+$/.test(t)) {
    const [a, b] = t.split('..').map(Number) as [number, number];
    if (b < a) return null;
    seeds = Array.from({ length: b - a + 1 }, (_, i) => a + i);
  } else if (/^\d+(,\d*)*$/.test(t)) {
    seeds = t.split(',').filter((s) => s !== '').map(Number);
  } else return null;
  if (seeds.some((s) => !Number.isSafeInteger(s)) || new Set(seeds).size !== seeds.length) return null;
  return seeds;
}

function utcStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

function versions(): Record<string, string> {
  const read = (p: string) => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8')) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  return { 'rome-gym': read('package.json'), node: process.versions.node, '@tensorflow/tfjs': read('node_modules/@tensorflow/tfjs/package.json') };
}

const RUN_FLAGS = ['scenario', 'shapings', 'seeds', 'agent', 'steps', 'profile', 'backend', 'out', 'shard', 'eval-episodes', 'traces', 'prior', 'min-effect', 'gap-threshold', 'set'] as const;

function fractionFlag(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 0 || v > 1) usage(`--${name} must be a number in [0, 1], got ${String(v)}`);
  return v;
}

async function main(): Promise<number> {
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run experiment --')
    .usage('$0 --scenario NAME [options]\n\nTrain agents under each reward shaping of a scenario across seeds, evaluate the initial and\nfinal policies, and report whether, when and how often resource grabbing emerged. Writes a run\ndirectory (config.json, episodes.csv, eval.csv, firewall.jsonl, traces/, summary.json) and\nbuilds its report (report.html, summary.md).')
    .option('scenario', { type: 'string', describe: 'scenario name (scenarios/NAME.yaml) or path to a scenario file' })
    .option('shapings', { type: 'string', describe: 'comma-separated reward shapings (default: all of the scenario\'s)' })
    .option('seeds', { type: 'string', describe: 'a count (5 = seeds 1..5), a list (1,2,7) or a range (3..6); default from the profile' })
    .option('agent', { type: 'string', choices: [...AGENTS], describe: 'agent for every shaping (default: ppo, and ppo-lagrangian for constrained shapings)' })
    .option('steps', { type: 'string', describe: `training env steps per job, 1 to ${LIMITS.steps} (default from the profile)` })
    .option('profile', { type: 'string', choices: [...PROFILE_NAMES], default: 'default', describe: 'sizes: ' + PROFILE_NAMES.map((p) => `${p} (${PROFILES[p].seeds} seeds × ${PROFILES[p].steps} steps, ${PROFILES[p].evalEpisodes} eval episodes)`).join('; ') })
    .option('workers', { type: 'string', describe: `worker processes, each with its own tfjs, 1 to ${LIMITS.workers} (default: cores = ${cores}, at most the number of jobs)` })
    .option('backend', { type: 'string', choices: [...BACKEND_REQUESTS], default: 'auto', describe: 'tfjs backend of the workers' })
    .option('out', { type: 'string', describe: 'run directory to create (default: runs/<scenario>-<utc>)' })
    .option('resume', { type: 'string', describe: 'finish the run in this directory (its config.json gives every setting; only --workers may be given)' })
    .option('shard', { type: 'string', describe: 'run only shard i of n (0-based, e.g. 0/4): jobs whose index mod n is i; merge with `npm run merge`' })
    .option('eval-episodes', { type: 'string', describe: `evaluation episodes per policy, stochastic, 1 to ${LIMITS.evalEpisodes} (default from the profile; default profile: 100)` })
    .option('traces', { type: 'string', describe: 'traced evaluation episodes per job, at most --eval-episodes (default from the profile, capped at --eval-episodes)' })
    .option('prior', { type: 'boolean', default: true, describe: 'start policies from the scenario\'s action prior (--no-prior: plain initialisation)' })
    .option('set', { type: 'string', array: true, default: [] as string[], describe: 'hyperparameter override name=value for every job\'s agent (repeatable; e.g. --set learningRate=0.003 --set hidden=128,128); recorded in config.json; gamma and costLimit come from the scenario' })
    .option('min-effect', { type: 'number', describe: `smallest mean increase of a behaviour's per-episode rate over its paired control that counts as emergence (default ${DEFAULT_MIN_EFFECT})` })
    .option('gap-threshold', { type: 'number', describe: `optimality gap (planner's best expected return minus the final policy's) above which a not-detected behaviour with a positive incentive is inconclusive (default ${DEFAULT_GAP_THRESHOLD})` })
    .example('npm run experiment -- --scenario mining', 'every shaping of the mining scenario, 10 seeds and their paired controls (the default profile)')
    .example('npm run experiment -- --scenario control --profile smoke', 'a one-minute smoke run')
    .example('npm run experiment -- --scenario mining --shapings outcome,outcome+cost --seeds 1,2,7 --steps 50000', 'chosen shapings and seeds')
    .example('npm run experiment -- --scenario mining --shard 0/4 --out runs/m-0', 'one shard of four (Slurm array task / k8s indexed job 0)')
    .example('npm run experiment -- --resume runs/mining-20250101T120000Z', 'finish an interrupted run');
  const argv = await cliDefaults(cli).parseAsync();

  const given = (flag: string) => process.argv.slice(2).some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`) || (flag === 'prior' && a === '--no-prior'));
  const workersFlag = intFlag('workers', argv.workers, 1, LIMITS.workers);

  let dir: string;
  let config: RunConfig | undefined;
  let horizon: number;
  if (argv.resume !== undefined) {
    const extra = RUN_FLAGS.filter(given);
    if (extra.length > 0) usage(`--resume takes every setting from ${path.join(argv.resume, 'config.json')}; drop --${extra.join(', --')}`);
    dir = argv.resume;
    let c: RunConfig;
    try {
      c = readConfig(dir);
    } catch (e) {
      usage(`--resume: ${(e as Error).message}`);
    }
    // Before anything is recovered (truncated): a live run in this directory must be left alone.
    lockRunDir(dir);
    horizon = (c.scenario.resolved as Scenario).horizon;
    const pending = shardJobs(allJobs(c.shapings, c.seeds, armsOf(c)), c.shard).length;
    const header = `resuming ${dir} (${c.scenario.name}, ${pending} jobs${c.shard ? `, shard ${c.shard.index}/${c.shard.count}` : ''})`;
    return run(dir, undefined, horizon, workersFlag ?? Math.min(cores, pending), c, header);
  }

  if (argv.scenario === undefined) usage('--scenario is required (or --resume DIR); valid scenarios: ' + listScenarios().join(', '));
  const name = argv.scenario;
  const { scenario, isPath } = scenarioFlag(name);
  const allShapings = Object.keys(scenario.shapings);
  const shapings = argv.shapings === undefined ? allShapings : argv.shapings.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = shapings.filter((s) => !allShapings.includes(s));
  if (unknown.length > 0) usage(`unknown shaping '${unknown[0]}' in scenario ${scenario.name}; valid shapings: ${allShapings.join(', ')}`);
  if (shapings.length === 0 || new Set(shapings).size !== shapings.length) usage(`--shapings must list distinct shapings of ${scenario.name}: ${allShapings.join(', ')}`);
  const profileName = argv.profile as ProfileName;
  const profile = PROFILES[profileName];
  const seeds = argv.seeds === undefined ? Array.from({ length: profile.seeds }, (_, i) => i + 1) : parseSeeds(argv.seeds);
  if (seeds === null) usage(`--seeds must be a count (5), a list of distinct seeds (1,2,7) or a range (3..6), got '${argv.seeds}'`);
  if (seeds.length > LIMITS.seeds) usage(`--seeds: at most ${LIMITS.seeds} seeds, got ${seeds.length}`);
  const steps = intFlag('steps', argv.steps, 1, LIMITS.steps) ?? profile.steps;
  const evalEpisodes = intFlag('eval-episodes', argv['eval-episodes'], 1, LIMITS.evalEpisodes) ?? profile.evalEpisodes;
  // Unasked, the profile's trace count is capped at the evaluation episodes there are to trace.
  const traceEpisodes = intFlag('traces', argv.traces, 0, Math.min(LIMITS.traces, evalEpisodes)) ?? Math.min(profile.traceEpisodes, evalEpisodes);
  let shard: Shard | null = null;
  if (argv.shard !== undefined) {
    shard = parseShard(argv.shard);
    if (shard === null) usage(`--shard must be i/n with 0 <= i < n, got '${argv.shard}'`);
  }
  const minEffect = fractionFlag('min-effect', argv['min-effect'], DEFAULT_MIN_EFFECT);
  const gapThreshold = fractionFlag('gap-threshold', argv['gap-threshold'], DEFAULT_GAP_THRESHOLD);
  const controls: Record<string, RunControl> = {};
  for (const sh of shapings) {
    try {
      const c = resolveControl(scenario, sh);
      controls[sh] = { description: c.description, set: { ...c.set }, resolved: c.scenario, identical: c.identical };
    } catch (e) {
      if (e instanceof ScenarioError) usage(e.message);
      throw e;
    }
  }
  const agents = Object.fromEntries(shapings.map((s) => [s, argv.agent ?? defaultAgent(scenario, s)]));
  // Generic learner settings (npm run capability's --set, docs/capability-study.md's ppo-tuned); the
  // discount and the cost limit stay the scenario's, so the planner's values remain comparable.
  const sets = parseHyperSets((argv.set as (string | number)[]).map(String));
  for (const k of ['gamma', 'costLimit'] as const) if (k in sets) usage(`--set ${k}: the scenario sets it (its discount and each shaping's cost limit)`);
  for (const a of new Set(Object.values(agents))) {
    try {
      resolveHyperparameters(a, SANDBOX_ENV_ID, { ...sets, gamma: scenario.discount });
    } catch (e) {
      if (e instanceof HyperparameterError) usage(`--set: ${e.message}`);
      throw e;
    }
  }
  const jobs = shardJobs(allJobs(shapings, seeds, ARMS), shard);
  if (jobs.length === 0) usage(`shard ${argv.shard} has no jobs (${shapings.length * seeds.length * ARMS.length} jobs in all)`);
  const now = new Date();
  dir = argv.out ?? path.join('runs', `${scenario.name}-${utcStamp(now)}${shard ? `-shard${shard.index}of${shard.count}` : ''}`);
  // The lock first (it creates the directory): another process starting on the same --out is
  // refused by the lock, naming its pid, rather than racing this one past the emptiness check.
  try {
    lockRunDir(dir);
  } catch (e) {
    if (e instanceof RunDirError) usage(`--out ${e.message}`);
    throw e;
  }
  if (entriesBesidesLock(dir).length > 0) {
    usage(fs.existsSync(path.join(dir, 'config.json')) ? `--out ${dir} is an existing run; continue it with --resume ${dir}` : `--out ${dir} exists and is not an empty directory`);
  }
  const commit = git(['rev-parse', 'HEAD']);
  const status = commit === null ? null : git(['status', '--porcelain', '--untracked-files=no']);
  config = {
    format: RUN_FORMAT,
    scenario: { name: scenario.name, source: isPath ? path.resolve(name) : null, resolved: scenario },
    envId: SANDBOX_ENV_ID,
    shapings,
    seeds,
    agent: argv.agent ?? 'auto',
    agents,
    prior: argv.prior,
    steps,
    profile: profileName,
    evalEpisodes,
    traceEpisodes,
    workers: workersFlag ?? Math.min(cores, jobs.length),
    backend: { requested: argv.backend, used: null },
    shard,
    // The agents discount with the scenario's discount (the env itself does not discount).
    hyper: { ...sets, gamma: scenario.discount },
    controls,
    ablation: true,
    plan: { seeds: profile.planSeeds, budget: profile.planBudget },
    analysis: { crossingWindow: profile.crossingWindow, bootstrapResamples: profile.bootstrapResamples, bootstrapSeed: 0, minEffect, gapThreshold, alpha: DEFAULT_ALPHA },
    createdAt: now.toISOString(),
    versions: versions(),
    git: { commit, dirty: status === null ? null : status.length > 0 },
    argv: process.argv.slice(2),
  };
  // The agent's demonstrated reach (npm run capability), so negative results are read against it.
  config['capability'] = capabilityFor(argv.agent ?? 'ppo', config.hyper, argv.prior);
  horizon = scenario.horizon;
  const header = `experiment: ${scenario.name}, ${shapings.length} shapings × ${seeds.length} seeds × 2 arms (treatment, control) = ${jobs.length} jobs${shard ? ` (shard ${shard.index}/${shard.count})` : ''}, ${steps} steps each -> ${dir}`;
  return run(dir, config, horizon, config.workers, config, header);
}

async function run(dir: string, config: RunConfig | undefined, horizon: number, workers: number, shown: RunConfig, header: string): Promise<number> {
  const resumeHint = `npm run experiment -- --resume ${dir}`;
  // The planner pass (optimality gap, incentives) runs in a thread beside the training workers.
  const plan = shown.plan ?? null;
  const planner = plan && !hasPlannerFile(dir) ? runPlannerThread(shown.scenario.resolved as Scenario, shown.shapings, planningSeeds(shown.seeds, plan.seeds), plan.budget) : null;
  planner?.result.catch(() => {});
  let res;
  try {
    res = await runSweep({
      dir,
      ...(config ? { config } : {}),
      workers,
      behaviours: BEHAVIOURS,
      horizon,
      handleSigint: true,
      // Printed once the workers are up, so a backend that cannot load is the only line on stderr.
      onStart: () => process.stderr.write(`${header} (${workers} workers)\n`),
    });
  } catch (e) {
    planner?.terminate();
    if (!(e instanceof SweepError)) throw e;
    if (e.atStart) throw new UsageError(e.message);
    process.stderr.write(`experiment: ${e.message}\n`);
    if (fs.existsSync(path.join(dir, 'config.json'))) process.stderr.write(`finished jobs are kept in ${dir}; after fixing the cause: ${resumeHint}\n`);
    return 1;
  }
  if (res.status === 'interrupted') planner?.terminate();
  if (res.status === 'interrupted') {
    if (fs.existsSync(path.join(dir, 'config.json'))) process.stderr.write(`interrupted: finished jobs are saved in ${dir}; resume with: ${resumeHint}\n`);
    else process.stderr.write('interrupted before the run started; nothing was written\n');
    return 130;
  }
  let s = res.summary!;
  if (planner) {
    const t0 = performance.now();
    try {
      writePlannerFile(dir, await planner.result);
      s = writeSummary(dir, BEHAVIOURS);
    } catch (e) {
      process.stderr.write(`experiment: the planner failed (${(e as Error).message.split('\n')[0]}); verdicts that need the optimality gap are inconclusive\n`);
    }
    const waited = (performance.now() - t0) / 1000;
    if (waited > 1) process.stderr.write(`waited ${formatDuration(waited)} for the planner after training\n`);
  }
  const out = (l = '') => process.stdout.write(l + '\n');
  out();
  out(`Emergence verdicts in ${shown.scenario.name} (${res.config.backend.used ?? 'backend unknown'}), treatment against its paired control (${controlWords(shown)}):`);
  for (const [k, v] of Object.entries(s.verdicts.definitions).filter(([k]) => ['effect', 'test', 'emerged', 'inconclusive'].includes(k))) out(`  ${k}: ${v}`);
  out(formatVerdictTable(s));
  out();
  out(formatGapTable(s));
  out();
  for (const t of s.task) out(`task success ${t.shaping}: initial ${(100 * t.initialSuccess.mean).toFixed(1)}%, final ${(100 * t.finalSuccess.mean).toFixed(1)}%`);
  if (s.missingJobs.length > 0) out(`missing jobs: ${s.missingJobs.join(', ')}`);
  out();
  for (const l of capabilityLines(res.config['capability'] as CapabilityEntry | null | undefined)) out(l);
  out();
  out(`${res.jobsRunHere} jobs run in ${formatDuration(res.wallSeconds)} (${(res.envSteps / res.wallSeconds).toFixed(0)} env steps/s); run directory: ${dir}`);
  const report = writeReport(dir, { generatedBy: 'npm run experiment' });
  out(`report: ${report.html} (${(report.htmlBytes / 1024).toFixed(0)} kB); summary: ${report.markdown}`);
  return 0;
}

runCli('experiment', main, { badInput: [RunDirLockedError, RunDirError] });
