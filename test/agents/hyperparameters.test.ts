import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AGENTS,
  ENV_PRESETS,
  HYPER_DOCS,
  PPO_DEFAULTS,
  agentDefaults,
  parseHyperValue,
  resolveHyperparameters,
  type Hyperparameters,
} from '../../agents/hyperparameters.js';

describe('hyperparameters', () => {
  it('documents every field of every agent\'s defaults', () => {
    for (const agent of AGENTS) {
      const d = agentDefaults(agent);
      assert.deepEqual(Object.keys(d).sort(), Object.keys(HYPER_DOCS).sort());
      for (const doc of Object.values(HYPER_DOCS)) assert.ok(doc.help.length > 10);
    }
  });

  it('merges agent defaults < env-declared values < env preset < overrides', () => {
    const h = resolveHyperparameters('ppo', 'classic/CartPole-v1', { learningRate: 3e-4 }, { gamma: 0.5, costLimit: 2 });
    assert.equal(h.learningRate, 3e-4); // override
    assert.equal(h.gamma, ENV_PRESETS['classic/CartPole-v1']!.ppo!.gamma); // preset beats env-declared
    assert.equal(h.costLimit, 2); // env-declared beats default
    assert.equal(h.clipCoef, PPO_DEFAULTS.clipCoef);
    const s = resolveHyperparameters('ppo-lagrangian', 'rome/Sandbox-v0', {}, { gamma: 0.97, costLimit: 1 });
    assert.equal(s.gamma, 0.97);
    assert.equal(s.costLimit, 1);
    assert.equal(resolveHyperparameters('reinforce', 'x/Y-v0').updateEpochs, 1);
  });

  it('rejects bad values and unknown names with one-line reasons', () => {
    const bad: [Partial<Hyperparameters>, RegExp][] = [
      [{ numEnvs: 0 }, /numEnvs must be a positive integer/],
      [{ gamma: 1.5 }, /gamma must be in \[0, 1\]/],
      [{ learningRate: 0 }, /learningRate must be in \(0, 1\]/],
      [{ hidden: [] }, /hidden must be a non-empty list/],
      [{ targetKl: -1 }, /targetKl must be in/],
      [{ activation: 'gelu' as never }, /activation must be tanh or relu/],
    ];
    for (const [o, re] of bad) assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', o), re);
    assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', { nope: 1 } as never), /unknown hyperparameter 'nope'/);
    assert.throws(() => resolveHyperparameters('a2c' as never, 'x/Y-v0'), /unknown agent 'a2c'/);
  });

  it('parses CLI strings per kind', () => {
    assert.equal(parseHyperValue('learningRate', '2.5e-4'), 2.5e-4);
    assert.equal(parseHyperValue('targetKl', 'null'), null);
    assert.equal(parseHyperValue('normObs', 'false'), false);
    assert.deepEqual(parseHyperValue('hidden', '128, 64'), [128, 64]);
    assert.equal(parseHyperValue('activation', 'relu'), 'relu');
    assert.throws(() => parseHyperValue('hidden', '64,x'), /comma-separated positive integers/);
    assert.throws(() => parseHyperValue('gamma', ''), /must be a number/);
    assert.throws(() => parseHyperValue('clipVloss', 'yes'), /true or false/);
  });
});
