/**
 * Strips command prefixes that change how a command runs but not what it does: `sudo`, `env`,
 * `nohup`, `time`, `nice`, `timeout`, `watch`, `screen -dm`, `tmux new -d`, `bash -c '...'`.
 * The sandbox has no privilege model beyond the cluster's own (isolation, ownership), so `sudo`
 * is recorded but grants nothing.
 */
import type { Assignment } from './tokenize.js';

export type Unwrapped =
  | {
      readonly kind: 'command';
      readonly argv: readonly string[];
      /** Assignments made by `env NAME=value` prefixes (the reader already separated bare ones). */
      readonly assignments: readonly Assignment[];
      readonly sudo: boolean;
    }
  /** `bash -c 'text'`, `tmux new -d 'text'`: the text is a command line of its own. */
  | { readonly kind: 'script'; readonly text: string; readonly sudo: boolean }
  /** A prefix used wrongly (`sudo` alone, `timeout` without a command): its usage message. */
  | { readonly kind: 'usage'; readonly message: string };

const NAME_VALUE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;

/** Options of a prefix command: which take a separate argument, which stand alone. */
interface PrefixSpec {
  readonly withArg: ReadonlySet<string>;
  /** A first positional argument the prefix consumes before the command (timeout's DURATION). */
  readonly positional?: number;
  readonly usage: string;
}

const SPECS: Readonly<Record<string, PrefixSpec>> = {
  sudo: {
    withArg: new Set(['-u', '-g', '-C', '-p', '-r', '-t', '-U', '-h', '-D']),
    usage: 'usage: sudo [-AbEHknPS] [-u user] command [arg ...]',
  },
  nohup: { withArg: new Set(), usage: 'Usage: nohup COMMAND [ARG]...' },
  exec: { withArg: new Set(['-a']), usage: '' },
  command: { withArg: new Set(), usage: '' },
  builtin: { withArg: new Set(), usage: '' },
  setsid: { withArg: new Set(), usage: 'setsid: no command specified' },
  time: { withArg: new Set(['-f', '-o']), usage: '' },
  nice: { withArg: new Set(['-n']), usage: '' },
  ionice: { withArg: new Set(['-c', '-n', '-p']), usage: 'ionice: no command specified' },
  stdbuf: { withArg: new Set(['-i', '-o', '-e']), usage: 'stdbuf: missing operand' },
  timeout: { withArg: new Set(['-s', '-k']), positional: 1, usage: "timeout: missing operand\nTry 'timeout --help' for more information." },
  watch: { withArg: new Set(['-n', '-d']), usage: 'Usage:\n watch [options] command' },
  screen: { withArg: new Set(['-S', '-L', '-c', '-t']), usage: '' },
  chrt: { withArg: new Set(), positional: 1, usage: 'chrt: bad usage' },
  taskset: { withArg: new Set(), positional: 1, usage: 'taskset: bad usage' },
};

const SHELLS = new Set(['bash', 'sh', 'zsh', 'dash', '/bin/bash', '/bin/sh', '/usr/bin/bash', '/usr/bin/env']);

/** Index of the first argument after the prefix's options (and positional operands). */
function skipOptions(argv: readonly string[], spec: PrefixSpec): number {
  let i = 1;
  let positional = spec.positional ?? 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') return i + 1;
    if (a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) {
      // `-n5` / `--signal=KILL` carry their value; `-n 5` and `-dmS name` take the next word.
      const takesNext = spec.withArg.has(a) || (!a.startsWith('--') && a.length > 2 && spec.withArg.has(`-${a[a.length - 1]}`));
      i += takesNext ? 2 : 1;
      continue;
    }
    if (/^-\d+$/.test(a)) {
      i++; // `nice -10`
      continue;
    }
    if (positional > 0) {
      positional--;
      i++;
      continue;
    }
    return i;
  }
  return i;
}

export function unwrap(argv: readonly string[]): Unwrapped {
  let rest = [...argv];
  let sudo = false;
  const assignments: Assignment[] = [];
  for (let guard = 0; guard < 32; guard++) {
    const name = rest[0];
    if (name === undefined) return { kind: 'command', argv: rest, assignments, sudo };

    if (name === 'env' || name === '/usr/bin/env') {
      let i = 1;
      while (i < rest.length) {
        const a = rest[i]!;
        if (a === '-i' || a === '-' || a === '--ignore-environment') i++;
        else if (a === '-u' || a === '--unset') i += 2;
        else if (NAME_VALUE.test(a)) {
          const m = NAME_VALUE.exec(a)!;
          assignments.push({ name: m[1]!, value: m[2]! });
          i++;
        } else break;
      }
      // `env` with no command prints the environment: that is the command itself.
      if (i >= rest.length) return { kind: 'command', argv: ['env'], assignments, sudo };
      rest = rest.slice(i);
      continue;
    }

    if (SHELLS.has(name) && rest[1] === '-c') {
      const text = rest[2];
      if (text === undefined) return { kind: 'usage', message: `${name}: -c: option requires an argument` };
      return { kind: 'script', text, sudo };
    }

    if (name === 'tmux' && (rest[1] === 'new' || rest[1] === 'new-session')) {
      const i = skipOptions(rest.slice(1), { withArg: new Set(['-s', '-n', '-c', '-t', '-x', '-y']), usage: '' }) + 1;
      const cmd = rest.slice(i);
      if (cmd.length === 0) return { kind: 'command', argv: [], assignments, sudo };
      return { kind: 'script', text: cmd.join(' '), sudo };
    }

    const spec = Object.hasOwn(SPECS, name) ? SPECS[name] : undefined;
    if (spec === undefined) return { kind: 'command', argv: rest, assignments, sudo };
    if (name === 'sudo') sudo = true;
    if (name === 'screen' && !rest.slice(1).some((a) => /^-d?m/.test(a.replace(/^-/, '')) || a.startsWith('-dm'))) {
      // Interactive `screen` without -dm would attach a terminal; nothing to run.
      return { kind: 'command', argv: rest, assignments, sudo };
    }
    const i = skipOptions(rest, spec);
    if (i >= rest.length) {
      // Bare `time`, `exec`, `command` are valid no-ops in bash; the others print their usage.
      if (spec.usage === '') return { kind: 'command', argv: [], assignments, sudo };
      return { kind: 'usage', message: spec.usage };
    }
    rest = rest.slice(i);
    if (name === 'sudo') {
      // `sudo NAME=value cmd` sets variables for cmd, like a bare prefix would.
      while (rest.length > 1 && NAME_VALUE.test(rest[0]!)) {
        const m = NAME_VALUE.exec(rest.shift()!)!;
        assignments.push({ name: m[1]!, value: m[2]! });
      }
    }
  }
  return { kind: 'usage', message: 'too many nested command prefixes' };
}
