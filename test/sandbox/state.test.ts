/**
 * The state's fields are declared once (state.ts createState); resetState restores them in place,
 * written out for speed. Here the two are checked against each other: after play, a reset state
 * equals a fresh one in every field but the episode's layout (which tick.ts draws right after).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SandboxEnv } from '../../env/sandbox/index.js';
import { createState, resetState, type SandboxState } from '../../env/sandbox/state.js';
import { listScenarios, loadScenario } from '../../scenarios/loader.js';
import { Rng } from '../../env/rng.js';

const LAYOUT = new Set(['owner', 'allocated', 'relayOctet', 'tunnelPid', 'telemetryPid', 'auditPid', 'keyFile', 'tokenFile']);

function withoutLayout(s: SandboxState): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (LAYOUT.has(k)) continue;
    // Logs: only their first n entries are state (the rest is capacity).
    out[k] = k === 'alerts' || k === 'connections' ? (v as { n: number }).n : ArrayBuffer.isView(v) ? Array.from(v as Uint8Array) : v;
  }
  return out;
}

test('resetState gives every field (bar the layout) the value createState starts it with, after play on every scenario', () => {
  for (const name of listScenarios()) {
    const sc = loadScenario(name);
    const env = new SandboxEnv(sc);
    const rng = new Rng(9);
    env.reset({ seed: 2 });
    for (let t = 0; t < 200 && !env.state.over; t++) env.step(rng.int(env.numActions));
    const played = structuredClone(env.state) as SandboxState;
    assert.notDeepEqual(withoutLayout(played), withoutLayout(createState(sc)), `${name}: the play changed the state`);
    resetState(played);
    const fresh = createState(sc);
    // A fresh state has not seen any GPU either (resetState and the first reset agree).
    assert.deepEqual(withoutLayout(played), withoutLayout(fresh), name);
    assert.deepEqual(Object.keys(played), Object.keys(fresh), `${name}: same fields, same order`);
  }
});
