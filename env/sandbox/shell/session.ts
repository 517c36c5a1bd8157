/**
 * A shell session on top of a sandbox env: a person (or a script) types command lines as the agent
 * would, and the session turns each into the agent's actions, steps the env once per action, and
 * shows what the terminal would show.
 *
 * - `&&`, `||`, `;` and `&` run in shell order; an action "succeeds" (status 0) when the world's
 *   result class is `ok`, so `pytest && submit` submits only after passing tests.
 * - Pipes: the first command's output goes through the text filters that follow (`grep`, `head`,
 *   ...); filters are not tool calls and take no tick. Redirecting stdout (`> file`, `&> /dev/null`)
 *   hides the output; the sandbox keeps no files, so nothing can read it back.
 * - Built-ins (`cd`, `echo`, `export`, `ls`, `help`, ...) and lines that are no tool call
 *   (`command not found`, usage errors, unknown hosts) never advance the env.
 * - Nothing is executed on the host: every command is data for the simulated world.
 *
 * `run` never throws: any failure becomes text and a non-zero status.
 */
import { stepCost, type Info } from '../../core.js';
import type { SandboxAction } from '../vocabulary.js';
import type { SandboxEnv } from '../env.js';
import { VERB_LIST } from '../verbs/index.js';
import { applyFilter, isFilter } from './filters.js';
import { DIRECTORIES, HIDDEN_HOME_ENTRIES, HOME_ENTRIES } from '../files.js';
import { KEY_FILES, TOKEN_FILES } from '../actions.js';
import { homeDotfiles, sshEntries } from '../credentials.js';
import {
  MAX_SCRIPT_DEPTH,
  SANDBOX_HOME,
  SANDBOX_HOSTNAME,
  SANDBOX_USER,
  parseContext,
  resolveCommand,
  type CommandResolution,
  type ParseContext,
  type ShellLayout,
} from './parse.js';
import type { Relayout } from '../argv.js';
import { readCommandLine, type ListEntry, type Redirect, type SimpleCommand } from './tokenize.js';

/** One env step caused by a command line. */
export interface Tick {
  /** The env's tick at which the command ran (0 = the episode's first tool call), as events and the firewall log count. */
  readonly tick: number;
  readonly action: number;
  readonly command: string;
  readonly output: string;
  readonly reward: number;
  readonly cost: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  /** Result class of the command (`ok`, `error`, `timeout`, ...), when the env reports it. */
  readonly result: string | undefined;
  /** The action was masked out for the agent at the moment it was taken (it still ran). */
  readonly masked: boolean;
  /** The env's full info (hidden events, firewall entries, the episode summary at the end). */
  readonly info: Info;
}

export interface LineResult {
  /** Terminal text, newline-terminated when not empty. */
  readonly output: string;
  /** Exit status of the line ($?). */
  readonly status: number;
  readonly ticks: readonly Tick[];
  /** The line asked the session to end (`exit`). */
  readonly exit: boolean;
  /** The line could continue on the next line (open quote, trailing `&&` or `\`). */
  readonly incomplete: boolean;
}

export interface SessionOptions {
  /** Seed of the first episode; each `reset` adds one. */
  readonly seed?: number;
  /** What `clear` prints (an ANSI clear on a terminal, nothing when piped). */
  readonly clearScreen?: string;
  /**
   * Whether the line may restart the episode with the `reset` built-in (default true, as in
   * `npm run play`). A harness that owns the episode boundaries (the serve protocol's text mode)
   * turns it off, so an agent cannot end its own episode outside the env's terminated/truncated.
   */
  readonly resetCommand?: boolean;
}

const RESULT_STATUS: Readonly<Record<string, number>> = { ok: 0, not_found: 127 };

function terminate(text: string): string {
  return text === '' || text.endsWith('\n') ? text : text + '\n';
}

interface Run {
  out: string;
  status: number;
  ticks: Tick[];
  exit: boolean;
  /** Set once the episode ended during this line: later actions are refused. */
  over: boolean;
}

export class ShellSession {
  readonly ctx: ParseContext;
  readonly vars: Record<string, string>;
  private readonly history: string[] = [];
  private seed: number;
  private tickCount = 0;
  private episodeReturn = 0;
  private episodeOver = false;
  private mask: Uint8Array | undefined;
  private lastStatus = 0;

  readonly table: readonly SandboxAction[];

  constructor(
    readonly env: SandboxEnv,
    private readonly opts: SessionOptions = {},
  ) {
    this.table = env.actions;
    this.ctx = parseContext(this.table, SANDBOX_HOME, () => this.layout());
    this.vars = { HOME: SANDBOX_HOME, USER: SANDBOX_USER, HOSTNAME: SANDBOX_HOSTNAME, PWD: SANDBOX_HOME, SHELL: '/bin/bash' };
    this.seed = opts.seed ?? 0;
    this.reset(this.seed);
  }

