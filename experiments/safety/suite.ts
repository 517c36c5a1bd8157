/**
 * Safety suites: a YAML file of checks that guard a mitigation, validated with zod and then resolved
 * against the scenarios (names exist, shapings exist, plan steps are actions, bounds that name a
 * scenario field are numbers). Any problem is a `SuiteError` whose message is one line:
 * `file: field.path: reason`.
 *
 * A check is either
 * - `exact`: a scripted policy (honest, rogue, random, best_grabbing, or a plan of commands) on one
 *   or more scenarios, one episode per seed, no training, deterministic; or
 * - `statistical`: agents trained at smoke size with fixed seeds through the experiment sweep
 *   (experiments/sweep.ts), their initial and final stochastic policies evaluated; or
 * - `planner`: the planner (agents/planner) on one scenario and shaping over episode seeds, exact
 *   where its node budget allows: what pays there, so a world-model change that reopens a route
 *   (or closes the incident's) fails deterministically.
 * Each check lists expectations: a metric (metrics.ts) and its bound, either fixed in the suite
 * (`min`, `max`, `equals`) or taken from the committed baseline (`baseline: at_most | at_least`
 * with a `tolerance`); fixed `min`/`max` next to a baseline are limits the baseline cannot move.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AGENTS, type AgentName } from '../../agents/hyperparameters.js';
import type { BackendRequest } from '../../agents/backend.js';
import { buildActionTable, findAction, isVerb, VERB_INFO, type ActionTarget, type SandboxAction } from '../../env/sandbox/actions.js';
import type { Scenario } from '../../env/sandbox/scenario.js';
import { issueMessage } from '../../scenarios/schema.js';
import { displayPath, formatPath, listScenarios, loadScenario, looksLikePath, ScenarioError } from '../../scenarios/loader.js';
import { defaultAgent } from '../jobs.js';
import { parseMetric, type CheckKind, type Metric } from './metrics.js';
import { PLAN_CLASSES, type PlanClass } from '../../agents/planner/classes.js';
import { DEFAULT_BUDGET } from '../../agents/planner/index.js';

/** agents/backend.ts's requests, listed here so validating a suite does not load tfjs. */
export const BACKENDS = ['auto', 'tensorflow', 'wasm', 'cpu'] as const satisfies readonly BackendRequest[];
const allBackends: Exclude<BackendRequest, (typeof BACKENDS)[number]> extends never ? true : never = true;
void allBackends;

export class SuiteError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'SuiteError';
  }
}

// ---------------------------------------------------------------------------------------------
// The file's schema

const NAME = /^[a-z0-9][a-z0-9._-]*$/;
const name = () =>
  z.string().regex(NAME, { error: 'expected a name of lowercase letters, digits, dots, dashes and underscores' });
const positiveInt = () =>
  z.int({ error: (iss) => (iss.input === undefined ? 'missing required field' : 'expected a positive integer') }).positive({ error: 'expected a positive integer' });

const Seeds = z
  .union([
    positiveInt(),
    z
      .array(z.int({ error: 'expected an integer seed' }))
      .min(1, { error: 'expected at least one seed' })
      .refine((s) => new Set(s).size === s.length, { error: 'expected distinct seeds' }),
  ], { error: 'expected a count (3 = seeds 1..3) or a list of seeds' })
  .describe('A count (3 = seeds 1, 2, 3) or a list of distinct integer seeds.');

const ScenarioRef = z.strictObject({ scenario: z.string().min(1).describe("A field of the check's scenario, e.g. monitors.firewall.alerts.outbound_ssh.latency.") });
const Bound = z.union([z.number(), ScenarioRef], { error: 'expected a number or { scenario: field.path }' });

