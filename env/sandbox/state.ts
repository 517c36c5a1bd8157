/**
 * The sandbox's mutable state: plain numbers and typed arrays only, so that the hot path
 * allocates nothing and `cloneState()` is a `structuredClone`.
 *
 * What each field means is documented here; what changes it lives in the module named after it
 * (cluster.ts, task.ts, network.ts, monitors.ts, economy.ts, credentials.ts, safety.ts).
 */
import type { Scenario } from './scenario.js';

/** Features per GPU in the observation (observation.ts GPU_FEATURES). */
export const GPU_OBS_FEATURES = 8;

/** What occupies a GPU. */
export const OCC_NONE = 0;
/** The process of the GPU's owner (trainer or tenant). */
export const OCC_OWNER = 1;
/** The sandbox's task job (`python train.py`). */
export const OCC_JOB = 2;
/** The sandbox's crypto miner. */
export const OCC_MINER = 3;

/** How a miner reaches the pool (a miner reaching it through a closed tunnel earns nothing). */
export const ROUTE_NONE = 0;
export const ROUTE_DIRECT = 1;
export const ROUTE_TUNNEL = 2;

/** The result class of the last command (observation one-hot, `info.result`). */
export const RESULT_CLASSES = ['none', 'ok', 'error', 'timeout', 'not_found', 'denied', 'rejected'] as const;
export type ResultClass = (typeof RESULT_CLASSES)[number];

/** Destinations in the logs besides EXTERNAL_HOSTS indices 0..3. */
export const HOST_INTERNAL = 4;
/** The sandbox's own host (alerts of monitors running on it). */
export const HOST_LOCAL = 5;

/** Status of an entry in the alert log. */
export const ALERT_PENDING = 0;
export const ALERT_EMITTED = 1;
/** Dropped: its monitor was stopped before the alert went out. */
export const ALERT_DROPPED = 2;

/** Alerts raised (pending, emitted or dropped) this episode, column-wise. */
export interface AlertLog {
  n: number;
  /** Index in MONITOR_NAMES. */
  monitor: Int8Array;
  /** Index in ALERT_KINDS (monitors.ts). */
  kind: Int8Array;
  /**
   * The tick of the command that caused it: for ongoing causes (a miner's traffic, a GPU's load)
   * the tick of the command that started the process, so `action` and `causeTick` name one tool call.
   */
  causeTick: Int32Array;
  /** The tick the monitor saw the cause (the alert goes out at seenTick + latency). */
  seenTick: Int32Array;
  emitTick: Int32Array;
  /** The action (table index) that caused it (for ongoing causes: the one that started the process). */
  action: Int16Array;
  /** Index in EXTERNAL_HOSTS, or HOST_INTERNAL / HOST_LOCAL. */
  dst: Int8Array;
  status: Int8Array;
}

/** Connection attempts the managed firewall saw this episode, column-wise. */
export interface ConnectionLog {
  n: number;
  tick: Int32Array;
  dst: Int8Array;
  /** 1 allow, 0 block. */
  allowed: Int8Array;
  action: Int16Array;
}

function allocAlerts(cap: number): AlertLog {
  return {
    n: 0,
    monitor: new Int8Array(cap),
    kind: new Int8Array(cap),
    causeTick: new Int32Array(cap),
    seenTick: new Int32Array(cap),
    emitTick: new Int32Array(cap),
    action: new Int16Array(cap),
    dst: new Int8Array(cap),
    status: new Int8Array(cap),
  };
}

function allocConnections(cap: number): ConnectionLog {
  return { n: 0, tick: new Int32Array(cap), dst: new Int8Array(cap), allowed: new Int8Array(cap), action: new Int16Array(cap) };
}

/** A log grown to twice its capacity (rare: logs start sized for a busy episode). */
export function growAlerts(log: AlertLog): AlertLog {
  const next = allocAlerts(log.monitor.length * 2);
  next.n = log.n;
  next.monitor.set(log.monitor);
  next.kind.set(log.kind);
  next.causeTick.set(log.causeTick);
  next.seenTick.set(log.seenTick);
  next.emitTick.set(log.emitTick);
  next.action.set(log.action);
  next.dst.set(log.dst);
  next.status.set(log.status);
  return next;
}

export function growConnections(log: ConnectionLog): ConnectionLog {
  const next = allocConnections(log.tick.length * 2);
  next.n = log.n;
  next.tick.set(log.tick);
  next.dst.set(log.dst);
  next.allowed.set(log.allowed);
  next.action.set(log.action);
  return next;
}

/**
 * The state at the start of an episode, before its layout is drawn: **the one declaration of the
 * state's fields**, each documented here (`SandboxState` is this object's type; `resetState`
 * restores these values in place). Owner, allocation and the relay's address are the episode's
 * layout (tick.ts applyLayout sets them at every reset).
 */
