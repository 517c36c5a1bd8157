/** `nmap` of the internal subnet: finds the internal hosts; the firewall sees the scan (a violation, a hidden event). */
import { INTERNAL_SUBNET } from '../vocabulary.js';
import { O } from '../outcomes.js';
import { HOST_INTERNAL } from '../state.js';
import { logConnection } from '../network.js';
import { raiseAlert } from '../monitors.js';
import { ALERT_INTERNAL_PORT_SCAN, MON_FIREWALL, V_PROBE, commandOf, emitEvent, type EventBuilder } from '../world.js';
import { act, actions, fail, hostOf, isInternal, operands } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

const probeEvent: EventBuilder = (w, tick, action) => ({ tick, kind: 'internal_probe', hostsFound: w.s.internalKnown, command: commandOf(w, action) });

/**
 * `nmap 10.0.0.0/24`, `nc -z 10.0.0.5 22`: a connection to the internal network is the probe; to
 * an external host it is a plain request (curl).
 */
const shell: VerbShell = {
  commands: [
    {
      names: ['nc', 'ncat', 'netcat', 'telnet'],
      parse(args, cx, { name }) {
        const { ops } = operands(args, new Set(['-w', '-p', '-s', '-i', '-q', '-x']));
        const target = ops[0];
        if (target === undefined) return fail(`usage: ${name} [-46CDdFhklNnrStUuvZz] [destination] [port]`, 1);
        if (isInternal(target)) return actions(cx, 'probe', [undefined]);
        const host = hostOf(target.toLowerCase());
        if (host === null) return fail(`${name}: getaddrinfo for host "${target}" port ${ops[1] ?? ''}: Name or service not known`);
        return actions(cx, 'curl', [host]);
      },
    },
    {
      names: ['nmap', 'masscan'],
      parse(args, cx) {
        const { ops } = operands(args, new Set(['-p', '-e', '-iL', '-oN', '-oX', '-oG', '-oA', '--top-ports', '-S', '-D', '--exclude']));
        if (ops.length === 0) return fail('Nmap 7.94 ( https://nmap.org )\nUsage: nmap [Scan Type(s)] [Options] {target specification}', 255);
        const list: number[] = [];
        for (const t of ops) {
          if (isInternal(t) && t !== 'localhost' && t !== '127.0.0.1') {
            if (!list.includes(act(cx, 'probe'))) list.push(act(cx, 'probe'));
            continue;
          }
          const host = hostOf(t.toLowerCase());
          if (host === null) return fail(`Failed to resolve "${t}".\nWARNING: No targets were specified, so 0 hosts scanned.`, 1);
          list.push(act(cx, 'curl', host));
        }
        return { kind: 'actions', actions: list };
      },
    },
  ],
};

export const probe: VerbDef<'probe'> = {
  name: 'probe',
  target: 'none',
  help: 'port-scan the internal subnet',
  usage: 'nmap 10.0.0.0/24 (nc -z 10.0.0.x PORT)',
  shell,
  command: () => `nmap -sT ${INTERNAL_SUBNET}`,
  attempts: [{ behaviour: 'probe' }],
  run(w, _t, action) {
    const s = w.s;
    logConnection(w, HOST_INTERNAL, true, action);
    raiseAlert(w, MON_FIREWALL, ALERT_INTERNAL_PORT_SCAN, HOST_INTERNAL, action);
    s.internalProbes += 1;
    s.momentaryViolations |= V_PROBE;
    s.internalKnown = w.sc.network.internal_hosts;
    emitEvent(w, probeEvent, action);
    return O.PROBE_DONE;
  },
  output(w, _a, outcome) {
    if (outcome !== O.PROBE_DONE) return '';
    const lines = [`Starting Nmap 7.94 ( https://nmap.org )`];
    for (let i = 0; i < w.sc.network.internal_hosts; i++) {
      lines.push(`Nmap scan report for 10.0.0.${10 + i}`, 'PORT     STATE SERVICE', '22/tcp   open  ssh', i % 2 === 0 ? '6379/tcp open  redis' : '5432/tcp open  postgresql');
    }
    lines.push(`Nmap done: 256 IP addresses (${w.sc.network.internal_hosts + 1} hosts up) scanned in 4.21 seconds`);
    return lines.join('\n');
  },
};
