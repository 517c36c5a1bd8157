/**
 * `npm run solve-cartpole`: the agents' acceptance check. PPO on classic/CartPole-v1 for 100,000
 * env steps per seed (the rl-baselines3-zoo budget), 5 seeds; the policy is evaluated every
 * `--eval-every` env steps on `--eval-episodes` stochastic episodes (agents/evaluate.ts: actions
 * drawn from the policy, as in training; fixed evaluation seed). A seed is solved when an evaluation
 * at or before the budget has a mean return >= 475 (CartPole-v1's reward threshold). Prints each
 * seed's learning curve (a table and a sparkline) and the count of solved seeds; with `--json FILE`
 * also writes every evaluation point.
 *
 * `--agent reinforce` runs the same protocol for REINFORCE (reported against the random policy).
 */
import fs from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import {
  AGENTS,
  BACKEND_REQUESTS,
  HYPERPARAMETER_NAMES,
  HYPERPARAMETERS,
  createPolicy,
  describeBackend,
  evaluate,
  parseHyperValue,
  selectBackend,
  train,
  type AgentName,
  type BackendRequest,
  type Hyperparameters,
} from '../agents/index.js';
import { cliDefaults, intFlag, LIMITS, runCli, UsageError } from './cli.js';

const ENV = 'classic/CartPole-v1';
const THRESHOLD = 475;

interface Point {
  envSteps: number;
  meanReturn: number;
}

interface SeedResult {
  seed: number;
  curve: Point[];
  firstSolvedAt: number | null;
  final: number;
  seconds: number;
  stepsPerSec: number;
  peakRssMb: number;
}

const SPARK = '▁▂▃▄▅▆▇█';
function sparkline(values: number[], max: number): string {
  return values.map((v) => SPARK[Math.max(0, Math.min(SPARK.length - 1, Math.floor((v / max) * (SPARK.length - 1) + 0.5)))]).join('');
}

function meanReturn(policy: Parameters<typeof evaluate>[0], episodes: number, seed: number): number {
  const eps = evaluate(policy, ENV, {}, { episodes, seed });
  return eps.reduce((s, e) => s + e.return, 0) / eps.length;
}

