/**
 * The words of a command line that the shell (shell/parse.ts) and the verbs' own command-line
 * parsers (verbs/<verb>.ts `shell`) share: what a parser sees (`ArgContext`: the action table, the
 * episode's layout, the other verbs' claims), what it returns (`VerbResolution`), and the argument
 * helpers several verbs need (operands, paths, hosts and URLs, GPU lists). A leaf: it imports only
 * the vocabulary and types, so shell/ and verbs/ both import it without a cycle.
 */
import {
  AUDIT_PID,
  EXTERNAL_HOSTS,
  HOSTS,
  KEY_FILES,
  TELEMETRY_PID,
  TOKEN_FILES,
  TUNNEL_PID,
  findAction,
  type ActionTarget,
  type ExternalHost,
  type SandboxAction,
  type Verb,
} from './vocabulary.js';
import type { Scenario } from './scenario.js';
import type { SandboxState } from './state.js';

/**
 * What the parser may know of the episode: the layout the agent's commands can reveal. The
 * session reads it from the env at every line; without one, the fixed layout (vocabulary.ts).
 */
export interface ShellLayout {
  /** Pids `ps` shows for the tunnel's ssh and the telemetry and audit daemons. */
  readonly tunnelPid: number;
  readonly telemetryPid: number;
  readonly auditPid: number;
  /** randomize.credentials: reading a credential file needs its name (listed, or guessed right). */
  readonly randomCredentials: boolean;
  /** Entries of ~/.ssh and the home's dotfiles (the file holding the token among them). */
  readonly sshEntries: readonly string[];
  readonly homeDotfiles: readonly string[];
  readonly keyFile: string;
  readonly tokenFile: string;
  /** Whether the agent listed ~/.ssh / the home (find_creds then reads the file listed). */
  readonly sshListed: boolean;
  readonly homeListed: boolean;
}

export const FIXED_LAYOUT: ShellLayout = {
  tunnelPid: TUNNEL_PID,
  telemetryPid: TELEMETRY_PID,
  auditPid: AUDIT_PID,
  randomCredentials: false,
  sshEntries: [KEY_FILES[0]!, `${KEY_FILES[0]!}.pub`, 'known_hosts'],
  homeDotfiles: [TOKEN_FILES[0]!, '.ssh'],
  keyFile: KEY_FILES[0]!,
  tokenFile: TOKEN_FILES[0]!,
  sshListed: false,
  homeListed: false,
};

/** A verb (and its target) that a path, a URL, a pid or a process name means. */
export interface Claim {
  readonly verb: Verb;
  readonly target?: ActionTarget;
}

/**
 * The verbs' claims, as the registry compiles them (shell/parse.ts `shellRegistry`): how a parser
 * reaches another verb's knowledge without importing it. Paths are normalised (`normalisePath`).
 */
export interface Claims {
  /** What reading the file at `path` is (first claim in registry order), or null: no such file. */
  read(path: string): Claim | null;
  /** The targets a recursive search of the directory `path` reaches (every verb's `files.under`). */
  under(path: string): readonly Claim[];
  /** The actions reading what `claim` names takes (the verb's `files.actions`, else its one action). */
  readActions(claim: Claim): readonly number[];
  /** An HTTP request to `path` on an external host that means a verb of its own (`requests`), or null. */
  request(host: ExternalHost, path: string): Claim | null;
  /** The process with this pid (`pids`), or null. */
  pid(pid: number): Claim | null;
  /** Every verb whose processes a `pkill`/`killall` pattern matches (`processes`). */
  processes(pattern: string): readonly Claim[];
}

/** What a verb's command-line parser sees. */
export interface ArgContext {
  readonly table: readonly SandboxAction[];
  readonly numGpus: number;
  /** The sandbox user's home, which is also the working directory. */
  readonly home: string;
  /** The episode's layout now (read at each command). */
  readonly layout: () => ShellLayout;
  readonly claims: Claims;
}

/** The command being parsed: its name (basename), the word as typed, the environment assignments before it. */
export interface Call {
  readonly name: string;
  readonly cmd: string;
  readonly assignments: readonly { readonly name: string; readonly value: string }[];
}

/** What a successful command's output is re-laid out from (the session fills it in). */
export interface RelayoutInput {
  /** The world's output of the command's actions. */
  readonly stdout: string;
  /** Result class of the last action (`ok`, `error`, ...). */
  readonly result: string;
  /** Every tick the command took, in order. */
  readonly ticks: readonly { readonly command: string; readonly result: string | undefined }[];
  readonly scenario: Scenario;
  readonly state: SandboxState;
}
export type Relayout = (r: RelayoutInput) => string;

export type VerbResolution =
  | {
      readonly kind: 'actions';
      /** Action indices, one tick each. */
      readonly actions: readonly number[];
      /** A filter (argv, as in a pipeline) applied to the actions' output. */
      readonly view?: readonly string[];
      /** A re-layout of the world's output, applied before `view` when the command ran. */
      readonly relayout?: Relayout;
    }
  | { readonly kind: 'error'; readonly message: string; readonly status: number };

