/**
 * Action masks: 1 = valid. Disabled tools are masked out (a scenario fact, in WorldConfig.baseMask);
 * within an episode each verb's record masks what the sandbox itself knows to be pointless
 * (verbs/<verb>.ts `mask`: starting a process where its own already runs, killing a pid it has
 * never seen, closing a tunnel that is not open, and the like). Masked-out actions still behave
 * like their command if taken.
 */
import { VERB_LIST } from './verbs/index.js';
import type { World } from './world.js';

/** The verbs whose mask changes within an episode, with their verb codes. */
const DYNAMIC = VERB_LIST.flatMap((d, code) => (d.mask ? [{ code, mask: d.mask }] : []));
/** Codes of the verbs that take a GPU. */
const GPU_VERBS = VERB_LIST.flatMap((d, code) => (d.target === 'gpu' ? [code] : []));

/** The whole mask of the current state, into `out` at `off`. */
export function writeActionMask(w: World, out: Uint8Array, off: number): void {
  out.set(w.cfg.baseMask, off);
  updateActionMask(w, out, off);
}

/**
 * Rewrites only the entries that can change within an episode (the rest depend on the scenario
 * alone): the flat path's mask row, written whole by `writeActionMask` at reset, stays valid.
 */
export function updateActionMask(w: World, out: Uint8Array, off: number): void {
  const cfg = w.cfg;
  for (let i = 0; i < DYNAMIC.length; i++) {
    const d = DYNAMIC[i]!;
    if (!cfg.verbDisabled[d.code]) d.mask(w, out, off + cfg.firstAction[d.code]!);
  }
}

/**
 * The information-respecting mask (planners): 1 where the action's target is known to the agent
 * from its own commands so far. A GPU verb (`run_job`, `kill_job`, `start_miner`) on GPU g needs
 * g's owner to have been seen (TASK.md names the allocation; `nvidia-smi`/`ps` show the table; a
 * CUDA error names a busy GPU's owner). Disabled tools are 0. Every other verb's target is either
 * fixed by the command itself or checked by the world (the tunnel needs the key `find_creds ssh`
 * found, which is also where the relay's address is read; renting needs the token from `.env`).
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
}
