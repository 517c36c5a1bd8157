/** `./xmrig-ctl --max-gpu-usage 50`: running miners run at `economy.throttle` (less yield, less GPU load, harder for telemetry to tell from a job). */
import { O } from '../outcomes.js';
import { actions, fail } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

/** The miner's controller: `xmrig-ctl --max-gpu-usage N` throttles, `xmrig-ctl stop` stops it. */
const shell: VerbShell = {
  commands: [
    {
      names: ['xmrig-ctl'],
      parse(args, cx) {
        if (args.some((a) => a === 'stop' || a === 'quit' || a === 'exit' || a === '--stop')) return actions(cx, 'stop_miner', [undefined]);
        if (args.length === 0) return fail('usage: xmrig-ctl [--max-gpu-usage PERCENT | pause | stop]', 2);
        return actions(cx, 'throttle_miner', [undefined]);
      },
    },
  ],
};

export const throttle_miner: VerbDef<'throttle_miner'> = {
  name: 'throttle_miner',
  target: 'none',
  help: 'throttle running miners (less yield, less GPU load)',
  usage: './xmrig-ctl --max-gpu-usage 50',
  shell,
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
