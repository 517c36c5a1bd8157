/**
 * `npm run train -- --env ID --agent ppo --steps N --seed S --out DIR`: one training run.
 *
 * Writes into DIR: config.json (settings, resolved hyperparameters, backend, versions, git commit),
 * episodes.csv (one row per training episode, the run-directory columns of rundir/schema.ts;
 * cells an env does not report stay empty), updates.csv (diagnostics per update), eval.csv (the
 * final policy's stochastic evaluation), policy.json (the final policy), checkpoints/latest.json.
 * Exploration methods (`--rnd-coef`, `--count-beta`, `--go-explore`, ...: agents/exploration/) are
 * hyperparameters like any other; config.json lists the ones on under `exploration`, updates.csv
 * carries their figures, and episodes.csv / eval.csv only ever hold the env's own reward.
 *
 * Rows are appended whole (rundir/durable.ts `LineAppender`, lines from rundir/codec.ts); at each
 * checkpoint the CSVs are fsynced and their byte lengths stored in the checkpoint, so `--resume`
 * after a kill truncates them back to that point and continues: the finished files equal those of
 * an uninterrupted run.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import {
  AGENTS,
  BACKEND_REQUESTS,
  BackendUnavailableError,
  CheckpointError,
  EnvError,
  HYPERPARAMETER_NAMES,
  HyperparameterError,
  TrainError,
  describeBackend,
  describeEnv,
  hyperFlag,
  hyperHelp,
  evaluate,
  parseHyperValue,
  readCheckpoint,
  resolveHyperparameters,
  selectBackend,
  train,
  type AgentName,
  type BackendRequest,
  type EpisodeRecord,
  type Hyperparameters,
  type UpdateDiagnostics,
} from '../agents/index.js';
import { envDeclared } from '../agents/train.js';
import { explorationMethods } from '../agents/exploration/index.js';
import { makeEnv, type EnvInfo } from '../agents/envinfo.js';
import { cliDefaults, intFlag, LIMITS, runCli, UsageError } from './cli.js';
import { entriesBesidesLock, lockRunDir, RunDirError, RunDirLockedError } from './lock.js';
import { git } from './git.js';
import { formatDuration } from './progress.js';
import {
  chainMilestones,
  csvCells,
  EPISODE_COLUMNS,
  EPISODES_HEADER,
  EVAL_COLUMNS,
  EVAL_HEADER,
  LineAppender,
  TRAIN_FILES,
  TRAIN_RUN_FORMAT,
  writeFileAtomic,
} from '../rundir/index.js';
// Installs the scenario resolver so `--scenario NAME|PATH` reaches make('rome/Sandbox-v0').
import '../scenarios/loader.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const UPDATE_COLUMNS = [
  'update', 'env_steps', 'policy_loss', 'value_loss', 'entropy', 'approx_kl', 'clip_frac', 'explained_variance',
  'grad_norm', 'learning_rate', 'epochs', 'steps_per_sec', 'episodes', 'mean_return', 'mean_cost',
  'lagrange_multiplier', 'cost_value_loss', 'prior_kl',
  // Exploration (agents/exploration/; empty when the method is off).
  'intrinsic_reward', 'intrinsic_coef', 'predictor_loss', 'count_bonus', 'hash_codes', 'archive_cells', 'restarts', 'explore_episodes',
] as const;

function usage(msg: string): never {
  throw new UsageError(msg);
}

function packageVersion(p: string): string | null {
  try {
    return (JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** episodes.csv / eval.csv cell for a column, from an episode's info (the sandbox summary when present). */
function infoCells(info: Record<string, unknown>, columns: readonly string[]): Map<string, number> {
  const cells = new Map<string, number>();
  const ep = info['episode'] as { safety?: Record<string, unknown>; taskSuccess?: boolean } | undefined;
  if (ep && typeof ep === 'object') {
    if (typeof ep.taskSuccess === 'boolean') cells.set('task_success', ep.taskSuccess ? 1 : 0);
    for (const c of columns) {
      const v = ep.safety?.[c];
      if (typeof v === 'number') cells.set(c, v);
      else if (typeof v === 'boolean') cells.set(c, v ? 1 : 0);
    }
  }
  return cells;
}

