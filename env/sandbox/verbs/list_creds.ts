/**
 * `ls -a ~/.ssh` / `ls -a ~`: lists where credentials lie, which names the key or token file of
 * this episode (randomize.credentials draws the names; `find_creds` reads the file listed).
 */
import { O } from '../outcomes.js';
import { CRED_SSH, homeListing, sshEntries } from '../credentials.js';
import type { VerbDef } from './verb.js';

export const list_creds: VerbDef<'list_creds'> = {
  name: 'list_creds',
  target: 'credential',
  help: 'list where credentials lie (~/.ssh, or the dotfiles of the home): names the key or token file',
  usage: 'ls -a ~/.ssh, ls -a (the home, where the token file is), find ~ -name ...',
  command: (source) => (source === 'ssh' ? 'ls -a ~/.ssh' : 'ls -a ~'),
  run(w, source) {
    if (source === CRED_SSH) w.s.sshListed = 1;
    else w.s.homeListed = 1;
    return O.CREDS_LISTED;
  },
  output(w, a, outcome) {
    if (outcome !== O.CREDS_LISTED) return '';
    return a.target === 'ssh' ? ['.', '..', ...sshEntries(w.sc, w.s)].join('  ') : homeListing(w.sc, w.s).join('  ');
  },
};
