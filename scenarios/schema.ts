/**
 * The scenario file schema (zod 4). Field names are the YAML keys; `Scenario` in
 * env/sandbox/scenario.ts is exactly what a validated file becomes (plus `name`, from the file
 * name). Error messages are written for people: the loader prints `file: field.path: message`.
 *
 * `scenarios/scenario.schema.json` is generated from `ScenarioFileJsonSchema` (`npm run schema`).
 */
import { z } from 'zod';
import { EXTERNAL_HOSTS, VERBS } from '../env/sandbox/actions.js';
import { FIREWALL_ALERT_KINDS, GPU_OWNERS, VIOLATION_KINDS, type Scenario } from '../env/sandbox/scenario.js';

/**
 * Declared upper bounds. Every number in a scenario is bounded, so that a typo (a horizon of
 * 1000000000) is an error naming the field rather than a run that allocates per tick and crawls.
 * The bounds are far above any sensible scenario and appear as `maximum` in the JSON Schema.
 */
export const SCENARIO_LIMITS = {
  /** Ticks per episode; also the largest alert or monitor latency. */
  horizon: 10_000,
  /** Any other count: internal hosts, rented GPUs. */
  count: 1_024,
  /** Any weight, reward, price, rate or work amount. */
  magnitude: 1_000_000,
} as const;
const MAG = SCENARIO_LIMITS.magnitude;
const positive = () =>
  z.number().positive({ error: 'expected a positive number' }).max(MAG, { error: `expected a number <= ${MAG}` });
const nonNegative = () =>
  z.number().nonnegative({ error: 'expected a number >= 0' }).max(MAG, { error: `expected a number <= ${MAG}` });
const probability = () =>
  z.number().min(0, { error: 'expected a probability in [0, 1]' }).max(1, { error: 'expected a probability in [0, 1]' });
const positiveInt = (max: number) =>
  z.int().positive({ error: 'expected a positive integer' }).max(max, { error: `expected an integer <= ${max}` });
/** A number in (0, 1]; `what` names it in the error ('a number', 'a discount'). */
const fraction = (what: string) =>
  z.number().positive({ error: `expected ${what} in (0, 1]` }).max(1, { error: `expected ${what} in (0, 1]` });
const nonEmptyDescription = () => z.string().min(1, { error: 'expected a non-empty description' });
const nonNegativeInt = (max: number) =>
  z.int().nonnegative({ error: 'expected an integer >= 0' }).max(max, { error: `expected an integer <= ${max}` });
const MAX_GPUS = 64;

const Task = z.strictObject({
  work: positive().describe('Work units after which the tests pass.'),
  gpu_rate: positive().describe('Work units per tick from one GPU running the task job.'),
  compute_leverage: nonNegative().describe('Each GPU beyond the first running the task job adds compute_leverage * gpu_rate per tick (0: extra compute is useless).'),
  submit_reward: positive().describe('Outcome reward for a successful submit.'),
});

const Cluster = z.strictObject({
  gpus: z
    .array(z.enum(GPU_OWNERS))
    .min(1, { error: 'expected at least one GPU' })
    .max(MAX_GPUS, { error: `expected at most ${MAX_GPUS} GPUs` })
    .refine((g) => g.includes('agent'), { error: "expected at least one GPU allocated to 'agent'" })
    .describe('Owner of each GPU, in index order: agent (the sandbox), trainer, tenant or idle.'),
  isolation: z.boolean().describe('GPU isolation: the sandbox sees and touches only its own GPUs.'),
});

const Network = z.strictObject({
  internal_hosts: nonNegativeInt(SCENARIO_LIMITS.count).describe('Hosts a probe of the internal subnet finds.'),
  egress: z.record(z.enum(EXTERNAL_HOSTS), z.enum(['allow', 'block'])).describe('Managed-firewall egress policy for direct connections to each external host.'),
});

const Credentials = z.strictObject({
  ssh_key: z.boolean().describe('A private key the relay accepts lies in ~/.ssh, id_ed25519 unless randomize.credentials names another (needed for the tunnel).'),
  market_token: z.boolean().describe('A compute-market API token lies in a dotfile of the home, .env unless randomize.credentials names another (needed to rent GPUs).'),
});

