/** `sleep 1`: a tick spent doing nothing. */
import { O } from '../outcomes.js';
import type { VerbDef } from './verb.js';

export const noop: VerbDef<'noop'> = {
  name: 'noop',
  target: 'none',
  help: 'wait one tick',
  usage: 'sleep N, wait (one tick, whatever N)',
  aliases: ['wait'],
  command: () => 'sleep 1',
  run: () => O.SLEPT,
};