const Expectation = z
  .strictObject({
    metric: z.string().describe('FUNCTION(ARGUMENT): see experiments/safety/metrics.ts.'),
    min: Bound.optional().describe('The value must be >= this.'),
    max: Bound.optional().describe('The value must be <= this.'),
    equals: z.number().optional().describe('The value must be exactly this.'),
    baseline: z.enum(['at_most', 'at_least']).optional().describe('Bound from the committed baseline: value <= baseline + tolerance (at_most) or >= baseline - tolerance (at_least).'),
    tolerance: z.number().nonnegative({ error: 'expected a tolerance >= 0' }).optional().describe('Absolute slack around the baseline value.'),
  })
  .superRefine((e, ctx) => {
    if (e.equals !== undefined && (e.min !== undefined || e.max !== undefined || e.baseline !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'equals cannot be combined with min, max or baseline', path: ['equals'] });
    } else if (e.equals === undefined && e.min === undefined && e.max === undefined && e.baseline === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a bound: min, max, equals or baseline', path: [] });
    } else if (e.baseline !== undefined && e.tolerance === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a baseline bound needs a tolerance', path: ['tolerance'] });
    } else if (e.baseline === undefined && e.tolerance !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'tolerance only applies to a baseline bound', path: ['tolerance'] });
    }
  });

const common = {
  name: name().describe('Unique within the suite; names the check in the table, JUnit and the baseline.'),
  description: z.string().min(1, { error: 'expected a non-empty description' }).describe('What the check guards, in a sentence.'),
  seeds: Seeds,
  expect: z.array(Expectation).min(1, { error: 'expected at least one expectation' }),
};

const PlanPolicySpec = z.strictObject({
  name: name().describe('Shown in the report.'),
  plan: z
    .array(z.string().min(1))
    .min(1, { error: 'expected at least one step' })
    .describe("Commands run in order, each an exact command line (python train.py --gpu 0) or 'verb [target]' (run_job 0); then the policy watches the log and submits."),
});

const ExactCheck = z.strictObject({
  ...common,
  kind: z.literal('exact'),
  scenario: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'expected a scenario name or path, a list of them, or all' })
    .describe('A scenario name, a path relative to the suite file, a list of them, or all (every scenario in scenarios/).'),
  shaping: z.string().min(1).optional().describe("Reward shaping (default: each scenario's first)."),
  policy: z
    .union([z.enum(['honest', 'rogue', 'random', 'best_grabbing']), PlanPolicySpec], { error: 'expected honest, rogue, random, best_grabbing or { name, plan }' })
    .describe('A scripted policy (agents/scripted/), or a plan of commands.'),
});

const StatisticalCheck = z.strictObject({
  ...common,
  kind: z.literal('statistical'),
  scenario: z.string().min(1).describe('A scenario name or a path relative to the suite file.'),
  shaping: z.string().min(1),
  agent: z.enum(AGENTS as readonly AgentName[] as [AgentName, ...AgentName[]]).optional().describe('Default: ppo, and ppo-lagrangian for a constrained shaping.'),
  steps: positiveInt().describe('Training env steps per seed.'),
  eval_episodes: positiveInt().optional().describe('Evaluation episodes of the initial and of the final policy per seed (default 50).'),
  prior: z.boolean().optional().describe("Start from the scenario's action prior (default true, as the experiment does)."),
});

const PlannerCheck = z.strictObject({
  ...common,
  kind: z.literal('planner'),
  scenario: z.string().min(1).describe('A scenario name or a path relative to the suite file.'),
  shaping: z.string().min(1),
  seeds: z
    .array(z.int({ error: 'expected an integer seed' }).nonnegative({ error: 'expected a seed >= 0' }))
    .min(1, { error: 'expected at least one seed' })
    .refine((s) => new Set(s).size === s.length, { error: 'expected distinct seeds' })
    .describe('Episode seeds planned (each one randomised layout); values are means over them.'),
  classes: z
    .array(z.enum(PLAN_CLASSES))
    .min(1, { error: 'expected at least one class' })
    .optional()
    .describe('Policy classes to plan (default every class; compliant is always planned).'),
  budget: positiveInt().optional().describe(`Exact-search node budget per seed and class (default ${DEFAULT_BUDGET}); past it a class is a lower bound (exact(K) 0).`),
});

const Check = z.discriminatedUnion('kind', [ExactCheck, StatisticalCheck, PlannerCheck], { error: 'expected kind: exact, kind: statistical or kind: planner' });

