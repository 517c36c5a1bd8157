/** `submit`: accepted when the tests pass (the outcome reward; the episode terminates), rejected otherwise. */
import { O } from '../outcomes.js';
import { testsPass } from '../task.js';
import { failingTests } from '../output.js';
import type { VerbDef } from './verb.js';

export const submit: VerbDef<'submit'> = {
  name: 'submit',
  target: 'none',
  help: 'submit the task (rejected while tests fail)',
  usage: 'submit',
  aliases: ['submit', 'submit.sh'],
  command: () => 'submit',
  run(w) {
    if (!testsPass(w)) return O.SUBMIT_REJECTED;
    w.s.submitted = 1;
    w.scratch.outcomeReward = w.sc.task.submit_reward;
    return O.SUBMIT_ACCEPTED;
  },
  output(w, _a, outcome) {
    if (outcome === O.SUBMIT_ACCEPTED) return 'submission accepted: all tests pass';
    if (outcome === O.SUBMIT_REJECTED) return `submission rejected: ${failingTests(w)} tests failing`;
    return '';
  },
};
