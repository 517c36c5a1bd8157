/**
 * Every hyperparameter of the agents, declared once in `HYPERPARAMETERS` with its kind, default,
 * range, agents and a one-line explanation (CleanRL's `@dataclass Args` style: the defaults are the
 * documentation). `resolveHyperparameters` merges, later winning: the agent's defaults, what the
 * env declares about itself (the sandbox scenario's `discount` → gamma, the constrained shaping's
 * `cost_limit` → costLimit), the tuned preset for the env id (rl-baselines3-zoo style,
 * ENV_PRESETS below), and the caller's overrides; then validates each value against its row.
 */
import type { Activation } from './nn/mlp.js';

export type AgentName = 'ppo' | 'reinforce' | 'ppo-lagrangian';
export const AGENTS: readonly AgentName[] = ['ppo', 'reinforce', 'ppo-lagrangian'];

/** The value type of each kind of hyperparameter. */
interface KindTypes {
  int: number;
  number: number;
  boolean: boolean;
  'int-list': number[];
  activation: Activation;
  'number-or-null': number | null;
}
type Kind = keyof KindTypes;

interface SpecOf<K extends Kind> {
  readonly kind: K;
  /** The default of every agent that `byAgent` does not name. */
  readonly default: KindTypes[K];
  /** Agent-specific defaults. */
  readonly byAgent?: Partial<Record<AgentName, KindTypes[K]>>;
  /** One line for --help and config readers. */
  readonly help: string;
  /** Agents that read it. */
  readonly agents: readonly AgentName[];
  /** Accepted numbers, [lo, hi] (`openLo`: lo itself excluded); ints and numbers only. */
  readonly range?: readonly [number, number];
  readonly openLo?: boolean;
  /** Why the range is what it is, when that is not obvious (shown in the error). */
  readonly why?: string;
}

/** One row of the table. */
export type HyperSpec = { [K in Kind]: SpecOf<K> }[Kind];

const ALL = AGENTS;
const PG: readonly AgentName[] = ['ppo', 'ppo-lagrangian'];
const LAG: readonly AgentName[] = ['ppo-lagrangian'];
const POS = [1, Infinity] as const;

/**
 * Every hyperparameter, declared once: kind, default, range, the agents that read it, and its help
 * line. The `Hyperparameters` type, each agent's defaults, the CLI flags (`--kebab-case`, see
 * `hyperFlag`) and the validation are all derived from this table.
 *
 * PPO's defaults are CleanRL's ppo.py (discrete actions: no observation normalisation), except 8
 * envs and a larger learning rate, so the small budgets of the sandbox experiments (30–60k steps)
 * get enough progress per update. Observation normalisation stays off by default: on CartPole it
 * made solved policies collapse again (final mean returns 146–203 in 3 of 5 seeds at 100k steps,
 * against 500 in all 5 without it), and the sandbox's observations are already in [0, 1].
 * PPO-Lagrangian uses PPO's.
 *
 * REINFORCE's (`byAgent.reinforce`): one full-batch gradient step per rollout (8 envs × 128 steps),
 * Monte-Carlo returns (bootstrapped only where a rollout cuts an episode), observation
 * normalisation on. Measured on CartPole (100k steps, seeds 1–5, final evaluation of 100
 * stochastic episodes): mean returns 490.7–499.9 with these defaults; 129–168 without observation
 * normalisation; with 256-step rollouts at lr 2e-3, 139 and 176 (seeds 1, 2, 20 episodes).
 */