/** A bar with ETA on a TTY; otherwise a plain line at every 10% of the run. */
class Progress {
  private readonly start = performance.now();
  private lastDecile = -1;
  private lastDraw = 0;
  constructor(
    private readonly total: number,
    private readonly tty = Boolean(process.stderr.isTTY),
  ) {}
  update(d: UpdateDiagnostics): void {
    const frac = Math.min(1, d.envSteps / this.total);
    const elapsed = (performance.now() - this.start) / 1000;
    const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
    const ret = d.meanReturn === null ? '' : `  return ${d.meanReturn.toFixed(2)}`;
    const lam = d.lagrangeMultiplier === null ? '' : `  lambda ${d.lagrangeMultiplier.toFixed(3)}`;
    const text = `${d.envSteps}/${this.total} steps  update ${d.update}/${d.numUpdates}${ret}${lam}  ${Math.round(d.stepsPerSec)} steps/s  ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const now = performance.now();
      if (now - this.lastDraw < 100 && frac < 1) return;
      this.lastDraw = now;
      const width = 24;
      const filled = Math.round(width * frac);
      process.stderr.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
      if (frac >= 1) process.stderr.write('\n');
    } else {
      const decile = Math.floor(frac * 10);
      if (decile === this.lastDecile) return;
      this.lastDecile = decile;
      process.stderr.write(`progress: ${text}\n`);
    }
  }
}

/** The flags that define a run: with `--resume DIR` they all come from DIR/config.json instead. */
const RUN_FLAGS = ['env', 'scenario', 'shaping', 'agent', 'steps', 'seed', 'out', 'backend', 'prior', 'checkpoint-every', 'eval-episodes'] as const;

/** What a run is: from the flags, or from config.json on --resume. */
interface RunSpec {
  envId: string;
  envKwargs: Record<string, unknown>;
  agent: AgentName;
  steps: number;
  seed: number;
  prior: boolean;
  /** The hyperparameters as given (overrides); resolved against the agent's and env's defaults. */
  hyper: Partial<Hyperparameters>;
  backend: BackendRequest;
  every: number;
  evalEpisodes: number;
  dir: string;
  resume: boolean;
}

/** Reads a run's config.json for `--resume DIR`; bad or missing: a UsageError naming the file. */
function specFromConfig(dir: string): RunSpec {
  const file = path.join(dir, TRAIN_FILES.config);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    usage(`--resume ${dir}: not a training run directory (no ${file}); start the run with --out ${dir}`);
  }
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch {
    usage(`--resume: ${file} is not valid JSON (damaged or truncated)`);
  }
  if (c?.['format'] !== TRAIN_RUN_FORMAT) {
    const hint = c?.['format'] === 'rome-gym-run/1' ? `; it is an experiment run: npm run experiment -- --resume ${dir}` : '';
    usage(`--resume: ${file} has format ${JSON.stringify(c?.['format'])}, expected '${TRAIN_RUN_FORMAT}'${hint}`);
  }
  const env = c['env'] as { id?: unknown; kwargs?: unknown } | undefined;
  const backend = c['backend'] as { requested?: unknown } | undefined;
  const need = (ok: boolean, what: string) => {
    if (!ok) usage(`--resume: ${file} lacks a valid '${what}'`);
  };
  need(typeof env?.id === 'string', 'env.id');
  need(typeof c['agent'] === 'string' && (AGENTS as readonly string[]).includes(c['agent'] as string), 'agent');
  need(Number.isSafeInteger(c['steps']), 'steps');
  need(Number.isSafeInteger(c['seed']), 'seed');
  need(typeof c['hyperparameters'] === 'object' && c['hyperparameters'] !== null, 'hyperparameters');
  need(Number.isSafeInteger(c['checkpointEvery']), 'checkpointEvery');
  need(Number.isSafeInteger(c['evalEpisodes']), 'evalEpisodes');
  return {
    envId: env!.id as string,
    envKwargs: (env!.kwargs ?? {}) as Record<string, unknown>,
    agent: c['agent'] as AgentName,
    steps: c['steps'] as number,
    seed: c['seed'] as number,
    prior: c['prior'] === true,
    hyper: c['hyperparameters'] as Partial<Hyperparameters>,
    backend: (BACKEND_REQUESTS as readonly string[]).includes(backend?.requested as string) ? (backend!.requested as BackendRequest) : 'auto',
    every: c['checkpointEvery'] as number,
    evalEpisodes: c['evalEpisodes'] as number,
    dir,
    resume: true,
  };
}

async function main(): Promise<number> {
  let y = yargs(hideBin(process.argv))
    .scriptName('npm run train --')
    .usage('$0 --env ID --agent NAME --steps N --seed S --out DIR [options]\n$0 --resume DIR\n\nOne training run of a policy-gradient agent; writes config.json, episodes.csv, updates.csv,\neval.csv, policy.json and checkpoints/ into DIR. Ctrl-C (or SIGTERM) stops at the end of the\ncurrent update with a checkpoint; --resume DIR continues from the last checkpoint.')
    .option('env', { type: 'string', describe: 'registered env id, e.g. classic/CartPole-v1 or rome/Sandbox-v0' })
    .option('scenario', { type: 'string', describe: 'sandbox scenario (env kwarg `scenario`)' })
    .option('shaping', { type: 'string', describe: 'sandbox reward shaping (env kwarg `shaping`; default: the scenario\'s first)' })
    .option('agent', { type: 'string', choices: [...AGENTS], default: 'ppo', describe: 'learning algorithm' })
    .option('steps', { type: 'string', describe: `total training env steps, 1 to ${LIMITS.steps}` })
    .option('seed', { type: 'string', default: '1', describe: 'seed of everything random in the run (an integer)' })
    .option('out', { type: 'string', describe: 'run directory (created; must be new or empty)' })
    .option('backend', { type: 'string', choices: [...BACKEND_REQUESTS], default: 'auto', describe: 'tfjs backend: auto tries tensorflow (tfjs-node-gpu), then wasm, then cpu' })
    .option('prior', { type: 'boolean', default: false, describe: 'initialise action preferences from the env\'s actionPrior()' })
    .option('resume', { type: 'string', describe: 'continue the run in this directory from its last checkpoint (its config.json gives every setting)' })
    .option('checkpoint-every', { type: 'string', default: '10', describe: `updates between checkpoints, 1 to ${LIMITS.checkpointEvery}` })
    .option('eval-episodes', { type: 'string', default: '10', describe: `stochastic evaluation episodes of the final policy, 0 to ${LIMITS.evalEpisodes} (0: none)` });
  // One flag per row of the hyperparameter table (agents/hyperparameters.ts), with its help line.
  for (const key of HYPERPARAMETER_NAMES) {
    y = y.option(hyperFlag(key), { type: 'string', group: 'Hyperparameters (an env preset or the env\'s own discount/cost limit may override a default; config.json has what a run used):', describe: hyperHelp(key) });
  }
  y = y
    .example('npm run train -- --env classic/CartPole-v1 --agent ppo --steps 100000 --seed 1 --out runs/cartpole-1', 'PPO on CartPole (solves it within the budget)')
    .example('npm run train -- --env rome/Sandbox-v0 --scenario mining --shaping outcome --agent ppo --steps 50000 --seed 3 --prior --out runs/mining-3', 'the sandbox, from the scenario\'s prior')
    .example('npm run train -- --env rome/Sandbox-v0 --scenario mining --shaping constrained --agent ppo-lagrangian --steps 50000 --out runs/lag', 'constrained shaping with PPO-Lagrangian')
    .example('npm run train -- --resume runs/cartpole-1', 'continue a stopped or killed run');
  const argv = await cliDefaults(y).parseAsync();
  const args = argv as unknown as Record<string, unknown>;
  const given = (flag: string) => process.argv.slice(2).some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`) || (flag === 'prior' && a === '--no-prior'));

  let spec: RunSpec;
  if (argv.resume !== undefined) {
    if (argv.resume.trim() === '') usage('--resume needs the run directory: --resume DIR');
    const extra = [...RUN_FLAGS, ...HYPERPARAMETER_NAMES.map(hyperFlag)].filter(given);
    if (extra.length > 0) usage(`--resume takes every setting from ${path.join(argv.resume, 'config.json')}; drop --${extra.join(', --')}`);
    spec = specFromConfig(argv.resume);
  } else {
    if (argv.env === undefined) usage('--env is required (e.g. classic/CartPole-v1)');
    if (argv.out === undefined) usage('--out is required');
    const steps = intFlag('steps', argv.steps, 1, LIMITS.steps);
    if (steps === undefined) usage(`--steps is required (an integer from 1 to ${LIMITS.steps})`);
    const envKwargs: Record<string, unknown> = {};
    if (argv.scenario !== undefined) envKwargs['scenario'] = argv.scenario;
    if (argv.shaping !== undefined) envKwargs['shaping'] = argv.shaping;
    const hyper: Partial<Hyperparameters> = {};
    for (const key of HYPERPARAMETER_NAMES) {
      const raw = args[hyperFlag(key)];
      if (raw === undefined) continue;
      try {
        (hyper as Record<string, unknown>)[key] = parseHyperValue(key, String(raw));
      } catch (e) {
        usage(`--${hyperFlag(key)}: ${(e as Error).message}`);
      }
    }
    spec = {
      envId: argv.env,
      envKwargs,
      agent: argv.agent as AgentName,
      steps,
      seed: intFlag('seed', argv.seed, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)!,
      prior: argv.prior,
      hyper,
      backend: argv.backend as BackendRequest,
      every: intFlag('checkpoint-every', argv['checkpoint-every'], 1, LIMITS.checkpointEvery)!,
      evalEpisodes: intFlag('eval-episodes', argv['eval-episodes'], 0, LIMITS.evalEpisodes)!,
      dir: argv.out,
      resume: false,
    };
  }
  const { envId, envKwargs, agent, hyper, every, evalEpisodes, dir } = spec;

  // Validate everything that can fail before touching the output directory.
  let probeInfo: EnvInfo;
  let shapingName = '';
  let probeScenario: unknown;
  try {
    const probe = makeEnv(envId, envKwargs);
    probeInfo = describeEnv(probe);
    const s = (probe.unwrapped as { shapingName?: unknown }).shapingName;
    if (typeof s === 'string') shapingName = s;
    probeScenario = (probe.unwrapped as { scenario?: unknown }).scenario;
    probe.close();
  } catch (e) {
    usage(`--env ${envId}: ${(e as Error).message.split('\n')[0]}`);
  }
  let resolved: Hyperparameters;
  try {
    resolved = resolveHyperparameters(agent, envId, hyper, envDeclared(probeInfo));
  } catch (e) {
    usage((e as Error).message);
  }
  if (spec.prior && !probeInfo.actionPrior) usage(`--prior: env ${envId} offers no actionPrior()`);
  if (resolved.priorKl > 0 && !spec.prior) usage('--prior-kl needs --prior');
  const backend = await selectBackend(spec.backend);

  const ckptDir = path.join(dir, TRAIN_FILES.checkpoints);
  const files = {
    config: path.join(dir, TRAIN_FILES.config),
    episodes: path.join(dir, TRAIN_FILES.episodes),
    updates: path.join(dir, TRAIN_FILES.updates),
    eval: path.join(dir, TRAIN_FILES.eval),
    policy: path.join(dir, TRAIN_FILES.policy),
  };
  // One process per run directory (experiments/lock.ts); taking the lock creates the directory.
  try {
    lockRunDir(dir);
  } catch (e) {
    if (e instanceof RunDirError) usage(`${spec.resume ? '--resume' : '--out'} ${e.message}`);
    throw e;
  }
  if (!spec.resume && entriesBesidesLock(dir).length > 0) {
    usage(fs.existsSync(files.config) ? `--out ${dir} is an existing run; continue it with --resume ${dir}` : `--out ${dir} exists and is not empty`);
  }
  const checkpoint = spec.resume ? readCheckpoint(ckptDir) : null;
  if (!spec.resume) {
    const config = {
      format: TRAIN_RUN_FORMAT,
      created: new Date().toISOString(),
      command: ['npm run train --', ...process.argv.slice(2)].join(' '),
      env: { id: envId, kwargs: envKwargs, shaping: shapingName || null, obsDim: probeInfo.obsDim, numActions: probeInfo.numActions },
      agent,
      steps: spec.steps,
      seed: spec.seed,
      prior: spec.prior,
      hyperparameters: resolved,
      exploration: explorationMethods(resolved),
      backend: { ...backend, description: describeBackend(backend) },
      checkpointEvery: every,
      evalEpisodes,
      versions: { node: process.version, rome_gym: packageVersion('package.json'), tfjs: backend.tfjsVersion },
      gitCommit: git(['rev-parse', 'HEAD']),
    };
    writeFileAtomic(files.config, JSON.stringify(config, null, 2) + '\n');
  }
  if (!checkpoint) {
    // Fresh start (or a resume of a run killed before its first checkpoint): headers only.
    writeFileAtomic(files.episodes, EPISODES_HEADER + '\n');
    writeFileAtomic(files.updates, csvCells(UPDATE_COLUMNS) + '\n');
  }
  const episodes = new LineAppender(files.episodes);
  const updates = new LineAppender(files.updates);

  process.stderr.write(`backend: ${describeBackend(backend)}${backend.skipped.length ? ` (skipped ${backend.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')})` : ''}\n`);
  const progress = new Progress(spec.steps);
  // Ctrl-C / SIGTERM: finish the current update, checkpoint, and say how to resume. A second
  // Ctrl-C gets the default handler back (the handlers are `once`) and kills the process.
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const stop = (sig: NodeJS.Signals) => {
    stoppedBy ??= sig;
    if (!controller.signal.aborted) process.stderr.write(`\n${sig}: stopping at the end of this update (again to kill without a checkpoint)\n`);
    controller.abort();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const onEpisode = (ep: EpisodeRecord) => {
    const cells = infoCells(ep.info, EPISODE_COLUMNS);
    const base: Record<string, string | number> = {
      shaping: shapingName,
      seed: spec.seed,
      arm: 'treatment',
      episode: ep.episode,
      env_steps: ep.envSteps,
      return: ep.return,
      length: ep.length,
      cost: ep.cost,
    };
    episodes.append(csvCells(EPISODE_COLUMNS.map((c) => (c in base ? base[c] : cells.get(c)))));
  };
  const onUpdate = (d: UpdateDiagnostics) => {
    updates.append(
      csvCells([
        d.update, d.envSteps, d.policyLoss, d.valueLoss, d.entropy, d.approxKl, d.clipFrac, d.explainedVariance,
        d.gradNorm, d.learningRate, d.epochs, Math.round(d.stepsPerSec), d.episodes, d.meanReturn, d.meanCost,
        d.lagrangeMultiplier, d.costValueLoss, d.priorKl,
        d.exploration?.intrinsicReward, d.exploration?.intrinsicCoef, d.exploration?.predictorLoss, d.exploration?.countBonus,
        d.exploration?.hashCodes, d.exploration?.archiveCells, d.exploration?.restarts, d.exploration ? d.exploreEpisodes : null,
      ]),
    );
    progress.update(d);
  };

  const result = await train({
    envId,
    envKwargs,
    agent,
    steps: spec.steps,
    seed: spec.seed,
    hyper,
    prior: spec.prior,
    backend: spec.backend,
    onEpisode,
    onUpdate,
    checkpointDir: ckptDir,
    checkpointEvery: every,
    resume: spec.resume,
    stop: controller.signal,
    onCheckpoint: () => {
      episodes.sync();
      updates.sync();
      return { episodesBytes: episodes.size(), updatesBytes: updates.size() };
    },
    onResume: (c) => {
      const extra = c.extra as { episodesBytes?: number; updatesBytes?: number } | null;
      if (!extra || typeof extra.episodesBytes !== 'number' || typeof extra.updatesBytes !== 'number') {
        throw new CheckpointError('checkpoint has no file offsets; it was not written by npm run train');
      }
      episodes.truncate(extra.episodesBytes);
      updates.truncate(extra.updatesBytes);
      process.stderr.write(`resuming from update ${c.update} (${c.envSteps} env steps, ${c.episodes} episodes)\n`);
    },
  });
  episodes.sync();
  updates.sync();
  episodes.close();
  updates.close();
  if (result.stopped !== 'completed') {
    process.stderr.write(`stopped at update ${result.updates} (${result.envSteps} env steps); checkpoint saved in ${ckptDir}; resume with: npm run train -- --resume ${dir}\n`);
    return stoppedBy === 'SIGTERM' ? 143 : 130;
  }
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);

  const evalSeed = spec.seed + 1_000_003;
  const evals = evaluate(result.policy, envId, envKwargs, { episodes: evalEpisodes, seed: evalSeed, gamma: resolved.gamma, events: true });
  const scenario = (probeScenario ?? null) as { economy?: { rent_price?: number } } | null;
  const rentPrice = scenario?.economy?.rent_price ?? Infinity;
  const evalLines = [EVAL_HEADER];
  for (const e of evals) {
    const cells = infoCells(e.info, EVAL_COLUMNS);
    const taskSuccess = cells.get('task_success') === 1;
    for (const [k, v] of Object.entries(chainMilestones(e.events ?? [], rentPrice, taskSuccess))) cells.set(k, v);
    const base: Record<string, string | number> = {
      shaping: shapingName,
      seed: spec.seed,
      arm: 'treatment',
      policy: 'final',
      episode: e.episode,
      return: e.return,
      discounted_return: e.discountedReturn,
      length: e.length,
      cost: e.cost,
    };
    evalLines.push(csvCells(EVAL_COLUMNS.map((c) => (c in base ? base[c] : cells.get(c)))));
  }
  writeFileAtomic(files.eval, evalLines.map((l) => l + '\n').join(''));
  writeFileAtomic(files.policy, JSON.stringify(result.policy.toJSON()) + '\n');

  const meanEval = evals.length ? evals.reduce((s, e) => s + e.return, 0) / evals.length : NaN;
  process.stdout.write(
    `done: ${agent} on ${envId}, ${result.envSteps} env steps, ${result.episodes} episodes, ${result.updates} updates, ` +
      `backend ${describeBackend(backend)}, ${result.seconds.wall.toFixed(1)} s` +
      (evals.length ? `; final policy: mean return ${meanEval.toFixed(2)} over ${evals.length} episodes` : '') +
      (result.lagrangeMultiplier !== null ? `; lambda ${result.lagrangeMultiplier.toFixed(3)}` : '') +
      `\n`,
  );
  return 0;
}

runCli('npm run train', main, {
  badInput: [RunDirLockedError, RunDirError, BackendUnavailableError, HyperparameterError, CheckpointError, EnvError, TrainError],
  onError: (e) => {
    process.stderr.write(`npm run train: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    return 1;
  },
});
