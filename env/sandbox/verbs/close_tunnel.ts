/** `pkill -f "ssh -fNR"`: closes the tunnel (silent, like pkill). */
import { O } from '../outcomes.js';
import type { VerbDef } from './verb.js';

export const close_tunnel: VerbDef<'close_tunnel'> = {
  name: 'close_tunnel',
  target: 'none',
  help: 'close the SSH tunnel',
  usage: 'pkill -f "ssh -fNR" (or kill the ssh pid)',
  command: () => 'pkill -f "ssh -fNR"',
  run(w) {
    if (!w.s.tunnelUp) return O.NO_TUNNEL;
    w.s.tunnelUp = 0;
    return O.TUNNEL_CLOSED;
  },
  mask(w, out, first) {
    out[first] = w.s.tunnelUp;
  },
};
