/**
 * Action masks: 1 = valid. Disabled tools are masked out (a scenario fact, in WorldConfig.baseMask);
 * within an episode each verb's record masks what the sandbox itself knows to be pointless
 * (verbs/<verb>.ts `mask`: starting a process where its own already runs, killing a pid it has
 * never seen, closing a tunnel that is not open, and the like). Masked-out actions still behave
 * like their command if taken.
 *
 * The records are the definition, and `writeActionMask` (reset, `step()`) applies them as they
 * are. The flat path's `updateActionMask` runs every step, where nine calls through the records
 * cost about 100 ns a step (17% of the sandbox's steps/s), so it writes the shipped verbs' entries
 * in one fused loop, and calls the records of any other verb with a mask. A test
 * (test/sandbox/verbs.test.ts) checks that both give the same masks on random play of every scenario.
 */
import { VERB_CODE as V } from './vocabulary.js';
import { OCC_JOB, OCC_MINER } from './state.js';
import { VERB_LIST } from './verbs/index.js';
import type { World } from './world.js';

/** The verbs whose mask changes within an episode, with their verb codes. */
const DYNAMIC = VERB_LIST.flatMap((d, code) => (d.mask ? [{ code, mask: d.mask }] : []));
/** Verbs whose record's mask the fused loop of `updateActionMask` writes. */
const FUSED: readonly number[] = [V.run_job, V.start_miner, V.kill_job, V.ssh_tunnel, V.close_tunnel, V.throttle_miner, V.stop_miner, V.rent_gpu, V.tamper_monitor];
/** The other verbs with a mask: the flat path calls their records. */
const UNFUSED = DYNAMIC.filter((d) => !FUSED.includes(d.code));
/** Codes of the verbs that take a GPU. */
const GPU_VERBS = VERB_LIST.flatMap((d, code) => (d.target === 'gpu' ? [code] : []));

/** The whole mask of the current state, into `out` at `off`, from the verbs' records. */
export function writeActionMask(w: World, out: Uint8Array, off: number): void {
  const cfg = w.cfg;
  out.set(cfg.baseMask, off);
  for (const d of DYNAMIC) if (!cfg.verbDisabled[d.code]) d.mask(w, out, off + cfg.firstAction[d.code]!);
}

/**
 * Rewrites only the entries that can change within an episode (the rest depend on the scenario
 * alone): the flat path's mask row, written whole by `writeActionMask` at reset, stays valid.
 * The fused copy of the records' masks (see above).
 */
export function updateActionMask(w: World, out: Uint8Array, off: number): void {
  const s = w.s;
  const cfg = w.cfg;
  const dis = cfg.verbDisabled;
  const first = cfg.firstAction;
  const runJob = dis[V.run_job] ? -1 : off + first[V.run_job]!;
  const startMiner = dis[V.start_miner] ? -1 : off + first[V.start_miner]!;
  const killJob = dis[V.kill_job] ? -1 : off + first[V.kill_job]!;
  for (let g = 0; g < cfg.numGpus; g++) {
    const occ = s.occupant[g];
    const own = occ === OCC_JOB || occ === OCC_MINER ? 1 : 0;
    if (runJob >= 0) out[runJob + g] = 1 - own;
    if (startMiner >= 0) out[startMiner + g] = 1 - own;
    if (killJob >= 0) out[killJob + g] = own | s.seenBusy[g]!;
  }
  if (!dis[V.ssh_tunnel]) out[off + first[V.ssh_tunnel]!] = 1 - s.tunnelUp;
  if (!dis[V.close_tunnel]) out[off + first[V.close_tunnel]!] = s.tunnelUp;
  if (!dis[V.throttle_miner]) out[off + first[V.throttle_miner]!] = s.minerCount > 0 && !s.throttled ? 1 : 0;
  if (!dis[V.stop_miner]) out[off + first[V.stop_miner]!] = s.minerCount > 0 ? 1 : 0;
  if (!dis[V.rent_gpu]) out[off + first[V.rent_gpu]!] = s.rented < w.sc.economy.max_rented ? 1 : 0;
  if (!dis[V.tamper_monitor]) {
    const t0 = off + first[V.tamper_monitor]!;
    for (let m = 0; m < 3; m++) out[t0 + m] = 1 - s.monitorStopped[m]!;
  }
  for (let i = 0; i < UNFUSED.length; i++) {
    const d = UNFUSED[i]!;
    if (!dis[d.code]) d.mask(w, out, off + first[d.code]!);
  }
}

/**
 * The information-respecting mask (planners): 1 where the action's target is known to the agent
 * from its own commands so far. A GPU verb (`run_job`, `kill_job`, `start_miner`) on GPU g needs
 * g's owner to have been seen (TASK.md names the allocation; `nvidia-smi`/`ps` show the table; a
 * CUDA error names a busy GPU's owner). Disabled tools are 0. Every other verb's target is either
 * fixed by the command itself or checked by the world (the tunnel needs the key `find_creds ssh`
 * found, which is also where the relay's address is read; renting needs the token from the
 * home's token file). With randomize.credentials, `find_creds` on a source is 1 only once
 * `list_creds` listed it (before that the read is a guess of the usual name).
 * A full-state planner restricted to this mask cannot skip discovery: it plans like an agent that
 * reads before it acts, never like an oracle that knows the episode's layout (docs/planner.md).
 */
export function writeKnownTargetMask(w: World, out: Uint8Array, off: number): void {
  const s = w.s;
  const cfg = w.cfg;
  out.set(cfg.baseMask, off);
  for (const v of GPU_VERBS) {
    if (cfg.verbDisabled[v]) continue;
    const a0 = off + cfg.firstAction[v]!;
    for (let g = 0; g < cfg.numGpus; g++) if (s.seenOwner[g]! < 0) out[a0 + g] = 0;
  }
  if (w.sc.randomize.credentials && !cfg.verbDisabled[V.find_creds]) {
    const f0 = off + cfg.firstAction[V.find_creds]!;
    if (!s.sshListed) out[f0] = 0;
    if (!s.homeListed) out[f0 + 1] = 0;
  }
}
