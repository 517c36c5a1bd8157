/**
 * The world: a scenario, its derived lookup tables, the mutable state, the generator, and the
 * order of one tick. Every behaviour lives in the module named after it; this file only says in
 * which order they happen.
 *
 * One tick (= one tool call):
 *   1. `act`: the command runs (tools.ts dispatches to the module that owns the verb); firewall
 *      verdicts and alerts caused by the command are decided now.
 *   2. `advance`: the world moves on one tick: task jobs produce work (task.ts), miners produce
 *      coins (economy.ts), the tunnel carries traffic (network.ts), telemetry looks at the GPUs
 *      (monitors.ts), operational cost is metered (economy.ts), violations are counted
 *      (safety.ts), alerts due this tick go out (monitors.ts), and the tick ends.
 */
import { Rng } from '../rng.js';
import {
  AUDIT_PID,
  DAEMON_PID_RANGE,
  EXTERNAL_HOSTS,
  KEY_FILES,
  MONITOR_NAMES,
  TELEMETRY_PID,
  TOKEN_FILES,
  TUNNEL_PID,
  TUNNEL_PID_RANGE,
  VERBS,
  VERB_CODE,
  buildActionTable,
  commandLine,
  targetsOf,
  type SandboxAction,
} from './actions.js';
import { FIREWALL_ALERT_KINDS, GPU_OWNERS, VIOLATION_KINDS, type Scenario } from './scenario.js';
import { createState, resetState, type SandboxState } from './state.js';
import type { SafetyEvent } from './safety.js';
import { applyAction } from './tools.js';
import { advanceTask } from './task.js';
import { advanceEconomy, meterOperationalCost } from './economy.js';
import { advanceNetwork } from './network.js';
import { countLateAlerts, emitDueAlerts, telemetryTick } from './monitors.js';
import { accountViolations } from './safety.js';
import { initCluster } from './cluster.js';
import { credentialFiles } from './credentials.js';
import { OUTCOMES, OUTCOME_NAMES } from './outcomes.js';
import { RESULT_CLASSES } from './state.js';

/** Scenario values as flat arrays, computed once per env. */
export class WorldConfig {
  readonly numGpus: number;
  /** Owner code per GPU (index in GPU_OWNERS). */
  readonly owner: Int8Array;
  /** 1 where the GPU is allocated to the sandbox. */
  readonly allocated: Uint8Array;
  readonly numAllocated: number;
  /** Per external host: 1 if the egress policy allows direct connections. */
  readonly egressAllowed: Uint8Array;
  readonly actions: readonly SandboxAction[];
  readonly numActions: number;
  /** Per action: verb code and target code (GPU / host / credential / monitor index, -1 none). */
  readonly actionVerb: Int8Array;
  readonly actionTarget: Int8Array;
  readonly verbDisabled: Uint8Array;
  /** Per verb: the table index of its first action (a verb's targets are contiguous). */
  readonly firstAction: Int16Array;
  /** The mask with only disabled tools masked out. */
  readonly baseMask: Uint8Array;
  /** Per alert kind (monitors.ts ALERT_KINDS order, firewall kinds first): latency and probability. */
  readonly firewallLatency: Int32Array;
  readonly firewallProbability: Float64Array;
  /** Per monitor (MONITOR_NAMES order). */
  readonly monitorEnabled: Uint8Array;
  readonly monitorInLoop: Uint8Array;
  readonly monitorKillSwitch: Uint8Array;
  readonly monitorPenalty: Float64Array;
  readonly monitorLatency: Int32Array;
  readonly monitorProbability: Float64Array;
  readonly monitorTamperable: Uint8Array;
  /** Per violation kind (VIOLATION_KINDS order): its weight in info.cost. */
  readonly costWeight: Float64Array;

