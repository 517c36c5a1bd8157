/**
 * Training section: PPO training throughput on classic/CartPole-v1 (its tuned preset) and on
 * rome/Sandbox-v0 (mining, outcome shaping, PPO defaults), on the backend `auto` picks.
 *
 * Per env: env steps per second of the whole training loop (rollouts + updates), the share of
 * wall time spent inside the env, the share of the update loop spent outside tfjs calls (JS:
 * advantages, shuffles, minibatch gathering), and our gradient-step rate next to the raw tfjs
 * rate of the same MLPs at the same minibatch size (the ceiling a plain tfjs training loop gets:
 * `optimizer.minimize` over tfjs autodiff, data already on the backend).
 */
import * as tf from '@tensorflow/tfjs';
import { describeBackend, selectBackend } from '../agents/backend.js';
import type { Hyperparameters } from '../agents/hyperparameters.js';
import { tfForward, initMlp, paramShapes, type MlpSpec } from '../agents/nn/mlp.js';
import { resolveRun, train } from '../agents/train.js';
import { Rng } from '../env/rng.js';
import { median } from '../stats/index.js';
import type { BenchMetric, BenchSection } from './section.js';
import '../scenarios/loader.js';

interface Case {
  readonly key: string;
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly label: string;
}

const CASES: readonly Case[] = [
  { key: 'cartpole', envId: 'classic/CartPole-v1', envKwargs: {}, label: 'CartPole-v1, tuned PPO preset' },
  { key: 'sandbox', envId: 'rome/Sandbox-v0', envKwargs: { scenario: 'mining', shaping: 'outcome' }, label: 'Sandbox mining/outcome, PPO defaults' },
];

interface RunFigures {
  stepsPerSec: number;
  envShare: number;
  outsideTfjsShare: number;
  gradStepsPerSec: number;
}

async function timedRun(c: Case, steps: number, seed: number): Promise<RunFigures> {
  let gradSteps = 0;
  const r = await train({
    envId: c.envId,
    envKwargs: c.envKwargs,
    agent: 'ppo',
    steps,
    seed,
    onUpdate: (d) => {
      gradSteps += d.gradientSteps;
    },
  });
  const s = r.seconds;
  return {
    stepsPerSec: r.envSteps / s.wall,
    envShare: s.env / s.wall,
    outsideTfjsShare: (s.learn - s.learnTfjs) / s.learn,
    gradStepsPerSec: gradSteps / s.learn,
  };
}

/** Raw tfjs: autodiff + tf.train.adam on the same actor and critic, one minibatch already uploaded. */
function rawUpdatesPerSec(obsDim: number, numActions: number, h: Hyperparameters, batch: number, seconds: number): number {
  const actorSpec: MlpSpec = { sizes: [obsDim, ...h.hidden, numActions], activation: h.activation };
  const criticSpec: MlpSpec = { sizes: [obsDim, ...h.hidden, 1], activation: h.activation };
  const rng = new Rng(0);
  const mk = (spec: MlpSpec, gain: number) =>
    initMlp(spec, gain, rng).map((p, i) => tf.tidy(() => tf.variable(tf.tensor(p, paramShapes(spec)[i]!))));
  const actor = mk(actorSpec, 0.01);
  const critic = mk(criticSpec, 1);
  const vars = [...actor, ...critic];
  const obs = tf.tidy(() => tf.tensor2d(Float32Array.from({ length: batch * obsDim }, () => rng.normal()), [batch, obsDim]));
  const oneHot = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(numActions)), 'int32'), numActions).toFloat());
  const adv = tf.tidy(() => tf.tensor1d(Float32Array.from({ length: batch }, () => rng.normal())));
  const ret = tf.tidy(() => tf.tensor1d(Float32Array.from({ length: batch }, () => rng.normal())));
  const opt = tf.train.adam(h.learningRate, 0.9, 0.999, h.adamEps);
  const step = () => {
    const cost = opt.minimize(
      () => {
        const logp = tf.sum(tf.mul(tf.logSoftmax(tfForward(actorSpec, actor, obs)), oneHot), 1);
        const v = tf.reshape(tfForward(criticSpec, critic, obs), [-1]);
        return tf.add(tf.neg(tf.mean(tf.mul(logp, adv))), tf.mul(0.5, tf.mean(tf.square(tf.sub(v, ret))))) as tf.Scalar;
      },
      true,
      vars,
    );
    cost?.dataSync();
    cost?.dispose();
  };
  for (let i = 0; i < 20; i++) step();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    step();
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  opt.dispose();
  tf.dispose([...vars, obs, oneHot, adv, ret]);
  return rate;
}

export const section: BenchSection = {
  name: 'training',
  title: 'PPO training throughput (tfjs)',
  async run(ctx): Promise<BenchMetric[]> {
    const backend = await selectBackend('auto');
    const be = describeBackend(backend);
    const out: BenchMetric[] = [];
    const runs = Math.max(1, Math.min(ctx.repeats, 3));
    for (const c of CASES) {
      const { env: info, hyper: h } = resolveRun(c.envId, c.envKwargs, 'ppo');
      const steps = ctx.quick ? 4 * h.numEnvs * h.numSteps : c.key === 'cartpole' ? 25_600 : 40_960;
      ctx.log(`${c.key}: ${runs} PPO runs of ${steps} env steps on ${be}`);
      const figs: RunFigures[] = [];
      for (let i = 0; i < runs; i++) figs.push(await timedRun(c, steps, i + 1));
      const med = (f: (x: RunFigures) => number) => median(figs.map(f));
      const batch = Math.ceil((h.numEnvs * h.numSteps) / h.numMinibatches);
      ctx.log(`${c.key}: raw tfjs update rate at minibatch ${batch}`);
      const raw = rawUpdatesPerSec(info.obsDim, info.numActions, h, batch, ctx.quick ? 0.5 : 3);
      const ours = med((x) => x.gradStepsPerSec);
      const note = `${c.label}, ${be}, median of ${runs}`;
      out.push(
        { key: `ppo_${c.key}_train_steps_per_sec`, value: Math.round(med((x) => x.stepsPerSec)), unit: 'steps/s', note: `${note}, ${steps} steps per run`, samples: figs.map((x) => Math.round(x.stepsPerSec)) },
        { key: `ppo_${c.key}_env_share`, value: med((x) => x.envShare), unit: 'fraction', note: 'wall time inside env.step of the vector env', budget: { max: 0.05, source: 'docs/DESIGN.md' } },
        { key: `ppo_${c.key}_update_outside_tfjs_share`, value: med((x) => x.outsideTfjsShare), unit: 'fraction', note: 'update loop time outside tfjs calls', budget: { max: 0.2, source: 'goal' } },
        { key: `ppo_${c.key}_grad_steps_per_sec`, value: Math.round(ours), unit: 'steps/s', note: `our gradient steps (minibatch ${batch}, hand-written backward + Adam) per update-loop second` },
        { key: `tfjs_raw_${c.key}_updates_per_sec`, value: Math.round(raw), unit: 'steps/s', note: `same MLPs, minibatch ${batch}: tfjs autodiff + tf.train.adam, data on the backend` },
        { key: `ppo_${c.key}_vs_raw_tfjs`, value: ours / raw, unit: 'ratio', note: 'our gradient-step rate / raw tfjs rate (>1: faster than a plain tfjs loop)' },
      );
    }
    return out;
  },
};
