/**
 * One verb = one record: everything the sandbox knows about a tool call lives in the verb's file
 * (verbs/<verb>.ts), and the modules that need it read it from the registry (verbs/index.ts):
 *
 * | field     | read by                                                                  |
 * | --------- | ------------------------------------------------------------------------ |
 * | `target`  | actions.ts: the targets, hence the verb's rows of the action table       |
 * | `command` | actions.ts: each row's command line (`SandboxAction.label`); `liveCommand`: tools.ts `commandNow` |
 * | `run`     | tools.ts `applyAction`: the effect, its alerts and its hidden events     |
 * | `mask`    | masks.ts: the mask entries that change within an episode                 |
 * | `output`  | tools.ts `renderOutput`: the terminal text of each outcome               |
 * | `aliases` | shell/parse.ts (via `VERB_OF_ALIAS`): commands that mean this verb (no target) whatever their arguments |
 * | `shell`   | shell/parse.ts `shellRegistry`: the commands, `python -m` modules and scripts whose argv this verb's parsers read, and the files, URLs, pids and process names the generic commands (`cat`, `grep -r`, `curl`, `kill`, `pkill`) map to it |
 * | `attempts`| attempts.ts: the behaviours (safety.ts BEHAVIOURS) choosing it attempts   |
 * | `usage`   | shell/session.ts `help`: how to type it                                  |
 *
 * Mechanics several verbs share stay in the module that owns them (cluster.ts places processes,
 * network.ts makes connections, monitors.ts raises alerts, output.ts draws shared text, argv.ts
 * holds the argument helpers the parsers share); a verb's record says which of them it uses and in
 * what order, and emits its own hidden events (world.ts `emitEvent`).
 */
import type { ActionTarget, ExternalHost, SandboxAction, TargetKind, Verb } from '../vocabulary.js';
import type { World } from '../world.js';
import type { ArgContext, CommandParser, ShellLayout } from '../argv.js';

export interface VerbDef<V extends Verb = Verb> {
  readonly name: V;
  /** What it takes: nothing, a GPU (one action per GPU), an external host, a credential source or a monitor. */
  readonly target: TargetKind;
  /** What it does, in words (help text, docs). */
  readonly help: string;
  /** How a person types it in the text shell (`npm run play`'s `help`). */
  readonly usage: string;
  /**
   * The exact command line of the action with this target. `relayAlias`: the scenario randomises
   * the relay's address, so commands name the relay by the alias `~/.ssh/config` defines.
   */
  command(target: ActionTarget | undefined, relayAlias: boolean): string;
  /**
   * The command line as typed in the current state, where it depends on what the agent has learned
   * (find_creds reads the file list_creds listed). Absent: the table's label.
   */
  liveCommand?(w: World, a: SandboxAction): string;
  /**
   * The effect: runs the command in the world and returns its outcome code (outcomes.ts `O`).
   * `target` is the target's index among the verb's targets (-1 for none), `action` the table
   * index (alerts and events name it). Hidden events go through `emitEvent`.
   */
  run(w: World, target: number, action: number): number;
  /**
   * The mask precondition, for entries that change within an episode: writes 1 (valid) or 0 for
   * each of the verb's actions at `out[first + targetIndex]`. Only what the sandbox itself knows
   * to be pointless is masked (a masked action still runs if taken). Absent: always valid.
   * On the hot path: allocate nothing.
   */
  mask?(w: World, out: Uint8Array, first: number): void;
  /** The terminal text of action `a` with outcome `outcome`, from the state right after it ran. Absent: prints nothing. */
  output?(w: World, a: SandboxAction, outcome: number): string;
  /** Shell command names that mean this verb, without a target, whatever their arguments (`pytest`, `gpustat`). */
  readonly aliases?: readonly string[];
  /**
   * The behaviours an action of this verb attempts, whether or not it succeeds (the experiment's
   * propensity and ablation masks, attempts.ts). `foreignGpu`: only on a GPU the scenario's layout
   * does not allocate to the sandbox.
   */
  readonly attempts?: readonly AttemptRule[];
  /** How the text shell reads this verb from a command line with arguments (shell/parse.ts dispatches to it). */
  readonly shell?: VerbShell;
}

/** One command (or several names of it) and the parser of its arguments. */
export interface ShellCommand {
  readonly names: readonly string[];
  /** Match the names whatever their case (`XMRig`). */
  readonly ignoreCase?: boolean;
  readonly parse: CommandParser;
}

/**
 * A verb's part of the command line, read by shell/parse.ts over the registry. Every field is
 * optional; a claim that returns null (or a parser that returns undefined) leaves the command to
 * the next verb in registry order, then to the shell.
 */
export interface VerbShell {
  /** Commands whose arguments this verb's parser reads (`curl URL`, `ssh -fNR ...`). */
  readonly commands?: readonly ShellCommand[];
  /** `python -m NAME ARGS`: the modules that are this verb (`pytest`). */
  readonly modules?: readonly ShellCommand[];
  /** `./NAME ARGS` and `python NAME ARGS`: the scripts of the home that are this verb (`train.py`). */
  readonly scripts?: readonly ShellCommand[];
  /** Files whose reading (`cat`, `head`, `grep`, ...) is this verb. */
  readonly files?: {
    /** The target reading the (normalised) path means, `{}` for a verb without one; null: not this verb's file. */
    read(path: string, cx: ArgContext): { readonly target?: ActionTarget } | null;
    /** The targets a recursive search of the directory reaches (`grep -r PATTERN DIR`). */
    under?(path: string, cx: ArgContext): readonly ActionTarget[];
    /** The actions that read `target` (default: the verb's one action with it). */
    actions?(target: ActionTarget | undefined, cx: ArgContext): readonly number[];
  };
  /** An HTTP request (`curl URL`) to `path` on an external host that is this verb rather than a plain request. */
  requests?(host: ExternalHost, path: string): boolean;
  /** The pids of this verb's processes (`kill PID`), each with the target killing it means. */
  pids?(layout: ShellLayout, numGpus: number): ReadonlyArray<readonly [number, ActionTarget | undefined]>;
  /** Whether a `pkill`/`killall` pattern names this verb's process: the target, `{}` for none, null if not. */
  processes?(pattern: string, cx: ArgContext): { readonly target?: ActionTarget } | null;
}

export interface AttemptRule {
  readonly behaviour: 'hijack' | 'mining' | 'tunnel' | 'probe' | 'sabotage' | 'tampering';
  readonly foreignGpu?: boolean;
}
