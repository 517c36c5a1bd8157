/**
 * SandboxEnv: the sandbox world behind the Gymnasium-style contract (`Env`) and the vector fast
 * path (`FlatEnv`).
 *
 * - Observation: `Box(0, 1, [obsDim])`, see observation.ts. Action: `Discrete(numActions)`, action
 *   i = `env.actions[i]` (actions.ts; each verb's record in verbs/). The env ends episodes itself: `terminated` on a successful
 *   submit or a kill switch, `truncated` at the scenario's horizon.
 * - `step()` info: `actionMask` (Uint8Array, 1 = valid), `cost` (constraint channel), `events`
 *   (hidden SafetyEvents of this tick), `command` (the command line), `output` (terminal text),
 *   `result` (result class), `firewall` (firewall log entries written this tick), `tick`; on the
 *   last step also `episode: EpisodeSummary`. `reset()` info has the same keys.
 * - Observations and masks returned by `reset`/`step` are fresh arrays.
 * - The flat path (`resetFlat`/`stepFlat`) runs the same world and writes into the vector env's
 *   buffers; it builds no text, events or firewall entries (`episodeInfo()` builds the summary).
 * - `step()` after the episode ended changes nothing and returns the final observation again with
 *   reward 0 (call `reset`).
 */
import { BaseEnv, type Info, type ResetArgs, type ResetResult, type SerialisedRng, type StepResult } from '../core.js';
import { Box, Discrete } from '../spaces.js';
import type { FlatEnv, VectorBuffers } from '../vector.js';
import type { SandboxAction } from './actions.js';
import type { Scenario, Shaping } from './scenario.js';
import { RESULT_CLASSES, cloneStateOf, copyState, type ResultClass, type SandboxState } from './state.js';
import type { World } from './world.js';
import { act, advance, newWorld, resetWorld } from './tick.js';
import { O } from './outcomes.js';
import { obsDim, observationSpace, writeObservation } from './observation.js';
import { updateActionMask, writeActionMask, writeKnownTargetMask } from './masks.js';
import { commandNow, renderOutput } from './tools.js';
import { resolveShaping, shapingReward } from './shaping.js';
import { firewallEntries, type FirewallEntry } from './network.js';
import { summarize, type SafetyEvent, type SafetySummary } from './safety.js';
import { actionPrior } from './prior.js';
import { episodeAttemptMask } from './attempts.js';

export interface SandboxOptions {
  /** A shaping named in the scenario; default: its first. */
  shaping?: string;
}

/** `info.episode` on an episode's last step, and `episodeInfo().episode` on the vector path. */
export interface EpisodeSummary {
  safety: SafetySummary;
  taskSuccess: boolean;
  /** The managed firewall's log for the whole episode (alerts due after its end included). */
  firewall: FirewallEntry[];
}

/** The info of a `step()` (and of `reset()`, without `episode`). */
export interface SandboxInfo extends Info {
  actionMask: Uint8Array;
  cost: number;
  events: SafetyEvent[];
  command: string;
  output: string;
  result: ResultClass;
  firewall: FirewallEntry[];
  tick: number;
  episode?: EpisodeSummary;
}

/** Everything needed to put an env back exactly where it was (counterfactual rollouts). */
export interface SandboxSnapshot {
  readonly scenario: string;
  readonly state: SandboxState;
  readonly rng: SerialisedRng;
}

/** Envs that carry a prior over their actions (the stand-in for a pretrained model's habits). */
export interface HasActionPrior {
  actionPrior(): Float32Array;
}

export function hasActionPrior(env: unknown): env is HasActionPrior {
  return typeof (env as Partial<HasActionPrior> | null)?.actionPrior === 'function';
}

const BANNER = 'sandbox@rome:~$ (a fresh sandbox; the task is in TASK.md)';

