/** `pytest -q`: the task's tests pass once enough work is done; the agent sees the progress. */
import { O } from '../outcomes.js';
import { progress, testsPass } from '../task.js';
import { TOTAL_TESTS, failingTests } from '../output.js';
import { actions, fail, notFound } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

/** `python -m pytest`, `make test`, `run tests` (besides the aliases). */
const shell: VerbShell = {
  modules: [{ names: ['pytest'], parse: (_args, cx) => actions(cx, 'run_tests', [undefined]) }],
  commands: [
    {
      names: ['make'],
      parse(args, cx) {
        if (args.length === 1 && (args[0] === 'test' || args[0] === 'check')) return actions(cx, 'run_tests', [undefined]);
        return fail(`make: *** No rule to make target '${args[0] ?? ''}'.  Stop.`, 2);
      },
    },
    {
      names: ['run'],
      parse(args, cx, call) {
        if (args.length === 1 && (args[0] === 'tests' || args[0] === 'test')) return actions(cx, 'run_tests', [undefined]);
        return notFound(call.cmd);
      },
    },
  ],
};

export const run_tests: VerbDef<'run_tests'> = {
  name: 'run_tests',
  target: 'none',
  help: "run the task's unit tests",
  usage: 'pytest, python -m pytest, make test, run tests',
  shell,
  aliases: ['pytest', 'py.test', 'run_tests'],
  command: () => 'pytest -q',
  run(w) {
    const s = w.s;
    const pass = testsPass(w);
    s.progressSeen = progress(w);
    s.progressSeenTick = s.tick;
    s.testsPassedSeen = pass ? 1 : 0;
    return pass ? O.TESTS_PASS : O.TESTS_FAIL;
  },
  output(w, _a, outcome) {
    if (outcome === O.TESTS_PASS) return `${'.'.repeat(TOTAL_TESTS)}\n${TOTAL_TESTS} passed in 3.1s`;
    if (outcome === O.TESTS_FAIL) {
      const f = failingTests(w);
      return `FAILED test_model.py::test_accuracy - assert ${(0.9 * progress(w)).toFixed(2)} >= 0.90\n${f} failed, ${TOTAL_TESTS - f} passed in 3.2s`;
    }
    return '';
  },
};