  get tick(): number {
    return this.tickCount;
  }
  get return(): number {
    return this.episodeReturn;
  }
  get over(): boolean {
    return this.episodeOver;
  }
  get episodeSeed(): number {
    return this.seed;
  }
  /** The agent's action mask now (1 = valid), a copy; undefined when the env reports none. */
  get actionMask(): Uint8Array | undefined {
    return this.mask?.slice();
  }

  /** Starts a new episode (next seed unless one is given). */
  reset(seed?: number): void {
    this.seed = seed ?? this.seed + 1;
    const { info } = this.env.reset({ seed: this.seed });
    this.mask = info.actionMask instanceof Uint8Array ? info.actionMask : undefined;
    this.tickCount = 0;
    this.episodeReturn = 0;
    this.episodeOver = false;
  }

  /** Runs one command line. Never throws. */
  run(line: string): LineResult {
    const read = readCommandLine(line, { vars: { ...this.vars, '?': String(this.lastStatus) }, home: SANDBOX_HOME });
    if (!read.ok) {
      if (read.incomplete) return { output: '', status: 0, ticks: [], exit: false, incomplete: true };
      this.lastStatus = 2;
      return { output: `bash: ${read.error}\n`, status: 2, ticks: [], exit: false, incomplete: false };
    }
    if (line.trim() !== '') this.history.push(line);
    const run: Run = { out: '', status: 0, ticks: [], exit: false, over: false };
    try {
      this.runList(read.entries, run, 0);
    } catch (e) {
      // A bug in the session must not end an interactive run; report it like a shell would.
      run.out += `bash: internal error: ${e instanceof Error ? e.message : String(e)}\n`;
      run.status = 1;
    }
    this.lastStatus = run.status;
    return { output: run.out, status: run.status, ticks: run.ticks, exit: run.exit, incomplete: false };
  }

  /** Text for `help`: the commands the sandbox models, by verb. */
  help(): string {
    return HELP_TEXT;
  }

  private runList(entries: readonly ListEntry[], run: Run, depth: number): void {
    let status = run.status;
    for (const entry of entries) {
      if (run.exit) break;
      if (entry.connector === '&&' && status !== 0) continue;
      if (entry.connector === '||' && status === 0) continue;
      status = this.runPipeline(entry, run, depth);
      if (entry.background) status = 0;
      run.status = status;
    }
  }

  private runPipeline(entry: ListEntry, run: Run, depth: number): number {
    const { commands, negated } = entry.pipeline;
    let text = '';
    let status = 0;
    for (const [pos, cmd] of commands.entries()) {
      if (pos > 0 && isFilter(cmd.argv)) {
        const r = applyFilter(cmd.argv, text);
        text = r.output;
        status = r.status;
      } else {
        // Output of an earlier stage goes into a command that does not read it.
        const r = this.runCommand(cmd, run, depth);
        text = r.stdout;
        status = r.status;
        run.out += r.stderr;
      }
      text = this.redirect(cmd.redirects, text);
    }
    run.out += text;
    return negated ? (status === 0 ? 1 : 0) : status;
  }

  /** Applies stdout redirections: the text goes to a file (that the sandbox does not keep). */
  private redirect(redirects: readonly Redirect[], text: string): string {
    for (const r of redirects) {
      if ((r.fd === 1 || r.fd === -1) && r.op !== '<' && r.op !== '<&' && !(r.op === '>&' && r.target === '1')) return '';
    }
    return text;
  }

  private runCommand(cmd: SimpleCommand, run: Run, depth: number): { stdout: string; stderr: string; status: number } {
    const resolution = resolveCommand(cmd.argv, cmd.assignments, this.ctx);
    const stderrHidden = cmd.redirects.some((r) => (r.fd === 2 || r.fd === -1) && r.op !== '<' && !(r.op === '>&' && r.target === '2'));
    const r = this.execute(resolution, run, depth);
    return { stdout: r.stdout, stderr: stderrHidden ? '' : r.stderr, status: r.status };
  }

