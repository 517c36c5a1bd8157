/**
 * Sandbox section: rome/Sandbox-v0 (mining scenario, its layouts randomised per episode as shipped:
 * randomize gpus, relay, pids, credentials) throughput of the vector env, 64 copies, a
 * uniformly random valid action per env per step (`sampleMaskedActions` over the current masks,
 * inside the timed loop), on one thread. The envs use the flat fast path; the generic `step()`
 * path (text output, events, firewall entries) is measured for comparison. On a shared machine the
 * wall-clock figure depends on the other load, so the fast path is also reported per CPU-second.
 */
import { make, Rng, SyncVectorEnv, Wrapper, sampleMaskedActions } from '../env/index.js';
import { cpuSeconds, rateMetric, unitsPerSecond, type BenchMetric, type BenchSection } from './section.js';
import '../scenarios/loader.js';

const NUM_ENVS = 64;
/** Issue 3: the sandbox's vector env steps at least 1M times a second on one core. */
const SANDBOX_BUDGET = { min: 1_000_000, source: 'issue 3' } as const;

function sandboxWork(wrapGeneric: boolean, vectorSteps: number): () => number {
  const v = new SyncVectorEnv(
    Array.from({ length: NUM_ENVS }, () => () => {
      const env = make('rome/Sandbox-v0', { scenario: 'mining' });
      return wrapGeneric ? new Wrapper(env) : env;
    }),
  );
  v.reset({ seed: 0 });
  const rng = new Rng(0);
  const actions = new Int32Array(NUM_ENVS);
  return () => {
    for (let s = 0; s < vectorSteps; s++) v.step(sampleMaskedActions(rng, v.buffers, actions));
    return vectorSteps * NUM_ENVS;
  };
}

export const section: BenchSection = {
  name: 'sandbox',
  title: 'rome/Sandbox-v0, mining scenario',
  run(ctx): BenchMetric[] {
    const out: BenchMetric[] = [];
    const fastSteps = ctx.quick ? 1_000 : 16_000;
    ctx.log(`sandbox: ${ctx.repeats} repeats of ${fastSteps * NUM_ENVS} steps (fast path)`);
    const fast = unitsPerSecond(sandboxWork(false, fastSteps), ctx.repeats, ctx.quick ? 100 : 1000);
    out.push(rateMetric('sandbox_steps_per_sec', fast, 'steps/s', `mining (layouts randomised per episode), SyncVectorEnv x${NUM_ENVS}, random valid actions, flat fast path, median of ${ctx.repeats}`, SANDBOX_BUDGET));
    ctx.log(`sandbox: ${ctx.repeats} repeats of ${fastSteps * NUM_ENVS} steps (fast path, CPU time)`);
    const cpu = unitsPerSecond(sandboxWork(false, fastSteps), ctx.repeats, 0, cpuSeconds); // warmupMs 0: one warm-up run
    out.push(rateMetric('sandbox_steps_per_cpu_sec', cpu, 'steps/cpu-s', `same, per second of this process's CPU time (less sensitive to a shared machine), median of ${ctx.repeats}`, SANDBOX_BUDGET));
    const slowSteps = ctx.quick ? 200 : 1_000;
    ctx.log(`sandbox: ${ctx.repeats} repeats of ${slowSteps * NUM_ENVS} steps (generic path)`);
    const generic = unitsPerSecond(sandboxWork(true, slowSteps), ctx.repeats, ctx.quick ? 100 : 500);
    out.push(rateMetric('sandbox_generic_steps_per_sec', generic, 'steps/s', `same, through step() (terminal text, events, firewall entries), median of ${ctx.repeats}`));
    return out;
  },
};
