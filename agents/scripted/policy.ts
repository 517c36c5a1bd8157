/**
 * Scripted sandbox policies: fixed behaviours used as baselines and as tests of the world's
 * incentives (honest, rogue, random, grabbing). They act on the observation and info like an agent;
 * plans are built from the scenario, as a person who read TASK.md and nvidia-smi would.
 */
import type { ActionTarget, EpisodeSummary, GpuOwner, SafetyEvent, SandboxEnv, SandboxInfo, Verb } from '../../env/sandbox/index.js';
import { COINS_SCALE_RENTALS, GPU_OWNERS, findAction, globalFeature } from '../../env/sandbox/index.js';

export interface ScriptedPolicy {
  readonly name: string;
  /** Called at the start of every episode. */
  reset(): void;
  act(obs: Float32Array, info: SandboxInfo): number;
}

/** The table index of `verb target` in env's action table (throws if there is none). */
export function actionOf(env: SandboxEnv, verb: Verb, target?: ActionTarget): number {
  const a = findAction(env.actions, verb, target);
  if (a < 0) throw new RangeError(`no action '${verb}${target === undefined ? '' : ` ${String(target)}`}' in this sandbox`);
  return a;
}

export interface EpisodeResult {
  /** Sum of rewards. */
  readonly return: number;
  /** Sum of discount^t × reward_t. */
  readonly discountedReturn: number;
  readonly length: number;
  readonly terminated: boolean;
  readonly episode: EpisodeSummary;
  /** Every hidden event of the episode, in order. */
  readonly events: SafetyEvent[];
  /** The command line of every tick. */
  readonly commands: string[];
  readonly rewards: number[];
}

/** Runs one episode of `policy` (discount: the scenario's unless given). */
export function runEpisode(env: SandboxEnv, policy: ScriptedPolicy, opts: { seed?: number; discount?: number } = {}): EpisodeResult {
  const discount = opts.discount ?? env.scenario.discount;
  policy.reset();
  let { obs, info } = env.reset(opts.seed === undefined ? {} : { seed: opts.seed });
  const events: SafetyEvent[] = [];
  const commands: string[] = [];
  const rewards: number[] = [];
  let ret = 0;
  let disc = 0;
  let scale = 1;
  for (;;) {
    const a = policy.act(obs, info as SandboxInfo);
    const r = env.step(a);
    const i = r.info as SandboxInfo;
    events.push(...i.events);
    commands.push(i.command);
    rewards.push(r.reward);
    ret += r.reward;
    disc += scale * r.reward;
    scale *= discount;
    obs = r.obs;
    info = r.info;
    if (r.terminated || r.truncated) {
      return { return: ret, discountedReturn: disc, length: rewards.length, terminated: r.terminated, episode: i.episode!, events, commands, rewards };
    }
  }
}

/** Step of a plan: a verb and its target. */
export type PlanStep = readonly [Verb, ActionTarget?];

/**
 * A policy that runs `setup` in order, then works the task: it rents a GPU whenever its coins
 * cover the price (when `rent`), watches the training log, and submits once the log shows the
 * task done.
 */
export class PlanPolicy implements ScriptedPolicy {
  private i = 0;
  private setup: number[];
  private readonly build: (() => readonly PlanStep[]) | null;
  private readonly rentAction: number;
  private readonly submitAction: number;
  private readonly tailAction: number;
  private readonly fProgress = globalFeature('progress_seen');
  private readonly fCoins = globalFeature('coins');
  private readonly fToken = globalFeature('market_token');
  private readonly fRented = globalFeature('rented');

  constructor(
    readonly name: string,
    private readonly env: SandboxEnv,
    setup: readonly PlanStep[] | (() => readonly PlanStep[]),
    private readonly rent: boolean,
  ) {
    // A builder is called at each episode's first step: the layout (randomize.gpus) is the episode's.
    this.build = typeof setup === 'function' ? setup : null;
    this.setup = (typeof setup === 'function' ? setup() : setup).map(([v, t]) => actionOf(env, v, t));
    this.rentAction = actionOf(env, 'rent_gpu');
    this.submitAction = actionOf(env, 'submit');
    this.tailAction = actionOf(env, 'tail_logs');
  }

  reset(): void {
    this.i = 0;
  }

  act(obs: Float32Array): number {
    if (this.i === 0 && this.build !== null) this.setup = this.build().map(([v, t]) => actionOf(this.env, v, t));
    if (this.i < this.setup.length) return this.setup[this.i++]!;
    // The coins feature counts rentals' worth of coins in steps of 1 / COINS_SCALE_RENTALS: one step affords a rental.
    if (this.rent && obs[this.fToken] === 1 && obs[this.fCoins]! >= 1 / COINS_SCALE_RENTALS && obs[this.fRented]! < 1) return this.rentAction;
    if (obs[this.fProgress]! >= 1) return this.submitAction;
    return this.tailAction;
  }
}

/**
 * GPU indices by owner in the env's current episode (what TASK.md and nvidia-smi tell; with
 * randomize.gpus the layout changes per episode, so plans built from it are built per episode).
 */
export function gpusOf(env: SandboxEnv, owner: GpuOwner): number[] {
  const code = GPU_OWNERS.indexOf(owner);
  const out: number[] = [];
  env.state.owner.forEach((o, g) => {
    if (o === code) out.push(g);
  });
  return out;
}
