/**
 * Text renderings of planner reports: the terminal table of `npm run plan`, and the Markdown
 * table of `npm run plan -- --all --markdown` (the README's "What pays" table) and of the report's
 * "What pays here" section. One function each, so every place shows the same numbers.
 */
import { PLAN_CLASSES, type PlanClass } from './classes.js';
import type { ClassPlan, PlanReport } from './index.js';

function num(x: number): string {
  return (x >= 0 ? '+' : '') + x.toFixed(4);
}

function how(c: ClassPlan): string {
  return c.exact ? `exact, ${c.nodes.toLocaleString('en-US')} nodes` : `lower bound (${c.method})`;
}

/** The plan shortened for a table: its first `n` commands, waiting collapsed (`sleep 1 x5`). */
export function shortPlan(commands: readonly string[], n = Infinity): string {
  const out: string[] = [];
  for (let i = 0; i < commands.length && out.length < n; ) {
    let j = i;
    while (j < commands.length && commands[j] === commands[i]) j++;
    out.push(j - i > 1 ? `${commands[i]} x${j - i}` : commands[i]!);
    i = j;
  }
  return out.join('; ') + (out.length < countRuns(commands) ? '; ...' : '');
}

function countRuns(commands: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < commands.length; i++) if (i === 0 || commands[i] !== commands[i - 1]) n++;
  return n;
}

/** The terminal table of one report: per class, value, incentive, how found, and the plan. */
export function formatPlanReport(r: PlanReport): string {
  const lines: string[] = [];
  lines.push(`scenario ${r.scenario}, shaping ${r.shaping}, gamma ${r.gamma}, seeds ${r.seeds.join(',')} (values: mean over seeds; ${(r.ms / 1000).toFixed(1)} s)`);
  lines.push('');
  lines.push(`${'class'.padEnd(10)} ${'value'.padStart(8)} ${'incentive'.padStart(9)}  how found`);
  for (const cls of PLAN_CLASSES) {
    if (!(cls in r.classes)) continue;
    const c = r.classes[cls];
    if (!c) {
      lines.push(`${cls.padEnd(10)} ${'-'.padStart(8)} ${'-'.padStart(9)}  impossible here (no plan found by beam search)`);
      continue;
    }
    const inc = cls === 'compliant' ? '' : r.incentives[cls] === undefined ? '' : num(r.incentives[cls]!);
    const iv = c.interval ? ` [${c.interval[0].toFixed(4)}, ${c.interval[1].toFixed(4)}]` : '';
    lines.push(`${cls.padEnd(10)} ${c.value.toFixed(4).padStart(8)} ${inc.padStart(9)}  ${how(c)}${iv}`);
    lines.push(`${''.padEnd(10)}   plan (seed ${r.seeds[0]}): ${shortPlan(c.commands)}`);
  }
  const best = bestClass(r);
  if (best) lines.push('', `optimum under ${r.shaping}: ${best}`);
  return lines.join('\n');
}

/**
 * The optimum: the highest value of any class (each class's plan is a plan of `any`, so the best of
 * them is the best lower bound on the optimum even where `any`'s own search stopped lower), named by
 * the least it needs: the first class in PLAN_CLASSES order (compliant, a single behaviour, the
 * chain) within 1e-9 of it, else "a combination of behaviours". Exact only when `any` is exact and
 * attains it.
 */
export function optimumOf(r: PlanReport): { name: string; plan: ClassPlan; exact: boolean } | null {
  let best: ClassPlan | null = null;
  for (const cls of PLAN_CLASSES) {
    const p = r.classes[cls];
    if (p && (best === null || p.value > best.value + 1e-9)) best = p;
  }
  if (best === null) return null;
  const any = r.classes.any;
  const name = best.planClass === 'any' ? 'a combination of behaviours' : best.planClass;
  const exact = Boolean(any && any.exact && any.value >= best.value - 1e-9) && best.exact;
  return { name, plan: best, exact };
}

/** The optimum's class name (optimumOf), or null when no class has a plan. */
export function bestClass(r: PlanReport): string | null {
  return optimumOf(r)?.name ?? null;
}

/**
 * Markdown table of many reports (`npm run plan -- --all --markdown`, the README's "What pays"
 * table): one row per scenario x shaping with the best compliant return, each behaviour's incentive
 * (`n/a`: no plan of it found, impossible here), the optimum (the least class attaining it) and the
 * optimal plan's first commands; `(lb)` marks a lower bound (the exact search ran out of budget).
 * A legend under the table names the seeds and budget so the table says how it was made.
 */
export function markdownPlanTable(reports: readonly PlanReport[], planCommands = 6, command = 'npm run plan -- --all --markdown'): string {
  const behaviours = ['hijack', 'mining', 'tunnel', 'probe', 'sabotage', 'tampering', 'chain'] as const;
  const head = ['scenario', 'shaping', 'compliant', ...behaviours.map((b) => `${b}`), 'optimum', 'optimal plan (first commands)'];
  const lines = [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i >= 2 && i < head.length - 1 ? '---:' : '---')).join(' | ')} |`];
  const lb = (p: ClassPlan) => (p.exact ? '' : ' (lb)');
  for (const r of reports) {
    const c = r.classes.compliant;
    const cells = [r.scenario, r.shaping, c ? c.value.toFixed(4) + lb(c) : '-'];
    for (const b of behaviours) {
      const p = r.classes[b];
      cells.push(p === null ? 'n/a' : p === undefined || r.incentives[b] === undefined ? '-' : num(r.incentives[b]!) + lb(p));
    }
    const opt = optimumOf(r);
    cells.push(opt ? `${opt.name} ${opt.plan.value.toFixed(4)}${opt.exact ? '' : ' (lb)'}` : '-');
    cells.push(opt ? '`' + shortPlan(opt.plan.commands, planCommands).replace(/\|/g, '\\|') + '`' : '-');
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const seeds = [...new Set(reports.map((r) => r.seeds.join(',')))].join('; ');
  lines.push(
    '',
    `Best expected discounted return from reset (compliant, optimum) and incentive = best value with the behaviour minus best compliant, mean over episode seeds ${seeds || '-'}; exact unless marked (lb), a lower bound where the exact search exceeded its node budget; n/a: no plan of the class found. The plan is the optimum's in the first seed's layout. Generated by \`${command}\`.`,
  );
  return lines.join('\n');
}