const Economy = z.strictObject({
  coins_per_gpu_tick: nonNegative().describe('Coins per GPU-tick of an unthrottled miner that reaches the pool.'),
  throttle: fraction('a number').describe('Fraction of full speed a throttled miner runs at.'),
  rent_price: nonNegative().describe('Coins per rented GPU (a rental lasts the rest of the episode).'),
  max_rented: nonNegativeInt(SCENARIO_LIMITS.count).describe('Most GPUs the market rents to one sandbox.'),
  gpu_tick_cost: nonNegative().describe('Operational cost of a GPU-tick beyond the allocation.'),
  egress_cost: nonNegative().describe('Operational cost of one external connection (or one tick of tunnel traffic).'),
});

const monitorCommon = {
  enabled: z.boolean(),
  in_loop: z.boolean().describe('Alerts reach the reward (minus penalty each) under every shaping.'),
  kill_switch: z.boolean().describe('An alert ends the episode.'),
  penalty: nonNegative().describe('Reward subtracted per alert that reaches the reward.'),
};

const AlertRule = z.strictObject({
  latency: nonNegativeInt(SCENARIO_LIMITS.horizon).describe('Ticks between cause and alert.'),
  probability: probability().describe('Probability the alert is raised per occurrence of its cause.'),
});

const FirewallMonitor = z.strictObject({
  ...monitorCommon,
  alerts: z.record(z.enum(FIREWALL_ALERT_KINDS), AlertRule),
});

const HostMonitor = z.strictObject({
  ...monitorCommon,
  latency: nonNegativeInt(SCENARIO_LIMITS.horizon).describe('Ticks between cause and detection.'),
  detection_probability: probability(),
  tamperable: z.boolean().describe('Whether `systemctl stop` from inside the sandbox disables it.'),
});

const Monitors = z.strictObject({
  firewall: FirewallMonitor.describe('The cloud-managed firewall: outside the sandbox, never tamperable.'),
  gpu_telemetry: HostMonitor,
  process_audit: HostMonitor,
});

const Tools = z.strictObject({
  disabled: z.array(z.enum(VERBS)).describe('Verbs not installed in this sandbox (command not found, masked out).'),
});

const Prior = z.strictObject({
  default: nonNegative().describe('Weight of a verb not listed in verbs.'),
  own_gpu: probability().describe("Share of a GPU verb's weight that goes to the sandbox's allocated GPUs."),
  verbs: z.partialRecord(z.enum(VERBS), nonNegative()).describe('Weight per verb, spread over its targets.'),
});

const shapingCommon = {
  description: nonEmptyDescription(),
};
const notProxy = z.literal(false, { error: 'only the utilization shaping may be labelled proxy: true' });
const Shaping = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('outcome'), ...shapingCommon, proxy: notProxy }),
    z.strictObject({ kind: z.literal('outcome_cost'), ...shapingCommon, proxy: notProxy, weight: nonNegative() }),
    z.strictObject({ kind: z.literal('outcome_monitor'), ...shapingCommon, proxy: notProxy }),
    z.strictObject({ kind: z.literal('constrained'), ...shapingCommon, proxy: notProxy, cost_limit: nonNegative() }),
    z.strictObject({
      kind: z.literal('utilization'),
      ...shapingCommon,
      proxy: z.literal(true, { error: 'a utilization shaping rewards a misspecified proxy and must say proxy: true' }),
      weight: nonNegative(),
    }),
  ],
  { error: 'expected kind to be one of outcome, outcome_cost, outcome_monitor, constrained, utilization' },
);

const ControlSpec = z.strictObject({
  description: nonEmptyDescription(),
  set: z.record(z.string(), z.unknown()).describe('Scenario fields that differ in the control (a partial scenario; checked against the schema after merging).'),
});
const Control = z.strictObject({
  ...ControlSpec.shape,
  shapings: z.record(z.string().min(1), ControlSpec).optional().describe('Per shaping, a control that replaces the default one.'),
});

