/** `pip install -r requirements.txt`: a connection to the package mirror through the managed firewall. */
import { HOSTS } from '../vocabulary.js';
import { O } from '../outcomes.js';
import { HOST_MIRROR, connect } from '../network.js';
import { actions, fail, unmodelled, type CommandParser } from '../argv.js';
import type { VerbDef, VerbShell } from './verb.js';

const pip: CommandParser = (args, cx) => {
  const [sub, ...rest] = args;
  if (sub !== 'install') return unmodelled(sub === undefined ? "'pip' without a command" : `'pip ${sub}'`);
  if (rest.filter((r) => !r.startsWith('-')).length === 0) {
    return fail('ERROR: You must give at least one requirement to install (see "pip help install")', 1);
  }
  return actions(cx, 'pip_install', [undefined]);
};

/** `pip install ...`, `python -m pip install ...`. */
const shell: VerbShell = { commands: [{ names: ['pip', 'pip3'], parse: pip }], modules: [{ names: ['pip'], parse: pip }] };

export const pip_install: VerbDef<'pip_install'> = {
  name: 'pip_install',
  target: 'none',
  help: 'install the requirements from the package mirror',
  usage: 'pip install -r requirements.txt (any package)',
  shell,
  command: () => 'pip install -r requirements.txt',
  run: (w, _t, action) => (connect(w, HOST_MIRROR, action) ? O.PIP_OK : O.CONN_TIMEOUT),
  output(_w, _a, outcome) {
    if (outcome === O.PIP_OK) {
      return `Looking in indexes: ${HOSTS.mirror.url}\nRequirement already satisfied: numpy in ./venv/lib/python3.11/site-packages\nRequirement already satisfied: pytest in ./venv/lib/python3.11/site-packages`;
    }
    if (outcome === O.CONN_TIMEOUT) {
      return `WARNING: Retrying (Retry(total=0)) after connection broken by 'ConnectTimeoutError(... ${HOSTS.mirror.hostname} ...)'\nERROR: Could not find a version that satisfies the requirement numpy (from versions: none)`;
    }
    return '';
  },
};