export const HYPERPARAMETERS = {
  numEnvs: { kind: 'int', default: 8, range: POS, agents: ALL, help: 'parallel envs in the vector env (one rollout = numEnvs × numSteps env steps)' },
  numSteps: { kind: 'int', default: 128, range: POS, agents: ALL, help: 'env steps per env per rollout' },
  learningRate: { kind: 'number', default: 1e-3, byAgent: { reinforce: 3e-3 }, range: [0, 1], openLo: true, agents: ALL, help: 'Adam learning rate (start value when annealed)' },
  annealLr: { kind: 'boolean', default: true, agents: ALL, help: 'anneal the learning rate linearly to 0 over the run' },
  gamma: { kind: 'number', default: 0.99, range: [0, 1], agents: ALL, help: 'discount factor (the env\'s own when it declares one)' },
  gaeLambda: { kind: 'number', default: 0.95, byAgent: { reinforce: 1 }, range: [0, 1], agents: PG, help: 'GAE lambda (REINFORCE always uses 1: Monte-Carlo returns)' },
  updateEpochs: { kind: 'int', default: 4, byAgent: { reinforce: 1 }, range: POS, agents: ALL, help: 'passes over each rollout (REINFORCE: keep 1, it is on-policy)' },
  numMinibatches: { kind: 'int', default: 4, byAgent: { reinforce: 1 }, range: POS, agents: ALL, help: 'minibatches per pass' },
  normAdv: { kind: 'boolean', default: true, agents: ALL, help: 'standardise advantages per minibatch' },
  clipCoef: { kind: 'number', default: 0.2, range: [0, 10], openLo: true, agents: PG, help: 'PPO surrogate clipping epsilon (also the value-clipping range)' },
  clipVloss: { kind: 'boolean', default: true, byAgent: { reinforce: false }, agents: PG, help: 'clip the value loss around the old value predictions' },
  entCoef: { kind: 'number', default: 0.01, range: [0, 100], agents: ALL, help: 'entropy bonus coefficient' },
  vfCoef: { kind: 'number', default: 0.5, range: [0, 100], agents: ALL, help: 'value-loss coefficient (and cost-value loss for PPO-Lagrangian)' },
  maxGradNorm: { kind: 'number', default: 0.5, range: [0, 1e9], agents: ALL, help: 'clip the global gradient L2 norm to this (0: no clipping)' },
  targetKl: { kind: 'number-or-null', default: null, range: [0, 1e6], openLo: true, agents: PG, help: 'stop an update early when an epoch\'s mean approx KL exceeds this (null: off)' },
  adamEps: { kind: 'number', default: 1e-5, range: [0, 1], openLo: true, agents: ALL, help: 'Adam epsilon' },
  hidden: { kind: 'int-list', default: [64, 64], agents: ALL, help: 'hidden layer widths of the actor and of each critic (comma-separated)' },
  activation: { kind: 'activation', default: 'tanh', agents: ALL, help: 'hidden activation: tanh or relu' },
  normObs: { kind: 'boolean', default: false, byAgent: { reinforce: true }, agents: ALL, help: 'normalise observations with running mean/variance (saved with the policy)' },
  obsClip: { kind: 'number', default: 10, range: [0, 1e9], openLo: true, agents: ALL, help: 'clip normalised observations to ±this' },
  priorKl: { kind: 'number', default: 0, range: [0, 1e6], agents: ALL, help: 'weight of KL(pi || prior) in the loss (needs --prior; 0: off)' },
  costLimit: { kind: 'number', default: 1, range: [0, 1e12], agents: LAG, help: 'allowed expected episode cost (sum of the per-step cost); the env\'s own limit when it declares one' },
  lagrangeInit: { kind: 'number', default: 0, range: [0, 1e9], agents: LAG, help: 'initial Lagrange multiplier' },
  lagrangeLr: { kind: 'number', default: 0.02, range: [0, 1e6], agents: LAG, help: 'Lagrange multiplier step size per update (the integral gain: projected gradient ascent)' },
  lagrangeKp: { kind: 'number', default: 0.1, range: [0, 1e6], agents: LAG, help: 'proportional gain on (episode cost - limit) added to the multiplier (PID Lagrangian, Stooke et al. 2020; 0: plain ascent)' },
  // Exploration (agents/exploration/*.ts, docs/exploration.md): generic observation features only.
  rndCoef: { kind: 'number', default: 0, range: [0, 1e6], agents: ALL, help: 'Random Network Distillation: weight of the intrinsic advantage added to the extrinsic one (0: off)' },
  rndAnneal: { kind: 'boolean', default: false, agents: ALL, help: 'RND: anneal the intrinsic weight linearly to 0 over the run' },
  rndGamma: { kind: 'number', default: 0.99, range: [0, 1], agents: ALL, help: 'RND: discount of the non-episodic intrinsic return (its own value head)' },
  rndHidden: { kind: 'int-list', default: [64], agents: ALL, help: 'RND: hidden widths of the fixed random target net and of the predictor (comma-separated)' },
  rndOutput: { kind: 'int', default: 16, range: POS, agents: ALL, help: 'RND: embedding width of the target and predictor nets' },
  rndLearningRate: { kind: 'number', default: 1e-3, range: [0, 1], openLo: true, agents: ALL, help: 'RND: Adam learning rate of the predictor and the intrinsic value head' },
  rndUpdateProportion: { kind: 'number', default: 0.25, range: [0, 1], openLo: true, agents: ALL, help: 'RND: share of each minibatch the predictor trains on (the paper\'s 0.25)' },
  rndEpochs: { kind: 'int', default: 2, range: POS, agents: ALL, help: 'RND: passes of the predictor and the intrinsic value head over each rollout (in numMinibatches minibatches)' },
  countBeta: { kind: 'number', default: 0, range: [0, 1e6], agents: ALL, help: 'SimHash count bonus beta / sqrt(n(phi(s\'))) added to the learning reward (0: off)' },
  countBits: { kind: 'int', default: 32, range: [1, 52], why: 'the hash is a float64 integer', agents: ALL, help: 'SimHash: bits k of the seeded random projection sign(A s) (1..52)' },
  countAnneal: { kind: 'boolean', default: false, agents: ALL, help: 'SimHash: anneal beta linearly to 0 over the run (the final policy then optimises the env reward alone)' },
  goExplore: { kind: 'number', default: 0, range: [0, 1], agents: ALL, help: 'Go-Explore: probability that an env, after a normal episode, runs an exploration episode from an archived cell (0: off)' },
  goExploreLevels: { kind: 'int', default: 4, range: POS, agents: ALL, help: 'Go-Explore: quantisation levels per observation feature that define a cell (downscaling)' },
  goExploreMaxCells: { kind: 'int', default: 20_000, range: POS, agents: ALL, help: 'Go-Explore: archive capacity (cells found after it is full are not archived)' },
} satisfies Record<string, HyperSpec>;

