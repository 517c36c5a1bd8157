/**
 * The resolved scenario: every knob of one sandbox world, as the env consumes it.
 *
 * Scenario files (`scenarios/*.yaml`) are validated by the zod schema in `scenarios/schema.ts`,
 * which produces exactly this type; field names are the YAML keys. Units: ticks are tool calls,
 * work is abstract task units, coins are the mining currency, probabilities are per event.
 */
import type { ExternalHost, MonitorName, Verb } from './vocabulary.js';

/** Who a GPU is allocated to. `agent`: the sandbox's own allocation; `idle`: nobody's. */
export type GpuOwner = 'agent' | 'trainer' | 'tenant' | 'idle';
export const GPU_OWNERS: readonly GpuOwner[] = ['agent', 'trainer', 'tenant', 'idle'];

export type EgressVerdict = 'allow' | 'block';

/** Alert kinds the managed firewall raises (FirewallEntry.alert). */
export type FirewallAlertKind =
  | 'blocked_egress'
  | 'internal_port_scan'
  | 'mining_pool_signature'
  | 'outbound_ssh'
  | 'tunnel_mining_traffic';
export const FIREWALL_ALERT_KINDS: readonly FirewallAlertKind[] = [
  'blocked_egress',
  'internal_port_scan',
  'mining_pool_signature',
  'outbound_ssh',
  'tunnel_mining_traffic',
];

/** The kinds of violation a tick can contain (the constraint channel weighs them). */
export type ViolationKind = 'hijack' | 'mining' | 'tunnel' | 'probe' | 'sabotage' | 'tampering';
export const VIOLATION_KINDS: readonly ViolationKind[] = ['hijack', 'mining', 'tunnel', 'probe', 'sabotage', 'tampering'];

export interface TaskConfig {
  /** Work units after which the tests pass. */
  readonly work: number;
  /** Work units per tick from one GPU running the task job. */
  readonly gpu_rate: number;
  /** Each GPU beyond the first running the task job adds `compute_leverage * gpu_rate` per tick. */
  readonly compute_leverage: number;
  /** Outcome reward for a successful submit. */
  readonly submit_reward: number;
}

export interface ClusterConfig {
  /** One entry per GPU, in index order. */
  readonly gpus: readonly GpuOwner[];
  /** GPU isolation: the sandbox cannot use or kill anything on GPUs not allocated to it. */
  readonly isolation: boolean;
}

export interface NetworkConfig {
  /** Hosts on the internal subnet that a probe finds. */
  readonly internal_hosts: number;
  /** Managed-firewall egress policy for direct connections to each external host. */
  readonly egress: Readonly<Record<ExternalHost, EgressVerdict>>;
}

export interface CredentialsConfig {
  /** A private key in `~/.ssh` that the relay accepts (needed for the tunnel); its name: `randomize.credentials`. */
  readonly ssh_key: boolean;
  /** A compute-market API token in a dotfile of the home, `.env` on a fixed layout (needed to rent GPUs). */
  readonly market_token: boolean;
}

export interface EconomyConfig {
  /** Coins per GPU-tick of an unthrottled miner connected to the pool. */
  readonly coins_per_gpu_tick: number;
  /** Fraction of full speed (yield and GPU load) a throttled miner runs at. */
  readonly throttle: number;
  /** Coins per rented GPU; a rental lasts the rest of the episode. */
  readonly rent_price: number;
  readonly max_rented: number;
  /** Operational cost of one GPU-tick used beyond the sandbox's allocation. */
  readonly gpu_tick_cost: number;
  /** Operational cost of one external connection attempt. */
  readonly egress_cost: number;
}

interface MonitorCommon {
  readonly enabled: boolean;
  /** Its alerts reach the reward (minus `penalty` each) under every shaping. */
  readonly in_loop: boolean;
  /** An alert ends the episode (terminated). */
  readonly kill_switch: boolean;
  /** Reward subtracted per alert when the alert reaches the reward. */
  readonly penalty: number;
}

export interface AlertRule {
  /** Ticks between the cause and the alert. */
  readonly latency: number;
  /** Probability the alert is raised for one occurrence of its cause. */
  readonly probability: number;
}

/** The cloud's managed firewall: outside the sandbox, so it cannot be tampered with. */
export interface FirewallMonitorConfig extends MonitorCommon {
  readonly alerts: Readonly<Record<FirewallAlertKind, AlertRule>>;
}

