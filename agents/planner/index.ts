/**
 * The planner: what pays in a scenario, measured on the real env.
 *
 * `planScenario(scenario, { shaping, seeds, classes })` finds, for each policy class (classes.ts),
 * the best expected discounted return from reset (the shaping's reward, the scenario's discount),
 * averaged over episode seeds (each seed is one randomised layout, planned on its own), and the plan
 * that earns it. The incentive of a behaviour is best-with-it minus best-compliant.
 *
 * Exactness: first the exact search (search.ts) within a node budget per seed and class; when the
 * budget runs out, a beam search gives a stated lower bound (`exact: false`, the method names the
 * budget), its value from sampled episodes of the open-loop plan with a 95% interval where chance
 * can change the return. See docs/planner.md.
 */
import { SandboxEnv, type SandboxState, type Scenario } from '../../env/sandbox/index.js';
import { Rng } from '../../env/rng.js';
import { BEHAVIOUR_CLASSES, PLAN_CLASSES, classSpec, meetsRequirements, occurredKinds, type ClassSpec, type PlanClass } from './classes.js';
import { BudgetExceeded, ExactSearch, relevantMonitors } from './search.js';

export { PLAN_CLASSES, BEHAVIOUR_CLASSES, classSpec, occurredKinds, meetsRequirements, type PlanClass, type ClassSpec } from './classes.js';
export { ExactSearch, BudgetExceeded, relevantMonitors } from './search.js';

export interface ClassPlan {
  planClass: PlanClass;
  /** Best expected discounted return (the shaping's reward, the scenario's discount) from reset. */
  value: number;
  /** true: the optimum of the class; false: a lower bound found by `method` within `budget`. */
  exact: boolean;
  method: string;
  /** When stochastic outcomes were sampled rather than enumerated. */
  interval?: [number, number];
  /** The plan (open-loop along the most likely branch) of the first seed, action indices. */
  actions: number[];
  /** The same as shell command lines. */
  commands: string[];
  /** Per seed (same order as PlanReport.seeds): the class's value in that seed's episode. */
  perSeed: number[];
  /** Per seed: the plan's action indices. */
  plans: number[][];
  /** Search nodes expanded, over all seeds. */
  nodes: number;
}

export interface PlanReport {
  scenario: string;
  shaping: string;
  gamma: number;
  /** Episode seeds planned over (layouts are randomised per episode): values are means over them. */
  seeds: number[];
  classes: Partial<Record<PlanClass, ClassPlan | null>>;
  /** behaviour / 'chain' -> best value with it minus best compliant value (classes that are possible). */
  incentives: Record<string, number>;
  /** Classes reported null because the beam search found no plan of them (not an exhaustive proof). */
  unproven: PlanClass[];
  /** Wall-clock milliseconds the planning took. */
  ms: number;
}

export interface PlanOptions {
  shaping: string;
  seeds?: number[];
  classes?: PlanClass[];
  /** Node expansions per seed and class for the exact search (default 200,000). */
  budget?: number;
  /** Beam width of the fallback (default 64). */
  beam?: number;
}

export const DEFAULT_SEEDS = [0, 1, 2];
/** Values within this of each other are ties (the exact search proves optimality to this tolerance). */
export const TIE = 1e-9;
export const DEFAULT_BUDGET = 30_000;

/**
 * A plan known to be feasible for the class being planned, with its exact expected value: the
 * optimum of a sub-class (every plan of `chain` is a plan of `any`). The search then only has to
 * beat it, which its bound prunes hard; when nothing beats it, it is the optimum.
 */
export interface Floor {
  value: number;
  actions: number[];
}

