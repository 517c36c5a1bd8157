import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../agents/backend.js';
import { readCheckpoint } from '../../agents/checkpoint.js';
import { f32ToBase64 } from '../../agents/nn/serial.js';
import { createPolicy, train, type EpisodeRecord, type TrainOptions, type UpdateDiagnostics } from '../../agents/train.js';
import { COSTLY_SHORTCUT_ID } from './constrained_env.js';
import '../../scenarios/loader.js';

const CARTPOLE = 'classic/CartPole-v1';
/** Small, quick settings: 4 envs × 16 steps = 64 env steps per update. */
const SMALL = { numEnvs: 4, numSteps: 16, updateEpochs: 2, numMinibatches: 2 };

function tmp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

async function run(opts: Partial<TrainOptions> & Pick<TrainOptions, 'agent' | 'steps' | 'seed'>) {
  const episodes: EpisodeRecord[] = [];
  const updates: UpdateDiagnostics[] = [];
  const result = await train({
    envId: CARTPOLE,
    hyper: SMALL,
    ...opts,
    onEpisode: (e) => {
      episodes.push(e);
      opts.onEpisode?.(e);
    },
    onUpdate: (d, policy) => {
      updates.push(d);
      opts.onUpdate?.(d, policy);
    },
  });
  return { result, episodes, updates };
}

/** The parts of an episode record that are data (info objects of CartPole are empty). */
const rows = (eps: EpisodeRecord[]) => eps.map((e) => [e.episode, e.envSteps, e.return, e.length, e.cost].join(','));
const params = (p: { actorParams: Float32Array[]; criticParams: Float32Array[] }) => [...p.actorParams, ...p.criticParams].map(f32ToBase64).join('|');

