/**
 * Maps one simple command (argv after reading) to the sandbox's actions: the same Discrete action
 * indices the RL agent uses (`buildActionTable`). Pure: it looks at the words, the table and the
 * episode's layout (`ParseContext.layout`: the pids `ps` shows, the credential files' names and
 * whether they were listed), never at the rest of the world's state.
 *
 * This module is the generic shell only: built-ins, scripts (`bash -c`), the readers of files
 * (`cat`, `head`, `grep`, ...), `ls`, the interpreter (`python -m MOD`, `python SCRIPT`), `kill` and
 * `pkill`, and `command not found`. What a command with arguments means is the verbs' knowledge:
 * each record's `shell` (verbs/verb.ts `VerbShell`) claims command names, modules, scripts, files,
 * URLs, pids and process names, and this module dispatches over the registry by name. It names no
 * verb (test/sandbox/verbs.test.ts).
 *
 * A command resolves to
 * - `actions`: one or more action indices, one tick each (`kill 4243 4244` is two tool calls),
 *   plus an optional `view` filter applied to the output (`head -n 3 TASK.md` shows the task,
 *   cut to three lines) and an optional `relayout` of it (`nvidia-smi --query-gpu=...`);
 * - `text`: a file whose content is no news to the agent (no tick);
 * - `builtin`: shell built-ins and meta commands that are not tool calls (`cd`, `echo`, `help`):
 *   they never advance the sandbox;
 * - `script`: `bash -c '...'` and friends, whose text is a command line of its own;
 * - `error`: what a real shell would print for this line (`command not found`, a usage error,
 *   `No such file or directory`, an unknown host), with its exit status. No tick.
 */
import {
  act,
  fail,
  LS_WITH_ARG,
  normalisePath,
  notFound,
  operands,
  unmodelled,
  FIXED_LAYOUT,
  type ArgContext,
  type Call,
  type Claim,
  type Claims,
  type CommandParser,
  type ShellLayout,
  type VerbResolution,
} from '../argv.js';
import type { ActionTarget, SandboxAction } from '../vocabulary.js';
import { aliasMap, VERB_LIST, VERB_OF_ALIAS, type VerbDef } from '../verbs/index.js';
import { readCommandLine, type Assignment, type ReadOptions } from './tokenize.js';
import { unwrap } from './unwrap.js';
import { isFilter } from './filters.js';
import { STATIC_FILES, isDirectory, isStaticFile } from '../files.js';

export { FIXED_LAYOUT, normalisePath, type ShellLayout };

export const BUILTINS = [
  'assign',
  'cd',
  'pwd',
  'echo',
  'export',
  'unset',
  'true',
  'false',
  'whoami',
  'hostname',
  'ls',
  'clear',
  'history',
  'help',
  'actions',
  'status',
  'reset',
  'exit',
] as const;
export type Builtin = (typeof BUILTINS)[number];

export type CommandResolution =
  | VerbResolution
  /** Text the shell shows without a tool call (a file whose content is no news to the agent). */
  | { readonly kind: 'text'; readonly text: string; readonly view?: readonly string[] }
  | { readonly kind: 'builtin'; readonly name: Builtin; readonly args: readonly string[]; readonly assignments: readonly Assignment[] }
  | { readonly kind: 'script'; readonly text: string };

// --- the registry's shell claims -----------------------------------------------------------------

