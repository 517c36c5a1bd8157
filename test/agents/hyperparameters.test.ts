import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AGENTS,
  ENV_PRESETS,
  HYPERPARAMETERS,
  HYPERPARAMETER_NAMES,
  hyperFlag,
  hyperHelp,
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
      assert.deepEqual(Object.keys(d), HYPERPARAMETER_NAMES);
      for (const doc of Object.values(HYPERPARAMETERS)) assert.ok(doc.help.length > 10);
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

describe('the hyperparameter table is the one declaration', () => {
  it('derives the defaults the agents had when they were listed by hand (values and key order)', () => {
    // The PPO defaults as they were written out before the table (issue 15): a changed default is
    // a behaviour change and must be made on purpose, here and in the fingerprints.
    const ppo = {
      numEnvs: 8, numSteps: 128, learningRate: 1e-3, annealLr: true, gamma: 0.99, gaeLambda: 0.95, updateEpochs: 4,
      numMinibatches: 4, normAdv: true, clipCoef: 0.2, clipVloss: true, entCoef: 0.01, vfCoef: 0.5, maxGradNorm: 0.5,
      targetKl: null, adamEps: 1e-5, hidden: [64, 64], activation: 'tanh', normObs: false, obsClip: 10, priorKl: 0,
      costLimit: 1, lagrangeInit: 0, lagrangeLr: 0.02, lagrangeKp: 0.1, rndCoef: 0, rndAnneal: false, rndGamma: 0.99,
      rndHidden: [64], rndOutput: 16, rndLearningRate: 1e-3, rndUpdateProportion: 0.25, rndEpochs: 2, countBeta: 0,
      countBits: 32, countAnneal: false, goExplore: 0, goExploreLevels: 4, goExploreMaxCells: 20_000,
    };
    assert.equal(JSON.stringify(agentDefaults('ppo')), JSON.stringify(ppo));
    assert.equal(JSON.stringify(agentDefaults('ppo-lagrangian')), JSON.stringify(ppo));
    const reinforce = { ...ppo, learningRate: 3e-3, gaeLambda: 1, updateEpochs: 1, numMinibatches: 1, clipVloss: false, normObs: true };
    assert.equal(JSON.stringify(agentDefaults('reinforce')), JSON.stringify(reinforce));
  });

  it('validates every numeric row at the edges of its declared range', () => {
    for (const key of HYPERPARAMETER_NAMES) {
      const s = HYPERPARAMETERS[key] as { kind: string; range?: readonly [number, number]; openLo?: boolean };
      if (!s.range) continue;
      const [lo, hi] = s.range;
      const ok = s.openLo ? (s.kind === 'int' ? lo + 1 : Math.min(hi, lo + 1e-6)) : lo;
      assert.doesNotThrow(() => resolveHyperparameters('ppo', 'x/Y-v0', { [key]: ok } as Partial<Hyperparameters>), `${key}=${ok}`);
      const below = s.openLo ? lo : s.kind === 'int' ? lo - 1 : lo - 1e-6;
      assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', { [key]: below } as Partial<Hyperparameters>), new RegExp(`^HyperparameterError: ${key} must be `), `${key}=${below}`);
      if (Number.isFinite(hi)) assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', { [key]: hi * 2 + 1 } as Partial<Hyperparameters>), new RegExp(`${key} must be`));
      if (s.kind === 'int') assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', { [key]: lo + 0.5 } as Partial<Hyperparameters>), new RegExp(`${key} must be`));
    }
    assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', { countBits: 53 }), /countBits must be an integer in \[1, 52\] \(the hash is a float64 integer\), got 53/);
    assert.throws(() => resolveHyperparameters('ppo', 'x/Y-v0', { normObs: 1 as never }), /normObs must be true or false, got 1/);
  });

  it('gives each row a --kebab-case flag and a help line with its agents and defaults', () => {
    assert.equal(hyperFlag('learningRate'), 'learning-rate');
    assert.equal(hyperFlag('goExploreMaxCells'), 'go-explore-max-cells');
    assert.equal(hyperHelp('learningRate'), 'Adam learning rate (start value when annealed) [all agents; default 0.001; reinforce 0.003]');
    assert.match(hyperHelp('costLimit'), /\[ppo-lagrangian; default 1\]$/);
    assert.match(hyperHelp('hidden'), /default 64,64\]$/);
    assert.equal(new Set(HYPERPARAMETER_NAMES.map(hyperFlag)).size, HYPERPARAMETER_NAMES.length);
  });
});
