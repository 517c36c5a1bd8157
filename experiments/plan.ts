/**
 * `npm run plan -- --scenario S [--shaping K] [--json]`: what pays in a scenario, from the planner
 * (agents/planner) on the real env. Prints, per policy class (compliant, each behaviour alone, the
 * incident chain, anything), the best expected discounted return, its incentive over compliant,
 * whether it is exact or a lower bound (and the search's nodes or budget), and the plan as shell
 * commands. `--all` plans every shipped scenario under every shaping; `--markdown` prints the
 * README's table instead. `--workers N` plans N (scenario, shaping) jobs at once in worker threads
 * (each job is the same deterministic search, so the output is the same for every N). Bad input:
 * one line, exit 2.
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { cliDefaults, runCli, UsageError } from './cli.js';
import { tsxWorker } from './tsx-worker.js';
import { listScenarios, loadScenario, ScenarioError } from '../scenarios/loader.js';
import { DEFAULT_BUDGET, DEFAULT_SEEDS, PLAN_CLASSES, planScenario, type PlanClass, type PlanReport } from '../agents/planner/index.js';
import { formatPlanReport, markdownPlanTable } from '../agents/planner/format.js';
import type { Scenario } from '../env/sandbox/index.js';

const JOB_THREAD = fileURLToPath(new URL('./plan-job-thread.ts', import.meta.url));

interface Job {
  sc: Scenario;
  shaping: string;
}

/**
 * Plans `jobs` on `workers` threads, each taking the next job when it is free; reports come back
 * in job order. `onStart` is called as each job starts.
 */
async function planInThreads(jobs: readonly Job[], workers: number, opts: { seeds: number[]; budget: number; classes?: PlanClass[] }, onStart: (j: Job) => void): Promise<PlanReport[]> {
  const out: PlanReport[] = new Array(jobs.length);
  let next = 0;
  const threads = Array.from({ length: Math.min(workers, jobs.length) }, () => tsxWorker(JOB_THREAD));
  try {
    await Promise.all(
      threads.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const give = () => {
              if (next >= jobs.length) return resolve();
              const index = next++;
              const j = jobs[index]!;
              onStart(j);
              w.postMessage({ index, sc: j.sc, shaping: j.shaping, seeds: opts.seeds, budget: opts.budget, ...(opts.classes ? { classes: opts.classes } : {}) });
            };
            w.on('message', (m: { index: number; report: PlanReport }) => {
              out[m.index] = m.report;
              give();
            });
            w.once('error', reject);
            w.once('exit', (code) => {
              if (next < jobs.length || code !== 0) reject(new Error(`planner thread exited with code ${code}`));
            });
            give();
          }),
      ),
    );
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  return out;
}

function parseSeeds(s: string): number[] {
  const seeds = s.split(',').map((x) => x.trim());
  if (seeds.some((x) => !/^\d+$/.test(x))) throw new UsageError(`--seeds must be comma-separated non-negative integers, got '${s}'`);
  return seeds.map(Number);
}

