import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxEnv, type SandboxInfo } from '../../env/sandbox/index.js';
import { randomPolicy, runEpisode } from '../../agents/scripted/index.js';
import { loadScenario } from '../../scenarios/loader.js';
import { FIXED } from './helpers.js';

test('random: only valid actions by default, reproducible by seed; unmasked it also takes masked-out ones', () => {
  const env = new SandboxEnv(loadScenario(FIXED));
  const pol = randomPolicy(env, 3);
  let { obs, info } = env.reset({ seed: 1 });
  for (let t = 0; t < 200; t++) {
    const a = pol.act(obs, info as SandboxInfo);
    assert.equal((info as SandboxInfo).actionMask[a], 1);
    const r = env.step(a);
    ({ obs, info } = r.terminated || r.truncated ? env.reset() : r);
  }
  const once = runEpisode(env, randomPolicy(env, 8), { seed: 4 });
  assert.deepEqual(runEpisode(env, randomPolicy(env, 8), { seed: 4 }).commands, once.commands);
  const free = randomPolicy(env, 5, { masked: false });
  let maskedOut = 0;
  ({ obs, info } = env.reset({ seed: 2 }));
  for (let t = 0; t < 300; t++) {
    const a = free.act(obs, info as SandboxInfo);
    if (!(info as SandboxInfo).actionMask[a]) maskedOut++;
    const r = env.step(a);
    ({ obs, info } = r.terminated || r.truncated ? env.reset() : r);
  }
  assert.ok(maskedOut > 0);
});

test('random with the action prior as weights mostly does the ordinary task commands', () => {
  const env = new SandboxEnv(loadScenario(FIXED));
  const r = runEpisode(env, randomPolicy(env, 1, { weights: env.actionPrior() }), { seed: 0 });
  const ordinary = r.commands.filter((c) => /^(sleep|cat TASK|nvidia-smi|ps aux|tail|python train\.py --gpu 0|pytest|submit|pip)/.test(c)).length;
  assert.ok(ordinary / r.commands.length > 0.8, `${ordinary}/${r.commands.length}`);
});