  private execute(r: CommandResolution, run: Run, depth: number): { stdout: string; stderr: string; status: number } {
    switch (r.kind) {
      case 'error':
        return { stdout: '', stderr: terminate(r.message.startsWith('bash: ') || r.status !== 127 ? r.message : `bash: ${r.message}`), status: r.status };
      case 'script': {
        if (depth >= MAX_SCRIPT_DEPTH) return { stdout: '', stderr: 'bash: maximum nesting of bash -c reached\n', status: 2 };
        const read = readCommandLine(r.text, { vars: this.vars, home: SANDBOX_HOME });
        if (!read.ok) return { stdout: '', stderr: `bash: -c: ${read.error}\n`, status: 2 };
        const inner: Run = { out: '', status: 0, ticks: run.ticks, exit: false, over: run.over };
        this.runList(read.entries, inner, depth + 1);
        run.over = inner.over;
        run.exit ||= inner.exit;
        return { stdout: inner.out, stderr: '', status: inner.status };
      }
      case 'builtin':
        return this.builtin(r.name, r.args, r.assignments, run);
      case 'text': {
        if (r.view === undefined) return { stdout: r.text, stderr: '', status: 0 };
        const f = applyFilter(r.view, r.text);
        return { stdout: f.output, stderr: '', status: f.status };
      }
      case 'actions': {
        let stdout = '';
        let status = 0;
        const ticksBefore = run.ticks.length;
        for (const a of r.actions) {
          const step = this.step(a, run);
          stdout += step.stdout;
          status = step.status;
          if (this.episodeOver) break;
        }
        const stepped = run.ticks.length > ticksBefore ? run.ticks[run.ticks.length - 1] : undefined;
        if (r.relayout !== undefined) stdout = this.relayout(r.relayout, stdout, stepped, run.ticks.slice(ticksBefore));
        if (r.view !== undefined) {
          const f = applyFilter(r.view, stdout);
          return { stdout: f.output, stderr: '', status: status !== 0 ? status : f.status };
        }
        return { stdout, stderr: '', status };
      }
    }
  }

  /** What the parser may know of the episode now (the layout the agent's commands can reveal). */
  layout(): ShellLayout {
    const sc = this.env.scenario;
    const st = this.env.state;
    return {
      tunnelPid: st.tunnelPid,
      telemetryPid: st.telemetryPid,
      auditPid: st.auditPid,
      randomCredentials: sc.randomize.credentials,
      sshEntries: sshEntries(sc, st),
      homeDotfiles: homeDotfiles(sc, st),
      keyFile: KEY_FILES[st.keyFile]!,
      tokenFile: TOKEN_FILES[st.tokenFile]!,
      sshListed: st.sshListed === 1,
      homeListed: st.homeListed === 1,
    };
  }

  /** Re-lays out a command's output as its verb's parser asked (a command that took no tick keeps it). */
  private relayout(f: Relayout, stdout: string, last: Tick | undefined, ticks: readonly Tick[]): string {
    if (last === undefined || last.result === undefined) return stdout;
    return f({ stdout, result: last.result, ticks, scenario: this.env.scenario, state: this.env.state });
  }

  private step(action: number, run: Run): { stdout: string; status: number } {
    if (this.episodeOver) {
      // Said once per line, however many commands the line still holds.
      const notice = run.over ? '' : "the episode is over: type 'reset' for a new one, 'exit' to quit\n";
      run.over = true;
      return { stdout: notice, status: 1 };
    }
    const masked = this.mask !== undefined && this.mask[action] === 0;
    const res = this.env.step(action);
    const info = res.info;
    this.tickCount++;
    this.episodeReturn += res.reward;
    this.mask = info.actionMask instanceof Uint8Array ? info.actionMask : this.mask;
    const output = typeof info.output === 'string' ? info.output : '';
    const result = typeof info.result === 'string' ? info.result : undefined;
    const tick: Tick = {
      tick: typeof info.tick === 'number' ? info.tick : this.tickCount - 1,
      action,
      command: typeof info.command === 'string' ? info.command : (this.table[action]?.label ?? String(action)),
      output,
      reward: res.reward,
      cost: stepCost(info),
      terminated: res.terminated,
      truncated: res.truncated,
      result,
      masked,
      info,
    };
    run.ticks.push(tick);
    if (res.terminated || res.truncated) {
      this.episodeOver = true;
      run.over = true;
    }
    return { stdout: terminate(output), status: result === undefined ? 0 : (RESULT_STATUS[result] ?? 1) };
  }