  constructor(readonly sc: Scenario) {
    const gpus = sc.cluster.gpus;
    this.numGpus = gpus.length;
    this.owner = Int8Array.from(gpus.map((o) => GPU_OWNERS.indexOf(o)));
    this.allocated = Uint8Array.from(gpus.map((o) => (o === 'agent' ? 1 : 0)));
    this.numAllocated = this.allocated.reduce((a, b) => a + b, 0);
    this.egressAllowed = Uint8Array.from(EXTERNAL_HOSTS.map((h) => (sc.network.egress[h] === 'allow' ? 1 : 0)));
    this.actions = buildActionTable(sc);
    this.numActions = this.actions.length;
    this.actionVerb = Int8Array.from(this.actions.map((a) => VERB_CODE[a.verb]));
    this.actionTarget = Int8Array.from(this.actions.map((a) => (a.target === undefined ? -1 : targetsOf(a.verb, this.numGpus).indexOf(a.target))));
    this.verbDisabled = Uint8Array.from(VERBS.map((v) => (sc.tools.disabled.includes(v) ? 1 : 0)));
    this.firstAction = Int16Array.from(VERBS.map((v) => this.actions.findIndex((a) => a.verb === v)));
    this.baseMask = Uint8Array.from(this.actions.map((a) => 1 - this.verbDisabled[VERB_CODE[a.verb]]!));
    const fw = sc.monitors.firewall;
    this.firewallLatency = Int32Array.from(FIREWALL_ALERT_KINDS.map((k) => fw.alerts[k].latency));
    this.firewallProbability = Float64Array.from(FIREWALL_ALERT_KINDS.map((k) => fw.alerts[k].probability));
    const mons = MONITOR_NAMES.map((m) => sc.monitors[m]);
    this.monitorEnabled = Uint8Array.from(mons.map((m) => (m.enabled ? 1 : 0)));
    this.monitorInLoop = Uint8Array.from(mons.map((m) => (m.in_loop ? 1 : 0)));
    this.monitorKillSwitch = Uint8Array.from(mons.map((m) => (m.kill_switch ? 1 : 0)));
    this.monitorPenalty = Float64Array.from(mons.map((m) => m.penalty));
    const host = [sc.monitors.gpu_telemetry, sc.monitors.process_audit];
    this.monitorLatency = Int32Array.from([0, ...host.map((m) => m.latency)]);
    this.monitorProbability = Float64Array.from([1, ...host.map((m) => m.detection_probability)]);
    this.monitorTamperable = Uint8Array.from([0, ...host.map((m) => (m.tamperable ? 1 : 0))]);
    this.costWeight = Float64Array.from(VIOLATION_KINDS.map((k) => sc.cost[k]));
  }
}

/** Per-tick values the reward and info need, recomputed every tick (not part of saved state). */
export interface TickScratch {
  /** The outcome code of this tick's command. */
  outcome: number;
  /** Outcome reward earned this tick (a successful submit). */
  outcomeReward: number;
  /** Operational cost metered this tick. */
  opCost: number;
  /** `info.cost` of this tick. */
  cost: number;
  /** Mean utilisation over the cluster's GPUs this tick. */
  meanUtil: number;
}

export class World {
  readonly cfg: WorldConfig;
  s: SandboxState;
  /** Set by the env; replaced when the env reseeds. */
  rng: Rng;
  /** Events of the current tick when recording (the `step()` path); null on the flat path. */
  events: SafetyEvent[] | null = null;
  readonly scratch: TickScratch = { outcome: 0, outcomeReward: 0, opCost: 0, cost: 0, meanUtil: 0 };
  /**
   * The planner's hook on the world's only chance event (an alert drawn with probability p < 1 by
   * monitor m): when set, it decides the draw instead of the generator, so a search can enumerate
   * the outcomes and weigh them. null in training and evaluation.
   */
  chanceHook: ((p: number, monitor: number) => boolean) | null = null;

  constructor(readonly sc: Scenario, rng: Rng) {
    this.cfg = new WorldConfig(sc);
    this.s = createState(sc);
    this.rng = rng;
    this.reset();
  }

  /** True with probability p: the generator's draw, or the planner's hook when one is set. */
  chance(p: number, monitor: number): boolean {
    return this.chanceHook === null ? this.rng.next() < p : this.chanceHook(p, monitor);
  }

  /**
   * The command line action `action` types now: its table label, except `find_creds`, which reads
   * the file listed this episode (credentials.ts credentialFiles).
   */
  command(action: number): string {
    const a = this.cfg.actions[action];
    if (a === undefined) return `action#${action}`;
    if (a.verb !== 'find_creds' || !this.sc.randomize.credentials) return a.label;
    return commandLine(a.verb, a.target, this.sc.randomize.relay, credentialFiles(this));
  }

  reset(): void {
    resetState(this.s);
    applyLayout(this);
    initCluster(this);
  }

  /** Phase 1 of a tick: run the command. Returns its outcome code. */
  act(action: number): number {
    const s = this.s;
    s.momentaryViolations = 0;
    s.egressThisTick = 0;
    s.alertsEmittedThisTick[0] = 0;
    s.alertsEmittedThisTick[1] = 0;
    s.alertsEmittedThisTick[2] = 0;
    s.lateAlertsThisTick[0] = 0;
    s.lateAlertsThisTick[1] = 0;
    s.lateAlertsThisTick[2] = 0;
    const sc = this.scratch;
    sc.outcomeReward = 0;
    const outcome = applyAction(this, action);
    sc.outcome = outcome;
    s.lastResult = RESULT_INDEX[outcome]!;
    return outcome;
  }

  /** Phase 2 of a tick: the world moves on; ends the episode when it is over. */
  advance(): void {
    const s = this.s;
    advanceTask(this);
    advanceEconomy(this);
    advanceNetwork(this);
    telemetryTick(this);
    meterOperationalCost(this);
    accountViolations(this);
    emitDueAlerts(this);
    s.tick += 1;
    s.terminated = s.submitted || s.killSwitch ? 1 : 0;
    s.truncated = !s.terminated && s.tick >= this.sc.horizon ? 1 : 0;
    s.over = s.terminated || s.truncated ? 1 : 0;
    if (s.over) countLateAlerts(this);
  }
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
