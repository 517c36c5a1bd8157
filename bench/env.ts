/**
 * Env section: CartPole-v1 throughput of the vector env, 64 copies, uniformly random actions drawn
 * from a seeded Rng inside the timed loop, on one thread (one core). `make` adds the TimeLimit, so
 * this is the configuration agents use; the generic (allocating) path is measured for comparison.
 */
import { make, Rng, SyncVectorEnv, Wrapper } from '../env/index.js';
import { rateMetric, unitsPerSecond, type BenchMetric, type BenchSection } from './section.js';

const NUM_ENVS = 64;

function cartpoleWork(wrapGeneric: boolean, vectorSteps: number): () => number {
  const v = new SyncVectorEnv(
    Array.from({ length: NUM_ENVS }, () => () => {
      const env = make('classic/CartPole-v1');
      return wrapGeneric ? new Wrapper(env) : env;
    }),
  );
  v.reset({ seed: 0 });
  const rng = new Rng(0);
  const actions = new Int32Array(NUM_ENVS);
  return () => {
    for (let s = 0; s < vectorSteps; s++) {
      for (let i = 0; i < NUM_ENVS; i++) actions[i] = rng.int(2);
      v.step(actions);
    }
    return vectorSteps * NUM_ENVS;
  };
}

export const section: BenchSection = {
  name: 'env',
  title: 'gym core and CartPole-v1',
  run(ctx): BenchMetric[] {
    const out: BenchMetric[] = [];
    const fastSteps = ctx.quick ? 2_000 : 20_000;
    ctx.log(`cartpole: ${ctx.repeats} repeats of ${fastSteps * NUM_ENVS} steps (fast path)`);
    const fast = unitsPerSecond(cartpoleWork(false, fastSteps), ctx.repeats, ctx.quick ? 100 : 1000);
    out.push(rateMetric('cartpole_steps_per_sec', fast, 'steps/s', `SyncVectorEnv x${NUM_ENVS}, random actions, flat fast path, median of ${ctx.repeats}`, { min: 5_000_000, source: 'issue 2' }));
    const slowSteps = ctx.quick ? 500 : 4_000;
    ctx.log(`cartpole: ${ctx.repeats} repeats of ${slowSteps * NUM_ENVS} steps (generic path)`);
    const generic = unitsPerSecond(cartpoleWork(true, slowSteps), ctx.repeats, ctx.quick ? 100 : 500);
    out.push(rateMetric('cartpole_generic_steps_per_sec', generic, 'steps/s', `same, through reset()/step() objects (no fast path), median of ${ctx.repeats}`));
    return out;
  },
};