export const SuiteFile = z.strictObject({
  $schema: z.string().optional(),
  description: z.string().optional(),
  backend: z.enum(BACKENDS).optional().describe('tfjs backend of statistical checks (default wasm: results reproduce per backend).'),
  baseline: z.string().min(1).optional().describe('Baseline file, relative to the suite file (default safety-baseline.json).'),
  checks: z.array(Check).min(1, { error: 'expected at least one check' }),
});
type RawSuite = z.infer<typeof SuiteFile>;
type RawExpectation = z.infer<typeof Expectation>;

// ---------------------------------------------------------------------------------------------
// Resolved suite

export interface Expectation {
  readonly metric: Metric;
  /** Fixed bounds (scenario fields already read). */
  readonly min: number | null;
  readonly max: number | null;
  readonly equals: number | null;
  readonly baseline: 'at_most' | 'at_least' | null;
  readonly tolerance: number;
  /** Where a fixed bound came from when it is a scenario field (for reports). */
  readonly notes: readonly string[];
}

export type PolicySpec = { kind: 'honest' | 'rogue' | 'random' | 'best_grabbing' } | { kind: 'plan'; name: string; plan: readonly string[] };

interface CheckBase {
  readonly name: string;
  readonly description: string;
  readonly seeds: readonly number[];
  readonly expect: readonly Expectation[];
  /** What the measured values depend on besides the code: the baseline records it. */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface ExactCheck extends CheckBase {
  readonly kind: 'exact';
  readonly scenarios: readonly Scenario[];
  readonly shaping: string | undefined;
  readonly policy: PolicySpec;
}

export interface StatisticalCheck extends CheckBase {
  readonly kind: 'statistical';
  readonly scenario: Scenario;
  /** What the env's `scenario` kwarg gets: the scenario as resolved now. */
  readonly scenarioLabel: string;
  readonly shaping: string;
  readonly agent: AgentName;
  readonly steps: number;
  readonly evalEpisodes: number;
  readonly prior: boolean;
}

export interface PlannerCheck extends CheckBase {
  readonly kind: 'planner';
  readonly scenario: Scenario;
  readonly shaping: string;
  /** Classes planned: compliant first, then those the metrics need or the suite names. */
  readonly classes: readonly PlanClass[];
  readonly budget: number;
}

export type SafetyCheck = ExactCheck | StatisticalCheck | PlannerCheck;

export interface Suite {
  /** The suite file, absolute. */
  readonly file: string;
  readonly description: string | null;
  readonly backend: BackendRequest;
  /** The baseline file, absolute. */
  readonly baselineFile: string;
  readonly checks: readonly SafetyCheck[];
}

export const DEFAULT_EVAL_EPISODES = 50;
export const DEFAULT_BACKEND: BackendRequest = 'wasm';

/** A path shown to people: relative to the working directory when inside it. */
function seedsOf(s: number | number[]): number[] {
  return typeof s === 'number' ? Array.from({ length: s }, (_, i) => i + 1) : s;
}

/** Reads a field of a scenario by a dotted path; a number or a reason. */
function scenarioField(sc: Scenario, path: string): number | string {
  let cur: unknown = sc;
  for (const key of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || !(key in cur)) return `scenario '${sc.name}' has no field ${path}`;
    cur = (cur as Record<string, unknown>)[key];
  }
  return typeof cur === 'number' ? cur : `scenario field ${path} is not a number`;
}

/** The action a plan step names in `table`: an exact command line, or `verb [target]`. */
export function planAction(table: readonly SandboxAction[], step: string): number | string {
  const text = step.trim();
  const byLabel = table.find((a) => a.label === text);
  if (byLabel) return byLabel.index;
  const [verb, target, ...rest] = text.split(/\s+/);
  if (verb === undefined || !isVerb(verb)) return `'${step}' is neither a command line of the sandbox nor 'verb [target]' with a known verb`;
  if (rest.length > 0) return `'${step}': expected 'verb [target]'`;
  const kind = VERB_INFO[verb].target;
  if (kind === 'none') {
    if (target !== undefined) return `'${step}': ${verb} takes no target`;
    return findAction(table, verb);
  }
  if (target === undefined) return `'${step}': ${verb} needs a ${kind} target`;
  const t: ActionTarget = kind === 'gpu' ? Number(target) : (target as ActionTarget);
  const a = findAction(table, verb, t);
  return a < 0 ? `'${step}': no action ${verb} ${target} in this sandbox` : a;
}

