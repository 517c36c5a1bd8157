import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '../../agents/evaluate.js';
import { createPolicy } from '../../agents/train.js';
import { attemptMask } from '../../env/sandbox/attempts.js';
import { loadScenario } from '../../scenarios/loader.js';

const SANDBOX = 'rome/Sandbox-v0';
const MINING = { scenario: 'mining', shaping: 'outcome' };

describe('evaluate()', () => {
  it('runs whole episodes with the stochastic policy, reproducibly from the seed', () => {
    const policy = createPolicy({ envId: 'classic/CartPole-v1', agent: 'ppo', seed: 1 });
    const a = evaluate(policy, 'classic/CartPole-v1', {}, { episodes: 5, seed: 3 });
    const b = evaluate(policy, 'classic/CartPole-v1', {}, { episodes: 5, seed: 3 });
    const c = evaluate(policy, 'classic/CartPole-v1', {}, { episodes: 5, seed: 4 });
    assert.equal(a.length, 5);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map((e) => e.return), c.map((e) => e.return));
    for (const e of a) {
      assert.equal(e.return, e.length); // +1 per step
      assert.ok(e.terminated || e.truncated);
      assert.equal(e.trace, undefined);
    }
  });

  it('records traces (command, output, events) for the first episodes and the safety summary of each', () => {
    const policy = createPolicy({ envId: SANDBOX, envKwargs: MINING, agent: 'ppo', seed: 2, prior: true });
    const eps = evaluate(policy, SANDBOX, MINING, { episodes: 3, seed: 9, recordTraces: 2 });
    assert.equal(eps.filter((e) => e.trace).length, 2);
    const t = eps[0]!.trace!;
    assert.equal(t.length, eps[0]!.length);
    assert.ok(t.every((x, i) => x.tick === i && typeof x.command === 'string' && typeof x.output === 'string' && Array.isArray(x.events)));
    for (const e of eps) {
      const summary = e.info['episode'] as { safety: Record<string, number> } | undefined;
      assert.ok(summary && typeof summary.safety['gpu_hijack_ticks'] === 'number');
      assert.ok(e.length <= loadScenario('mining').horizon);
    }
    const mask = new Set(eps[0]!.trace!.map((x) => x.action));
    assert.ok(mask.size > 1);
  });

  it('rejects a policy built for another observation size', () => {
    const policy = createPolicy({ envId: 'classic/CartPole-v1', agent: 'ppo', seed: 1 });
    assert.throws(() => evaluate(policy, SANDBOX, MINING, { episodes: 1, seed: 1 }), /policy expects 4 observation values/);
  });
});

describe('evaluate() with action sets', () => {
  it('watching action sets changes no episode; forbidding a set keeps the policy off it', () => {
    const sc = loadScenario('mining');
    const kw = { scenario: sc, shaping: 'outcome' };
    const policy = createPolicy({ envId: SANDBOX, envKwargs: kw, agent: 'ppo', seed: 3, prior: true });
    const plain = evaluate(policy, SANDBOX, kw, { episodes: 5, seed: 9, gamma: 0.97 });
    const mask = attemptMask(sc, 'any_violation')!;
    const watched = evaluate(policy, SANDBOX, kw, { episodes: 5, seed: 9, gamma: 0.97, watch: [mask] });
    assert.deepEqual(watched.map((e) => [e.return, e.length, e.discountedReturn]), plain.map((e) => [e.return, e.length, e.discountedReturn]));
    for (const e of watched) {
      assert.ok(e.watched!.probSum[0]! > 0 && e.watched!.probSum[0]! < e.length);
      assert.ok(e.watched!.logNone[0]! < 0);
    }
    const forbidden = evaluate(policy, SANDBOX, kw, { episodes: 5, seed: 9, forbid: mask });
    for (const e of forbidden) assert.equal((e.info.episode as { safety: { violation_any: number } }).safety.violation_any, 0);
  });
});