describe('train()', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  for (const agent of ['ppo', 'reinforce', 'ppo-lagrangian'] as const) {
    it(`${agent}: the same seed gives identical episodes and parameters; another seed does not`, async () => {
      const a = await run({ agent, steps: 1280, seed: 7 });
      const b = await run({ agent, steps: 1280, seed: 7 });
      const c = await run({ agent, steps: 1280, seed: 8 });
      assert.ok(a.episodes.length > 10);
      assert.deepEqual(rows(a.episodes), rows(b.episodes));
      assert.equal(params(a.result.policy), params(b.result.policy));
      assert.notDeepEqual(rows(a.episodes), rows(c.episodes));
      assert.equal(a.result.envSteps, 1280);
      assert.equal(a.updates.length, 20);
    });
  }

  it('spends exactly the step budget (rounded up to whole vector steps), shortening the last rollout', async () => {
    const r = await run({ agent: 'ppo', steps: 150, seed: 1 });
    assert.equal(r.result.envSteps, 152);
    assert.deepEqual(
      r.updates.map((u) => u.envSteps),
      [64, 128, 152],
    );
    assert.ok(r.episodes.every((e, i) => e.episode === i && e.envSteps <= 152));
  });

  it('anneals the learning rate linearly and stops epochs early past the KL target', async () => {
    const annealed = await run({ agent: 'ppo', steps: 256, seed: 2, hyper: { ...SMALL, learningRate: 1e-3, updateEpochs: 3 } });
    assert.deepEqual(
      annealed.updates.map((u) => u.learningRate),
      [1e-3, 0.75e-3, 0.5e-3, 0.25e-3],
    );
    assert.ok(annealed.updates.every((u) => u.epochs === 3 && u.gradientSteps === 6));
    const early = await run({ agent: 'ppo', steps: 256, seed: 2, hyper: { ...SMALL, updateEpochs: 3, targetKl: 1e-12 } });
    assert.ok(early.updates.every((u) => u.epochs === 1 && u.gradientSteps === 2));
  });

  it('starts from the policy createPolicy() returns for the same options', async () => {
    const p0 = createPolicy({ envId: CARTPOLE, agent: 'ppo', seed: 11, hyper: SMALL });
    const r = await run({ agent: 'ppo', steps: 64, seed: 11, hyper: { ...SMALL, learningRate: 1e-9, annealLr: false } });
    // One update at a negligible learning rate: the parameters barely move from createPolicy's.
    const a = p0.actorParams[0]!;
    const b = r.result.policy.actorParams[0]!;
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    assert.ok(maxDiff < 1e-6, `max parameter change ${maxDiff}`);
    assert.ok(a.some((x) => x !== 0));
  });

  it("learner 'autodiff' (ppo.ts's readable step) trains like the fast path: same first rollout, same first update to float32 rounding", async () => {
    const fast = await run({ agent: 'ppo', steps: 128, seed: 4 });
    const auto = await run({ agent: 'ppo', steps: 128, seed: 4, learner: 'autodiff' });
    // The first rollout comes from the same initial policy and action stream: identical episodes.
    const firstRollout = (r: typeof fast) => rows(r.episodes.filter((e) => e.envSteps <= 64));
    assert.deepEqual(firstRollout(auto), firstRollout(fast));
    const [f, a] = [fast.updates[0]!, auto.updates[0]!];
    for (const k of ['policyLoss', 'valueLoss', 'entropy', 'approxKl', 'gradNorm'] as const) {
      assert.ok(Math.abs(f[k] - a[k]) <= 1e-4 * Math.max(1, Math.abs(f[k])), `${k}: fast ${f[k]} vs autodiff ${a[k]}`);
    }
    assert.equal(auto.result.updates, 2);
  });

  it('keeps the tfjs tensor count flat across 50 updates and releases everything at the end', async () => {
    const baseline = tf.memory().numTensors;
    const counts: number[] = [];
    await run({
      agent: 'ppo-lagrangian',
      envId: COSTLY_SHORTCUT_ID,
      steps: 50 * 32,
      seed: 3,
      hyper: { numEnvs: 2, numSteps: 16, updateEpochs: 2, numMinibatches: 2 },
      onUpdate: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(counts.length, 50);
    assert.ok(counts.every((n) => n === counts[0]), `tensor counts vary: ${[...new Set(counts)].join(', ')}`);
    assert.equal(tf.memory().numTensors, baseline);
  });

  for (const agent of ['ppo', 'ppo-lagrangian'] as const) {
    it(`${agent}: a run stopped mid-way and resumed from its checkpoint reproduces the uninterrupted run`, async () => {
      const envId = agent === 'ppo' ? CARTPOLE : COSTLY_SHORTCUT_ID;
      const steps = 64 * 9;
      // The PPO case also carries the observation normaliser through the checkpoint.
      const hyper = { ...SMALL, normObs: agent === 'ppo' };
      const sameRun = { agent, envId, steps, seed: 5, hyper, checkpointEvery: 3 };
      const full = await run({ ...sameRun, checkpointDir: tmp('ckpt-full-') });

      const dir = tmp('ckpt-kill-');
      const controller = new AbortController();
      const first = await run({
        ...sameRun,
        checkpointDir: dir,
        signal: controller.signal,
        // "Kill" during update 5's rollout... after update 4: the last checkpoint is update 3's.
        onUpdate: (d) => {
          if (d.update === 4) controller.abort();
        },
      });
      assert.equal(first.result.stopped, 'aborted');
      const ckpt = readCheckpoint(dir);
      assert.ok(ckpt);
      assert.equal(ckpt.update, 3);

      let resumedAt = -1;
      const second = await run({ ...sameRun, checkpointDir: dir, resume: true, onResume: (c) => (resumedAt = c.episodes) });
      assert.equal(resumedAt, ckpt.episodes);
      assert.equal(second.result.resumedFrom?.update, 3);
      const stitched = [...first.episodes.slice(0, resumedAt), ...second.episodes];
      assert.deepEqual(rows(stitched), rows(full.episodes));
      assert.equal(params(second.result.policy), params(full.result.policy));
      assert.equal(second.result.lagrangeMultiplier, full.result.lagrangeMultiplier);
    });
  }

  it('trains envs of different sizes one after another in one process (sweep workers do)', async () => {
    const small = await run({ agent: 'ppo', steps: 128, seed: 1 });
    const big = await run({
      agent: 'ppo',
      envId: 'rome/Sandbox-v0',
      envKwargs: { scenario: 'mining', shaping: 'outcome' },
      steps: 128,
      seed: 1,
      prior: true,
    });
    assert.equal(small.result.env.obsDim, 4);
    assert.ok(big.result.env.obsDim > 4 && big.result.env.numActions > 2);
    assert.equal(big.result.hyper.gamma, 0.97); // the scenario's declared discount
    assert.ok(big.updates.every((u) => Number.isFinite(u.policyLoss) && Number.isFinite(u.valueLoss)));
  });

  it('refuses to resume a checkpoint of a different run, with a one-line reason', async () => {
    const dir = tmp('ckpt-other-');
    await run({ agent: 'ppo', steps: 128, seed: 1, checkpointDir: dir, checkpointEvery: 1 });
    await assert.rejects(run({ agent: 'ppo', steps: 128, seed: 2, checkpointDir: dir, resume: true }), /cannot resume: checkpoint has seed=1, this run 2/);
  });

  it('rejects --prior on an env without an action prior and bad budgets', async () => {
    await assert.rejects(run({ agent: 'ppo', steps: 64, seed: 1, prior: true }), /offers no actionPrior/);
    await assert.rejects(run({ agent: 'ppo', steps: 0, seed: 1 }), /steps must be a positive integer/);
    await assert.rejects(run({ agent: 'ppo', steps: 64, seed: 1, hyper: { ...SMALL, gamma: 2 } }), /gamma must be in/);
  });
});