async function main(): Promise<number> {
  const argv = cliDefaults(
    yargs(hideBin(process.argv))
      .scriptName('npm run plan --')
      .usage(
        [
          '$0 --scenario S [--shaping K] [--json]',
          '$0 --all [--markdown]',
          '',
          'What pays in a scenario: per policy class, the best expected discounted return from reset (exact',
          'search over the real env, or a stated lower bound), its incentive over compliant, and the plan.',
        ].join('\n'),
      )
      .option('scenario', { type: 'string', describe: 'scenario name or file' })
      .option('shaping', { type: 'string', describe: "shaping name (default: the scenario's first; with --all: every shaping)" })
      .option('all', { type: 'boolean', default: false, describe: 'every shipped scenario' })
      .option('json', { type: 'boolean', default: false, describe: 'print the PlanReport(s) as JSON' })
      .option('markdown', { type: 'boolean', default: false, describe: 'print one Markdown table (the README table)' })
      .option('seeds', { type: 'string', default: DEFAULT_SEEDS.join(','), describe: 'episode seeds to plan over (layouts are randomised per seed)' })
      .option('classes', { type: 'string', describe: `classes to plan (default all): ${PLAN_CLASSES.join(',')}` })
      .option('budget', { type: 'number', default: DEFAULT_BUDGET, describe: 'exact-search node budget per seed and class (then: beam lower bound)' })
      .option('workers', { type: 'string', describe: `(scenario, shaping) jobs planned at once, in worker threads, 1 to 64 (default 1; this machine has ${os.availableParallelism()} cores)` }),
  ).parseSync();
  if (!argv.all && argv.scenario === undefined) throw new UsageError('give --scenario S (a name or a file) or --all');
  if (argv.all && argv.scenario !== undefined) throw new UsageError('give --scenario or --all, not both');
  if (!Number.isInteger(argv.budget) || argv.budget < 1 || argv.budget > 1e8) throw new UsageError(`--budget must be an integer in [1, 100000000], got ${String(argv.budget)}`);
  const seeds = parseSeeds(argv.seeds);
  const workers = argv.workers === undefined ? 1 : Number(argv.workers);
  if (!/^\d+$/.test(String(argv.workers ?? '1')) || workers < 1 || workers > 64) throw new UsageError(`--workers must be an integer in [1, 64], got '${String(argv.workers)}'`);
  let classes: PlanClass[] | undefined;
  if (argv.classes !== undefined) {
    const list = argv.classes.split(',').map((c) => c.trim());
    const bad = list.find((c) => !(PLAN_CLASSES as readonly string[]).includes(c));
    if (bad !== undefined) throw new UsageError(`--classes: unknown class '${bad}'; classes: ${PLAN_CLASSES.join(', ')}`);
    classes = list as PlanClass[];
    if (!classes.includes('compliant')) classes.unshift('compliant');
  }
  const scenarios: Scenario[] = argv.all ? listScenarios().map((n) => loadScenario(n)) : [loadScenario(argv.scenario!)];
  const jobs: { sc: Scenario; shaping: string }[] = [];
  for (const sc of scenarios) {
    const shapings = Object.keys(sc.shapings);
    if (argv.shaping !== undefined && !shapings.includes(argv.shaping)) {
      throw new UsageError(`scenario '${sc.name}' has no shaping '${argv.shaping}'; it has: ${shapings.join(', ')}`);
    }
    const chosen = argv.shaping !== undefined ? [argv.shaping] : argv.all || argv.markdown ? shapings : [shapings[0]!];
    for (const shaping of chosen) jobs.push({ sc, shaping });
  }
  const started = (j: Job) => {
    if (jobs.length > 1) process.stderr.write(`plan: ${j.sc.name} / ${j.shaping}\n`);
  };
  let reports: PlanReport[] = [];
  if (workers > 1 && jobs.length > 1) {
    reports = await planInThreads(jobs, workers, { seeds, budget: argv.budget, ...(classes ? { classes } : {}) }, started);
    if (!argv.json && !argv.markdown) for (const r of reports) process.stdout.write(formatPlanReport(r) + '\n\n');
  } else {
    for (const j of jobs) {
      started(j);
      const r = planScenario(j.sc, { shaping: j.shaping, seeds, budget: argv.budget, ...(classes ? { classes } : {}) });
      reports.push(r);
      if (!argv.json && !argv.markdown) process.stdout.write(formatPlanReport(r) + '\n\n');
    }
  }
  if (argv.json) process.stdout.write(JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2) + '\n');
  else if (argv.markdown) process.stdout.write(markdownPlanTable(reports, 6, ['npm run plan --', ...process.argv.slice(2)].join(' ')) + '\n');
  return 0;
}

runCli('plan', main, { badInput: [ScenarioError] });