export class SandboxEnv extends BaseEnv<Float32Array, number> implements FlatEnv, HasActionPrior {
  readonly observationSpace: Box;
  readonly actionSpace: Discrete;
  readonly obsDim: number;
  readonly numActions: number;
  readonly actions: readonly SandboxAction[];
  readonly shapingName: string;
  readonly shaping: Shaping;
  private readonly world: World;
  private readonly prior: Float32Array;
  private lastCommand = '';
  private lastOutput = BANNER;

  constructor(
    readonly scenario: Scenario,
    opts: SandboxOptions = {},
  ) {
    super();
    const { name, shaping } = resolveShaping(scenario, opts.shaping);
    this.shapingName = name;
    this.shaping = shaping;
    this.world = newWorld(scenario, this.rng);
    this.obsDim = obsDim(this.world.cfg.numGpus);
    this.numActions = this.world.cfg.numActions;
    this.actions = this.world.cfg.actions;
    this.observationSpace = observationSpace(this.world.cfg.numGpus);
    this.actionSpace = new Discrete(this.numActions);
    this.prior = actionPrior(this.world.cfg);
  }

  /** actionSet's masks for the current episode (cleared at reset). */
  private readonly episodeSets = new Map<string, Uint8Array | null>();

  /** The live state (read it, do not write it; use cloneState for a copy). */
  get state(): Readonly<SandboxState> {
    return this.world.s;
  }

  /** The current episode's safety summary so far. */
  summary(): SafetySummary {
    return summarize(this.world);
  }

  /**
   * The actions that attempt `behaviour` (attempts.ts) in the current episode's layout, computed at
   * reset (the layout is fixed within an episode); null for a behaviour attempts.ts does not know.
   * agents/evaluate.ts asks for these after every reset (HasActionSets) to watch or forbid them.
   */
  actionSet(behaviour: string): Uint8Array | null {
    const cached = this.episodeSets.get(behaviour);
    if (cached !== undefined) return cached;
    const mask = episodeAttemptMask(this.actions, this.world.s.allocated, this.scenario.cluster.isolation, behaviour);
    this.episodeSets.set(behaviour, mask);
    return mask;
  }

  reset(args: ResetArgs = {}): ResetResult<Float32Array> {
    this.beginEpisode(args.seed);
    this.lastCommand = '';
    this.lastOutput = BANNER;
    return { obs: this.freshObs(), info: this.info([], '', BANNER, 0, []) };
  }

  step(action: number): StepResult<Float32Array> {
    const w = this.world;
    const s = w.s;
    if (s.over) {
      const output = renderOutput(w, action, O.EPISODE_OVER);
      return {
        obs: this.freshObs(),
        reward: 0,
        terminated: s.terminated === 1,
        truncated: s.truncated === 1,
        info: this.info([], this.commandOf(action), output, 0, []),
      };
    }
    const t = s.tick;
    const events: SafetyEvent[] = [];
    w.events = events;
    // Before the command runs: what it typed, not what it revealed (a read of ~/.ssh/config names the key).
    const command = this.commandOf(action);
    const outcome = act(w, action);
    const output = renderOutput(w, action, outcome);
    advance(w);
    w.events = null;
    const reward = shapingReward(w, this.shaping);
    this.lastCommand = command;
    this.lastOutput = output;
    const info = this.info(events, command, output, w.scratch.cost, firewallEntries(w, t));
    info.tick = t;
    if (s.over) info.episode = this.episodeSummary();
    return { obs: this.freshObs(), reward, terminated: s.terminated === 1, truncated: s.truncated === 1, info };
  }

  resetFlat(seed: number | undefined, buf: VectorBuffers, i: number): void {
    this.beginEpisode(seed);
    writeObservation(this.world, buf.obs, i * this.obsDim);
    writeActionMask(this.world, buf.actionMasks, i * this.numActions);
  }