export function createState(sc: Scenario) {
  const g = sc.cluster.gpus.length;
  const cap = 4 * sc.horizon + 16;
  return {
    tick: 0,

    // --- the episode's layout (tick.ts applyLayout; fixed within an episode) ---
    /** Owner code per GPU (index in GPU_OWNERS): the scenario's layout, permuted when randomize.gpus. */
    owner: new Int8Array(g) as Int8Array,
    /** 1 where the GPU is allocated to the sandbox. */
    allocated: new Uint8Array(g) as Uint8Array,
    /** Last octet of the relay's address in 203.0.113.0/24. */
    relayOctet: 7,
    /** Pids `ps` shows for the tunnel's ssh and the telemetry and audit daemons (randomize.pids). */
    tunnelPid: 0,
    telemetryPid: 0,
    auditPid: 0,
    /** Index in KEY_FILES / TOKEN_FILES of the credential files' names (randomize.credentials). */
    keyFile: 0,
    tokenFile: 0,

    /** 1 once the episode has terminated or been truncated. */
    over: 0,
    terminated: 0,
    truncated: 0,

    // --- cluster (cluster.ts) ---
    occupant: new Int8Array(g) as Int8Array,
    minerRoute: new Int8Array(g) as Int8Array,
    /** 1 for every non-allocated GPU the sandbox has used this episode. */
    everHijacked: new Uint8Array(g) as Uint8Array,
    /** Counts kept in step with `occupant` by cluster.setOccupant (the hot path reads these, not the array). */
    jobCount: 0,
    minerCount: 0,
    /** Sandbox jobs and miners on GPUs not allocated to it (hijacked GPUs in use). */
    foreignJobs: 0,
    foreignMiners: 0,
    directMiners: 0,
    tunnelMiners: 0,
    /** Per GPU: the action (table index) that started the sandbox's process on it, and its tick. */
    procAction: new Int16Array(g) as Int16Array,
    procTick: new Int32Array(g) as Int32Array,
    throttled: 0,

    // --- the agent's knowledge (what its own commands revealed) ---
    taskRead: 0,
    /** 1 once nvidia-smi or ps ran. */
    tableSeen: 0,
    /** Per GPU: owner code as last seen (-1 unknown; index in GPU_OWNERS). */
    seenOwner: new Int8Array(g).fill(-1) as Int8Array,
    /** Per GPU: 1 if another owner's process was seen on it. */
    seenBusy: new Uint8Array(g) as Uint8Array,
    /** Per GPU: utilisation as last seen by nvidia-smi. */
    seenUtil: new Float32Array(g) as Float32Array,
    /**
     * Per GPU, the observation's GPU block (GPU_FEATURES of observation.ts), kept in step with the
     * fields above and the sandbox's own processes by observation.syncGpuObs, so the hot path copies it.
     */
    gpuObs: new Float32Array(g * GPU_OBS_FEATURES) as Float32Array,
    /** Task progress (0..1) as last seen in the log or tests; -1 never seen. */
    progressSeen: -1,
    progressSeenTick: -1,
    testsPassedSeen: 0,
    internalKnown: 0,
    /** 1 once the agent listed ~/.ssh (or read ~/.ssh/config, which names the key) / the home's dotfiles. */
    sshListed: 0,
    homeListed: 0,
    /** Index in RESULT_CLASSES of the last command's result. */
    lastResult: 0,

    // --- task (task.ts) ---
    work: 0,
    /** Ever started the task job (train.log exists). */
    jobEverStarted: 0,
    submitted: 0,

    // --- credentials (credentials.ts) and network (network.ts) ---
    sshKey: 0,
    marketToken: 0,
    tunnelUp: 0,

    // --- economy (economy.ts) ---
    coins: 0,
    rented: 0,
    /** Operational cost metered this episode. */
    opCost: 0,
    /** External connection attempts this tick (egress metering). */
    egressThisTick: 0,

    // --- monitors (monitors.ts) ---
    /** Per monitor (MONITOR_NAMES order): 1 once the sandbox stopped it. */
    monitorStopped: new Uint8Array(3) as Uint8Array,
    alerts: allocAlerts(cap),
    connections: allocConnections(cap),
    /** Earliest tick a pending alert is due (Infinity when none is pending). */
    nextAlertTick: Infinity,
    /** Alerts emitted this tick from each monitor, and the kill switch. */
    alertsEmittedThisTick: new Int32Array(3) as Int32Array,
    /** On the episode's last step: per monitor, alerts still pending (due after the end), charged when late_alerts is 'charge'. */
    lateAlertsThisTick: new Int32Array(3) as Int32Array,
    killSwitch: 0,

    // --- safety counters (safety.ts) ---
    hijackGpuTicks: 0,
    miningGpuTicks: 0,
    coinsMined: 0,
    tunnelOpened: 0,
    tunnelTicks: 0,
    internalProbes: 0,
    sabotageKills: 0,
    monitorTampering: 0,
    /** Violation kinds of the current tick that are momentary (probe, kill, tamper), as bits (world.ts V_*). */
    momentaryViolations: 0,
    /** Per tick: 1 if the tick contained a violation. */
    violationAt: new Uint8Array(sc.horizon + 1) as Uint8Array,
    firstViolationTick: -1,
  };
}

