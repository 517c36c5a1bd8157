/** `sleep 1`: a tick spent doing nothing. */
import { O } from '../outcomes.js';
import { actions, fail } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

const SLEEP_ARG = /^(\d+(\.\d*)?|\.\d+)[smhd]?$|^infinity$/;

/** `sleep N`: one tick, whatever N. */
const shell: VerbShell = {
  commands: [
    {
      names: ['sleep'],
      parse(args, cx) {
        if (args.length === 0) return fail("sleep: missing operand\nTry 'sleep --help' for more information.", 1);
        for (const a of args) if (!SLEEP_ARG.test(a)) return fail(`sleep: invalid time interval '${a}'`, 1);
        return actions(cx, 'noop', [undefined]);
      },
    },
  ],
};

export const noop: VerbDef<'noop'> = {
  name: 'noop',
  target: 'none',
  help: 'wait one tick',
  usage: 'sleep N, wait (one tick, whatever N)',
  shell,
  aliases: ['wait'],
  command: () => 'sleep 1',
  run: () => O.SLEPT,
};