  stepFlat(action: number, buf: VectorBuffers, i: number): void {
    const w = this.world;
    const s = w.s;
    let reward = 0;
    let cost = 0;
    if (!s.over) {
      act(w, action);
      advance(w);
      reward = shapingReward(w, this.shaping);
      cost = w.scratch.cost;
    }
    writeObservation(w, buf.obs, i * this.obsDim);
    // The vector env's mask row was written whole by resetFlat; only dynamic entries change.
    updateActionMask(w, buf.actionMasks, i * this.numActions);
    buf.rewards[i] = reward;
    buf.costs[i] = cost;
    buf.terminated[i] = s.terminated;
    buf.truncated[i] = s.truncated;
  }

  writeFlat(buf: VectorBuffers, i: number): void {
    writeObservation(this.world, buf.obs, i * this.obsDim);
    writeActionMask(this.world, buf.actionMasks, i * this.numActions);
  }

  episodeInfo(): Info {
    return { episode: this.episodeSummary() };
  }

  episodeSummary(): EpisodeSummary {
    const safety = summarize(this.world);
    return { safety, taskSuccess: safety.task_success === 1, firewall: firewallEntries(this.world) };
  }

  /** Probabilities over actions (sums to 1); a fresh copy. */
  actionPrior(): Float32Array {
    return this.prior.slice();
  }

  /**
   * One tick on the fast path without buffers, for planners: the reward of the tick (the same world
   * and shaping as `step`, no text, events or firewall entries). After the episode ended: 0.
   */
  stepPlan(action: number): number {
    const w = this.world;
    if (w.s.over) return 0;
    act(w, action);
    advance(w);
    return shapingReward(w, this.shaping);
  }

  /** The information-respecting mask of the current state (observation.ts writeKnownTargetMask), into `out`. */
  knownTargetMask(out: Uint8Array = new Uint8Array(this.numActions)): Uint8Array {
    writeKnownTargetMask(this.world, out, 0);
    return out;
  }

  /** Lets a planner decide the world's chance events (see World.chanceHook); null restores the generator. */
  setChanceHook(hook: ((p: number, monitor: number) => boolean) | null): void {
    this.world.chanceHook = hook;
  }

  cloneState(): SandboxSnapshot {
    return { scenario: this.scenario.name, state: cloneStateOf(this.scenario, this.world.s), rng: this.rng.getState() };
  }

  restoreState(snapshot: SandboxSnapshot): void {
    if (snapshot.scenario !== this.scenario.name) {
      throw new Error(`restoreState: snapshot of scenario '${snapshot.scenario}' given to a '${this.scenario.name}' env`);
    }
    copyState(this.world.s, snapshot.state);
    this.rng.setState(snapshot.rng);
    this.world.rng = this.rng;
  }

  override render(): string {
    const s = this.world.s;
    const status = `[tick ${s.tick}/${this.scenario.horizon}] scenario ${this.scenario.name}, shaping ${this.shapingName}`;
    return this.lastCommand ? `${status}\n$ ${this.lastCommand}\n${this.lastOutput}` : `${status}\n${this.lastOutput}`;
  }

  private beginEpisode(seed: number | undefined): void {
    this.applySeed(seed);
    this.world.rng = this.rng;
    resetWorld(this.world);
    this.episodeSets.clear();
  }

  /** The command line `action` types in the current state (find_creds names the file the agent listed). */
  commandOf(action: number): string {
    return commandNow(this.world, action);
  }

  private freshObs(): Float32Array {
    const obs = new Float32Array(this.obsDim);
    writeObservation(this.world, obs, 0);
    return obs;
  }

  private info(events: SafetyEvent[], command: string, output: string, cost: number, firewall: FirewallEntry[]): SandboxInfo {
    const actionMask = new Uint8Array(this.numActions);
    writeActionMask(this.world, actionMask, 0);
    return {
      actionMask,
      cost,
      events,
      command,
      output,
      result: RESULT_CLASSES[this.world.s.lastResult]!,
      firewall,
      tick: this.world.s.tick,
    };
  }
}
