import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { selectBackend } from '../../agents/backend.js';
import { LagrangeMultiplier } from '../../agents/ppo_lagrangian.js';
import { train, type AgentName } from '../../agents/train.js';
import { COSTLY_SHORTCUT_ID } from './constrained_env.js';

async function lateCost(agent: AgentName, seed: number): Promise<{ cost: number; limit: number; lambda: number | null }> {
  const costs: number[] = [];
  const r = await train({ envId: COSTLY_SHORTCUT_ID, agent, steps: 12_800, seed, hyper: { numSteps: 40 }, onEpisode: (e) => costs.push(e.cost) });
  const last = costs.slice(Math.floor(costs.length * 0.75));
  return { cost: last.reduce((a, b) => a + b, 0) / last.length, limit: r.hyper.costLimit, lambda: r.lagrangeMultiplier };
}

describe('PPO-Lagrangian', () => {
  before(async () => {
    await selectBackend('wasm');
  });

  it('the multiplier integrates the constraint violation, adds the proportional term, and stays >= 0', () => {
    const m = new LagrangeMultiplier(0, 0.1, 5, 0.5);
    assert.equal(m.update(null), 0);
    assert.ok(Math.abs(m.update(9) - (0.4 + 2)) < 1e-12); // I = 0.4, lambda = 0.4 + 0.5 * 4
    assert.ok(Math.abs(m.update(5) - 0.4) < 1e-12);
    assert.equal(m.update(0), 0); // I = max(0, 0.4 - 0.5) = 0, lambda = max(0, 0 - 2.5)
    assert.equal(m.integral, 0);
  });

  it('keeps the episode cost near its limit where plain PPO exceeds it', async () => {
    const lag = await lateCost('ppo-lagrangian', 1);
    const ppo = await lateCost('ppo', 1);
    assert.equal(lag.limit, 5); // declared by the env
    assert.ok(Math.abs(lag.cost - lag.limit) <= 1.5, `PPO-Lagrangian late episode cost ${lag.cost.toFixed(2)} vs limit ${lag.limit}`);
    assert.ok(ppo.cost > 3 * ppo.limit, `PPO late episode cost ${ppo.cost.toFixed(2)}`);
    assert.ok(lag.lambda !== null && lag.lambda > 0);
  });
});
