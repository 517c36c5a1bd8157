/**
 * `npm run capability -- --configs ppo,rnd,simhash,go-explore [--no-prior] [--seeds 8]`: the
 * capability check (experiments/capability.ts) for agent configurations, on the positive control
 * and its nulls. Writes into --out: plans.json (the planner's reports, reusable with --plans),
 * capability-<config>.json per configuration, and capability.md (all of them). With --record, the
 * results also go into experiments/capability.json, which every experiment consults to state its
 * agent's demonstrated reach in its config.json and summary.
 */
import fs from 'node:fs';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { selectBackend } from '../agents/backend.js';
import { HyperparameterError, resolveHyperparameters, type Hyperparameters } from '../agents/hyperparameters.js';
import type { PlanReport } from '../agents/planner/index.js';
import {
  AGENT_CONFIGS,
  agentConfig,
  capabilityScenarios,
  formatCapability,
  planFor,
  runCapability,
  type CapabilityResult,
  type CapabilityScenario,
} from './capability.js';
import { recordCapability } from './capability-record.js';
import { cliDefaults, parseHyperSets, runCli, UsageError } from './cli.js';
import { git } from './git.js';
import { SANDBOX_ENV_ID } from '../env/sandbox/index.js';

/** The configuration's name gains the `--set` overrides, `ppo[numSteps=32,updateEpochs=8]`, so its results are filed apart. */
function setsLabel(h: Partial<Hyperparameters>): string {
  const parts = Object.entries(h).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('x') : String(v)}`);
  return parts.length === 0 ? '' : `[${parts.join(',')}]`;
}

function seedsOf(text: string): number[] {
  const t = text.trim();
  if (/^\d+$/.test(t) && Number(t) >= 1) return Array.from({ length: Number(t) }, (_, i) => i + 1);
  if (/^\d+(,\d+)*$/.test(t.replace(/^,|,$/g, ''))) {
    const s = t.split(',').filter(Boolean).map(Number);
    if (new Set(s).size === s.length) return s;
  }
  throw new UsageError(`--seeds must be a count (8) or a list of distinct seeds (1,2,7), got '${text}'`);
}

function posInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} must be a positive integer, got ${v}`);
  return v;
}