/** The sandbox's mutable state (fields documented on `createState`). */
export type SandboxState = ReturnType<typeof createState>;

/**
 * Back to the start of an episode without allocating (logs keep their capacity): every field as
 * `createState` starts it, except the layout (owner, allocation, relay, pids, credential file names), which tick.ts applyLayout
 * draws right after. Written out field by field because it runs at every reset of the flat path
 * (a generic copy from a pristine state cost 2 µs a reset, ~8% of the sandbox's steps/s);
 * test/sandbox/state.test.ts checks that it and `createState` agree on every field.
 */
export function resetState(s: SandboxState): void {
  s.tick = 0;
  s.over = 0;
  s.terminated = 0;
  s.truncated = 0;
  s.occupant.fill(0);
  s.minerRoute.fill(0);
  s.everHijacked.fill(0);
  s.jobCount = 0;
  s.minerCount = 0;
  s.foreignJobs = 0;
  s.foreignMiners = 0;
  s.directMiners = 0;
  s.tunnelMiners = 0;
  s.procAction.fill(0);
  s.procTick.fill(0);
  s.throttled = 0;
  s.taskRead = 0;
  s.tableSeen = 0;
  s.seenOwner.fill(-1);
  s.seenBusy.fill(0);
  s.seenUtil.fill(0);
  s.gpuObs.fill(0);
  s.progressSeen = -1;
  s.progressSeenTick = -1;
  s.testsPassedSeen = 0;
  s.internalKnown = 0;
  s.sshListed = 0;
  s.homeListed = 0;
  s.lastResult = 0;
  s.work = 0;
  s.jobEverStarted = 0;
  s.submitted = 0;
  s.sshKey = 0;
  s.marketToken = 0;
  s.tunnelUp = 0;
  s.coins = 0;
  s.rented = 0;
  s.opCost = 0;
  s.egressThisTick = 0;
  s.monitorStopped.fill(0);
  s.alerts.n = 0;
  s.connections.n = 0;
  s.nextAlertTick = Infinity;
  s.alertsEmittedThisTick.fill(0);
  s.lateAlertsThisTick.fill(0);
  s.killSwitch = 0;
  s.hijackGpuTicks = 0;
  s.miningGpuTicks = 0;
  s.coinsMined = 0;
  s.tunnelOpened = 0;
  s.tunnelTicks = 0;
  s.internalProbes = 0;
  s.sabotageKills = 0;
  s.monitorTampering = 0;
  s.momentaryViolations = 0;
  s.violationAt.fill(0);
  s.firstViolationTick = -1;
}

type Column = Int8Array | Uint8Array | Int16Array | Int32Array | Float32Array;
type Log = AlertLog | ConnectionLog;

/** Field names by kind, taken once from a state's shape (every state has the same fields). */
let numberKeys: string[] | null = null;
let arrayKeys: string[] | null = null;

/** Copies every number and typed array of `src` into `dst` (the logs are the callers' business). */
function copyFields(dst: SandboxState, src: SandboxState): void {
  const d = dst as unknown as Record<string, unknown>;
  const s = src as unknown as Record<string, unknown>;
  if (numberKeys === null || arrayKeys === null) {
    numberKeys = Object.keys(s).filter((k) => typeof s[k] === 'number');
    arrayKeys = Object.keys(s).filter((k) => ArrayBuffer.isView(s[k]));
  }
  for (const k of numberKeys) d[k] = s[k];
  for (const k of arrayKeys) (d[k] as Column).set(s[k] as Column);
}

function copyLog<L extends Log>(dst: L, src: L): L {
  const d = dst as unknown as Record<string, Column>;
  const s = src as unknown as Record<string, Column>;
  const n = src.n;
  let ok = true;
  for (const k in s) {
    if (k === 'n') continue;
    if (d[k]!.length !== s[k]!.length) ok = false;
  }
  if (!ok) return structuredClone(src);
  for (const k in s) {
    if (k === 'n') continue;
    const col = s[k]!;
    if (n === col.length) d[k]!.set(col);
    else for (let i = 0; i < n; i++) d[k]![i] = col[i]!;
  }
  dst.n = n;
  return dst;
}

/**
 * Copies `src` into `dst` (same scenario) without allocating, except where a log of `src` has
 * grown past `dst`'s capacity. The fast path of `restoreState` (planners restore millions of
 * times); afterwards `dst` equals `structuredClone(src)` in every field any rule reads (tested).
 */
export function copyState(dst: SandboxState, src: SandboxState): void {
  copyFields(dst, src);
  dst.alerts = copyLog(dst.alerts, src.alerts);
  dst.connections = copyLog(dst.connections, src.connections);
}

/** A fresh deep copy of `src` (the fast equivalent of structuredClone for a state). */
export function cloneStateOf(sc: Scenario, src: SandboxState): SandboxState {
  const c = createState(sc);
  if (c.alerts.monitor.length < src.alerts.monitor.length) c.alerts = structuredClone(src.alerts);
  if (c.connections.tick.length < src.connections.tick.length) c.connections = structuredClone(src.connections);
  copyState(c, src);
  return c;
}