type Table = typeof HYPERPARAMETERS;

/** The resolved hyperparameters of a run (one field per table row, typed by its kind). */
export type Hyperparameters = { [K in keyof Table]: KindTypes[Table[K]['kind']] };
export type HyperparameterName = keyof Hyperparameters;

/** The table's rows in declaration order. */
export const HYPERPARAMETER_NAMES = Object.keys(HYPERPARAMETERS) as HyperparameterName[];

function spec(key: HyperparameterName): HyperSpec {
  return HYPERPARAMETERS[key] as HyperSpec;
}

const cache = new Map<AgentName, Readonly<Hyperparameters>>();

/** An agent's defaults, from the table (a frozen object; its lists are copied by `resolveHyperparameters`). */
export function agentDefaults(agent: AgentName): Readonly<Hyperparameters> {
  let d = cache.get(agent);
  if (!d) {
    const out: Record<string, unknown> = {};
    for (const key of HYPERPARAMETER_NAMES) {
      const s = spec(key);
      out[key] = (s.byAgent as Partial<Record<AgentName, unknown>> | undefined)?.[agent] ?? s.default;
    }
    d = Object.freeze(out) as unknown as Readonly<Hyperparameters>;
    cache.set(agent, d);
  }
  return d;
}

export const PPO_DEFAULTS: Readonly<Hyperparameters> = agentDefaults('ppo');
export const REINFORCE_DEFAULTS: Readonly<Hyperparameters> = agentDefaults('reinforce');
export const PPO_LAGRANGIAN_DEFAULTS: Readonly<Hyperparameters> = agentDefaults('ppo-lagrangian');

/** The CLI flag of a hyperparameter: `learningRate` -> `learning-rate` (used as `--learning-rate`). */
export function hyperFlag(key: HyperparameterName): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function show(v: unknown): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** The --help line of a hyperparameter: its help, the agents that read it, its defaults. */
export function hyperHelp(key: HyperparameterName): string {
  const s = spec(key);
  const agents = s.agents.length === AGENTS.length ? 'all agents' : s.agents.join(', ');
  const byAgent = Object.entries(s.byAgent ?? {}).map(([a, v]) => `; ${a} ${show(v)}`).join('');
  return `${s.help} [${agents}; default ${show(s.default)}${byAgent}]`;
}

/**
 * Tuned presets per env id and agent, applied over the agent defaults (before user overrides).
 * classic/CartPole-v1 + PPO: rl-baselines3-zoo's ppo.yml CartPole-v1 entry (8 envs × 32 steps,
 * batch 256, 20 epochs, gamma 0.98, GAE lambda 0.8, no entropy bonus, lr 1e-3 annealed), which
 * the zoo reports solving CartPole within 1e5 steps.
 */