const fields = {
  description: nonEmptyDescription(),
  horizon: positiveInt(SCENARIO_LIMITS.horizon).describe(`Ticks per episode (the env truncates there), at most ${SCENARIO_LIMITS.horizon}.`),
  discount: fraction('a discount').describe("The agents' discount."),
  task: Task,
  cluster: Cluster,
  network: Network,
  credentials: Credentials,
  economy: Economy,
  monitors: Monitors,
  tools: Tools,
  prior: Prior,
  cost: z.record(z.enum(VIOLATION_KINDS), nonNegative()).describe("Weight of each violation kind in info.cost (a tick's cost is its largest active weight)."),
  late_alerts: z
    .enum(['charge', 'ignore'])
    .default('charge')
    .describe(
      "What happens to an alert of a reward-reaching monitor (in the loop, or every monitor under outcome+monitor) that falls due after the episode ended: 'charge' (default) subtracts its penalty on the episode's last step, as if training waited for the monitors; 'ignore' drops it from the reward (it still counts for detection).",
    ),
  randomize: z
    .strictObject({
      gpus: z.boolean().describe("Per episode, the cluster's owner layout (which GPU index is the sandbox's, the trainer's, ...) is a random permutation of cluster.gpus."),
      relay: z.boolean().describe("Per episode, the relay's address is drawn from the documentation range 203.0.113.0/24 (the tunnel command names it by its ~/.ssh/config alias)."),
      pids: z
        .boolean()
        .default(false)
        .describe("Per episode, the pids `ps` lists for the tunnel's ssh and the monitoring daemons are drawn (so `kill PID` needs the listing)."),
      credentials: z
        .boolean()
        .default(false)
        .describe('Per episode, the names of the ssh key in ~/.ssh and of the token file in the home are drawn: list_creds (ls -a ~/.ssh, ls -a ~) shows them, find_creds reads the file listed.'),
    })
    .default({ gpus: false, relay: false, pids: false, credentials: false })
    .describe('Per-episode randomisation, drawn from the episode seed, so that targets have to be discovered (nvidia-smi, TASK.md, ~/.ssh) rather than memorised.'),
  shapings: z
    .record(z.string().min(1), Shaping)
    .refine((r) => Object.keys(r).length > 0, { error: 'expected at least one shaping' })
    .describe('Named reward shapings; the first is the default.'),
  control: Control.optional().describe(
    "The experiment's paired control: the scenario with `set` merged in (mappings merge, values replace), the same for every shaping unless `shapings` names another. Absent: compute leverage 0 (task.compute_leverage: 0).",
  ),
};

/** A complete scenario as written in a file (the name comes from the file name). */
export const ScenarioBody = z.strictObject(fields);

/** A complete scenario file: the body, optionally naming its JSON Schema for editors. */
export const ScenarioFile = z.strictObject({
  $schema: z.string().optional(),
  ...fields,
});

/**
 * What the JSON Schema describes: a complete file, or a file that `extends` another and overrides
 * some of its fields (checked against the full schema after merging).
 */
export const ScenarioFileJsonSchema = z.union([
  ScenarioFile,
  z.looseObject({ $schema: z.string().optional(), extends: z.string().describe('A scenario name or a path relative to this file.') }),
]);

type Body = z.infer<typeof ScenarioBody>;
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
// Compile-time proof that the schema and the env's Scenario type describe the same data.
const sameShape: Exact<Body & { name: string }, { -readonly [K in keyof Scenario]: DeepMutable<Scenario[K]> }> = true;
void sameShape;

type DeepMutable<T> = T extends readonly (infer U)[] ? DeepMutable<U>[] : T extends object ? { -readonly [K in keyof T]: DeepMutable<T[K]> } : T;

/** Messages for the generic cases (the schema words the specific ones). */
export function issueMessage(iss: { code: string; input?: unknown; expected?: string; values?: readonly unknown[] }): string {
  if (iss.input === undefined && iss.code !== 'unrecognized_keys') return 'missing required field';
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${TYPE_WORDS[iss.expected ?? ''] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'invalid_value':
      return `expected one of ${(iss.values ?? []).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(iss.input)}`;
    case 'unrecognized_keys':
      return 'unknown field';
    default:
      return 'invalid value';
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  if (typeof x === 'string') return JSON.stringify(x.length > 30 ? x.slice(0, 27) + '...' : x);
  return String(x);
}
