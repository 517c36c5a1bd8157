/**
 * The run directory's schema: file names, formats, CSV columns and the typed rows and records of
 * each file, and the key that names a job in file names (docs/DESIGN.md, "Run directory"). No I/O.
 */
import path from 'node:path';
import { SAFETY_METRICS, type FirewallEntry } from '../env/sandbox/index.js';
import { CHAIN_MILESTONES } from './milestones.js';

export type { FirewallEntry };

/** Safety values of one episode as stored in a run directory (every metric a number). */
export type SafetyValues = Readonly<Record<string, number>>;

export const RUN_FORMAT = 'rome-gym-run/2';

export const EPISODE_BASE_COLUMNS = ['shaping', 'seed', 'arm', 'episode', 'env_steps', 'return', 'length', 'task_success', 'cost'] as const;
/** episodes.csv columns: the base columns, then every safety metric once (task_success is a base column). */
export const EPISODE_COLUMNS: readonly string[] = [
  ...EPISODE_BASE_COLUMNS,
  ...SAFETY_METRICS.filter((m) => !(EPISODE_BASE_COLUMNS as readonly string[]).includes(m)),
];
export const EVAL_BASE_COLUMNS = ['shaping', 'seed', 'arm', 'policy', 'episode', 'return', 'discounted_return', 'length', 'cost'] as const;
/** eval.csv columns: the base columns, every safety metric, then the chain's milestones (rundir/milestones.ts). */
export const EVAL_COLUMNS: readonly string[] = [...EVAL_BASE_COLUMNS, ...SAFETY_METRICS, ...CHAIN_MILESTONES];

export const FILES = {
  config: 'config.json',
  episodes: 'episodes.csv',
  eval: 'eval.csv',
  firewall: 'firewall.jsonl',
  opportunity: 'opportunity.csv',
  ablation: 'ablation.csv',
  planner: 'planner.json',
  traces: 'traces',
  summaryJson: 'summary.json',
  summaryMd: 'summary.md',
  checkpoints: 'checkpoints',
  journal: path.join('checkpoints', 'journal.jsonl'),
  jobs: path.join('checkpoints', 'jobs'),
} as const;

/** `npm run train` writes a smaller directory of its own (experiments/train.ts). */
export const TRAIN_RUN_FORMAT = 'rome-gym-train/1';

export const TRAIN_FILES = {
  config: 'config.json',
  episodes: 'episodes.csv',
  updates: 'updates.csv',
  eval: 'eval.csv',
  policy: 'policy.json',
  checkpoints: 'checkpoints',
} as const;

// ---------------------------------------------------------------------------------------------
// Data types

export type PolicyKind = 'initial' | 'final';
export type Phase = 'train' | 'eval';
/**
 * A job's arm: `treatment` trains in the scenario, `control` in the scenario's declared control
 * (scenarios/control.ts), with the same seed, initial weights and evaluation seeds.
 */
export type Arm = 'treatment' | 'control';
export const ARMS: readonly Arm[] = ['treatment', 'control'];

export interface EpisodeRow {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
  episode: number;
  /** Global training env steps when the episode ended. */
  envSteps: number;
  return: number;
  length: number;
  taskSuccess: number;
  cost: number;
  /** Every safety metric column, task_success included. */
  metrics: SafetyValues;
}

export interface EvalRow {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
  policy: PolicyKind;
  episode: number;
  return: number;
  /** sum_t gamma^t r_t with the scenario's discount: what the planner's values are comparable with. */
  discountedReturn: number;
  length: number;
  cost: number;
  metrics: SafetyValues;
}

/**
 * A line of firewall.jsonl: the sandbox's firewall entry (`FirewallEntry`, env/sandbox/network.ts;
 * docs/DESIGN.md, "Three signals, never mixed") tagged with its job, phase and episode. Unknown
 * extra fields are kept.
 */
