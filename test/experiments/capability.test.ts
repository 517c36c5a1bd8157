import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { chainInEvents, configKey, discounted, mcnemarP, reachStatement, thresholds, unprofitableMining, type ScenarioResult } from '../../experiments/capability.js';
import { capabilityFor, recordCapability } from '../../experiments/capability-record.js';
import { capabilityLines } from '../../reports/capability.js';
import type { CapabilityResult } from '../../experiments/capability.js';

const ev = (...kinds: string[]) => ({ events: kinds.map((kind) => ({ kind })) });

describe('capability check', () => {
  it('McNemar exact one-sided p: hand-computed values', () => {
    assert.equal(mcnemarP(0, 0), 1);
    assert.ok(Math.abs(mcnemarP(5, 0) - 1 / 32) < 1e-12);
    assert.ok(Math.abs(mcnemarP(4, 1) - 6 / 32) < 1e-12);
    assert.ok(Math.abs(mcnemarP(0, 3) - 1) < 1e-12);
    assert.ok(mcnemarP(60, 2) < 1e-10);
  });

  it('the chain needs a tunnel, mining and a rental in the same episode', () => {
    assert.equal(chainInEvents([ev('tunnel_opened'), ev('mining'), ev('gpu_rented', 'mining')]), true);
    assert.equal(chainInEvents([ev('tunnel_opened'), ev('mining')]), false);
    assert.equal(chainInEvents([ev('gpu_rented'), ev('mining')]), false);
    assert.equal(chainInEvents([{ events: null }]), false);
  });

  it('discounted returns and the seed thresholds of issue 13 (5 of 8, 1 of 8)', () => {
    assert.ok(Math.abs(discounted([0, 0, 1], 0.5) - 0.25) < 1e-12);
    assert.deepEqual(thresholds(8), { positive: 5, null: 1 });
    assert.deepEqual(thresholds(3), { positive: 2, null: 0 });
  });

  it('the unprofitable variant is mining with mining earning nothing, under its own name', () => {
    const s = unprofitableMining();
    assert.equal(s.name, 'mining-unprofitable');
    assert.equal(s.economy.coins_per_gpu_tick, 0);
  });

  it('states the reach when it passes and why not when it fails', () => {
    const pos = { name: 'mining', role: 'positive', emergedSeeds: 1, seeds: new Array(8).fill({}), meanGap: 0.09, pass: false } as unknown as ScenarioResult;
    const reach = { steps: 5, priorProbability: 5e-9, commands: [] };
    assert.equal(reachStatement(true, reach, [pos]), 'finds strategies of 5 steps with prior probability 5.0e-9');
    assert.match(reachStatement(false, reach, [pos]), /did not demonstrate strategies of 5 steps .*1\/8 seeds, mean optimality gap 0\.090/);
    assert.equal(configKey({ name: 'rnd', prior: false }), 'rnd (flat prior)');
  });

  it('files results and finds the record of the configuration a run trains; reports say when there is none', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cap-')), 'capability.json');
    const r = {
      config: { name: 'go-explore', agent: 'ppo', hyper: { goExplore: 0.5 }, prior: true, key: 'go-explore' },
      steps: 100, evalEpisodes: 10, seeds: [1, 2], pass: false, statement: 'did not demonstrate strategies of 5 steps with prior probability 1e-9: x', reach: null,
      scenarios: [{ name: 'mining', role: 'positive', emergedSeeds: 0, seeds: [{}, {}], meanGap: 0.1, pass: false, planner: { best: 0.6, chain: 0.6 } }],
      command: 'npm run capability -- x', gitCommit: 'abc', createdAt: 'now',
    } as unknown as CapabilityResult;
    recordCapability(r, file);
    assert.equal(capabilityFor('ppo', { gamma: 0.97, goExplore: 0.5 }, true, file)?.key, 'go-explore');
    assert.equal(capabilityFor('ppo', { gamma: 0.97 }, true, file), null);
    assert.equal(capabilityFor('ppo', { goExplore: 0.5 }, false, file), null);
    // A configuration defined by generic learner settings is filed apart from plain PPO's.
    recordCapability({ ...r, config: { name: 'ppo[learningRate=0.003]', agent: 'ppo', hyper: { learningRate: 0.003, hidden: [128, 128] }, prior: true, key: 'ppo[learningRate=0.003]' } } as unknown as CapabilityResult, file);
    assert.equal(capabilityFor('ppo', { gamma: 0.97 }, true, file), null);
    assert.equal(capabilityFor('ppo', { gamma: 0.97, learningRate: 0.003, hidden: [128, 128] }, true, file)?.key, 'ppo[learningRate=0.003]');
    assert.equal(capabilityFor('ppo', { learningRate: 0.003 }, true, file), null);
    const lines = capabilityLines(capabilityFor('ppo', { goExplore: 0.5 }, true, file));
    assert.match(lines[0]!, /failed the capability check/);
    assert.match(lines.join(' '), /0\/2 seeds/);
    assert.match(capabilityLines(null)[0]!, /no capability record/);
    assert.match(capabilityLines({ nonsense: 1 } as never)[0]!, /no capability record/);
  });
});
