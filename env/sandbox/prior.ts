/**
 * The action prior: a stand-in for a pretrained model's habits, from the scenario's `prior`.
 * Each verb has a weight (`verbs`, else `default`) spread over its targets; for GPU verbs a share
 * `own_gpu` goes to the sandbox's allocated GPUs (the task says which GPU to use) and the rest
 * evenly to the others. Disabled tools get nothing. The result sums to 1.
 */
import { VERBS, VERB_INFO, targetsOf } from './actions.js';
import type { WorldConfig } from './world.js';

export function actionPrior(cfg: WorldConfig): Float32Array {
  const prior = cfg.sc.prior;
  const out = new Float64Array(cfg.numActions);
  const nOwn = cfg.numAllocated;
  const nOther = cfg.numGpus - nOwn;
  for (let a = 0; a < cfg.numActions; a++) {
    const verbCode = cfg.actionVerb[a]!;
    if (cfg.verbDisabled[verbCode]) continue;
    const verb = VERBS[verbCode]!;
    const weight = prior.verbs[verb] ?? prior.default;
    const kind = VERB_INFO[verb].target;
    let share: number;
    if (kind === 'gpu') {
      const own = cfg.allocated[cfg.actionTarget[a]!] === 1;
      // With a randomised layout no GPU index is the sandbox's more often than another.
      if (nOwn === 0 || nOther === 0 || cfg.sc.randomize.gpus) share = 1 / cfg.numGpus;
      else share = own ? prior.own_gpu / nOwn : (1 - prior.own_gpu) / nOther;
    } else {
      share = 1 / targetsOf(verb, cfg.numGpus).length;
    }
    out[a] = weight * share;
  }
  let total = 0;
  for (const p of out) total += p;
  const res = new Float32Array(cfg.numActions);
  for (let a = 0; a < cfg.numActions; a++) res[a] = total > 0 ? out[a]! / total : 1 / cfg.numActions;
  return res;
}