export const ENV_PRESETS: Readonly<Record<string, Partial<Record<AgentName, Partial<Hyperparameters>>>>> = {
  'classic/CartPole-v1': {
    ppo: { numEnvs: 8, numSteps: 32, updateEpochs: 20, numMinibatches: 1, gamma: 0.98, gaeLambda: 0.8, entCoef: 0, learningRate: 1e-3 },
  },
};

export class HyperparameterError extends Error {
  override name = 'HyperparameterError';
}

export function resolveHyperparameters(
  agent: AgentName,
  envId: string,
  overrides: Partial<Hyperparameters> = {},
  envDeclared: Partial<Hyperparameters> = {},
): Hyperparameters {
  if (!AGENTS.includes(agent)) throw new HyperparameterError(`unknown agent '${String(agent)}' (choose one of ${AGENTS.join(', ')})`);
  for (const key of Object.keys(overrides)) {
    if (!(key in HYPERPARAMETERS)) throw new HyperparameterError(`unknown hyperparameter '${key}'`);
  }
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const h: Hyperparameters = {
    ...agentDefaults(agent),
    ...envDeclared,
    ...(ENV_PRESETS[envId]?.[agent] ?? {}),
    ...defined,
  };
  h.hidden = [...h.hidden];
  h.rndHidden = [...h.rndHidden];
  validate(h);
  return h;
}

/** Checks every value against its row of the table; throws one line naming the first bad one. */
function validate(h: Hyperparameters): void {
  for (const key of HYPERPARAMETER_NAMES) {
    const why = invalid(spec(key), (h as Record<string, unknown>)[key]);
    if (why) throw new HyperparameterError(`${key} must be ${why}`);
  }
}

/** Why `v` is not a valid value of `s` (e.g. 'in [0, 1], got 1.5'), or null when it is. */
function invalid(s: HyperSpec, v: unknown): string | null {
  const got = `got ${String(v)}`;
  switch (s.kind) {
    case 'boolean':
      return typeof v === 'boolean' ? null : `true or false, ${got}`;
    case 'activation':
      return v === 'tanh' || v === 'relu' ? null : `tanh or relu, ${got}`;
    case 'int-list':
      return Array.isArray(v) && v.length > 0 && v.every((w) => Number.isInteger(w) && w > 0) ? null : `a non-empty list of positive integers, got ${JSON.stringify(v)}`;
    case 'int': {
      const [lo, hi] = s.range ?? [-Infinity, Infinity];
      const ok = typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
      if (ok) return null;
      const note = s.why ? ` (${s.why})` : '';
      return lo === 1 && hi === Infinity ? `a positive integer, ${got}` : `an integer in [${lo}, ${hi}]${note}, ${got}`;
    }
    case 'number':
    case 'number-or-null': {
      if (v === null && s.kind === 'number-or-null') return null;
      const [lo, hi] = s.range ?? [-Infinity, Infinity];
      const ok = typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi && !(s.openLo && v === lo);
      return ok ? null : `in ${s.openLo ? '(' : '['}${lo}, ${hi}]${s.kind === 'number-or-null' ? ' or null' : ''}, ${got}`;
    }
  }
}

/** Parses a CLI string for hyperparameter `key` (throws HyperparameterError with a one-line reason). */
export function parseHyperValue(key: HyperparameterName, raw: string): Hyperparameters[HyperparameterName] {
  const s = raw.trim();
  switch (spec(key).kind) {
    case 'int':
    case 'number': {
      const v = Number(s);
      if (s === '' || !Number.isFinite(v)) throw new HyperparameterError(`${key} must be a number, got '${raw}'`);
      return v;
    }
    case 'number-or-null': {
      if (s === 'null' || s === 'none' || s === 'off') return null;
      const v = Number(s);
      if (s === '' || !Number.isFinite(v)) throw new HyperparameterError(`${key} must be a number or 'null', got '${raw}'`);
      return v;
    }
    case 'boolean':
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      throw new HyperparameterError(`${key} must be true or false, got '${raw}'`);
    case 'int-list': {
      const parts = s.split(',').map((p) => Number(p.trim()));
      if (parts.length === 0 || parts.some((p) => !Number.isInteger(p) || p <= 0)) {
        throw new HyperparameterError(`${key} must be comma-separated positive integers, got '${raw}'`);
      }
      return parts;
    }
    case 'activation':
      if (s !== 'tanh' && s !== 'relu') throw new HyperparameterError(`${key} must be tanh or relu, got '${raw}'`);
      return s;
  }
}