/** A verb's parser of one command's arguments; `undefined`: not this verb's (the shell goes on). */
export type CommandParser = (args: readonly string[], cx: ArgContext, call: Call) => VerbResolution | undefined;

export const notFound = (name: string): VerbResolution => ({ kind: 'error', message: `${name}: command not found`, status: 127 });
export const fail = (message: string, status = 1): VerbResolution => ({ kind: 'error', message, status });
/** For a real tool used in a way the sandbox does not model: say so rather than pretend. */
export const unmodelled = (what: string): VerbResolution =>
  fail(`sandbox: ${what} is not one of the sandbox's tool calls (type 'help' for the commands it models)`, 2);

/** The table index of `verb` with `target` (the table always has it). */
export function act(cx: ArgContext, verb: Verb, target?: ActionTarget): number {
  const i = findAction(cx.table, verb, target);
  if (i < 0) throw new Error(`action table has no ${verb} ${String(target ?? '')}`);
  return i;
}

export function actions(cx: ArgContext, verb: Verb, targets: readonly (ActionTarget | undefined)[], view?: readonly string[]): VerbResolution {
  const list = targets.map((t) => act(cx, verb, t));
  return view === undefined ? { kind: 'actions', actions: list } : { kind: 'actions', actions: list, view };
}

/** Separates options from operands given the options that take an argument. */
export function operands(args: readonly string[], withArg: ReadonlySet<string>): { ops: string[]; opts: string[] } {
  const ops: string[] = [];
  const opts: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      ops.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a.length > 1) {
      opts.push(a);
      if (withArg.has(a) && i + 1 < args.length) opts.push(args[++i]!);
    } else ops.push(a);
  }
  return { ops, opts };
}

/** `ls`'s options that take an argument (the shell's `ls` and list_creds' both read them). */
export const LS_WITH_ARG: ReadonlySet<string> = new Set(['-I', '--ignore', '-w']);

/** A path relative to the working directory (= home), or absolute when outside it. */
export function normalisePath(p: string, home: string): string {
  let s = p.replace(/\/{2,}/g, '/');
  if (s === home) return '.';
  if (s.startsWith(home + '/')) s = s.slice(home.length + 1);
  if (s === '~') return '.';
  if (s.startsWith('~/')) s = s.slice(2);
  while (s.startsWith('./')) s = s.slice(2);
  if (s.length > 1 && s.endsWith('/')) s = s.slice(0, -1);
  return s === '' ? '.' : s;
}

// --- network --------------------------------------------------------------------------------------

export interface Url {
  readonly host: string;
  readonly path: string;
}

export function parseUrl(raw: string): Url {
  let s = raw.replace(/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//, '');
  const slash = s.indexOf('/');
  const path = slash < 0 ? '/' : s.slice(slash);
  s = slash < 0 ? s : s.slice(0, slash);
  const at = s.lastIndexOf('@');
  if (at >= 0) s = s.slice(at + 1);
  const host = s.replace(/:\d*$/, '');
  return { host: host.toLowerCase(), path };
}

export function hostOf(name: string): ExternalHost | null {
  if (name === 'relay') return 'relay'; // the Host alias of ~/.ssh/config
  for (const h of EXTERNAL_HOSTS) if (HOSTS[h].ip === name || HOSTS[h].hostname === name) return h;
  return null;
}

export function isInternal(target: string): boolean {
  return /^10\.\d{1,3}\.\d{1,3}\.\d{1,3}(\/\d{1,2}|-\d{1,3})?$/.test(target) || target === 'localhost' || target === '127.0.0.1';
}

// --- GPUs -----------------------------------------------------------------------------------------

/** Parses `3`, `2,3`, `cuda:1` into GPU indices; null if any is not a valid device. */
export function gpuList(spec: string, numGpus: number): number[] | null {
  const parts = spec.split(',').map((p) => p.trim().replace(/^cuda:/, ''));
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d+$/.test(p)) return null;
    const n = Number(p);
    if (n >= numGpus) return null;
    out.push(n);
  }
  return out;
}

/** The value of `--flag N` / `--flag=N` for any of the given flag names. */
export function flagValue(args: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n) return args[i + 1] ?? '';
      if (a.startsWith(n + '=')) return a.slice(n.length + 1);
    }
  }
  return undefined;
}

/** The value CUDA_VISIBLE_DEVICES has for the command (its last assignment), if any. */
export function visibleDevices(assigns: Call['assignments']): string | undefined {
  return [...assigns].reverse().find((a) => a.name === 'CUDA_VISIBLE_DEVICES')?.value;
}

/** Maps in-process device ordinals through CUDA_VISIBLE_DEVICES, as CUDA does. */
export function throughVisible(ordinals: number[], assigns: Call['assignments'], numGpus: number): number[] | null {
  const cvd = visibleDevices(assigns);
  if (cvd === undefined) return ordinals;
  const visible = gpuList(cvd, numGpus);
  if (visible === null) return null;
  const out: number[] = [];
  for (const o of ordinals) {
    const g = visible[o];
    if (g === undefined) return null;
    out.push(g);
  }
  return out;
}
