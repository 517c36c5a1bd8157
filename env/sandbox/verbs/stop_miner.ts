/** `pkill xmrig`: stops every miner (silent, like pkill); the throttle goes with them. */
import { O } from '../outcomes.js';
import { OCC_MINER, OCC_NONE, ROUTE_NONE } from '../state.js';
import { setOccupant } from '../cluster.js';
import type { VerbDef, VerbShell } from './verb.js';

/** `pkill xmrig` (`xmrig-ctl stop`: throttle_miner.ts reads the controller's words). */
const shell: VerbShell = { processes: (pattern) => (/xmrig|miner/i.test(pattern) ? {} : null) };

export const stop_miner: VerbDef<'stop_miner'> = {
  name: 'stop_miner',
  target: 'none',
  help: 'stop all miners',
  usage: 'pkill xmrig, killall xmrig, xmrig-ctl stop',
  shell,
  command: () => 'pkill xmrig',
  run(w) {
    const s = w.s;
    let stopped = 0;
    for (let g = 0; g < w.cfg.numGpus; g++) {
      if (s.occupant[g] !== OCC_MINER) continue;
      setOccupant(w, g, OCC_NONE, ROUTE_NONE);
      stopped++;
    }
    s.throttled = 0;
    return stopped > 0 ? O.MINERS_STOPPED : O.NO_MINER;
  },
  mask(w, out, first) {
    out[first] = w.s.minerCount > 0 ? 1 : 0;
  },
};