async function main(): Promise<number> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('npm run solve-cartpole --')
    .usage('$0 [options]\n\nTrains on classic/CartPole-v1 across seeds and reports whether each reaches a mean evaluation\nreturn >= 475 within the step budget.')
    .option('agent', { type: 'string', choices: [...AGENTS], default: 'ppo', describe: 'agent' })
    .option('seeds', { type: 'string', default: '5', describe: `seeds 1..N, N from 1 to ${LIMITS.seeds}` })
    .option('steps', { type: 'string', default: '100000', describe: `env-step budget per seed, 1 to ${LIMITS.steps}` })
    .option('eval-every', { type: 'string', default: '5000', describe: 'env steps between evaluations' })
    .option('eval-episodes', { type: 'string', default: '20', describe: `stochastic episodes per evaluation, 1 to ${LIMITS.evalEpisodes}` })
    .option('final-episodes', { type: 'string', default: '100', describe: `episodes of the final evaluation, 1 to ${LIMITS.evalEpisodes}` })
    .option('backend', { type: 'string', choices: [...BACKEND_REQUESTS], default: 'auto', describe: 'tfjs backend' })
    .option('hyper', { type: 'string', array: true, describe: 'hyperparameter override KEY=VALUE (repeatable), e.g. --hyper normObs=false' })
    .option('json', { type: 'string', describe: 'also write the curves to this JSON file' });
  const parsed = await cliDefaults(cli).parseAsync();
  const maxOf = { seeds: LIMITS.seeds, steps: LIMITS.steps, 'eval-every': LIMITS.steps, 'eval-episodes': LIMITS.evalEpisodes, 'final-episodes': LIMITS.evalEpisodes } as const;
  const ints = Object.fromEntries((Object.keys(maxOf) as (keyof typeof maxOf)[]).map((k) => [k, intFlag(k, parsed[k], 1, maxOf[k])!])) as Record<keyof typeof maxOf, number>;
  const argv = { ...parsed, ...ints };
  const agent = argv.agent as AgentName;
  const hyper: Partial<Hyperparameters> = {};
  for (const kv of argv.hyper ?? []) {
    const eq = kv.indexOf('=');
    const key = kv.slice(0, eq) as keyof Hyperparameters;
    if (eq < 0 || !(key in HYPERPARAMETERS)) throw new UsageError(`--hyper ${kv}: expected KEY=VALUE with KEY one of ${HYPERPARAMETER_NAMES.join(', ')}`);
    try {
      (hyper as Record<string, unknown>)[key] = parseHyperValue(key, kv.slice(eq + 1));
    } catch (e) {
      throw new UsageError(`--hyper ${kv}: ${(e as Error).message}`);
    }
  }
  const backend = await selectBackend(argv.backend as BackendRequest);
  process.stderr.write(`backend: ${describeBackend(backend)}\n`);

  const random = createPolicy({ envId: ENV, agent, seed: 0, hyper });
  // A freshly initialised policy is near-uniform (output gain 0.01): the random baseline.
  const randomReturn = meanReturn(random, argv['final-episodes'], 12345);

  const results: SeedResult[] = [];
  for (let seed = 1; seed <= argv.seeds; seed++) {
    const curve: Point[] = [];
    let nextEval = argv['eval-every'];
    const evalSeed = 1_000_000 + seed;
    const r = await train({
      envId: ENV,
      agent,
      steps: argv.steps,
      seed,
      hyper,
      onUpdate: (d, policy) => {
        if (d.envSteps >= nextEval || d.update === d.numUpdates) {
          curve.push({ envSteps: d.envSteps, meanReturn: meanReturn(policy, argv['eval-episodes'], evalSeed) });
          while (nextEval <= d.envSteps) nextEval += argv['eval-every'];
        }
      },
    });
    const solved = curve.find((p) => p.envSteps <= argv.steps && p.meanReturn >= THRESHOLD);
    const final = meanReturn(r.policy, argv['final-episodes'], evalSeed + 7);
    const res: SeedResult = {
      seed,
      curve,
      firstSolvedAt: solved ? solved.envSteps : null,
      final,
      seconds: r.seconds.wall,
      stepsPerSec: r.envSteps / r.seconds.wall,
      peakRssMb: r.peakRssBytes / 2 ** 20,
    };
    results.push(res);
    process.stdout.write(
      `seed ${seed}: ${sparkline(curve.map((p) => p.meanReturn), 500)}  ` +
        (solved ? `solved at ${solved.envSteps} steps` : 'not solved') +
        `; final mean return ${final.toFixed(1)} (${argv['final-episodes']} episodes); ${res.seconds.toFixed(1)} s, ${Math.round(res.stepsPerSec)} steps/s, peak RSS ${res.peakRssMb.toFixed(0)} MiB\n`,
    );
    process.stdout.write(`  steps:  ${curve.map((p) => String(Math.round(p.envSteps / 1000) + 'k').padStart(5)).join('')}\n`);
    process.stdout.write(`  return: ${curve.map((p) => p.meanReturn.toFixed(0).padStart(5)).join('')}\n`);
  }
  const solvedCount = results.filter((r) => r.firstSolvedAt !== null).length;
  const meanFinal = results.reduce((s, r) => s + r.final, 0) / results.length;
  process.stdout.write(
    `${agent} on ${ENV}: ${solvedCount}/${results.length} seeds reached a mean evaluation return >= ${THRESHOLD} within ${argv.steps} env steps; ` +
      `mean final return ${meanFinal.toFixed(1)}; random policy ${randomReturn.toFixed(1)}; backend ${describeBackend(backend)}\n`,
  );
  if (argv.json) {
    fs.writeFileSync(argv.json, JSON.stringify({ agent, env: ENV, steps: argv.steps, hyper, threshold: THRESHOLD, backend, randomReturn, results }, null, 2) + '\n');
  }
  return 0;
}

runCli('solve-cartpole', main);
