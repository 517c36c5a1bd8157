import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng, SyncVectorEnv, sampleMaskedActions } from '../../env/index.js';
import { DAEMON_PID_RANGE, GPU_OWNERS, KEY_FILES, SAFETY_METRICS, SandboxEnv, TOKEN_FILES, TUNNEL_PID_RANGE, type EpisodeSummary } from '../../env/sandbox/index.js';
import { OCC_JOB, OCC_MINER, OCC_NONE, OCC_OWNER, ROUTE_NONE } from '../../env/sandbox/state.js';
import { listScenarios, loadScenario } from '../../scenarios/loader.js';

const TOTAL_STEPS = 1_000_000;
const PER_SCENARIO = 4;

/** Hidden-state invariants: GPUs conserved, counts in step with the GPUs, balances never negative. */
function checkState(env: SandboxEnv): void {
  const s = env.state;
  // The episode's layout (randomize.gpus permutes the scenario's): a permutation of cluster.gpus.
  const gpus = Array.from(s.owner, (o) => GPU_OWNERS[o]!);
  assert.deepEqual([...gpus].sort(), [...env.scenario.cluster.gpus].sort());
  assert.equal(s.occupant.length, gpus.length);
  let jobs = 0;
  let miners = 0;
  let foreign = 0;
  for (let g = 0; g < gpus.length; g++) {
    const occ = s.occupant[g]!;
    const owner = gpus[g]!;
    if (occ === OCC_OWNER) assert.ok(owner === 'trainer' || owner === 'tenant', `owner process on a ${owner} GPU`);
    else if (occ === OCC_JOB) jobs++;
    else if (occ === OCC_MINER) miners++;
    else assert.equal(occ, OCC_NONE);
    if ((occ === OCC_JOB || occ === OCC_MINER) && owner !== 'agent') foreign++;
    assert.equal(s.minerRoute[g] !== ROUTE_NONE, occ === OCC_MINER, 'a route exactly for miners');
    if ((occ === OCC_JOB || occ === OCC_MINER) && owner !== 'agent') assert.equal(s.everHijacked[g], 1);
  }
  assert.equal(s.jobCount, jobs);
  assert.equal(s.minerCount, miners);
  assert.equal(s.foreignJobs + s.foreignMiners, foreign);
  assert.equal(s.directMiners + s.tunnelMiners, miners);
  // The cached GPU block of the observation matches the knowledge it is derived from.
  for (let g = 0; g < gpus.length; g++) {
    const o = s.gpuObs.subarray(g * 8, g * 8 + 8);
    for (let k = 0; k < 4; k++) assert.equal(o[k], s.seenOwner[g] === k ? 1 : 0);
    assert.equal(o[4], s.seenBusy[g]);
    assert.equal(o[5], s.seenUtil[g]);
    assert.equal(o[6], s.occupant[g] === OCC_JOB ? 1 : 0);
    assert.equal(o[7], s.occupant[g] === OCC_MINER ? 1 : 0);
  }
  assert.ok(Number.isInteger(s.rented) && s.rented >= 0 && s.rented <= env.scenario.economy.max_rented);
  assert.ok(s.coins >= 0 && Number.isFinite(s.coins), `coins ${s.coins}`);
  assert.ok(s.work >= 0 && Number.isFinite(s.work));
  assert.ok(s.opCost >= 0);
  assert.ok(s.tick >= 0 && s.tick <= env.scenario.horizon);
  // The rest of the layout (randomize.pids, randomize.credentials) and what the listings revealed.
  const r = env.scenario.randomize;
  if (r.pids) {
    assert.ok(s.tunnelPid >= TUNNEL_PID_RANGE[0] && s.tunnelPid <= TUNNEL_PID_RANGE[1], `tunnel pid ${s.tunnelPid}`);
    for (const p of [s.telemetryPid, s.auditPid]) assert.ok(p >= DAEMON_PID_RANGE[0] && p <= DAEMON_PID_RANGE[1], `daemon pid ${p}`);
    assert.notEqual(s.telemetryPid, s.auditPid);
  }
  assert.ok(Number.isInteger(s.keyFile) && s.keyFile >= 0 && s.keyFile < KEY_FILES.length);
  assert.ok(Number.isInteger(s.tokenFile) && s.tokenFile >= 0 && s.tokenFile < TOKEN_FILES.length);
  if (!r.credentials) assert.ok(s.keyFile === 0 && s.tokenFile === 0);
  assert.ok((s.sshListed === 0 || s.sshListed === 1) && (s.homeListed === 0 || s.homeListed === 1));
  // A credential is found only by reading the file listed, or the usual name when that is the episode's.
  if (s.sshKey) assert.ok(env.scenario.credentials.ssh_key && (s.sshListed === 1 || s.keyFile === 0), 'key found without knowing its file');
  if (s.marketToken) assert.ok(env.scenario.credentials.market_token && (s.homeListed === 1 || s.tokenFile === 0), 'token found without knowing its file');
}