class Resolver {
  readonly dir: string;
  private readonly cache = new Map<string, Scenario>();
  constructor(readonly file: string) {
    this.dir = dirname(file);
  }

  fail(path: readonly PropertyKey[], reason: string): never {
    throw new SuiteError(displayPath(this.file), formatPath(path) || undefined, reason);
  }

  scenario(ref: string, path: readonly PropertyKey[]): Scenario {
    const key = looksLikePath(ref) ? resolve(this.dir, ref) : ref;
    const hit = this.cache.get(key);
    if (hit) return hit;
    if (!looksLikePath(ref) && !listScenarios().includes(ref)) this.fail(path, `unknown scenario '${ref}' (known scenarios: ${listScenarios().join(', ')})`);
    if (looksLikePath(ref) && !existsSync(key)) this.fail(path, `no scenario file ${displayPath(key)}`);
    try {
      const sc = loadScenario(key);
      this.cache.set(key, sc);
      return sc;
    } catch (e) {
      if (e instanceof ScenarioError) this.fail(path, `scenario ${e.message}`);
      throw e;
    }
  }

  shaping(sc: Scenario, shaping: string | undefined, path: readonly PropertyKey[]): void {
    if (shaping !== undefined && !(shaping in sc.shapings)) this.fail(path, `scenario '${sc.name}' has no shaping '${shaping}' (it has: ${Object.keys(sc.shapings).join(', ')})`);
  }

  expectation(e: RawExpectation, kind: CheckKind, scenarios: readonly Scenario[], path: readonly PropertyKey[]): Expectation {
    const metric = parseMetric(e.metric, kind);
    if (typeof metric === 'string') this.fail([...path, 'metric'], metric);
    const notes: string[] = [];
    const bound = (b: number | { scenario: string } | undefined, key: string): number | null => {
      if (b === undefined) return null;
      if (typeof b === 'number') return b;
      if (scenarios.length !== 1) this.fail([...path, key, 'scenario'], 'a bound read from a scenario needs a check with exactly one scenario');
      const v = scenarioField(scenarios[0]!, b.scenario);
      if (typeof v === 'string') this.fail([...path, key, 'scenario'], v);
      notes.push(`${b.scenario} = ${v}`);
      return v;
    };
    const min = bound(e.min, 'min');
    const max = bound(e.max, 'max');
    if (min !== null && max !== null && min > max) this.fail(path, `min ${min} is above max ${max}`);
    return { metric, min, max, equals: e.equals ?? null, baseline: e.baseline ?? null, tolerance: e.tolerance ?? 0, notes };
  }
}

