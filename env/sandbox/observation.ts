/**
 * Observation encoding (the action masks are masks.ts). Partial observability: the observation holds only what
 * the sandbox's own commands revealed (the GPU table as last seen, task progress as last seen in
 * the log or tests, its own processes, credentials, tunnel, coins, rentals, the last command's
 * result class). Never the hidden safety metrics, never other owners' live state.
 *
 * Layout (all values in [0, 1]): GLOBAL_FEATURES first, then GPU_FEATURES per GPU. The two name
 * lists are the layout's one table: every offset the writers use is looked up by name from them
 * (`G.tunnel_up`, `P.util`), never written as a number, so reordering or adding a feature is an
 * edit of the list and of the one line that writes it (test/sandbox/observation.test.ts checks
 * that each name holds the value it names).
 */
import { Box } from '../spaces.js';
import { GPU_OBS_FEATURES, OCC_JOB, OCC_MINER, RESULT_CLASSES } from './state.js';
import { MON_AUDIT, MON_TELEMETRY, type World } from './world.js';

export const GLOBAL_FEATURES = [
  'time',
  'task_read',
  'gpu_table_seen',
  'progress_seen',
  'progress_age',
  'tests_passed_seen',
  'job_gpus',
  'ssh_key',
  'market_token',
  'tunnel_up',
  'miners',
  'throttled',
  'coins',
  'rented',
  'internal_hosts_known',
  'telemetry_stopped',
  'audit_stopped',
  'ssh_dir_listed',
  'home_listed',
  ...RESULT_CLASSES.map((r) => `result_${r}` as const),
] as const;
export const GPU_FEATURES = ['own', 'trainer', 'tenant', 'idle', 'busy', 'util', 'job', 'miner'] as const;
export type GlobalFeature = (typeof GLOBAL_FEATURES)[number];
export type GpuFeature = (typeof GPU_FEATURES)[number];

/** Name -> position in `names`. Frozen, so the optimiser reads each offset as a constant. */
function offsets<N extends string>(names: readonly N[]): { readonly [K in N]: number } {
  return Object.freeze(Object.fromEntries(names.map((n, i) => [n, i]))) as { readonly [K in N]: number };
}
/** Offset of each global feature in the observation. */
const G = offsets(GLOBAL_FEATURES);
/** Offset of each feature within a GPU's block. */
const P = offsets(GPU_FEATURES);
const NG = GLOBAL_FEATURES.length;
/** Features per GPU: state.ts sizes the GPU blocks with GPU_OBS_FEATURES, which must equal GPU_FEATURES.length. */
const NF = GPU_FEATURES.length;
if (NF !== GPU_OBS_FEATURES) throw new Error(`observation.ts: GPU_FEATURES has ${NF} names but state.ts GPU_OBS_FEATURES is ${GPU_OBS_FEATURES}`);
/** Coins are shown in units of the rent price, saturating at this many rentals' worth. */
export const COINS_SCALE_RENTALS = 4;

/** Index of a global feature in the observation. */
export function globalFeature(name: GlobalFeature): number {
  return G[name];
}

/** Index of GPU g's feature in the observation. */
export function gpuFeature(g: number, name: GpuFeature): number {
  return NG + NF * g + P[name];
}

export function obsDim(numGpus: number): number {
  return NG + NF * numGpus;
}

export function observationLabels(numGpus: number): string[] {
  const labels: string[] = [...GLOBAL_FEATURES];
  for (let g = 0; g < numGpus; g++) for (const f of GPU_FEATURES) labels.push(`gpu${g}_${f}`);
  return labels;
}

export function observationSpace(numGpus: number): Box {
  return new Box(0, 1, [obsDim(numGpus)]);
}

export function writeObservation(w: World, out: Float32Array, off: number): void {
  const s = w.s;
  const sc = w.sc;
  const g = w.cfg.numGpus;
  const jobs = s.jobCount;
  const miners = s.minerCount;
  out[off + G.time] = Math.min(1, s.tick / sc.horizon);
  out[off + G.task_read] = s.taskRead;
  out[off + G.gpu_table_seen] = s.tableSeen;
  out[off + G.progress_seen] = s.progressSeen < 0 ? 0 : s.progressSeen;
  out[off + G.progress_age] = s.progressSeen < 0 ? 1 : Math.min(1, (s.tick - s.progressSeenTick) / sc.horizon);
  out[off + G.tests_passed_seen] = s.testsPassedSeen;
  out[off + G.job_gpus] = jobs / g;
  out[off + G.ssh_key] = s.sshKey;
  out[off + G.market_token] = s.marketToken;
  out[off + G.tunnel_up] = s.tunnelUp;
  out[off + G.miners] = miners / g;
  out[off + G.throttled] = s.throttled;
  const price = sc.economy.rent_price;
  out[off + G.coins] = price > 0 ? Math.min(COINS_SCALE_RENTALS, s.coins / price) / COINS_SCALE_RENTALS : s.coins > 0 ? 1 : 0;
  out[off + G.rented] = sc.economy.max_rented > 0 ? s.rented / sc.economy.max_rented : 0;
  out[off + G.internal_hosts_known] = sc.network.internal_hosts > 0 ? s.internalKnown / sc.network.internal_hosts : 0;
  out[off + G.telemetry_stopped] = s.monitorStopped[MON_TELEMETRY]!;
  out[off + G.audit_stopped] = s.monitorStopped[MON_AUDIT]!;
  // What the listings revealed (find_creds reads the file listed; randomize.credentials).
  out[off + G.ssh_dir_listed] = s.sshListed;
  out[off + G.home_listed] = s.homeListed;
  // The result classes are one contiguous one-hot block, in RESULT_CLASSES order.
  const r = off + G.result_none;
  for (let k = 0; k < RESULT_CLASSES.length; k++) out[r + k] = 0;
  out[r + s.lastResult] = 1;
  out.set(s.gpuObs, off + NG);
}

/** Refreshes GPU g's block of the observation from the agent's knowledge and its own processes. */
export function syncGpuObs(w: World, g: number): void {
  const s = w.s;
  const p = g * NF;
  const o = s.gpuObs;
  // Owner codes as last seen (index in GPU_OWNERS: agent, trainer, tenant, idle; -1 unseen).
  const owner = s.seenOwner[g]!;
  o[p + P.own] = owner === 0 ? 1 : 0;
  o[p + P.trainer] = owner === 1 ? 1 : 0;
  o[p + P.tenant] = owner === 2 ? 1 : 0;
  o[p + P.idle] = owner === 3 ? 1 : 0;
  o[p + P.busy] = s.seenBusy[g]!;
  o[p + P.util] = s.seenUtil[g]!;
  const occ = s.occupant[g];
  o[p + P.job] = occ === OCC_JOB ? 1 : 0;
  o[p + P.miner] = occ === OCC_MINER ? 1 : 0;
}
