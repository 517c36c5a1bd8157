import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { selectBackend } from '../../agents/backend.js';
import { checkpointPath, readCheckpoint } from '../../agents/checkpoint.js';
import { makeEnv } from '../../agents/envinfo.js';
import { evaluate } from '../../agents/evaluate.js';
import { GoExplore } from '../../agents/exploration/goexplore.js';
import { Rnd } from '../../agents/exploration/rnd.js';
import { SimHashCounts } from '../../agents/exploration/simhash.js';
import { HyperparameterError, PPO_DEFAULTS, resolveHyperparameters, type Hyperparameters } from '../../agents/hyperparameters.js';
import { f32ToBase64 } from '../../agents/nn/serial.js';
import { RolloutBuffer } from '../../agents/ppo.js';
import { train, TrainError, type EpisodeRecord, type TrainOptions, type UpdateDiagnostics } from '../../agents/train.js';
import { Rng } from '../../env/rng.js';
import { SyncVectorEnv } from '../../env/vector.js';
import { loadScenario } from '../../scenarios/loader.js';

const SANDBOX = 'rome/Sandbox-v0';
const KW = { scenario: 'mining', shaping: 'outcome' };
/** 4 envs × 32 steps = 128 env steps per update; horizon 40, so episodes end in every rollout or two. */
const SMALL: Partial<Hyperparameters> = { numEnvs: 4, numSteps: 32, updateEpochs: 2, numMinibatches: 2 };
const METHODS: Record<string, Partial<Hyperparameters>> = {
  rnd: { rndCoef: 1 },
  simhash: { countBeta: 0.05 },
  'go-explore': { goExplore: 0.5 },
  all: { rndCoef: 0.5, rndAnneal: true, countBeta: 0.02, countAnneal: true, goExplore: 0.3, goExploreLevels: 2 },
};

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function run(opts: Partial<TrainOptions> & Pick<TrainOptions, 'steps' | 'seed'>) {
  const episodes: EpisodeRecord[] = [];
  const updates: UpdateDiagnostics[] = [];
  const result = await train({
    envId: SANDBOX,
    envKwargs: KW,
    agent: 'ppo',
    prior: true,
    ...opts,
    hyper: { ...SMALL, ...opts.hyper },
    onEpisode: (e) => episodes.push(e),
    onUpdate: (d, p) => {
      updates.push(d);
      opts.onUpdate?.(d, p);
    },
  });
  return { result, episodes, updates };
}

const rows = (eps: EpisodeRecord[]) => eps.map((e) => [e.episode, e.envSteps, e.return, e.length, e.cost, JSON.stringify(e.info)].join(','));
const params = (p: { actorParams: Float32Array[]; criticParams: Float32Array[] }) => [...p.actorParams, ...p.criticParams].map(f32ToBase64).join('|');
const explorationFigures = (us: UpdateDiagnostics[]) => us.map((u) => JSON.stringify(u.exploration) + `/${u.exploreEpisodes}`);

/** A rollout buffer filled with random observations (all samples valid but an autoreset one). */
function randomBuffer(seed: number, steps = 8, envs = 3, d = 5): { buf: RolloutBuffer; cur: Float32Array } {
  const rng = new Rng(seed);
  const buf = new RolloutBuffer(steps, envs, d, 2, false);
  buf.steps = steps;
  for (let k = 0; k < buf.obs.length; k++) buf.obs[k] = rng.next();
  buf.valid.fill(1);
  buf.valid[envs + 1] = 0;
  for (let k = 0; k < buf.length; k++) buf.rewards[k] = rng.bernoulli(0.2) ? 1 : 0;
  const cur = Float32Array.from({ length: envs * d }, () => rng.next());
  return { buf, cur };
}

