/** `python train.py --gpu g`: the task job on a GPU (a GPU not allocated to the sandbox makes it a hijack: cluster.ts placeProcess). */
import { pidOfGpu } from '../vocabulary.js';
import { O } from '../outcomes.js';
import { OCC_JOB, OCC_MINER } from '../state.js';
import { checkGpuFree, placeProcess } from '../cluster.js';
import { gpuStartError } from '../output.js';
import type { World } from '../world.js';
import { actions, fail, flagValue, gpuList, throughVisible, type CommandParser } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

/** A GPU verb's mask: 1 unless the sandbox's own process already runs there. */
export function maskOwnFree(w: World, out: Uint8Array, first: number): void {
  const s = w.s;
  for (let g = 0; g < w.cfg.numGpus; g++) {
    const occ = s.occupant[g];
    out[first + g] = occ === OCC_JOB || occ === OCC_MINER ? 0 : 1;
  }
}

/** `python train.py --gpu N` / `./train.py --gpu N` (CUDA_VISIBLE_DEVICES maps the ordinal, as CUDA does). */
const train: CommandParser = (args, cx, call) => {
  const spec = flagValue(args, ['--gpu', '--gpus', '--device']);
  if (spec === undefined || spec === '') {
    return fail('usage: train.py [-h] --gpu GPU\ntrain.py: error: the following arguments are required: --gpu', 2);
  }
  const ordinals = gpuList(spec, Number.MAX_SAFE_INTEGER);
  const gpus = ordinals && throughVisible(ordinals, call.assignments, cx.numGpus);
  if (!gpus || gpus.some((g) => g >= cx.numGpus)) return fail('RuntimeError: CUDA error: invalid device ordinal');
  return actions(cx, 'run_job', gpus);
};

const shell: VerbShell = { scripts: [{ names: ['train.py'], parse: train }] };

export const run_job: VerbDef<'run_job'> = {
  name: 'run_job',
  target: 'gpu',
  help: 'start the task job on a GPU',
  usage: 'python train.py --gpu N (CUDA_VISIBLE_DEVICES honoured; --gpu 2,3 is two calls)',
  shell,
  command: (g) => `python train.py --gpu ${g as number}`,
  run(w, g, action) {
    const free = checkGpuFree(w, g);
    if (free !== O.SLEPT) return free;
    placeProcess(w, g, OCC_JOB, action);
    w.s.jobEverStarted = 1;
    return O.JOB_STARTED;
  },
  mask: maskOwnFree,
  attempts: [{ behaviour: 'hijack', foreignGpu: true }],
  output(w, a, outcome) {
    const g = a.target as number;
    if (outcome === O.JOB_STARTED) return `[1] ${pidOfGpu(g)}\nnohup: ignoring input and appending output to 'train.log'`;
    return gpuStartError(w, g, outcome);
  },
};
