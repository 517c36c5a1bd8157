/**
 * Exploration section: the training cost per env step of each exploration method (agents/
 * exploration/) relative to plain PPO, on rome/Sandbox-v0 (mining, outcome shaping, PPO defaults,
 * from the action prior), on the backend `auto` picks. Target: at most +50 % per env step.
 *
 * Runs of the four configurations are interleaved (plain, RND, SimHash, Go-Explore, then again),
 * so a change of machine load hits all of them alike. The headline is CPU time per env step (this
 * process's user + system time: less sensitive to other processes on a shared machine than wall
 * time); wall-time figures are reported beside it.
 */
import { describeBackend, selectBackend } from '../agents/backend.js';
import type { Hyperparameters } from '../agents/hyperparameters.js';
import { train } from '../agents/train.js';
import { median } from '../stats/index.js';
import { cpuSeconds, type BenchMetric, type BenchSection } from './section.js';
import '../scenarios/loader.js';

/** The configurations measured: each method alone with its documented starting settings. */
export const EXPLORATION_CASES: Readonly<Record<string, Partial<Hyperparameters>>> = {
  ppo: {},
  rnd: { rndCoef: 1 },
  simhash: { countBeta: 0.05 },
  go_explore: { goExplore: 0.5 },
};

async function timed(hyper: Partial<Hyperparameters>, steps: number, seed: number): Promise<{ cpu: number; wall: number }> {
  const c0 = cpuSeconds();
  const w0 = performance.now();
  const r = await train({ envId: 'rome/Sandbox-v0', envKwargs: { scenario: 'mining', shaping: 'outcome' }, agent: 'ppo', steps, seed, prior: true, hyper });
  return { cpu: (cpuSeconds() - c0) / r.envSteps, wall: (performance.now() - w0) / 1000 / r.envSteps };
}

export const section: BenchSection = {
  name: 'exploration',
  title: 'exploration methods: training cost per env step vs plain PPO',
  async run(ctx): Promise<BenchMetric[]> {
    const be = describeBackend(await selectBackend('auto'));
    const runs = Math.max(1, Math.min(ctx.repeats, 3));
    const steps = ctx.quick ? 2048 : 16_384;
    ctx.log(`${runs} interleaved rounds of ${Object.keys(EXPLORATION_CASES).join(', ')} (${steps} env steps each) on ${be}`);
    const cpu: Record<string, number[]> = {};
    const wall: Record<string, number[]> = {};
    await timed({}, 1024, 99); // warm-up: JIT and backend
    for (let r = 0; r < runs; r++) {
      for (const [name, hyper] of Object.entries(EXPLORATION_CASES)) {
        const t = await timed(hyper, steps, r + 1);
        (cpu[name] ??= []).push(t.cpu);
        (wall[name] ??= []).push(t.wall);
      }
    }
    const base = median(cpu['ppo']!);
    const baseWall = median(wall['ppo']!);
    const out: BenchMetric[] = [
      { key: 'explore_ppo_cpu_us_per_step', value: Math.round(base * 1e6), unit: 'µs', note: `plain PPO, CPU time per env step, sandbox mining/outcome, ${be}, median of ${runs}`, samples: cpu['ppo']!.map((x) => Math.round(x * 1e6)) },
    ];
    for (const name of Object.keys(EXPLORATION_CASES).filter((n) => n !== 'ppo')) {
      const m = median(cpu[name]!);
      out.push(
        { key: `explore_${name}_cpu_us_per_step`, value: Math.round(m * 1e6), unit: 'µs', note: `${name}, CPU time per env step, median of ${runs}`, samples: cpu[name]!.map((x) => Math.round(x * 1e6)) },
        { key: `explore_${name}_extra_cost`, value: m / base - 1, unit: 'fraction', note: `${name}: extra CPU time per env step over plain PPO (target <= 0.5)` },
        { key: `explore_${name}_extra_wall`, value: median(wall[name]!) / baseWall - 1, unit: 'fraction', note: `${name}: extra wall time per env step over plain PPO (load-sensitive)` },
      );
    }
    return out;
  },
};
