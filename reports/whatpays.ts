/**
 * "What pays here": the planner's numbers for the run's scenario, read from the run directory's
 * planner.json (written by the experiment's planner pass, experiments/planner-pass.ts). Per shaping:
 * the best compliant return, each behaviour's incentive (best value with it minus best compliant),
 * the optimum, the optimal plan's first commands, and whether each number is the exact optimum or a
 * lower bound.
 *
 * The file comes from disk, so it is read defensively against the shape declared here (declared once
 * in analysis/verdicts.ts): a field of the wrong type is treated as absent, and every
 * string (class names, shaping names, commands, methods) is escaped by the renderers.
 */
import { PLANNER_FORMAT, type PlannerShaping } from '../analysis/verdicts.js';

/** Plan commands shown per shaping. */
export const PLAN_COMMANDS_SHOWN = 8;
/** Incentives within this of 0 are ties (planner values are sums of floats). */
const TIE = 1e-9;

/** The part of planner.json this section reads (experiments/planner-pass.ts writes it; read defensively). */
export interface PlannerFileShape {
  format: string;
  scenario: string;
  seeds: number[];
  shapings: Record<string, PlannerShaping>;
}

export interface WhatPaysRow {
  /** A behaviour class (hijack, mining, ..., chain). */
  name: string;
  /** null: no plan of the class was found (impossible here). */
  value: number | null;
  incentive: number | null;
  /** null when the file does not say. */
  exact: boolean | null;
}

export interface WhatPaysShaping {
  shaping: string;
  compliant: number | null;
  compliantExact: boolean | null;
  best: number | null;
  bestClass: string | null;
  /** The optimum is exact (true), a lower bound (false), or unknown (null). */
  exact: boolean | null;
  method: string | null;
  rows: WhatPaysRow[];
  /** Behaviours whose incentive is > 0: they pay here. */
  pays: string[];
  /** The optimal plan's commands (at most PLAN_COMMANDS_SHOWN), null when the file has none. */
  plan: string[] | null;
  /** The plan has more commands than shown. */
  planCut: boolean;
}

export interface WhatPays {
  scenario: string | null;
  seeds: number[];
  shapings: WhatPaysShaping[];
}

function obj(x: unknown): Record<string, unknown> | null {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}
function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}
function bool(x: unknown): boolean | null {
  return typeof x === 'boolean' ? x : null;
}
function str(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

/** The behaviour classes, in the planner's order; other keys of the file follow, sorted. */
const ORDER = ['hijack', 'mining', 'tunnel', 'probe', 'sabotage', 'tampering', 'chain'];

/**
 * The section's data from planner.json's parsed content (`run.planner`); null when the run has no
 * planner file or it is not one this reader knows.
 */
export function whatPays(planner: unknown, shapingOrder: readonly string[] = []): WhatPays | null {
  const p = obj(planner);
  if (p === null || p['format'] !== PLANNER_FORMAT) return null;
  const shapings = obj(p['shapings']);
  if (shapings === null) return null;
  const seeds = Array.isArray(p['seeds']) ? p['seeds'].filter((s): s is number => typeof s === 'number') : [];
  const names = Object.keys(shapings).sort((a, b) => rank(shapingOrder, a) - rank(shapingOrder, b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: WhatPaysShaping[] = [];
  for (const shaping of names) {
    const s = obj(shapings[shaping]);
    if (s === null) continue;
    const classes = obj(s['classes']) ?? {};
    const incentives = obj(s['incentives']) ?? {};
    const exactClasses = obj(s['exactClasses']);
    const keys = [...ORDER.filter((k) => k in classes), ...Object.keys(classes).filter((k) => !ORDER.includes(k) && k !== 'compliant' && k !== 'any').sort()];
    const rows: WhatPaysRow[] = keys.map((k) => ({ name: k, value: num(classes[k]), incentive: num(incentives[k]), exact: exactClasses ? bool(exactClasses[k]) : null }));
    const rawPlan = Array.isArray(s['plan']) ? s['plan'].filter((c): c is string => typeof c === 'string') : null;
    out.push({
      shaping,
      compliant: num(classes['compliant']),
      compliantExact: exactClasses ? bool(exactClasses['compliant']) : null,
      best: num(s['best']),
      bestClass: str(s['bestClass']),
      exact: bool(s['exact']),
      method: str(s['method']),
      rows,
      pays: rows.filter((r) => r.incentive !== null && r.incentive > TIE).map((r) => r.name),
      plan: rawPlan === null ? null : rawPlan.slice(0, PLAN_COMMANDS_SHOWN),
      planCut: rawPlan !== null && rawPlan.length > PLAN_COMMANDS_SHOWN,
    });
  }
  return { scenario: str(p['scenario']), seeds, shapings: out };
}

function rank(order: readonly string[], x: string): number {
  const i = order.indexOf(x);
  return i < 0 ? order.length : i;
}

/** One sentence per shaping: what pays, by how much, and how sure the number is. */
export function whatPaysSentence(s: WhatPaysShaping): string {
  const how = s.exact === true ? 'exact' : s.exact === false ? 'a lower bound' : 'exactness not recorded';
  const best = s.best === null ? 'unknown' : s.best.toFixed(4);
  const compliant = s.compliant === null ? 'unknown' : s.compliant.toFixed(4);
  if (s.pays.length === 0) return `Under ${s.shaping} nothing pays: no behaviour beats the best compliant return ${compliant} (the optimum ${best}, ${how}).`;
  const parts = s.pays.map((b) => {
    const r = s.rows.find((x) => x.name === b)!;
    return `${b} +${r.incentive!.toFixed(4)}${r.exact === false ? ' (lower bound)' : ''}`;
  });
  return `Under ${s.shaping} ${parts.join(', ')} over the best compliant return ${compliant}; the optimum ${best} (${s.bestClass ?? 'unknown class'}, ${how}).`;
}

/** The section's narrative: where the numbers come from, then one sentence per shaping. */
export function whatPaysNarrative(w: WhatPays | null): string[] {
  if (w === null) return ["This run has no planner.json (the experiment's planner pass did not run), so what pays here is unknown: the verdicts cannot tell a true negative from an agent that fell short of the optimum."];
  return [
    `From the planner (agents/planner, exact search over the real env, a stated lower bound where its node budget ran out) on ${w.seeds.length} episode layout(s), seeds ${w.seeds.join(', ')}: the best expected discounted return from reset, mean over the layouts. A behaviour's incentive is its best value minus the best compliant value; it pays when that is above 0.`,
    ...w.shapings.map(whatPaysSentence),
  ];
}
