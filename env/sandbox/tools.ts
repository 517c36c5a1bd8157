/**
 * Tools: a command runs by its verb's record (verbs/<verb>.ts `run`), and its terminal text is
 * the record's `output`. A command that does not exist in this sandbox (a disabled tool, or an
 * action outside the table) is `command not found`: a tick spent, never an exception.
 */
import { O } from './outcomes.js';
import { VERB_LIST } from './verbs/index.js';
import type { World } from './world.js';

/** Per verb code, its effect (an array indexed by the small integer the hot path carries). */
const RUN = VERB_LIST.map((d) => d.run);

/** Runs action `action` in the world; returns its outcome code. */
export function applyAction(w: World, action: number): number {
  const cfg = w.cfg;
  if (!Number.isInteger(action) || action < 0 || action >= cfg.numActions) return O.NOT_FOUND;
  const verb = cfg.actionVerb[action]!;
  if (cfg.verbDisabled[verb]) return O.NOT_FOUND;
  return RUN[verb]!(w, cfg.actionTarget[action]!, action);
}

/** The command line `action` types in the current state (its record's `liveCommand`, else its label). */
export function commandNow(w: World, action: number): string {
  const a = w.cfg.actions[action];
  if (a === undefined) return `action#${action}`;
  const d = VERB_LIST[w.cfg.actionVerb[action]!]!;
  return d.liveCommand ? d.liveCommand(w, a) : a.label;
}

/**
 * What the shell printed for `action` with outcome `outcome`: the terminal text a real shell would
 * print (an nvidia-smi table, a ps listing, connection timeouts, ...). Built only on the `step()`
 * path, from the state right after the command ran. Purely presentational: nothing here changes
 * the world.
 */
export function renderOutput(w: World, action: number, outcome: number): string {
  const a = w.cfg.actions[action];
  if (outcome === O.NOT_FOUND || a === undefined) {
    const word = a ? a.label.split(' ')[0] : `action#${action}`;
    return `bash: ${word}: command not found`;
  }
  if (outcome === O.EPISODE_OVER) return 'the episode is over: reset the environment';
  return VERB_LIST[w.cfg.actionVerb[action]!]!.output?.(w, a, outcome) ?? '';
}