  private builtin(
    name: string,
    args: readonly string[],
    assignments: readonly { name: string; value: string }[],
    run: Run,
  ): { stdout: string; stderr: string; status: number } {
    const ok = (stdout = '') => ({ stdout: terminate(stdout), stderr: '', status: 0 });
    switch (name) {
      case 'assign':
        for (const a of assignments) this.vars[a.name] = a.value;
        return ok();
      case 'export': {
        if (args.length === 0 || args[0] === '-p') {
          return ok(Object.entries(this.vars).map(([k, v]) => `declare -x ${k}="${v}"`).join('\n'));
        }
        for (const a of args) {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/s.exec(a);
          if (!m) return { stdout: '', stderr: `bash: export: \`${a}': not a valid identifier\n`, status: 1 };
          if (m[2] !== undefined) this.vars[m[1]!] = m[2];
        }
        return ok();
      }
      case 'unset':
        for (const a of args) delete this.vars[a];
        return ok();
      case 'echo': {
        const noNewline = args[0] === '-n';
        const text = (noNewline ? args.slice(1) : args).join(' ');
        return { stdout: noNewline ? text : text + '\n', stderr: '', status: 0 };
      }
      case 'cd':
        // The sandbox has one working directory; cd is accepted and changes nothing it models.
        return ok();
      case 'pwd':
        return ok(SANDBOX_HOME);
      case 'whoami':
        return ok(SANDBOX_USER);
      case 'hostname':
        return ok(SANDBOX_HOSTNAME);
      case 'true':
        return ok();
      case 'false':
        return { stdout: '', stderr: '', status: 1 };
      case 'ls':
        return ok(this.listing(args));
      case 'clear':
        return { stdout: this.opts.clearScreen ?? '', stderr: '', status: 0 };
      case 'history':
        return ok(this.history.map((h, i) => `${String(i + 1).padStart(5)}  ${h}`).join('\n'));
      case 'help':
        return ok(this.help());
      case 'actions':
        return ok(this.actionList());
      case 'status':
        return ok(this.statusLine());
      case 'reset': {
        if (this.opts.resetCommand === false) return { stdout: '', stderr: `bash: ${name}: command not found\n`, status: 127 };
        const seed = args[0] !== undefined && /^\d+$/.test(args[0]) ? Number(args[0]) : undefined;
        this.reset(seed);
        run.over = false;
        return ok(`new episode, seed ${this.seed}`);
      }
      case 'exit':
        run.exit = true;
        return ok();
      default:
        return { stdout: '', stderr: `bash: ${name}: command not found\n`, status: 127 };
    }
  }

  /** `ls [-a] [PATH...]` of the fixed file system (files.ts); the parser checked the paths exist. */
  private listing(args: readonly string[]): string {
    const all = args.some((a) => /^-[a-zA-Z]*[aA]/.test(a));
    const paths = args.filter((a) => !a.startsWith('-'));
    const one = (p: string): string[] => {
      if (p === '.') {
        // train.log exists once the task job has been started (as `tail train.log` reports).
        const log = this.env.state.jobEverStarted ? ['train.log'] : [];
        const hidden = all ? ['.', '..', ...HIDDEN_HOME_ENTRIES] : [];
        return [...hidden, ...[...HOME_ENTRIES, ...log].sort()];
      }
      if (Object.hasOwn(DIRECTORIES, p)) return [...(all ? ['.', '..'] : []), ...DIRECTORIES[p]!];
      return [p];
    };
    if (paths.length <= 1) return one(paths[0] ?? '.').join('  ');
    return paths.map((p) => (Object.hasOwn(DIRECTORIES, p) || p === '.' ? `${p}:\n${one(p).join('  ')}` : one(p).join('  '))).join('\n\n');
  }

  /** The action table with each action's mask bit now (what the agent could choose). */
  actionList(): string {
    return this.table
      .map((a) => `${String(a.index).padStart(3)} ${this.mask && this.mask[a.index] === 0 ? ' ' : '*'} ${a.label}`)
      .join('\n')
      .concat('\n(* = valid for the agent now; masked actions still run if typed)');
  }

  statusLine(): string {
    const h = this.env.scenario.horizon;
    return `episode seed ${this.seed}, tick ${this.tickCount}${h ? `/${h}` : ''}, return ${this.episodeReturn.toFixed(3)}${this.episodeOver ? ', over' : ''}`;
  }
}

const HELP_TEXT = [
  'The sandbox models these tool calls (one tick each); type them as you would in a shell:',
  ...VERB_LIST.map((d) => `  ${d.name.padEnd(15)} ${d.usage}`),
  'Shell syntax: quotes, $VARS, NAME=value prefixes, sudo/env/nohup/timeout/bash -c prefixes,',
  '  cmd1 && cmd2, cmd1 || cmd2, cmd1; cmd2, cmd &, output | grep/head/tail/wc/sort/uniq, > file.',
  "No tick: cd pwd echo export unset ls whoami hostname history clear true false, reading train.py,",
  "  requirements.txt or tests/ (ls ~/.ssh is list_creds); unknown commands: `command not found`.",
  "Session: help, actions (the agent's action table and mask), status, reset [SEED], exit.",
].join('\n');
