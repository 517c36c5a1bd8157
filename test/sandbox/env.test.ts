import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkEnv, make, OrderEnforcing, type VectorBuffers } from '../../env/index.js';
import { canon } from '../../env/checker.js';
import { SandboxEnv, UnknownShapingError, hasActionPrior, type SandboxInfo } from '../../env/sandbox/index.js';
import { ScenarioError, listScenarios, loadScenario } from '../../scenarios/loader.js';
import { envOf, variant, FIXED } from './helpers.js';
import { actionOf } from '../../agents/scripted/index.js';

for (const name of listScenarios()) {
  test(`checkEnv passes on ${name} (made by make, and constructed directly), with its layout randomised per episode`, () => {
    // Every shipped scenario randomises everything it can (randomize: gpus, relay, pids, credentials),
    // so checkEnv's determinism and contract checks run on per-episode layouts.
    assert.deepEqual(loadScenario(name).randomize, { gpus: true, relay: true, pids: true, credentials: true });
    assert.deepEqual(checkEnv(make('rome/Sandbox-v0', { scenario: name })), []);
    assert.deepEqual(checkEnv(new SandboxEnv(loadScenario(name), { shaping: 'outcome+cost' }), { rolloutSteps: 120 }), []);
  });
}

test('make takes a scenario name, a path or a Scenario, and a shaping; defaults: mining, first shaping', () => {
  const byName = make('rome/Sandbox-v0', { scenario: 'control', shaping: 'utilization' }).unwrapped as SandboxEnv;
  assert.equal(byName.scenario.name, 'control');
  assert.equal(byName.shapingName, 'utilization');
  const byPath = make('rome/Sandbox-v0', { scenario: 'scenarios/hijack.yaml' }).unwrapped as SandboxEnv;
  assert.equal(byPath.scenario.name, 'hijack');
  assert.equal(byPath.shapingName, 'outcome');
  const byObject = make('rome/Sandbox-v0', { scenario: loadScenario('hardened') }).unwrapped as SandboxEnv;
  assert.equal(byObject.scenario.name, 'hardened');
  assert.equal((make('rome/Sandbox-v0').unwrapped as SandboxEnv).scenario.name, 'mining');
  const env = make('rome/Sandbox-v0', { scenario: FIXED });
  assert.ok(env instanceof OrderEnforcing && (env as OrderEnforcing).env === env.unwrapped, 'OrderEnforcing and no TimeLimit: the env truncates at the scenario horizon itself');
  assert.throws(() => make('rome/Sandbox-v0', { scenario: FIXED, shaping: 'bonus' }), UnknownShapingError);
  assert.throws(() => make('rome/Sandbox-v0', { scenario: 'nope' }), ScenarioError);
});

test('spaces: Box(0, 1) observation, Discrete action over the table', () => {
  const env = envOf(FIXED);
  assert.deepEqual(env.observationSpace.toJSON(), { type: 'Box', shape: [env.obsDim], dtype: 'float32', low: 0, high: 1 });
  assert.equal(env.obsDim, 26 + 8 * 8);
  assert.equal(env.actionSpace.n, env.actions.length);
});

test('the episode ends at the horizon (truncated) when nothing is submitted', () => {
  const env = envOf(FIXED);
  env.reset({ seed: 1 });
  let r = env.step(0);
  let n = 1;
  while (!r.truncated && !r.terminated) {
    r = env.step(0);
    n++;
  }
  assert.equal(n, 40);
  assert.ok(r.truncated && !r.terminated);
  const info = r.info as SandboxInfo;
  assert.equal(info.episode!.taskSuccess, false);
  const after = env.step(0);
  assert.equal(after.reward, 0);
  assert.ok(after.truncated);
  assert.equal(env.state.tick, 40, 'a step after the end changes nothing');
});

test('invalid actions are `command not found`: never an exception, the tick is spent', () => {
  const env = envOf(FIXED);
  env.reset({ seed: 0 });
  for (const a of [-1, env.numActions, 1.5, Number.NaN, 1e9]) {
    const r = env.step(a);
    const info = r.info as SandboxInfo;
    assert.equal(info.result, 'not_found');
    assert.match(info.output, /command not found/);
    assert.ok(env.observationSpace.contains(r.obs));
  }
  assert.equal(env.state.tick, 5);
});

test('actionPrior: a distribution from the scenario prior; disabled tools get nothing', () => {
  const env = envOf(variant(FIXED, (s) => void (s.tools.disabled = ['probe', 'ssh_tunnel'])));
  assert.ok(hasActionPrior(env));
  assert.ok(!hasActionPrior({}));
  const p = env.actionPrior();
  assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  for (const a of env.actions) if (a.verb === 'probe' || a.verb === 'ssh_tunnel') assert.equal(p[a.index], 0);
  const own = p[env.actions.findIndex((a) => a.verb === 'run_job' && a.target === 0)]!;
  const other = p[env.actions.findIndex((a) => a.verb === 'run_job' && a.target === 3)]!;
  assert.ok(Math.abs(own / other - 0.95 / (0.05 / 7)) < 1e-3, 'own_gpu share of run_job goes to GPU 0');
  p[0] = 99;
  assert.notEqual(env.actionPrior()[0], 99, 'a fresh copy');
});