export interface FirewallLine extends FirewallEntry {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
  phase: Phase;
  /** Evaluation lines only: which policy ran. */
  policy?: PolicyKind;
  episode: number;
  /**
   * Training: global env steps when the episode ended. Evaluation: the training steps behind the
   * evaluated policy (0 for the initial policy).
   */
  env_steps: number;
  [extra: string]: unknown;
}

export interface TraceTick {
  tick: number;
  action: number;
  command: string;
  output: string;
  reward: number;
  events: unknown[];
  [extra: string]: unknown;
}

export interface TraceLine extends TraceTick {
  shaping: string;
  seed: number;
  arm?: Arm;
  policy: PolicyKind;
  episode: number;
}

export interface Trace {
  file: string;
  shaping: string;
  seed: number;
  arm?: Arm;
  policy: PolicyKind;
  episode: number;
  ticks: TraceTick[];
}

export interface RunConfig {
  format: typeof RUN_FORMAT;
  scenario: { name: string; source: string | null; resolved: unknown };
  envId: string;
  shapings: string[];
  seeds: number[];
  /** `--agent` as given ('auto': PPO, and PPO-Lagrangian for constrained shapings). */
  agent: string;
  /** The agent each shaping trains. */
  agents: Record<string, string>;
  /** Policies start from the scenario's action prior. */
  prior: boolean;
  steps: number;
  profile: string;
  evalEpisodes: number;
  traceEpisodes: number;
  workers: number;
  backend: { requested: string; used: string | null };
  shard: { index: number; count: number } | null;
  hyper: Record<string, unknown>;
  /**
   * Per shaping, the paired control its control jobs train in (scenarios/control.ts); null: a run
   * without control jobs.
   */
  controls: Record<string, RunControl> | null;
  /** Treatment jobs evaluate their final policy once more per behaviour with its actions masked. */
  ablation?: boolean;
  /** The planner pass (experiments/plan.ts): how many run seeds' evaluation seeds, and the node budget; null: none. */
  plan?: { seeds: number; budget: number } | null;
  analysis: AnalysisSettings;
  createdAt: string;
  versions: Record<string, string>;
  git: { commit: string | null; dirty: boolean | null };
  argv: string[];
  [extra: string]: unknown;
}

/**
 * What a run's config.json (`capability`) and summary carry about its agent: its capability
 * record (experiments/capability-record.ts), one compact entry.
 */
export interface CapabilityEntry {
  key: string;
  pass: boolean;
  statement: string;
  reach: { steps: number; priorProbability: number; commands: string[] } | null;
  hyper: Record<string, unknown>;
  prior: boolean;
  seeds: number;
  steps: number;
  scenarios: { name: string; role: string; emergedSeeds: number; seeds: number; meanGap: number; plannerBest: number; plannerChain: number | null; pass: boolean }[];
  command: string;
  gitCommit: string | null;
  createdAt: string;
}

/**
 * One job × policy × behaviour of opportunity.csv: the policy's own probability of the behaviour's
 * actions (env/sandbox/attempts.ts) over the states its evaluation episodes visited.
 */
export interface OpportunityRow {
  shaping: string;
  seed: number;
  arm: Arm;
  policy: PolicyKind;
  behaviour: string;
  episodes: number;
  /** Visited states (evaluation steps). */
  steps: number;
  /** sum over visited states s of pi(behaviour's actions | s). */
  probSum: number;
  /** sum over episodes of 1 - prod_t (1 - p_t): the model-based chance each episode attempts it. */
  episodeProbSum: number;
}

/** One job × behaviour of ablation.csv: the final policy evaluated with the behaviour's actions masked. */
export interface AblationRow {
  shaping: string;
  seed: number;
  arm: Arm;
  behaviour: string;
  episodes: number;
  returnSum: number;
  discountedReturnSum: number;
  /** Episodes that still showed the behaviour (through an action outside its attempt set). */
  occurred: number;
  /** Steps at which masking left no legal action, so the unmasked policy acted. */
  fallbackSteps: number;
}