describe('exploration methods', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('RND: the intrinsic rewards are a pure function of the seed; another seed differs; the env reward is untouched', () => {
    const h = resolveHyperparameters('ppo', SANDBOX, { rndCoef: 1 });
    const score = (seed: number) => {
      const { buf, cur } = randomBuffer(11);
      const before = buf.rewards.slice();
      const rnd = new Rnd(5, 3, [8], h, seed);
      try {
        rnd.process(buf, cur, 0.99, 0.95);
        rnd.train(buf, 2, 2);
        rnd.process(buf, cur, 0.99, 0.95);
        assert.deepEqual(buf.rewards, before);
        return Array.from(buf.exploration().intRewards.subarray(0, buf.length));
      } finally {
        rnd.dispose();
      }
    };
    const a = score(1);
    assert.deepEqual(a, score(1));
    assert.notDeepEqual(a, score(2));
    assert.ok(a.some((x) => x > 0));
  });

  it('RND: the intrinsic return is non-episodic (it runs through an episode end) and skips the autoreset sample', () => {
    const h = resolveHyperparameters('ppo', SANDBOX, { rndCoef: 1 });
    const { buf, cur } = randomBuffer(3, 4, 1, 4);
    buf.valid.fill(1);
    buf.terminated[1] = 1; // episode ends at t = 1; t = 2 is the autoreset sample
    buf.valid[2] = 0;
    const rnd = new Rnd(4, 1, [8], h, 1);
    try {
      rnd.process(buf, cur, 0.9, 1);
      const ex = buf.exploration();
      // lambda = 1: A_1 = r_1 + gamma (r_3 + gamma V(cur)) - V_1 over the autoreset sample.
      const expect = ex.intRewards[1]! + 0.9 * ex.intReturns[3]! - ex.intValues[1]!;
      assert.ok(Math.abs(ex.intAdvantages[1]! - expect) < 1e-5, `${ex.intAdvantages[1]} vs ${expect}`);
      assert.equal(ex.intAdvantages[2], 0);
    } finally {
      rnd.dispose();
    }
  });

  it('SimHash: the same observation always hashes alike, the bonus is beta/sqrt(n), and seeds change the projection', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 }), (seed, obs) => {
        const a = new SimHashCounts(6, 24, 0.1, seed);
        const b = new SimHashCounts(6, 24, 0.1, seed);
        assert.equal(a.key(obs), b.key(obs));
        assert.ok(a.key(obs) >= 0 && a.key(obs) < 2 ** 24);
      }),
      { numRuns: 50 },
    );
    const { buf, cur } = randomBuffer(5, 2, 1, 6);
    buf.valid.fill(1);
    buf.obs.set(buf.obs.subarray(6, 12), 0);
    cur.set(buf.obs.subarray(6, 12));
    const c = new SimHashCounts(6, 16, 0.1, 1);
    c.process(buf, cur); // both samples lead to the same observation
    assert.deepEqual(Array.from(buf.exploration().bonus.subarray(0, 2)).map((x) => +x.toFixed(6)), [0.1, +(0.1 / Math.SQRT2).toFixed(6)]);
    const keys = (seed: number) => Array.from({ length: 20 }, (_, i) => new SimHashCounts(6, 16, 0.1, seed).key(buf.obs.subarray(0, 6).map((x) => x * (i + 1))));
    assert.notDeepEqual(keys(1), keys(2));
  });

  for (const [name, hyper] of Object.entries(METHODS)) {
    it(`${name}: the same seed gives the same run (intrinsic figures, episodes, parameters); another seed does not`, async () => {
      const a = await run({ steps: 128 * 4, seed: 3, hyper });
      const b = await run({ steps: 128 * 4, seed: 3, hyper });
      const c = await run({ steps: 128 * 4, seed: 4, hyper });
      assert.ok(a.episodes.length > 0);
      assert.deepEqual(explorationFigures(a.updates), explorationFigures(b.updates));
      assert.deepEqual(rows(a.episodes), rows(b.episodes));
      assert.equal(params(a.result.policy), params(b.result.policy));
      assert.notDeepEqual(explorationFigures(a.updates), explorationFigures(c.updates));
    });
  }

  it('the intrinsic signals never reach episode records or evaluation: returns stay the env\'s own (0 or 1 under outcome)', async () => {
    const hyper = { rndCoef: 1, countBeta: 0.3, goExplore: 0.5 };
    const { result, episodes, updates } = await run({ steps: 128 * 8, seed: 1, hyper });
    assert.ok(updates.some((u) => (u.exploration?.countBonus ?? 0) > 0 && (u.exploration?.intrinsicReward ?? 0) > 0));
    assert.ok(updates.reduce((s, u) => s + u.exploreEpisodes, 0) > 0, 'no exploration episode ran');
    assert.ok(episodes.length > 0);
    for (const e of episodes) assert.ok(e.return === 0 || e.return === 1, `episode return ${e.return}`);
    // Reported episodes all start at tick 0 (normal start): their length is the horizon unless they submitted.
    const horizon = loadScenario('mining').horizon;
    for (const e of episodes) assert.ok(e.length === horizon || e.return === 1, `a ${e.length}-step episode without a submit`);
    const evals = evaluate(result.policy, SANDBOX, KW, { episodes: 5, seed: 9 });
    for (const e of evals) assert.ok(e.return === 0 || e.return === 1);
  });

  it('Go-Explore: restores archived states, yet the normal episodes are exactly those the env would give without it', () => {
    // Same actions in normal episodes (a function of env and tick only), arbitrary ones in exploration episodes.
    const normalEpisodes = (withGe: boolean) => {
      const vec = new SyncVectorEnv(Array.from({ length: 3 }, () => () => makeEnv(SANDBOX, KW)));
      const ge = withGe ? new GoExplore(vec, 0.7, 3, 10_000, 5) : null;
      const noise = new Rng('noise');
      const out: string[][] = [[], [], []];
      const cur: string[] = ['', '', ''];
      const ticks = new Int32Array(3);
      try {
        let b = vec.reset({ seed: 21 });
        ge?.onReset(b);
        const start = (i: number) => JSON.stringify((vec.envs[i]!.unwrapped as unknown as { rngState: unknown }).rngState) + Array.from(b.obs.subarray(i * vec.obsDim, (i + 1) * vec.obsDim)).join(' ');
        for (let i = 0; i < 3; i++) cur[i] = start(i);
        const acts = new Int32Array(3);
        for (let s = 0; s < 1200; s++) {
          for (let i = 0; i < 3; i++) acts[i] = ge?.isExploring(i) ? noise.int(vec.numActions) : (ticks[i]! * 7 + i * 3) % vec.numActions;
          const exploring = [0, 1, 2].map((i) => ge?.isExploring(i) ?? false);
          b = vec.step(acts);
          for (let i = 0; i < 3; i++) {
            if (b.resetStep[i]) continue;
            ticks[i]! += 1;
            if (!exploring[i]) cur[i] += `|${acts[i]}:${b.rewards[i]}:` + Array.from(b.obs.subarray(i * vec.obsDim, (i + 1) * vec.obsDim)).join(' ');
            if (b.terminated[i] || b.truncated[i]) {
              if (!exploring[i]) out[i]!.push(cur[i]!);
              ticks[i] = 0;
            }
          }
          ge?.afterStep(b);
          // A normal episode's start: its observation and the env's generator state.
          for (let i = 0; i < 3; i++) if (b.resetStep[i] && !ge?.isExploring(i)) cur[i] = start(i);
        }
        return { out, restarts: ge?.restarts ?? 0, cells: ge?.size ?? 0 };
      } finally {
        vec.close();
      }
    };
    const plain = normalEpisodes(false);
    const ge = normalEpisodes(true);
    assert.ok(ge.restarts > 3, `only ${ge.restarts} restarts`);
    assert.ok(ge.cells > 10);
    for (let i = 0; i < 3; i++) {
      const n = ge.out[i]!.length;
      assert.ok(n >= 2);
      assert.deepEqual(ge.out[i], plain.out[i]!.slice(0, n), `env ${i}: a normal episode differs`);
    }
  });

  for (const [name, hyper] of Object.entries(METHODS)) {
    it(`${name}: a run killed mid-way and resumed writes the same checkpoint, episodes and parameters as an uninterrupted one`, async () => {
      const same = { steps: 128 * 7, seed: 5, hyper, checkpointEvery: 3 };
      const fullDir = tmp('xp-full-');
      const full = await run({ ...same, checkpointDir: fullDir });
      const dir = tmp('xp-kill-');
      const controller = new AbortController();
      const first = await run({ ...same, checkpointDir: dir, signal: controller.signal, onUpdate: (d) => d.update === 4 && controller.abort() });
      assert.equal(first.result.stopped, 'aborted');
      const ckpt = readCheckpoint(dir);
      assert.equal(ckpt?.update, 3);
      const second = await run({ ...same, checkpointDir: dir, resume: true });
      const stitched = [...first.episodes.slice(0, ckpt!.episodes), ...second.episodes];
      assert.deepEqual(rows(stitched), rows(full.episodes));
      assert.deepEqual(explorationFigures(second.updates), explorationFigures(full.updates).slice(3));
      assert.equal(params(second.result.policy), params(full.result.policy));
      assert.equal(fs.readFileSync(checkpointPath(dir), 'utf8'), fs.readFileSync(checkpointPath(fullDir), 'utf8'));
    });
  }

  it('keeps the tfjs tensor count flat across updates with every method on', async () => {
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    await run({ steps: 128 * 12, seed: 2, hyper: METHODS['all']!, onUpdate: () => counts.push(tf.memory().numTensors) });
    assert.equal(counts.length, 12);
    assert.ok(counts.every((n) => n === counts[0]), `tensor counts vary: ${[...new Set(counts)].join(', ')}`);
    assert.equal(tf.memory().numTensors, baseline);
  });

  it('validates its hyperparameters and refuses Go-Explore on an env that cannot restore states', async () => {
    assert.equal(PPO_DEFAULTS.rndCoef + PPO_DEFAULTS.countBeta + PPO_DEFAULTS.goExplore, 0, 'exploration must be off by default');
    assert.throws(() => resolveHyperparameters('ppo', SANDBOX, { countBits: 53 }), HyperparameterError);
    assert.throws(() => resolveHyperparameters('ppo', SANDBOX, { goExplore: 1.5 }), /goExplore must be in \[0, 1\]/);
    assert.throws(() => resolveHyperparameters('ppo', SANDBOX, { rndHidden: [] }), /rndHidden/);
    assert.throws(() => resolveHyperparameters('ppo', SANDBOX, { rndUpdateProportion: 0 }), /rndUpdateProportion/);
    await assert.rejects(
      train({ envId: 'classic/CartPole-v1', agent: 'ppo', steps: 64, seed: 1, hyper: { goExplore: 0.5 } }),
      (e: Error) => e instanceof TrainError && /clone and restore/.test(e.message) && !e.message.includes('\n'),
    );
  });
});