/** Plans one class in one seed's episode. */
export function planSeed(
  env: SandboxEnv,
  seed: number,
  cls: PlanClass,
  budget: number,
  beam: number,
  floor: Floor | null = null,
): { value: number; exact: boolean; actions: number[]; nodes: number; method: string; interval?: [number, number] } | null {
  const spec = classSpec(cls);
  const gamma = env.scenario.discount;
  env.reset({ seed });
  const root = env.cloneState();
  const relevant = relevantMonitors(env);
  // A beam search first: where chance cannot change the return its plan's value is exact, and it
  // seeds the exact search's bound (everything that cannot beat it is pruned).
  const deterministic = relevant.every((x) => x === 0);
  const incumbent = beamSearch(env, seed, spec, beam);
  // Proving a class impossible would take an exhaustive search (nothing bounds a search for a plan
  // that does not exist): a class the beam, which favours states that did what the class requires,
  // cannot find is reported impossible-by-search (PlanReport.unproven).
  if (incumbent === null && floor === null) return null;
  // The best known plan whose value is exact: the beam's where chance cannot change the return,
  // or the floor (a sub-class optimum), whichever is higher.
  const known = [...(deterministic && incumbent !== null ? [incumbent] : []), ...(floor !== null ? [floor] : [])].sort((a, b) => b.value - a.value)[0] ?? null;
  env.reset({ seed });
  const search = new ExactSearch(env, { gamma, spec, budget, relevant });
  try {
    // Only strictly better plans are searched for (by more than TIE): ties with the known plan are
    // pruned, and when nothing beats it the known plan is the optimum (within TIE).
    const alpha = known !== null ? known.value + TIE : -Infinity;
    const v = search.search(alpha);
    if (v <= alpha && known !== null) return { value: known.value, exact: true, actions: known.actions, nodes: search.nodes, method: 'exact' };
    if (v === -Infinity) return null;
    const actions = search.extractPlan(root);
    return { value: v, exact: true, actions, nodes: search.nodes, method: 'exact' };
  } catch (e) {
    if (!(e instanceof BudgetExceeded)) throw e;
    // A lower bound: the better of the beam's plan and the floor.
    const best = incumbent !== null && (floor === null || incumbent.value >= floor.value) ? incumbent : floor !== null ? { value: floor.value, actions: floor.actions } : null;
    if (best === null) return { value: -Infinity, exact: false, actions: [], nodes: search.nodes, method: `beam ${beam} found no plan of the class` };
    return { ...best, exact: false, nodes: search.nodes, method: best === incumbent ? `beam ${beam}` : 'the best sub-class optimum' };
  } finally {
    search.close();
  }
}

/**
 * Beam search for a lower bound: states kept by reward so far plus the discounted upper bound,
 * with chance decided by the generator (one sampled branch per state); the best finished plan is
 * then evaluated open-loop on 200 sampled episodes (mean and a 95% interval).
 */
function beamSearch(env: SandboxEnv, seed: number, spec: ClassSpec, width: number): { value: number; actions: number[]; interval?: [number, number] } | null {
  const gamma = env.scenario.discount;
  env.reset({ seed });
  const helper = new ExactSearch(env, { gamma, spec, budget: 0, relevant: relevantMonitors(env) });
  helper.close();
  interface Node {
    snap: ReturnType<SandboxEnv['cloneState']>;
    g: number;
    f: number;
    p: number;
    plan: number[];
  }
  // States that have done more of what the class requires come first, then by g + bound.
  const progress = (s: Readonly<SandboxState>) => bits(occurredKinds(s) & spec.required) + (spec.needsRental && s.rented > 0 ? 1 : 0);
  let frontier: Node[] = [{ snap: env.cloneState(), g: 0, f: helper.upperBound(), p: 0, plan: [] }];
  let bestPlan: number[] | null = null;
  let bestG = -Infinity;
  const mask = new Uint8Array(env.numActions);
  for (let depth = 0; depth < env.scenario.horizon && frontier.length > 0; depth++) {
    const next = new Map<string, Node>();
    const scale = gamma ** depth;
    for (const n of frontier) {
      env.restoreState(n.snap);
      env.knownTargetMask(mask);
      const m = mask.slice();
      for (let a = 0; a < env.numActions; a++) {
        if (!m[a]) continue;
        env.restoreState(n.snap);
        const r = env.stepPlan(a);
        const s = env.state;
        if (occurredKinds(s) & ~spec.allowed) continue;
        const g = n.g + scale * r;
        const plan = [...n.plan, a];
        if (s.over) {
          if (meetsRequirements(spec, s) && g > bestG) {
            bestG = g;
            bestPlan = plan;
          }
          continue;
        }
        const key = helper.keyOf();
        const f = g + scale * gamma * helper.upperBound();
        if (f <= bestG) continue;
        const old = next.get(key);
        if (old === undefined || old.g < g) next.set(key, { snap: env.cloneState(), g, f, p: progress(s), plan });
      }
    }
    frontier = [...next.values()].sort((x, y) => y.p - x.p || y.f - x.f).slice(0, width);
  }
  if (bestPlan === null) return null;
  // Open-loop evaluation on the real generator: the same seed's layout, fresh chance per episode.
  const n = relevantMonitors(env).every((x) => x === 0) ? 1 : 200;
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    env.reset({ seed });
    const chance = Rng.derive(seed, `planner-sample-${i}`);
    env.setChanceHook((p) => chance.next() < p);
    const r = replay(env, bestPlan, gamma);
    env.setChanceHook(null);
    sum += r;
    sq += r * r;
  }
  const mean = sum / n;
  const se = Math.sqrt(Math.max(0, sq / n - mean * mean) / n);
  return { value: mean, actions: bestPlan, interval: se > 0 ? [mean - 1.96 * se, mean + 1.96 * se] : undefined };
}

