/**
 * The order of one tick (= one tool call). Every behaviour lives in the module named after it;
 * this file only says in which order they happen.
 *
 *   1. `act`: the command runs (tools.ts runs the verb's record, verbs/<verb>.ts); firewall
 *      verdicts and alerts caused by the command are decided now.
 *   2. `advance`: the world moves on one tick: task jobs produce work (task.ts), miners produce
 *      coins (economy.ts), the tunnel carries traffic (network.ts), telemetry looks at the GPUs
 *      (monitors.ts), operational cost is metered (economy.ts), violations are counted
 *      (safety.ts), alerts due this tick go out (monitors.ts), and the tick ends.
 *
 * An episode starts with `resetWorld`: the state goes back to its start, the episode's layout is
 * drawn (`applyLayout`) and the owners' processes are put on their GPUs (cluster.ts).
 */
import type { Rng } from '../rng.js';
import type { Scenario } from './scenario.js';
import { AUDIT_PID, DAEMON_PID_RANGE, KEY_FILES, TELEMETRY_PID, TOKEN_FILES, TUNNEL_PID, TUNNEL_PID_RANGE } from './vocabulary.js';
import { RESULT_CLASSES, resetState } from './state.js';
import { World } from './world.js';
import { buildActionTable } from './actions.js';
import { applyAction } from './tools.js';
import { advanceTask } from './task.js';
import { advanceEconomy, meterOperationalCost } from './economy.js';
import { advanceNetwork } from './network.js';
import { countLateAlerts, emitDueAlerts, telemetryTick } from './monitors.js';
import { accountViolations } from './safety.js';
import { initCluster } from './cluster.js';
import { OUTCOMES, OUTCOME_NAMES } from './outcomes.js';

/** A world for `sc`, reset to the start of an episode (drawing its layout from `rng`). */
export function newWorld(sc: Scenario, rng: Rng): World {
  const w = new World(sc, rng, buildActionTable(sc));
  resetWorld(w);
  return w;
}

/** Back to the start of an episode: the state's start, the episode's layout, the owners' processes. */
export function resetWorld(w: World): void {
  resetState(w.s);
  applyLayout(w);
  initCluster(w);
}

/** Phase 1 of a tick: run the command. Returns its outcome code. */
export function act(w: World, action: number): number {
  const s = w.s;
  s.momentaryViolations = 0;
  s.egressThisTick = 0;
  s.alertsEmittedThisTick[0] = 0;
  s.alertsEmittedThisTick[1] = 0;
  s.alertsEmittedThisTick[2] = 0;
  s.lateAlertsThisTick[0] = 0;
  s.lateAlertsThisTick[1] = 0;
  s.lateAlertsThisTick[2] = 0;
  const sc = w.scratch;
  sc.outcomeReward = 0;
  const outcome = applyAction(w, action);
  sc.outcome = outcome;
  s.lastResult = RESULT_INDEX[outcome]!;
  return outcome;
}

/** Phase 2 of a tick: the world moves on; ends the episode when it is over. */
export function advance(w: World): void {
  const s = w.s;
  advanceTask(w);
  advanceEconomy(w);
  advanceNetwork(w);
  telemetryTick(w);
  meterOperationalCost(w);
  accountViolations(w);
  emitDueAlerts(w);
  s.tick += 1;
  s.terminated = s.submitted || s.killSwitch ? 1 : 0;
  s.truncated = !s.terminated && s.tick >= w.sc.horizon ? 1 : 0;
  s.over = s.terminated || s.truncated ? 1 : 0;
  if (s.over) countLateAlerts(w);
}

/** Relay octets randomize.relay draws from: 203.0.113.0/24 less the network address, broadcast and the other hosts. */
const RELAY_OCTETS: readonly number[] = Array.from({ length: 253 }, (_, i) => i + 1).filter((o) => o !== 10 && o !== 20 && o !== 30 && o !== 255);

/**
 * The episode's layout, drawn from the episode's generator at reset when the scenario randomises it:
 * the owner of each GPU index (a uniform permutation of cluster.gpus), the relay's address, the
 * pids of the tunnel's ssh and the monitoring daemons (uniform in their ranges, the two daemons
 * distinct), and the names of the key and token files (uniform over KEY_FILES / TOKEN_FILES).
 * Otherwise the scenario's own layout, 203.0.113.7, the fixed pids and the first file names.
 * Draws happen in this order and only for what is randomised, so a scenario that randomises less
 * keeps its generator stream.
 */
export function applyLayout(w: World): void {
  const s = w.s;
  const cfg = w.cfg;
  s.owner.set(cfg.owner);
  if (w.sc.randomize.gpus) {
    for (let i = cfg.numGpus - 1; i > 0; i--) {
      const j = w.rng.int(i + 1);
      const t = s.owner[i]!;
      s.owner[i] = s.owner[j]!;
      s.owner[j] = t;
    }
  }
  for (let g = 0; g < cfg.numGpus; g++) s.allocated[g] = s.owner[g] === 0 ? 1 : 0;
  s.relayOctet = w.sc.randomize.relay ? RELAY_OCTETS[w.rng.int(RELAY_OCTETS.length)]! : 7;
  if (w.sc.randomize.pids) {
    s.tunnelPid = drawIn(w.rng, TUNNEL_PID_RANGE);
    s.telemetryPid = drawIn(w.rng, DAEMON_PID_RANGE);
    do s.auditPid = drawIn(w.rng, DAEMON_PID_RANGE);
    while (s.auditPid === s.telemetryPid);
  } else {
    s.tunnelPid = TUNNEL_PID;
    s.telemetryPid = TELEMETRY_PID;
    s.auditPid = AUDIT_PID;
  }
  if (w.sc.randomize.credentials) {
    s.keyFile = w.rng.int(KEY_FILES.length);
    s.tokenFile = w.rng.int(TOKEN_FILES.length);
  } else {
    s.keyFile = 0;
    s.tokenFile = 0;
  }
}

function drawIn(rng: Rng, [lo, hi]: readonly [number, number]): number {
  return lo + rng.int(hi - lo + 1);
}

/** Outcome code -> index in RESULT_CLASSES. */
const RESULT_INDEX = Int8Array.from(OUTCOME_NAMES.map((n) => RESULT_CLASSES.indexOf(OUTCOMES[n])));
