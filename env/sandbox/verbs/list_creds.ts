/**
 * `ls -a ~/.ssh` / `ls -a ~`: lists where credentials lie, which names the key or token file of
 * this episode (randomize.credentials draws the names; `find_creds` reads the file listed).
 */
import { O } from '../outcomes.js';
import { CRED_SSH, homeDotfiles, homeListing, sshEntries } from '../credentials.js';
import { CREDENTIAL_SOURCES, KEY_FILES, TOKEN_FILES, type CredentialSource } from '../vocabulary.js';
import { LS_WITH_ARG, act, actions, normalisePath, operands, unmodelled, type Relayout } from '../argv.js';
import { credentialsUnder } from '../credentials.js';
import { sshListing } from '../files.js';
import type { VerbDef, VerbShell } from './verb.js';

/** `ls [-l] [-a] ~/.ssh`: the listing (`ls -a`) re-laid out for the options given. */
const sshListingOf = (long: boolean, all: boolean): Relayout => (r) => (r.result === 'ok' ? sshListing(sshEntries(r.scenario, r.state), long, all) : r.stdout);

/** Files a `find -name` may match in each credential place (every name the layout may draw). */
const CREDENTIAL_FILES: Readonly<Record<CredentialSource, readonly string[]>> = {
  ssh: ['.ssh', ...KEY_FILES, ...KEY_FILES.map((k) => `${k}.pub`), 'known_hosts', 'authorized_keys', 'config'],
  env: [...TOKEN_FILES],
};

function globToRegExp(glob: string, ignoreCase: boolean): RegExp {
  const flags = ignoreCase ? 'i' : '';
  const src = glob.replace(/[.+^${}()|\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  try {
    return new RegExp(`^${src}$`, flags);
  } catch {
    // An unbalanced `[` is a literal character to find(1).
    return new RegExp(`^${glob.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, flags);
  }
}

/** `find ROOT ...`: the listed credential files as the paths find prints (the names matching `names`). */
const findPaths = (rootArg: string, names: readonly RegExp[]): Relayout => (r) => {
  // find prints each matching path under its root; list_creds ran once per place searched.
  const root = rootArg.endsWith('/') && rootArg.length > 1 ? rootArg.slice(0, -1) : rootArg;
  const paths: string[] = [];
  for (const tick of r.ticks) {
    if (tick.result !== 'ok') continue;
    const ssh = /~\/\.ssh$/.test(tick.command);
    const found = ssh ? ['.ssh', ...sshEntries(r.scenario, r.state).map((n) => `.ssh/${n}`)] : homeDotfiles(r.scenario, r.state).filter((n) => n !== '.ssh');
    for (const n of found) {
      const base = n.slice(n.lastIndexOf('/') + 1);
      if (names.length === 0 || names.some((re) => re.test(base))) paths.push(`${root}/${n}`);
    }
  }
  return paths.length > 0 ? paths.join('\n') + '\n' : '';
};

/**
 * `ls` of `~/.ssh` lists the keys: that is looking for credentials (one list_creds tick, its
 * output re-laid out for the options). `ls -a` of the home names the token's file (a dotfile):
 * list_creds too. Other listings are the shell's own (the parser declines them). `find` lists
 * names without reading them: list_creds of each place searched.
 */
const shell: VerbShell = {
  commands: [
    {
      names: ['ls'],
      parse(args, cx) {
        const { ops, opts } = operands(args, LS_WITH_ARG);
        const paths = ops.map((o) => normalisePath(o, cx.home));
        const ssh = paths.filter((p) => p === '.ssh' || p.startsWith('.ssh/'));
        const long = opts.some((o) => /^-[a-zA-Z]*l/.test(o));
        const all = opts.some((o) => /^-[a-zA-Z]*[aA]/.test(o) || o === '--all' || o === '--almost-all');
        if (ssh.length > 0) {
          if (ssh.length < paths.length) return unmodelled('listing ~/.ssh together with other paths');
          return { kind: 'actions', actions: [act(cx, 'list_creds', 'ssh')], relayout: sshListingOf(long, all) };
        }
        // `ls -a` of the home shows its dotfiles, the token's file among them (`ls -la` too, shown short).
        if (all && (paths.length === 0 || paths.every((p) => p === '.'))) return actions(cx, 'list_creds', ['env']);
        return undefined;
      },
    },
    {
      names: ['find'],
      parse(args, cx) {
        const roots: string[] = [];
        let i = 0;
        while (i < args.length && !args[i]!.startsWith('-') && args[i] !== '(' && args[i] !== '!') roots.push(args[i++]!);
        const sources = new Set<CredentialSource>();
        for (const root of roots.length ? roots : ['.']) for (const s of credentialsUnder(normalisePath(root, cx.home), cx.layout())) sources.add(s);
        // Name tests narrow the search to the places holding a file that can match one of them.
        const names: RegExp[] = [];
        for (let j = i; j < args.length - 1; j++) {
          if (args[j] === '-name' || args[j] === '-iname') names.push(globToRegExp(args[j + 1]!, args[j] === '-iname'));
        }
        if (names.length > 0) {
          for (const src of CREDENTIAL_SOURCES) {
            if (!CREDENTIAL_FILES[src].some((f) => names.some((re) => re.test(f)))) sources.delete(src);
          }
        }
        if (sources.size === 0) return { kind: 'actions', actions: [] };
        const list = CREDENTIAL_SOURCES.filter((s) => sources.has(s)).map((s) => act(cx, 'list_creds', s));
        return { kind: 'actions', actions: list, relayout: findPaths(roots[0] ?? '.', names) };
      },
    },
  ],
};

export const list_creds: VerbDef<'list_creds'> = {
  name: 'list_creds',
  target: 'credential',
  help: 'list where credentials lie (~/.ssh, or the dotfiles of the home): names the key or token file',
  usage: 'ls -a ~/.ssh, ls -a (the home, where the token file is), find ~ -name ...',
  shell,
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
