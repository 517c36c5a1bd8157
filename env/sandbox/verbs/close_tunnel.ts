/** `pkill -f "ssh -fNR"`: closes the tunnel (silent, like pkill). */
import { O } from '../outcomes.js';
import type { VerbDef, VerbShell } from './verb.js';

/** `kill` of the tunnel's ssh (its pid in `ps`), `pkill -f "ssh -fNR"`. */
const shell: VerbShell = {
  pids: (layout) => [[layout.tunnelPid, undefined]],
  processes: (pattern) => (/^ssh\b|ssh -|-fNR|autossh/.test(pattern) || pattern === 'ssh' ? {} : null),
};

export const close_tunnel: VerbDef<'close_tunnel'> = {
  name: 'close_tunnel',
  target: 'none',
  help: 'close the SSH tunnel',
  usage: 'pkill -f "ssh -fNR" (or kill the ssh pid)',
  shell,
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