async function main(): Promise<number> {
  const argv = await cliDefaults(
    yargs(hideBin(process.argv))
      .scriptName('npm run capability --')
      .usage('$0 [options]\n\nDoes an agent configuration find the planner\'s best plan where the chain pays (mining), and leave\nit alone where it does not (control, mining-unprofitable)? Prints and writes each configuration\'s\nverdict and demonstrated reach.')
      .option('configs', { type: 'string', default: 'ppo', describe: `comma-separated agent configurations: ${Object.keys(AGENT_CONFIGS).join(', ')}` })
      .option('prior', { type: 'boolean', default: true, describe: 'start from the scenario\'s action prior (--no-prior: the flat-prior ablation)' })
      .option('seeds', { type: 'string', default: '8', describe: 'a count (8 = seeds 1..8) or a list (1,2,7)' })
      .option('steps', { type: 'number', default: 32_768, describe: 'training env steps per run (the default experiment profile\'s)' })
      .option('eval-episodes', { type: 'number', default: 100, describe: 'evaluation episodes of the initial and of the final policy' })
      .option('positive', { type: 'string', default: 'mining', describe: 'positive control: a scenario name or file, or the built-in mining-isolated; the nulls are built from it' })
      .option('scenarios', { type: 'string', describe: 'subset of the positive control and its nulls by name (default: all three)' })
      .option('plan-seeds', { type: 'string', describe: 'planner episode seeds (default: the planner\'s)' })
      .option('plans', { type: 'string', describe: 'reuse plans.json from an earlier capability run' })
      .option('backend', { type: 'string', default: 'auto', choices: ['auto', 'tensorflow', 'wasm', 'cpu'], describe: 'tfjs backend' })
      .option('out', { type: 'string', describe: 'output directory (default runs/capability-<utc>)' })
      .option('set', { type: 'string', array: true, default: [] as string[], describe: 'hyperparameter override name=value over every configuration\'s own (repeatable; e.g. --set numSteps=32 --set hidden=128,128); the name gains it' })
      .option('record', { type: 'boolean', default: false, describe: 'also file the results in experiments/capability.json' })
      .example('$0 --configs ppo,rnd,simhash,go-explore --seeds 8', 'the ablation')
      .example('$0 --configs ppo --set numSteps=32 --scenarios mining-unprofitable --seeds 4', 'a learner setting screened on a null')
      .example('$0 --configs go-explore --no-prior --seeds 3 --steps 16384', 'a short flat-prior check'),
  ).parseAsync();

  const names = argv.configs.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = names.find((n) => !(n in AGENT_CONFIGS));
  if (unknown !== undefined || names.length === 0) throw new UsageError(`unknown configuration '${unknown ?? ''}' in --configs; choose from ${Object.keys(AGENT_CONFIGS).join(', ')}`);
  const sets = parseHyperSets((argv.set as (string | number)[]).map(String));
  const configs = names.map((name) => {
    const base = agentConfig(name, argv.prior);
    const config = { ...base, name: `${name}${setsLabel(sets)}`, hyper: { ...base.hyper, ...sets } };
    try {
      resolveHyperparameters(config.agent, SANDBOX_ENV_ID, config.hyper);
    } catch (e) {
      if (e instanceof HyperparameterError) throw new UsageError(`--set: ${e.message}`);
      throw e;
    }
    return config;
  });
  const seeds = seedsOf(argv.seeds);
  const steps = posInt('steps', argv.steps);
  const evalEpisodes = posInt('eval-episodes', argv['eval-episodes']);
  let scenarios: CapabilityScenario[];
  try {
    scenarios = capabilityScenarios(argv.positive);
  } catch (e) {
    throw new UsageError(`--positive ${argv.positive}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (argv.scenarios !== undefined) {
    const want = argv.scenarios.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = want.find((w) => !scenarios.some((s) => s.name === w));
    if (bad !== undefined) throw new UsageError(`unknown scenario '${bad}' in --scenarios; choose from ${scenarios.map((s) => s.name).join(', ')}`);
    scenarios = scenarios.filter((s) => want.includes(s.name));
  }
  const planSeeds = argv['plan-seeds'] === undefined ? undefined : seedsOf(argv['plan-seeds'].includes(',') ? argv['plan-seeds'] : `${argv['plan-seeds']},`);
  let plans: Record<string, PlanReport> = {};
  if (argv.plans !== undefined) {
    try {
      plans = JSON.parse(fs.readFileSync(argv.plans, 'utf8')) as Record<string, PlanReport>;
    } catch (e) {
      throw new UsageError(`--plans ${argv.plans}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const out = argv.out ?? path.join('runs', `capability-${new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`);
  if (fs.existsSync(out) && fs.readdirSync(out).length > 0) throw new UsageError(`--out ${out} exists and is not empty`);
  await selectBackend(argv.backend as 'auto');
  fs.mkdirSync(out, { recursive: true });

  const log = (l: string) => process.stderr.write(`capability: ${l}\n`);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  for (const s of scenarios) {
    if (plans[s.name]) continue;
    log(`${s.name}: planning (outcome shaping)`);
    plans[s.name] = planFor(s, planSeeds);
  }
  fs.writeFileSync(path.join(out, 'plans.json'), JSON.stringify(plans) + '\n');
  const command = ['npm run capability --', ...process.argv.slice(2)].join(' ');
  // The code that runs is the code at start: record that commit, not the one at each config's end.
  const gitCommit = git(['rev-parse', '--short', 'HEAD']);
  const results: CapabilityResult[] = [];
  for (const config of configs) {
    log(`${config.name}${argv.prior ? '' : ' (flat prior)'}: ${scenarios.length} scenarios × ${seeds.length} seeds × ${steps} steps`);
    let r: CapabilityResult;
    try {
      const res = await runCapability({ config, seeds, steps, evalEpisodes, scenarios, plans, onProgress: log, signal: controller.signal });
      r = { ...res, createdAt: new Date().toISOString(), gitCommit, command };
    } catch (e) {
      if (controller.signal.aborted) {
        process.stderr.write(`capability: stopped; finished configurations are in ${out}\n`);
        return 130;
      }
      throw e;
    }
    results.push(r);
    fs.writeFileSync(path.join(out, `capability-${r.config.key.replace(/[^a-z0-9+-]+/gi, '_')}.json`), JSON.stringify(r, null, 2) + '\n');
    fs.writeFileSync(path.join(out, 'capability.md'), results.map(formatCapability).join('\n\n') + '\n');
    process.stdout.write(formatCapability(r) + '\n\n');
    if (argv.record) recordCapability(r);
  }
  process.stderr.write(`capability: wrote ${out}${argv.record ? ' and experiments/capability.json' : ''}\n`);
  return 0;
}

runCli('npm run capability', main);
