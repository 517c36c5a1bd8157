/**
 * The observation's layout is named (issue 15): every offset the writers use comes from the
 * GLOBAL_FEATURES / GPU_FEATURES name lists. Here each name is checked against the value it names,
 * read from the live state, on seeded random episodes of every shipped scenario: a writer that puts
 * a value under the wrong name (a positional slip) fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxEnv, GLOBAL_FEATURES, GPU_FEATURES, RESULT_CLASSES, globalFeature, gpuFeature, observationLabels, type Scenario, type SandboxInfo, type SandboxState } from '../../env/sandbox/index.js';
import { GPU_OBS_FEATURES, OCC_JOB, OCC_MINER } from '../../env/sandbox/state.js';
import { MON_AUDIT, MON_TELEMETRY } from '../../env/sandbox/world.js';
import { COINS_SCALE_RENTALS, type GlobalFeature, type GpuFeature } from '../../env/sandbox/observation.js';
import { listScenarios, loadScenario } from '../../scenarios/loader.js';
import { Rng } from '../../env/rng.js';
import { roguePolicy } from '../../agents/scripted/index.js';
import { findAction } from '../../env/sandbox/actions.js';

/** What each global feature means, written independently of observation.ts. */
const GLOBAL_MEANING: Record<GlobalFeature, (s: Readonly<SandboxState>, sc: Scenario) => number> = {
  time: (s, sc) => Math.min(1, s.tick / sc.horizon),
  task_read: (s) => s.taskRead,
  gpu_table_seen: (s) => s.tableSeen,
  progress_seen: (s) => Math.max(0, s.progressSeen),
  progress_age: (s, sc) => (s.progressSeen < 0 ? 1 : Math.min(1, (s.tick - s.progressSeenTick) / sc.horizon)),
  tests_passed_seen: (s) => s.testsPassedSeen,
  job_gpus: (s, sc) => s.jobCount / sc.cluster.gpus.length,
  ssh_key: (s) => s.sshKey,
  market_token: (s) => s.marketToken,
  tunnel_up: (s) => s.tunnelUp,
  miners: (s, sc) => s.minerCount / sc.cluster.gpus.length,
  throttled: (s) => s.throttled,
  coins: (s, sc) => (sc.economy.rent_price > 0 ? Math.min(COINS_SCALE_RENTALS, s.coins / sc.economy.rent_price) / COINS_SCALE_RENTALS : s.coins > 0 ? 1 : 0),
  rented: (s, sc) => (sc.economy.max_rented > 0 ? s.rented / sc.economy.max_rented : 0),
  internal_hosts_known: (s, sc) => (sc.network.internal_hosts > 0 ? s.internalKnown / sc.network.internal_hosts : 0),
  telemetry_stopped: (s) => s.monitorStopped[MON_TELEMETRY]!,
  audit_stopped: (s) => s.monitorStopped[MON_AUDIT]!,
  ssh_dir_listed: (s) => s.sshListed,
  home_listed: (s) => s.homeListed,
  ...(Object.fromEntries(RESULT_CLASSES.map((r, k) => [`result_${r}`, (s: Readonly<SandboxState>) => (s.lastResult === k ? 1 : 0)])) as Record<
    `result_${(typeof RESULT_CLASSES)[number]}`,
    (s: Readonly<SandboxState>) => number
  >),
};

/** What each GPU feature means for GPU g. */
const GPU_MEANING: Record<GpuFeature, (s: Readonly<SandboxState>, g: number) => number> = {
  own: (s, g) => (s.seenOwner[g] === 0 ? 1 : 0),
  trainer: (s, g) => (s.seenOwner[g] === 1 ? 1 : 0),
  tenant: (s, g) => (s.seenOwner[g] === 2 ? 1 : 0),
  idle: (s, g) => (s.seenOwner[g] === 3 ? 1 : 0),
  busy: (s, g) => s.seenBusy[g]!,
  util: (s, g) => s.seenUtil[g]!,
  job: (s, g) => (s.occupant[g] === OCC_JOB ? 1 : 0),
  miner: (s, g) => (s.occupant[g] === OCC_MINER ? 1 : 0),
};

test('the layout: names are unique, offsets are their positions, GPU blocks follow the globals, result classes are one contiguous block', () => {
  const labels = observationLabels(3);
  assert.equal(new Set(labels).size, labels.length);
  for (const [i, name] of GLOBAL_FEATURES.entries()) assert.equal(globalFeature(name), i, name);
  for (let g = 0; g < 3; g++) for (const [j, f] of GPU_FEATURES.entries()) assert.equal(labels[gpuFeature(g, f)], `gpu${g}_${f}`);
  assert.equal(GPU_FEATURES.length, GPU_OBS_FEATURES);
  for (const [k, r] of RESULT_CLASSES.entries()) assert.equal(globalFeature(`result_${r}`), globalFeature('result_none') + k);
});

/** Checks every feature of `obs` against what its name means in `env`'s state; notes the features seen non-zero. */
function checkObservation(env: SandboxEnv, obs: Float32Array, where: string, seenNonZero: Set<string>): void {
  const s = env.state;
  const sc = env.scenario;
  for (const f of GLOBAL_FEATURES) {
    const want = Math.fround(GLOBAL_MEANING[f](s, sc));
    assert.equal(obs[globalFeature(f)], want, `${where}: ${f}`);
    if (want !== 0) seenNonZero.add(f);
  }
  for (let g = 0; g < sc.cluster.gpus.length; g++) {
    for (const f of GPU_FEATURES) {
      const want = Math.fround(GPU_MEANING[f](s, g));
      assert.equal(obs[gpuFeature(g, f)], want, `${where}: gpu${g}_${f}`);
      if (want !== 0) seenNonZero.add(`gpu_${f}`);
    }
  }
}

test('every feature holds the value its name says, on random episodes and the rogue chain of every scenario (seeded)', () => {
  const seenNonZero = new Set<string>();
  for (const name of listScenarios()) {
    const env = new SandboxEnv(loadScenario(name));
    const rng = new Rng(15);
    // Random play: valid actions, and now and then one outside the table (`command not found`).
    let { obs, info } = env.reset({ seed: 7 });
    for (let t = 0; t < 600; t++) {
      checkObservation(env, obs, `${name} random t=${t}`, seenNonZero);
      const mask = (info as SandboxInfo).actionMask;
      const valid = [...mask.keys()].filter((a) => mask[a] === 1);
      const r = env.step(rng.next() < 0.05 ? env.numActions : valid[rng.int(valid.length)]!);
      obs = r.obs;
      info = r.info;
      if (r.terminated || r.truncated) ({ obs, info } = env.reset({ seed: 7 + t }));
    }
    // The incident's chain (credentials, tunnel, miner, coins, rentals), throttling the miner once it runs.
    const rogue = roguePolicy(env);
    rogue.reset();
    const throttle = findAction(env.actions, 'throttle_miner');
    ({ obs, info } = env.reset({ seed: 7 }));
    for (let t = 0; t < env.scenario.horizon; t++) {
      checkObservation(env, obs, `${name} rogue t=${t}`, seenNonZero);
      const s = env.state;
      const r = env.step(s.minerCount > 0 && !s.throttled ? throttle : rogue.act(obs, info as SandboxInfo));
      obs = r.obs;
      info = r.info;
      if (r.terminated || r.truncated) break;
    }
  }
  // The walks must reach every feature (a slip is caught only where the value is not zero).
  const unreached = [...GLOBAL_FEATURES, ...GPU_FEATURES.map((f) => `gpu_${f}`)].filter((f) => !seenNonZero.has(f));
  assert.deepEqual(unreached, []);
});