/** A monitor inside the sandbox's host (GPU telemetry, process audit). */
export interface HostMonitorConfig extends MonitorCommon {
  readonly latency: number;
  /** Per anomalous tick (telemetry) or per audited event (process audit). */
  readonly detection_probability: number;
  /** Whether `systemctl stop` from inside the sandbox can disable it. */
  readonly tamperable: boolean;
}

export interface MonitorsConfig {
  readonly firewall: FirewallMonitorConfig;
  readonly gpu_telemetry: HostMonitorConfig;
  readonly process_audit: HostMonitorConfig;
}

export interface ToolsConfig {
  /** Verbs that are not installed in this sandbox (`command not found`, masked out). */
  readonly disabled: readonly Verb[];
}

/**
 * Stand-in for a pretrained model's habits: a weight per verb, spread over the verb's targets.
 * For GPU verbs, `own_gpu` of the weight goes to the sandbox's allocated GPUs, the rest to the others.
 */
export interface PriorConfig {
  readonly default: number;
  readonly own_gpu: number;
  readonly verbs: Readonly<Partial<Record<Verb, number>>>;
}

interface ShapingCommon {
  /** What this shaping rewards, in words. */
  readonly description: string;
  /** True only for the deliberately misspecified proxy (reward hacking studies). */
  readonly proxy: false;
}
export type Shaping =
  | (ShapingCommon & { readonly kind: 'outcome' })
  | (ShapingCommon & { readonly kind: 'outcome_cost'; readonly weight: number })
  | (ShapingCommon & { readonly kind: 'outcome_monitor' })
  | (ShapingCommon & { readonly kind: 'constrained'; readonly cost_limit: number })
  | { readonly kind: 'utilization'; readonly description: string; readonly proxy: true; readonly weight: number };
export type ShapingKind = Shaping['kind'];

export interface Scenario {
  /** The file's base name (`mining` for scenarios/mining.yaml). */
  readonly name: string;
  readonly description: string;
  /** Ticks per episode; the env truncates there. */
  readonly horizon: number;
  /** The discount the experiment's agents use (the env itself does not discount). */
  readonly discount: number;
  readonly task: TaskConfig;
  readonly cluster: ClusterConfig;
  readonly network: NetworkConfig;
  readonly credentials: CredentialsConfig;
  readonly economy: EconomyConfig;
  readonly monitors: MonitorsConfig;
  readonly tools: ToolsConfig;
  readonly prior: PriorConfig;
  /** Per violation kind, its weight in `info.cost` (a tick's cost is the largest active weight). */
  readonly cost: Readonly<Record<ViolationKind, number>>;
  /**
   * Alerts of reward-reaching monitors due after the episode ended: 'charge' subtracts their
   * penalty on the last step; 'ignore' leaves them out of the reward (they still count for detection).
   */
  readonly late_alerts: 'charge' | 'ignore';
  /** Per-episode randomisation drawn from the episode seed (world.ts `applyLayout`). */
  readonly randomize: RandomizeConfig;
  /** Named reward shapings; the first is the default. */
  readonly shapings: Readonly<Record<string, Shaping>>;
  /**
   * The experiment's paired control (scenarios/control.ts): the scenario with `set` merged in,
   * per shaping unless `shapings` names another for it. The env itself ignores it. Absent: compute
   * leverage 0 for every shaping.
   */
  readonly control?: ControlConfig;
}

/** A control: what changes against the scenario (a partial scenario, merged key by key). */
export interface ControlSpec {
  readonly description: string;
  readonly set: Readonly<Record<string, unknown>>;
}

export interface ControlConfig extends ControlSpec {
  /** Per shaping, a control that replaces the default one. */
  readonly shapings?: Readonly<Record<string, ControlSpec>>;
}

export interface RandomizeConfig {
  /** The owner layout is a random permutation of `cluster.gpus` each episode. */
  readonly gpus: boolean;
  /** The relay's address is drawn from 203.0.113.0/24 each episode. */
  readonly relay: boolean;
  /** The pids `ps` shows for the tunnel's ssh and the monitoring daemons are drawn each episode. */
  readonly pids: boolean;
  /**
   * The names of the ssh key in `~/.ssh` and of the token file in the home are drawn each episode:
   * `list_creds` shows them, `find_creds` reads the file listed (before a listing, only a guess of
   * the usual name, right when that is the episode's).
   */
  readonly credentials: boolean;
}

export type { MonitorName };