/** One env's trajectory under `actions` (objects canonicalised for comparison). */
function trajectory(env: SandboxEnv, seed: number, actions: readonly number[]): string[] {
  const out = [canon(env.reset({ seed }))];
  for (const a of actions) {
    const r = env.step(a);
    out.push(canon(r));
    if (r.terminated || r.truncated) out.push(canon(env.reset()));
  }
  return out;
}

const scenarioNames = listScenarios();
const actionsArb = fc.array(fc.integer({ min: -2, max: 49 }), { minLength: 1, maxLength: 120 });

test('seeded determinism: same seed + same actions = same everything (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...scenarioNames), fc.integer({ min: 0, max: 2 ** 31 - 1 }), actionsArb, (name, seed, actions) => {
      const sc = loadScenario(name);
      assert.deepEqual(trajectory(new SandboxEnv(sc), seed, actions), trajectory(new SandboxEnv(sc), seed, actions));
    }),
    { numRuns: 60, seed: 17 },
  );
});

test('cloneState/restoreState: a restored env replays the same future, and snapshots are independent copies', () => {
  fc.assert(
    fc.property(fc.constantFrom(...scenarioNames), fc.integer({ min: 0, max: 1000 }), actionsArb, actionsArb, (name, seed, prefix, suffix) => {
      const env = new SandboxEnv(loadScenario(name));
      env.reset({ seed });
      for (const a of prefix) {
        const r = env.step(a);
        if (r.terminated || r.truncated) env.reset();
      }
      const snap = env.cloneState();
      const frozen = canon(snap);
      const run = () => suffix.map((a) => {
        const r = env.step(a);
        const c = canon(r);
        if (r.terminated || r.truncated) env.reset();
        return c;
      });
      const first = run();
      assert.equal(canon(snap), frozen, 'stepping on does not touch the snapshot');
      env.restoreState(snap);
      assert.deepEqual(run(), first);
      env.restoreState(structuredClone(snap));
      assert.deepEqual(run(), first, 'a structured clone of the snapshot restores too');
    }),
    { numRuns: 40, seed: 5 },
  );
  const other = envOf('control');
  assert.throws(() => other.restoreState(envOf(FIXED).cloneState()), /scenario 'fixed-cluster'/);
});

function buffers(env: SandboxEnv): VectorBuffers {
  return {
    obsDim: env.obsDim,
    numActions: env.numActions,
    obs: new Float32Array(env.obsDim),
    rewards: new Float32Array(1),
    costs: new Float32Array(1),
    terminated: new Uint8Array(1),
    truncated: new Uint8Array(1),
    resetStep: new Uint8Array(1),
    actionMasks: new Uint8Array(env.numActions),
    finalInfos: [null],
  };
}

test('the flat path and step() run the same world: obs, mask, reward, cost, flags and episode summary agree (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...scenarioNames), fc.constantFrom('outcome', 'outcome+cost', 'outcome+monitor', 'utilization'), fc.integer({ min: 0, max: 1e6 }), actionsArb, (name, shaping, seed, actions) => {
      const sc = loadScenario(name);
      const a = new SandboxEnv(sc, { shaping });
      const b = new SandboxEnv(sc, { shaping });
      const buf = buffers(b);
      const r0 = a.reset({ seed });
      b.resetFlat(seed, buf, 0);
      assert.deepEqual(buf.obs, r0.obs);
      assert.deepEqual(buf.actionMasks, (r0.info as SandboxInfo).actionMask);
      for (const act of actions) {
        const r = a.step(act);
        b.stepFlat(act, buf, 0);
        const info = r.info as SandboxInfo;
        assert.deepEqual(buf.obs, r.obs);
        assert.deepEqual(buf.actionMasks, info.actionMask);
        assert.equal(buf.rewards[0], Math.fround(r.reward));
        assert.equal(buf.costs[0], Math.fround(info.cost));
        assert.equal(buf.terminated[0], r.terminated ? 1 : 0);
        assert.equal(buf.truncated[0], r.truncated ? 1 : 0);
        if (r.terminated || r.truncated) {
          assert.equal(canon(b.episodeInfo()), canon({ episode: info.episode }));
          break;
        }
      }
    }),
    { numRuns: 60, seed: 11 },
  );
});

test('reset without a seed continues the stream: episodes differ where chance matters', () => {
  const env = envOf(variant(FIXED, (s) => void (s.monitors.firewall.alerts.tunnel_mining_traffic.probability = 0.5)));
  const steps = [actionOf(env, 'find_creds', 'ssh'), actionOf(env, 'ssh_tunnel'), actionOf(env, 'start_miner', 3), ...Array<number>(20).fill(0)];
  const counts = new Set<number>();
  env.reset({ seed: 9 });
  for (let e = 0; e < 6; e++) {
    if (e > 0) env.reset();
    for (const a of steps) env.step(a);
    counts.add(env.summary().firewall_alerts);
  }
  assert.ok(counts.size > 1, `alert counts over episodes: ${[...counts].join(', ')}`);
});
