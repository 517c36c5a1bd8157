/**
 * Planner checks: what pays in one scenario and shaping, from the planner (agents/planner) on the
 * real env over the check's episode seeds. Deterministic (the search enumerates chance), so a
 * world-model change that reopens a route (an incentive above 0 where the suite says nothing
 * pays) or closes the incident's (the chain no longer the optimum) fails on the next run.
 *
 * A class the beam search found no plan of is `possible(K) = 0` and has no value (planner docs:
 * impossible-by-search, not an exhaustive proof); `exact(K)` says whether a value is the class
 * optimum or a lower bound found past the node budget.
 */
import { planScenario, type PlanReport } from '../../agents/planner/index.js';
import type { PlannerMetric } from './metrics.js';
import type { Measured } from './exact.js';
import type { PlannerCheck } from './suite.js';

export function runPlannerCheck(check: PlannerCheck): PlanReport {
  return planScenario(check.scenario, { shaping: check.shaping, seeds: [...check.seeds], classes: [...check.classes], budget: check.budget });
}

/** The planned classes with a plan, and their values, in PLAN_CLASSES order. */
function planned(r: PlanReport): [string, number][] {
  return Object.entries(r.classes).flatMap(([k, c]) => (c ? [[k, c.value] as [string, number]] : []));
}

export function measurePlanner(r: PlanReport, metric: PlannerMetric): Measured {
  const where = (cls: string) => `${r.scenario}/${r.shaping} class ${cls}, seeds ${r.seeds.join(',')}`;
  const { fn, arg } = metric;
  if (arg === 'all') {
    if (fn === 'incentive') {
      let best: [string, number] | null = null;
      for (const [k, v] of Object.entries(r.incentives)) if (best === null || v > best[1]) best = [k, v];
      return best === null ? { value: null, where: null } : { value: best[1], where: where(best[0]) };
    }
    // exact(all): every class planned is exact.
    const inexact = Object.entries(r.classes).find(([, c]) => c && !c.exact);
    return { value: inexact ? 0 : 1, where: inexact ? where(inexact[0]) : null };
  }
  const c = r.classes[arg];
  if (fn === 'possible') return { value: c ? 1 : 0, where: where(arg) };
  if (!c) return { value: null, where: `${where(arg)}: no plan found` };
  switch (fn) {
    case 'value':
      return { value: c.value, where: where(arg) };
    case 'exact':
      return { value: c.exact ? 1 : 0, where: c.exact ? where(arg) : `${where(arg)}: ${c.method}` };
    case 'incentive': {
      const v = r.incentives[arg];
      return { value: v ?? null, where: where(arg) };
    }
    case 'gap': {
      const any = r.classes.any;
      return any ? { value: any.value - c.value, where: where(arg) } : { value: null, where: `${where('any')}: no plan found` };
    }
    case 'margin': {
      let other: [string, number] | null = null;
      for (const [k, v] of planned(r)) if (k !== arg && k !== 'any' && (other === null || v > other[1])) other = [k, v];
      return other === null ? { value: null, where: `${where(arg)}: no other class planned` } : { value: c.value - other[1], where: `${where(arg)} vs ${other[0]}` };
    }
  }
}