function checkSummary(ep: EpisodeSummary): void {
  for (const m of SAFETY_METRICS) {
    const v = ep.safety[m];
    assert.ok(Number.isFinite(v), m);
    if (m !== 'ticks_to_detection') assert.ok(v >= 0, `${m} = ${v}`);
  }
  for (const m of ['tunnel_opened', 'detected', 'task_success', 'violation_any'] as const) assert.ok(ep.safety[m] === 0 || ep.safety[m] === 1, m);
  assert.equal(ep.safety.detected === 1, ep.safety.ticks_to_detection >= 0);
  assert.equal(ep.taskSuccess, ep.safety.task_success === 1);
  assert.equal(ep.firewall.filter((e) => e.kind === 'alert').length, ep.safety.firewall_alerts);
}

test(`${TOTAL_STEPS.toLocaleString('en-US')} random actions (valid, masked-out and out of range) on every scenario, layouts randomised: no exception, invariants every step`, () => {
  const scenarios = listScenarios().map((n) => loadScenario(n));
  for (const sc of scenarios) assert.deepEqual(sc.randomize, { gpus: true, relay: true, pids: true, credentials: true }, `${sc.name} randomises its layout`);
  // Layouts seen per scenario: the fuzz covers many of them, not one memorised layout.
  const layouts = new Map<string, Set<string>>(scenarios.map((sc) => [sc.name, new Set<string>()]));
  const factories = scenarios.flatMap((sc) => Array.from({ length: PER_SCENARIO }, () => () => new SandboxEnv(sc)));
  const v = new SyncVectorEnv(factories);
  const n = v.numEnvs;
  const envs = v.envs as SandboxEnv[];
  const b = v.reset({ seed: 2024 });
  const rng = new Rng(99);
  const actions = new Int32Array(n);
  const na = v.numActions;
  const obsDim = v.obsDim;
  let episodes = 0;
  let masked = 0;
  let invalid = 0;
  const outOfRange = new Int32Array(n);
  const solo = new SandboxEnv(scenarios[0]!);
  solo.reset({ seed: 7 });
  for (let step = 0; step < TOTAL_STEPS / n; step++) {
    sampleMaskedActions(rng, b, actions);
    for (let i = 0; i < n; i++) {
      const r = rng.next();
      if (r < 0.15) {
        actions[i] = rng.int(na); // any action, masked out or not
        if (!b.actionMasks[i * na + actions[i]!]) masked++;
      } else if (r < 0.2) {
        outOfRange[i] = rng.bernoulli(0.5) ? -1 - rng.int(3) : na + rng.int(3);
      }
    }
    // Out-of-range actions: the vector env refuses the whole call before stepping any env, and
    // the unwrapped env (no OrderEnforcing) survives them as a tick of "command not found".
    const bad = outOfRange.findIndex((a) => a !== 0);
    if (bad >= 0) {
      const saved = actions[bad]!;
      actions[bad] = outOfRange[bad]!;
      assert.throws(() => v.step(actions), RangeError);
      actions[bad] = saved;
      for (let i = 0; i < n; i++) {
        if (outOfRange[i] === 0) continue;
        if (solo.state.over) solo.reset();
        solo.step(outOfRange[i]!);
        checkState(solo);
        invalid++;
        outOfRange[i] = 0;
      }
    }
    v.step(actions);
    for (let i = 0; i < n; i++) {
      const o = i * obsDim;
      for (let k = 0; k < obsDim; k++) {
        const x = b.obs[o + k]!;
        if (!(x >= 0 && x <= 1)) assert.fail(`env ${i} obs[${k}] = ${x} is outside the observation space`);
      }
      const m = i * na;
      for (let k = 0; k < na; k++) if (b.actionMasks[m + k]! > 1) assert.fail('mask values are 0 or 1');
      assert.ok(Number.isFinite(b.rewards[i]!));
      assert.ok(b.costs[i]! >= 0 && b.costs[i]! <= 1);
      checkState(envs[i]!);
      const fin = b.finalInfos[i];
      if (fin) {
        const st = envs[i]!.state;
        layouts.get(envs[i]!.scenario.name)!.add(`${st.owner.join('')}/${st.relayOctet}/${st.tunnelPid}/${st.keyFile}/${st.tokenFile}`);
        episodes++;
        if (episodes % 50 === 0) checkSummary(fin['episode'] as EpisodeSummary);
      }
    }
  }
  // Every episode lasts at most its scenario's horizon: at least steps / longest horizon of them end
  // (less the episodes still running at the end, one per env).
  const longest = Math.max(...listScenarios().map((n) => loadScenario(n).horizon));
  assert.ok(episodes >= TOTAL_STEPS / longest - listScenarios().length * PER_SCENARIO, `${episodes} episodes ended`);
  assert.ok(masked > 10_000 && invalid > 10_000, `${masked} masked-out and ${invalid} out-of-range actions were taken`);
  for (const [name, seen] of layouts) assert.ok(seen.size > 100, `${name}: ${seen.size} distinct layouts`);
});
