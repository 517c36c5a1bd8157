/**
 * Bridge section: env steps per second from Python through the serve protocol (`python -m
 * rome_gym.bench`: 64 sandbox envs over one server, a uniformly random valid action per env per step
 * drawn in numpy from the current masks, base64 float32 arrays), against the in-process vector env
 * on the same workload measured in the same run (bench/sandbox.ts `sandboxWork`: SyncVectorEnv x64,
 * sampleMaskedActions). The ratio says what the process boundary costs. Needs python3 with numpy.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NUM_ENVS, sandboxWork } from './sandbox.js';
import { rateMetric, unitsPerSecond, type BenchMetric, type BenchSection } from './section.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

interface PyBench {
  steps_per_sec: number;
  samples: number[];
  /** Per second of the Python client's plus the server's CPU time (null without /proc). */
  steps_per_cpu_sec: number | null;
  cpu_samples: number[];
}

function python(args: string[]): PyBench {
  const r = spawnSync('python3', ['-m', 'rome_gym.bench', '--json', '--num-envs', String(NUM_ENVS), ...args], {
    cwd: ROOT,
    env: { ...process.env, PYTHONPATH: [join(ROOT, 'python'), process.env['PYTHONPATH']].filter(Boolean).join(':') },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (r.error) throw new Error(`python3 could not run (${r.error.message}); the bridge section needs python3 with numpy`);
  if (r.status !== 0) throw new Error(`python -m rome_gym.bench failed: ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as PyBench;
}

export const section: BenchSection = {
  name: 'bridge',
  title: 'rome/Sandbox-v0 from Python through the serve protocol',
  run(ctx): BenchMetric[] {
    const steps = ctx.quick ? 200 : 3_000;
    ctx.log(`bridge: python, ${ctx.repeats} repeats of ${steps * NUM_ENVS} env steps (base64)`);
    const py = python(['--steps', String(steps), '--repeats', String(ctx.repeats), '--warmup', String(ctx.quick ? 50 : 500)]);
    const jsonSteps = ctx.quick ? 50 : 500;
    ctx.log(`bridge: python, ${ctx.repeats} repeats of ${jsonSteps * NUM_ENVS} env steps (json arrays)`);
    const pyJson = python(['--steps', String(jsonSteps), '--repeats', String(ctx.repeats), '--warmup', '50', '--encoding', 'json']);
    const inSteps = ctx.quick ? 1_000 : 16_000;
    ctx.log(`bridge: in-process, ${ctx.repeats} repeats of ${inSteps * NUM_ENVS} env steps`);
    const inProc = unitsPerSecond(sandboxWork(false, inSteps), ctx.repeats, ctx.quick ? 100 : 1000);
    const pyTiming = { median: py.steps_per_sec, samples: py.samples };
    const cpu: BenchMetric[] =
      py.steps_per_cpu_sec === null
        ? []
        : [rateMetric('bridge_python_steps_per_cpu_sec', { median: py.steps_per_cpu_sec, samples: py.cpu_samples }, 'steps/cpu-s', `same, per second of CPU time of the Python client plus the server (steadier on a shared machine), median of ${ctx.repeats}`)];
    return [
      rateMetric('bridge_python_steps_per_sec', pyTiming, 'steps/s', `python -m rome_gym.bench: ${NUM_ENVS} envs over one server, random valid actions (numpy), base64 float32, median of ${ctx.repeats}`),
      ...cpu,
      rateMetric('bridge_python_json_steps_per_sec', { median: pyJson.steps_per_sec, samples: pyJson.samples }, 'steps/s', `same with plain JSON arrays (encoding json), median of ${ctx.repeats}`),
      rateMetric('bridge_in_process_steps_per_sec', inProc, 'steps/s', `SyncVectorEnv x${NUM_ENVS} in this process, same workload and run, median of ${ctx.repeats}`),
      { key: 'bridge_ratio', value: Number((py.steps_per_sec / inProc.median).toFixed(4)), unit: 'ratio', note: 'bridge_python_steps_per_sec / bridge_in_process_steps_per_sec (same run)' },
    ];
  },
};