export const OPPORTUNITY_COLUMNS = ['shaping', 'seed', 'arm', 'policy', 'behaviour', 'episodes', 'steps', 'prob_sum', 'episode_prob_sum'] as const;
export const ABLATION_COLUMNS = ['shaping', 'seed', 'arm', 'behaviour', 'episodes', 'return_sum', 'discounted_return_sum', 'occurred', 'fallback_steps'] as const;
export const OPPORTUNITY_HEADER = OPPORTUNITY_COLUMNS.join(',');
export const ABLATION_HEADER = ABLATION_COLUMNS.join(',');

export interface ArmData {
  episodes: EpisodeRow[];
  evals: EvalRow[];
  firewall: FirewallLine[];
  traces: Trace[];
}

export interface RunControl {
  description: string;
  set: Record<string, unknown>;
  resolved: unknown;
  /** The control changes nothing (an A/A comparison: effects are zero by construction). */
  identical: boolean;
}

export interface AnalysisSettings {
  crossingWindow: number;
  bootstrapResamples: number;
  bootstrapSeed: number;
  /** Smallest mean increase in the per-episode rate that counts as emergence (default 0.10). */
  minEffect?: number;
  /** Optimality gap above which a not-detected behaviour with a positive incentive is inconclusive (default 0.02). */
  gapThreshold?: number;
  /** Family-wise error rate of the Holm-corrected tests (default 0.05). */
  alpha?: number;
}

export interface RunData {
  dir: string;
  config: RunConfig;
  /** Safety metric columns as found in the files' headers. */
  metricColumns: string[];
  /** Treatment jobs' rows (what every descriptive statistic and chart reads). */
  episodes: EpisodeRow[];
  evals: EvalRow[];
  firewall: FirewallLine[];
  traces: Trace[];
  /** Control jobs' rows. */
  control: ArmData;
  /** Both arms. */
  opportunity: OpportunityRow[];
  ablation: AblationRow[];
  /** planner.json: the planner's values per shaping, written by the experiment; null when absent. */
  planner: unknown | null;
  /** summary.json when present (the analysis writes it at the end of a sweep). */
  summary: unknown | null;
  /** Jobs committed into the shared files, from the journal. */
  committedJobs: string[];
}

// ---------------------------------------------------------------------------------------------
// Jobs

export interface JobId {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
}

/** A file-name-safe key for a job: `outcome+cost__seed3` (treatment), `outcome+cost__seed3__control`. */
export function jobKey(j: JobId): string {
  return `${j.shaping.replace(/[^A-Za-z0-9+._-]/g, '_')}__seed${j.seed}${(j.arm ?? 'treatment') === 'control' ? '__control' : ''}`;
}

/** The job key a trace file belongs to (`<jobKey>__<policy>__ep<K>.jsonl`). */
export function traceJobKey(file: string): string {
  return file.replace(/\.jsonl$/, '').split('__').slice(0, -2).join('__');
}

/** A trace file's name: `<jobKey>__<policy>__ep<K>.jsonl`. */
export function traceFileName(j: JobId, policy: PolicyKind, episode: number): string {
  return `${jobKey(j)}__${policy}__ep${episode}.jsonl`;
}

/** One line of checkpoints/journal.jsonl: a job committed into the shared files. */
export interface JournalEntry {
  job: string;
  shaping: string;
  seed: number;
  arm: Arm;
  /** Sizes of the shared files right after this job's rows were appended. */
  sizes: { episodes: number; eval: number; firewall: number; opportunity: number; ablation: number };
  /** Per-job timing and throughput, informational only. */
  wallSeconds: number;
  envSteps: number;
  backend: string | null;
}

/** A finished job part's done.json (and the journal line's timing fields). */
export interface JobDone {
  wallSeconds: number;
  envSteps: number;
  backend: string | null;
}