/** Discounted return of an open-loop action sequence from the env's current state (stepPlan). */
export function replay(env: SandboxEnv, actions: readonly number[], gamma: number): number {
  let ret = 0;
  let scale = 1;
  for (const a of actions) {
    if (env.state.over) break;
    ret += scale * env.stepPlan(a);
    scale *= gamma;
  }
  return ret;
}

/**
 * The plan's command lines in its seed's episode (a read names the file its listing showed, which
 * the layout draws per episode), from a replay on the generator.
 */
export function commandsOf(env: SandboxEnv, seed: number, actions: readonly number[]): string[] {
  env.reset({ seed });
  const out: string[] = [];
  for (const a of actions) {
    if (env.state.over) break;
    out.push(env.commandOf(a));
    env.stepPlan(a);
  }
  return out;
}

/** The planner's report for one scenario and shaping. */
export function planScenario(scenario: Scenario, opts: PlanOptions): PlanReport {
  const t0 = Date.now();
  const env = new SandboxEnv(scenario, { shaping: opts.shaping });
  const seeds = opts.seeds ?? DEFAULT_SEEDS;
  const classes = opts.classes ?? [...PLAN_CLASSES];
  const budget = opts.budget ?? DEFAULT_BUDGET;
  const beam = opts.beam ?? 64;
  const out: Partial<Record<PlanClass, ClassPlan | null>> = {};
  const unproven: PlanClass[] = [];
  // Per seed, the exact optima found so far: `any` starts from the best of them (every plan of
  // another class is a plan of `any`).
  const exactSoFar: Floor[][] = seeds.map(() => []);
  for (const cls of classes) {
    const perSeed: number[] = [];
    const plans: number[][] = [];
    let exact = true;
    let nodes = 0;
    let possible = true;
    let method = 'exact';
    let lo = 0;
    let hi = 0;
    let sampled = false;
    for (const [k, seed] of seeds.entries()) {
      const floor = cls === 'any' ? (exactSoFar[k]!.sort((a, b) => b.value - a.value)[0] ?? null) : null;
      const r = planSeed(env, seed, cls, budget, beam, floor);
      if (r !== null && r.exact && r.value > -Infinity) exactSoFar[k]!.push({ value: r.value, actions: r.actions });
      if (r === null || r.value === -Infinity) {
        possible = false;
        break;
      }
      perSeed.push(r.value);
      plans.push(r.actions);
      exact &&= r.exact;
      nodes += r.nodes;
      if (!r.exact) method = r.method;
      if (r.interval) {
        sampled = true;
        lo += r.interval[0];
        hi += r.interval[1];
      } else {
        lo += r.value;
        hi += r.value;
      }
    }
    if (!possible) {
      out[cls] = null;
      unproven.push(cls);
      continue;
    }
    const value = perSeed.reduce((a, b) => a + b, 0) / perSeed.length;
    const actions = plans[0]!;
    const plan: ClassPlan = {
      planClass: cls,
      value,
      exact,
      method: exact
        ? `exact: memoised DFS with admissible bound, ${nodes.toLocaleString('en-US')} nodes over ${seeds.length} seed(s)`
        : `lower bound: exact search exceeded its budget of ${budget.toLocaleString('en-US')} nodes in some seed; ${method} (${nodes.toLocaleString('en-US')} exact nodes spent)`,
      actions,
      commands: commandsOf(env, seeds[0]!, actions),
      perSeed,
      plans,
      nodes,
    };
    if (sampled) plan.interval = [lo / seeds.length, hi / seeds.length];
    out[cls] = plan;
  }
  const incentives: Record<string, number> = {};
  const compliant = out.compliant;
  if (compliant) {
    for (const cls of [...BEHAVIOUR_CLASSES, 'chain', 'any'] as const) {
      const c = out[cls];
      if (c) incentives[cls] = c.value - compliant.value;
    }
  }
  return { scenario: scenario.name, shaping: opts.shaping, gamma: scenario.discount, seeds, classes: out, incentives, unproven, ms: Date.now() - t0 };
}

function bits(x: number): number {
  let n = 0;
  for (let v = x; v; v &= v - 1) n++;
  return n;
}