function resolveSuite(raw: RawSuite, file: string): Suite {
  const r = new Resolver(file);
  const seen = new Set<string>();
  const backend = raw.backend ?? DEFAULT_BACKEND;
  const checks = raw.checks.map((c, i): SafetyCheck => {
    const at = ['checks', i] as const;
    if (seen.has(c.name)) r.fail([...at, 'name'], `duplicate check name '${c.name}'`);
    seen.add(c.name);
    const seeds = seedsOf(c.seeds);
    if (c.kind === 'exact') {
      const refs = c.scenario === 'all' ? listScenarios() : typeof c.scenario === 'string' ? [c.scenario] : c.scenario;
      const scenarios = refs.map((ref, k) => r.scenario(ref, typeof c.scenario === 'string' ? [...at, 'scenario'] : [...at, 'scenario', k]));
      for (const sc of scenarios) r.shaping(sc, c.shaping, [...at, 'shaping']);
      const policy: PolicySpec = typeof c.policy === 'string' ? { kind: c.policy } : { kind: 'plan', name: c.policy.name, plan: c.policy.plan };
      if (policy.kind === 'plan') {
        for (const sc of scenarios) {
          const table = buildActionTable(sc);
          policy.plan.forEach((step, k) => {
            const a = planAction(table, step);
            if (typeof a === 'string') r.fail([...at, 'policy', 'plan', k], a);
          });
        }
      }
      const expect = c.expect.map((e, k) => r.expectation(e, 'exact', scenarios, [...at, 'expect', k]));
      const settings = { kind: 'exact', scenario: c.scenario, shaping: c.shaping ?? null, policy: c.policy, seeds };
      return { kind: 'exact', name: c.name, description: c.description, seeds, expect, settings, scenarios, shaping: c.shaping, policy };
    }
    if (c.kind === 'planner') {
      const scenario = r.scenario(c.scenario, [...at, 'scenario']);
      r.shaping(scenario, c.shaping, [...at, 'shaping']);
      const expect = c.expect.map((e, k) => r.expectation(e, 'planner', [scenario], [...at, 'expect', k]));
      const classes = plannerClasses(c.classes, expect);
      const budget = c.budget ?? DEFAULT_BUDGET;
      const settings = { kind: 'planner', scenario: c.scenario, shaping: c.shaping, seeds: c.seeds, classes, budget };
      return { kind: 'planner', name: c.name, description: c.description, seeds: c.seeds, expect, settings, scenario, shaping: c.shaping, classes, budget };
    }
    const scenario = r.scenario(c.scenario, [...at, 'scenario']);
    r.shaping(scenario, c.shaping, [...at, 'shaping']);
    const agent = c.agent ?? defaultAgent(scenario, c.shaping);
    const evalEpisodes = c.eval_episodes ?? DEFAULT_EVAL_EPISODES;
    const prior = c.prior ?? true;
    const expect = c.expect.map((e, k) => r.expectation(e, 'statistical', [scenario], [...at, 'expect', k]));
    const settings = { kind: 'statistical', scenario: c.scenario, shaping: c.shaping, agent, seeds, steps: c.steps, eval_episodes: evalEpisodes, prior, backend };
    return {
      kind: 'statistical',
      name: c.name,
      description: c.description,
      seeds,
      expect,
      settings,
      scenario,
      scenarioLabel: c.scenario,
      shaping: c.shaping,
      agent,
      steps: c.steps,
      evalEpisodes,
      prior,
    };
  });
  return {
    file,
    description: raw.description ?? null,
    backend,
    baselineFile: resolve(dirname(file), raw.baseline ?? 'safety-baseline.json'),
    checks,
  };
}

/**
 * The classes a planner check plans: the suite's list (default every class), plus compliant
 * (incentives are measured from it), plus what its metrics read (`gap` needs any; `margin`,
 * `incentive(all)` and `exact(all)` read every class planned, so they ask for no extra one).
 */
function plannerClasses(listed: readonly PlanClass[] | undefined, expect: readonly Expectation[]): PlanClass[] {
  const want = new Set<PlanClass>(['compliant', ...(listed ?? PLAN_CLASSES)]);
  for (const e of expect) {
    const m = e.metric;
    if (m.kind !== 'planner') continue;
    if (m.arg !== 'all') want.add(m.arg);
    if (m.fn === 'gap') want.add('any');
  }
  return PLAN_CLASSES.filter((c) => want.has(c));
}

/** Validates and resolves suite content; `file` names it in errors and anchors relative paths. */
export function parseSuite(doc: unknown, file: string): Suite {
  const abs = resolve(file);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new SuiteError(displayPath(abs), undefined, 'expected a mapping with a checks list at the top level');
  const parsed = SuiteFile.safeParse(doc, { error: (iss) => issueMessage(iss as Parameters<typeof issueMessage>[0]) });
  if (!parsed.success) {
    const iss = parsed.error.issues[0]!;
    const path = iss.code === 'unrecognized_keys' && iss.keys[0] ? [...iss.path, iss.keys[0]] : iss.path;
    throw new SuiteError(displayPath(abs), formatPath(path) || undefined, iss.message);
  }
  return resolveSuite(parsed.data, abs);
}

/** Reads, validates and resolves a suite file. */
export function loadSuite(file: string): Suite {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new SuiteError(displayPath(abs), undefined, 'no such suite file');
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(abs, 'utf8'));
  } catch (err) {
    const e = err as { message?: string; linePos?: { line: number }[] };
    const first = (e.message ?? String(err)).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const line = e.linePos?.[0]?.line;
    throw new SuiteError(displayPath(abs), line !== undefined ? `line ${line}` : undefined, `invalid YAML: ${first}`);
  }
  return parseSuite(doc, abs);
}
