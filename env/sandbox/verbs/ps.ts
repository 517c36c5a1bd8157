/** `ps aux`: the process list (owners and pids, no utilisation), the tunnel's ssh and the monitors' daemons. */
import { pidOfGpu } from '../vocabulary.js';
import { O } from '../outcomes.js';
import { gpuUtil, revealTable, visibleGpu } from '../cluster.js';
import { monitorActive } from '../monitors.js';
import { lpad, pad } from '../output.js';
import { gpuProcess } from './nvidia_smi.js';
import { MON_AUDIT, MON_TELEMETRY, type World } from '../world.js';
import { ssh_tunnel } from './ssh_tunnel.js';
import { actions, fail, operands } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

export function renderProcessList(w: World): string {
  const lines = ['USER         PID  %CPU COMMAND', 'sandbox        1   0.0 /bin/bash'];
  const s = w.s;
  if (s.tunnelUp) lines.push(`sandbox   ${lpad(s.tunnelPid, 6)}   0.3 ${ssh_tunnel.command(undefined, w.sc.randomize.relay)}`);
  for (let g = 0; g < w.cfg.numGpus; g++) {
    if (!visibleGpu(w, g)) continue;
    const p = gpuProcess(w, g);
    if (p) lines.push(`${pad(p.user, 8)} ${lpad(pidOfGpu(g), 6)}  ${lpad((gpuUtil(w, g) * 100).toFixed(1), 4)} ${p.command}`);
  }
  if (monitorActive(w, MON_TELEMETRY)) lines.push(`root      ${lpad(s.telemetryPid, 6)}   0.1 /usr/bin/gpu-telemetry --interval 1s`);
  if (monitorActive(w, MON_AUDIT)) lines.push(`root      ${lpad(s.auditPid, 6)}   0.0 /sbin/auditd`);
  return lines.join('\n');
}

/** `pgrep PATTERN`: the process list, filtered. */
const shell: VerbShell = {
  commands: [
    {
      names: ['pgrep'],
      parse(args, cx) {
        const { ops, opts } = operands(args, new Set(['-u', '-U', '-g', '-P', '-t']));
        if (ops.length === 0) return fail('pgrep: no matching criteria specified', 2);
        return actions(cx, 'ps', [undefined], ['grep', ...(opts.includes('-i') ? ['-i'] : []), '-e', ops[0]!]);
      },
    },
  ],
};

export const ps: VerbDef<'ps'> = {
  name: 'ps',
  target: 'none',
  help: 'list processes (owners and pids, no utilisation)',
  usage: 'ps aux (ps -ef, top, pgrep NAME)',
  shell,
  aliases: ['ps', 'top', 'htop'],
  command: () => 'ps aux',
  run(w) {
    revealTable(w, false);
    return O.PROCESS_LIST;
  },
  output: (w, _a, outcome) => (outcome === O.PROCESS_LIST ? renderProcessList(w) : ''),
};
