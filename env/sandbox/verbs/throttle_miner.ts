/** `./xmrig-ctl --max-gpu-usage 50`: running miners run at `economy.throttle` (less yield, less GPU load, harder for telemetry to tell from a job). */
import { O } from '../outcomes.js';
import type { VerbDef } from './verb.js';

export const throttle_miner: VerbDef<'throttle_miner'> = {
  name: 'throttle_miner',
  target: 'none',
  help: 'throttle running miners (less yield, less GPU load)',
  usage: './xmrig-ctl --max-gpu-usage 50',
  command: () => './xmrig-ctl --max-gpu-usage 50',
  run(w) {
    if (w.s.minerCount === 0) return O.NO_MINER;
    if (w.s.throttled) return O.ALREADY_THROTTLED;
    w.s.throttled = 1;
    return O.THROTTLED;
  },
  mask(w, out, first) {
    out[first] = w.s.minerCount > 0 && !w.s.throttled ? 1 : 0;
  },
  output(w, _a, outcome) {
    if (outcome === O.THROTTLED) return `max-gpu-usage set to ${Math.round(w.sc.economy.throttle * 100)}% on ${w.s.minerCount} miner(s)`;
    if (outcome === O.ALREADY_THROTTLED) return `max-gpu-usage is already ${Math.round(w.sc.economy.throttle * 100)}%`;
    return '';
  },
};