/** The verbs' `shell` records compiled for dispatch: command names to parsers, and the claims verbs ask of each other. */
export interface ShellRegistry extends Claims {
  /** Parsers of a command name, in registry order (exact names first, then names of any case). */
  commands(name: string): readonly CommandParser[];
  module(name: string): readonly CommandParser[];
  script(name: string): readonly CommandParser[];
  /** Command name -> the verb it means whatever the arguments (the records' `aliases`). */
  alias(name: string): Claim | null;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * Compiles the records' `shell` claims (`verbs` in registry order). `cx` is the context the claims
 * are asked in (a claim may read the layout); the registry is built once per context.
 */
export function shellRegistry(verbs: readonly VerbDef[], cx: () => ArgContext, aliases: ReadonlyMap<string, string> = aliasesOf(verbs)): ShellRegistry {
  const exact = new Map<string, CommandParser[]>();
  const anyCase = new Map<string, CommandParser[]>();
  const modules = new Map<string, CommandParser[]>();
  const scripts = new Map<string, CommandParser[]>();
  for (const d of verbs) {
    for (const c of d.shell?.commands ?? []) for (const n of c.names) push(c.ignoreCase ? anyCase : exact, c.ignoreCase ? n.toLowerCase() : n, c.parse);
    for (const c of d.shell?.modules ?? []) for (const n of c.names) push(modules, n, c.parse);
    for (const c of d.shell?.scripts ?? []) for (const n of c.names) push(scripts, n, c.parse);
  }
  const byName = new Map(verbs.map((d) => [d.name as string, d]));
  const claim = (d: VerbDef, c: { readonly target?: ActionTarget }): Claim => (c.target === undefined ? { verb: d.name } : { verb: d.name, target: c.target });
  return {
    commands: (name) => [...(exact.get(name) ?? []), ...(anyCase.get(name.toLowerCase()) ?? [])],
    module: (name) => modules.get(name) ?? [],
    script: (name) => scripts.get(name) ?? [],
    alias(name) {
      const v = aliases.get(name);
      return v === undefined ? null : { verb: byName.get(v)!.name };
    },
    read(path) {
      for (const d of verbs) {
        const c = d.shell?.files?.read(path, cx());
        if (c) return claim(d, c);
      }
      return null;
    },
    under(path) {
      return verbs.flatMap((d) => (d.shell?.files?.under?.(path, cx()) ?? []).map((target) => claim(d, { target })));
    },
    readActions(c) {
      const files = byName.get(c.verb)?.shell?.files;
      return files?.actions ? files.actions(c.target, cx()) : [act(cx(), c.verb, c.target)];
    },
    request(host, path) {
      for (const d of verbs) if (d.shell?.requests?.(host, path)) return { verb: d.name };
      return null;
    },
    pid(pid) {
      const c = cx();
      for (const d of verbs) {
        for (const [p, target] of d.shell?.pids?.(c.layout(), c.numGpus) ?? []) if (p === pid) return claim(d, { target });
      }
      return null;
    },
    processes(pattern) {
      const out: Claim[] = [];
      for (const d of verbs) {
        const c = d.shell?.processes?.(pattern, cx());
        if (c) out.push(claim(d, c));
      }
      return out;
    },
  };
}

function aliasesOf(verbs: readonly VerbDef[]): ReadonlyMap<string, string> {
  return verbs === VERB_LIST ? VERB_OF_ALIAS : aliasMap(verbs);
}

// --- context ---------------------------------------------------------------------------------------

export interface ParseContext extends ArgContext {
  readonly claims: ShellRegistry;
}

export const SANDBOX_HOME = '/home/sandbox';
export const SANDBOX_USER = 'sandbox';
export const SANDBOX_HOSTNAME = 'rome';

/**
 * The parser's context for an action table. `verbs`: the records whose shell claims it dispatches
 * over (the registry; a test passes its own). The table's GPU count is the number of GPU targets
 * of the first verb that takes a GPU.
 */
export function parseContext(
  table: readonly SandboxAction[],
  home = SANDBOX_HOME,
  layout: () => ShellLayout = () => FIXED_LAYOUT,
  verbs: readonly VerbDef[] = VERB_LIST,
): ParseContext {
  const gpuVerb = verbs.find((d) => d.target === 'gpu')?.name;
  let numGpus = 0;
  for (const a of table) if (a.verb === gpuVerb) numGpus++;
  const ctx: ParseContext = { table, numGpus, home, layout, claims: shellRegistry(verbs, () => ctx) };
  return ctx;
}

/**
 * Processes `ps` lists besides the GPU jobs (env/sandbox/output.ts): the records' `pids` other
 * than the GPU jobs' (pid PID_BASE + gpu). test/shell/session.test.ts checks these pids against the
 * rendered listing.
 */
export function otherPids(layout: ShellLayout, verbs: readonly VerbDef[] = VERB_LIST): ReadonlyMap<number, Claim> {
  const m = new Map<number, Claim>();
  for (const d of verbs) {
    if (d.target === 'gpu') continue;
    for (const [pid, target] of d.shell?.pids?.(layout, 0) ?? []) m.set(pid, target === undefined ? { verb: d.name } : { verb: d.name, target });
  }
  return m;
}

type Resolution = CommandResolution;

const TRUE: Resolution = { kind: 'builtin', name: 'true', args: [], assignments: [] };

function basename(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? p : p.slice(i + 1);
}

/** What reading the file at `path` is: a verb's claim on it, or null (no such file). */
function fileMeaning(path: string, ctx: ParseContext): Claim | null {
  return ctx.claims.read(normalisePath(path, ctx.home));
}

function fileAction(m: Claim, ctx: ParseContext, view?: readonly string[]): Resolution {
  const list = ctx.claims.readActions(m);
  return view === undefined ? { kind: 'actions', actions: list } : { kind: 'actions', actions: list, view };
}

// --- readers: cat, less, more, head, tail, grep, ls on a sandbox file ----------------------------

/** Readers whose options change what is shown (cat's, less's and more's do not here). */
const VIEWING = new Set(['head', 'tail', 'wc', 'sort', 'uniq']);

function readFileCommand(name: string, args: readonly string[], ctx: ParseContext): Resolution {
  const withArg = new Set(name === 'head' || name === 'tail' ? ['-n', '-c', '--lines', '--bytes'] : []);
  const { ops, opts } = operands(args, withArg);
  if (ops.length === 0) {
    if (name === 'tail' || name === 'head' || name === 'cat') return TRUE;
    return fail(`Missing filename ("${name} --help" for help)`);
  }
  // `tail -f` follows forever in a real shell; here it shows the file once (one tool call).
  const viewOpts = opts.filter((o) => o !== '-f' && o !== '-F' && o !== '--follow');
  const view = VIEWING.has(name) && viewOpts.length > 0 ? [name, ...viewOpts] : undefined;
  const paths = ops.map((o) => normalisePath(o, ctx.home));
  for (const [i, p] of paths.entries()) {
    if (isDirectory(p)) return fail(`${name}: ${ops[i]}: Is a directory`);
  }
  if (paths.every(isStaticFile)) {
    const text = paths.map((p) => STATIC_FILES[p]!).join('');
    return view === undefined ? { kind: 'text', text } : { kind: 'text', text, view };
  }
  const meanings = ops.map((o) => fileMeaning(o, ctx));
  const missing = ops.findIndex((_, i) => meanings[i] === null);
  if (missing >= 0) {
    if (isStaticFile(paths[missing]!)) return unmodelled(`reading ${ops[missing]} together with task files in one command`);
    return fail(`${name}: ${ops[missing]}: No such file or directory`);
  }
  if (ops.length === 1) return fileAction(meanings[0]!, ctx, view);
  // Files of one place are one read (`cat ~/.ssh/config ~/.ssh/id_ed25519` reads ~/.ssh once).
  const list: number[] = [];
  const seen = new Set<string>();
  for (const m of meanings) {
    const key = m!.target === undefined ? m!.verb : `${m!.verb} ${String(m!.target)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    list.push(...ctx.claims.readActions(m!));
  }
  return { kind: 'actions', actions: list };
}

/**
 * `ls` that no verb claimed (a record's `ls` parser declines the listings that are no tool call):
 * the shell's own business (files.ts), no tick; a path that is neither the shell's nor a verb's
 * file does not exist.
 */
function lsCommand(args: readonly string[], ctx: ParseContext): Resolution {
  const { ops, opts } = operands(args, LS_WITH_ARG);
  const paths = ops.map((o) => normalisePath(o, ctx.home));
  for (const [i, p] of paths.entries()) {
    if (!isDirectory(p) && !isStaticFile(p) && fileMeaning(p, ctx) === null) {
      return fail(`ls: cannot access '${ops[i]}': No such file or directory`, 2);
    }
  }
  return { kind: 'builtin', name: 'ls', args: [...opts, ...paths], assignments: [] };
}

const GREP_WITH_ARG = new Set(['-e', '-f', '-m', '-A', '-B', '-C', '--include', '--exclude']);

/** grep's options that still mean something on one stream of text (file-selection and context ones dropped). */
function viewOptions(opts: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i]!;
    if (GREP_WITH_ARG.has(o)) {
      if (o === '-e') out.push(o, opts[i + 1] ?? '');
      i++;
    } else if (o.startsWith('--')) {
      if (o !== '--recursive' && !o.startsWith('--include') && !o.startsWith('--exclude')) out.push(o);
    } else {
      const letters = o.slice(1).replace(/[rRlLsIHh]/g, '');
      if (letters !== '') out.push(`-${letters}`);
    }
  }
  return out;
}

/**
 * grep over files: each file's read, the untargeted ones in operand order, then the targeted ones
 * (a place with several files, a directory searched recursively) once each, in table order.
 */
function grepCommand(args: readonly string[], ctx: ParseContext): Resolution {
  const { ops, opts } = operands(args, GREP_WITH_ARG);
  const explicit = opts.indexOf('-e');
  const pattern = explicit >= 0 ? opts[explicit + 1] : ops.shift();
  if (pattern === undefined) return fail('Usage: grep [OPTION]... PATTERNS [FILE]...', 2);
  if (ops.length === 0) return TRUE;
  const recursive = opts.some((o) => /^-[a-zA-Z]*[rR]/.test(o) || o === '--recursive');
  const view = ['grep', ...viewOptions(opts), ...(explicit >= 0 ? [] : [pattern])];
  const targeted = new Map<number, Claim>();
  const others: number[] = [];
  const addTargeted = (c: Claim) => targeted.set(act(ctx, c.verb, c.target), c);
  for (const op of ops) {
    const p = normalisePath(op, ctx.home);
    if (recursive && isDirectory(p)) {
      for (const c of ctx.claims.under(p)) addTargeted(c);
      continue;
    }
    if (isDirectory(p)) return fail(`grep: ${op}: Is a directory`, 2);
    if (isStaticFile(p)) {
      if (ops.length > 1) return unmodelled(`grep over ${op} together with other files`);
      return { kind: 'text', text: STATIC_FILES[p]!, view };
    }
    const m = fileMeaning(op, ctx);
    if (m === null) return fail(`grep: ${op}: No such file or directory`, 2);
    if (m.target !== undefined) addTargeted(m);
    else others.push(act(ctx, m.verb));
  }
  const list = [...others, ...[...targeted.keys()].sort((a, b) => a - b).flatMap((i) => ctx.claims.readActions(targeted.get(i)!))];
  if (list.length === 0) return TRUE;
  return { kind: 'actions', actions: list, view };
}

// --- processes ------------------------------------------------------------------------------------

/** `kill PID...`: each pid is the process a record's `pids` names. */
function killCommand(args: readonly string[], ctx: ParseContext): Resolution {
  const targets: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-s' || a === '-n') i++;
    else if (a === '-l' || a === '-L') return unmodelled("'kill -l'");
    else if (a.startsWith('-') && a.length > 1) continue; // a signal: -9, -KILL, -SIGTERM
    else targets.push(a);
  }
  if (targets.length === 0) return fail('kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]', 2);
  const list: number[] = [];
  for (const t of targets) {
    if (t.startsWith('%')) return fail(`bash: kill: ${t}: no such job`);
    if (!/^\d+$/.test(t)) return fail(`bash: kill: ${t}: arguments must be process or job IDs`);
    const c = ctx.claims.pid(Number(t));
    if (c === null) return fail(`bash: kill: (${t}) - No such process`);
    list.push(act(ctx, c.verb, c.target));
  }
  return { kind: 'actions', actions: list };
}

/** `pkill`/`killall` by name: the one process a record's `processes` recognises in the pattern. */
function pkillCommand(name: string, args: readonly string[], ctx: ParseContext): Resolution {
  const { ops } = operands(args, new Set(['-s', '--signal', '-u', '-U', '-g', '-t', '-P']));
  const pattern = ops[0];
  if (pattern === undefined) return fail(name === 'pkill' ? 'pkill: no matching criteria specified' : 'Usage: killall [OPTION]... NAME...', 2);
  const matches = ctx.claims.processes(pattern);
  if (matches.length === 1) return { kind: 'actions', actions: [act(ctx, matches[0]!.verb, matches[0]!.target)] };
  // Several processes could match (every python job, or processes of different tools): a real
  // pkill would kill them all at once, which is no single tool call of the sandbox's. Ask for pids instead.
  const what = matches.length === 0 ? 'jobs' : 'processes';
  return unmodelled(`'${name} ${pattern}' (it could match several ${what}; use kill <pid> from ps)`);
}

// --- the interpreter -----------------------------------------------------------------------------

function firstResolution(parsers: readonly CommandParser[], args: readonly string[], ctx: ParseContext, call: Call): VerbResolution | undefined {
  for (const p of parsers) {
    const r = p(args, ctx, call);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** `python -m MODULE ...` (the records' `modules`) and `python SCRIPT ...` (their `scripts`). */
function pythonCommand(args: readonly string[], assigns: readonly Assignment[], ctx: ParseContext, name: string): Resolution {
  let i = 0;
  while (i < args.length && args[i]!.startsWith('-') && args[i] !== '-m' && args[i] !== '-c') i++;
  const a = args[i];
  if (a === undefined) return unmodelled(`an interactive ${name} session`);
  if (a === '-c') return unmodelled(`'${name} -c'`);
  if (a === '-m') {
    const mod = args[i + 1];
    const r = mod === undefined ? undefined : firstResolution(ctx.claims.module(mod), args.slice(i + 2), ctx, { name: mod, cmd: mod, assignments: assigns });
    return r ?? fail(`${name}: No module named ${mod ?? ''}`, 1);
  }
  const script = normalisePath(a, ctx.home);
  const r = firstResolution(ctx.claims.script(script), args.slice(i + 1), ctx, { name: script, cmd: a, assignments: assigns });
  return r ?? fail(`${name}: can't open file '${ctx.home}/${script}': [Errno 2] No such file or directory`, 2);
}

// --- dispatch -----------------------------------------------------------------------------------

function resolveArgv(argv: readonly string[], assigns: readonly Assignment[], ctx: ParseContext): Resolution {
  const [cmd, ...args] = argv;
  if (cmd === undefined) return { kind: 'builtin', name: 'assign', args: [], assignments: assigns };
  const name = cmd.includes('/') ? basename(cmd) : cmd;
  const local = cmd.includes('/');
  const builtin = (b: Builtin): Resolution => ({ kind: 'builtin', name: b, args, assignments: assigns });
  // A command that means one verb whatever its arguments (the verb's record lists it: verbs/<verb>.ts `aliases`).
  const alias = ctx.claims.alias(name);
  if (alias !== null) return { kind: 'actions', actions: [act(ctx, alias.verb)] };

  switch (name) {
    case 'cd':
    case 'pwd':
    case 'echo':
    case 'export':
    case 'unset':
    case 'true':
    case 'false':
    case 'whoami':
    case 'hostname':
    case 'clear':
    case 'history':
    case 'help':
    case 'actions':
    case 'status':
    case 'reset':
    case 'exit':
      return local ? notFound(cmd) : builtin(name);
    case 'logout':
      return builtin('exit');
    case ':':
      return builtin('true');
    case 'cat':
    case 'less':
    case 'more':
    case 'head':
    case 'tail':
    case 'bat':
    case 'wc':
    case 'sort':
    case 'uniq':
      return readFileCommand(name, args, ctx);
    case 'grep':
    case 'egrep':
    case 'rgrep':
    case 'rg':
      return grepCommand(name === 'rgrep' || name === 'rg' ? ['-r', ...args] : args, ctx);
    case 'kill':
      return killCommand(args, ctx);
    case 'pkill':
    case 'killall':
      return pkillCommand(name, args, ctx);
    case 'python':
    case 'python3':
      return pythonCommand(args, assigns, ctx, name);
    case 'bash':
    case 'sh':
    case 'zsh':
    case 'dash':
      return unmodelled(`'${name}' reading commands from a file or stdin (use ${name} -c '...')`);
  }
  const call: Call = { name, cmd, assignments: assigns };
  // A command whose arguments a verb reads (its record's `shell.commands`); a parser may decline.
  const claimed = firstResolution(ctx.claims.commands(name), args, ctx, call);
  // A claimed command that takes no tick and shows nothing (`find` of no credential place) is `true`.
  if (claimed?.kind === 'actions' && claimed.actions.length === 0 && claimed.view === undefined && claimed.relayout === undefined) return TRUE;
  if (claimed !== undefined) return claimed;
  if (name === 'ls') return lsCommand(args, ctx);
  // `./train.py ...`: a script of the home (its record's `shell.scripts`).
  if (local) return firstResolution(ctx.claims.script(name), args, ctx, call) ?? notFound(cmd);
  return notFound(cmd);
}

/** Resolves one simple command. Never throws for any argv. */
export function resolveCommand(argv: readonly string[], assignments: readonly Assignment[], ctx: ParseContext): CommandResolution {
  const u = unwrap(argv);
  if (u.kind === 'usage') return fail(u.message, 1);
  if (u.kind === 'script') return { kind: 'script', text: u.text };
  return resolveArgv(u.argv, [...assignments, ...u.assignments], ctx);
}

export type LineParse =
  | { readonly ok: true; readonly actions: readonly number[] }
  | { readonly ok: false; readonly message: string; readonly status: number };

/**
 * Every action a line asks for, in order, as if each `&&`/`||` branch ran (the session applies
 * short-circuiting with the world's results). Built-ins contribute nothing; the first error wins.
 */
export function parseLine(line: string, ctx: ParseContext, opts: ReadOptions = {}, depth = 0): LineParse {
  const read = readCommandLine(line, { home: ctx.home, ...opts });
  if (!read.ok) return { ok: false, message: `bash: ${read.error}`, status: 2 };
  const out: number[] = [];
  for (const entry of read.entries) {
    for (const [pos, cmd] of entry.pipeline.commands.entries()) {
      if (pos > 0 && isFilter(cmd.argv)) continue;
      const r = resolveCommand(cmd.argv, cmd.assignments, ctx);
      if (r.kind === 'error') return { ok: false, message: r.message, status: r.status };
      if (r.kind === 'actions') out.push(...r.actions);
      if (r.kind === 'script') {
        if (depth >= MAX_SCRIPT_DEPTH) return { ok: false, message: 'bash: maximum nesting of bash -c reached', status: 2 };
        const inner = parseLine(r.text, ctx, opts, depth + 1);
        if (!inner.ok) return inner;
        out.push(...inner.actions);
      }
    }
  }
  return { ok: true, actions: out };
}

/** `bash -c "bash -c '...'"` nests; deeper than this is refused rather than recursed into. */
export const MAX_SCRIPT_DEPTH = 4;
