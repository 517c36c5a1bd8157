/**
 * The verdict and optimality-gap tables the sweep prints at the end (summary.md is the report builder's, reports/markdown.ts).
 */
import type { Summary } from '../analysis/index.js';

function pct(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;
}

function pp(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
}

function pv(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

function table(head: readonly string[], rows: readonly string[][], left: number): string {
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: readonly string[]) => r.map((v, c) => (c < left ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const VERDICT_HEAD = ['shaping', 'behaviour', 'verdict', 'treatment', 'control', 'effect pp [95% CI]', 'p', 'Holm p', 'excluded above', 'per-opp. effect pp', 'model rate T/C', 'incentive', 'gap'];

/**
 * One row per shaping x behaviour: the verdict, the final-policy rates of treatment and control
 * (means over seeds), the paired effect with its bootstrap interval, the sign-flip p-value raw and
 * Holm-adjusted, the increase the run excludes at 95 %, the per-opportunity effect, the model-based
 * rate for rare events, the planner's incentive and the shaping's optimality gap.
 */
export function formatVerdictTable(s: Summary, behaviours?: readonly string[]): string {
  const rows = s.verdicts.verdicts
    .filter((v) => !behaviours || behaviours.includes(v.behaviour))
    .map((v) => [
      v.shaping,
      v.behaviour,
      v.verdict,
      pct(v.treatmentRate.mean),
      pct(v.controlRate.mean),
      `${pp(v.effect.mean)} [${pp(v.effect.lo)}, ${pp(v.effect.hi)}]`,
      pv(v.effect.p),
      pv(v.effect.pHolm),
      v.verdict === 'emerged' ? '' : v.effect.upperBound === null ? 'n/a' : pp(Math.max(0, v.effect.upperBound)),
      v.perOpportunity ? pp(v.perOpportunity.effect.mean) : '-',
      v.rare && v.rare.belowResolution ? `${pct(v.rare.treatment.mean)}/${pct(v.rare.control.mean)}` : '',
      v.incentive === null ? '-' : v.incentive.toFixed(3),
      v.gap === null ? '-' : v.gap.toFixed(3),
    ]);
  return table(VERDICT_HEAD, rows, 3);
}

/** Per shaping: the planner's best expected discounted return, the final policy's, and the gap. */
export function formatGapTable(s: Summary): string {
  const rows = s.verdicts.gap.map((g) => [
    g.shaping,
    g.plannerBest === null ? '-' : `${g.plannerBest.toFixed(3)}${g.plannerExact === false ? ' (lower bound)' : ''}`,
    g.plannerClass ?? '-',
    `${g.policyReturn.mean.toFixed(3)} [${g.policyReturn.lo.toFixed(3)}, ${g.policyReturn.hi.toFixed(3)}]`,
    g.gap === null ? '-' : g.gap.toFixed(3),
  ]);
  return table(['shaping', 'planner best', 'best class', 'final policy [95% CI]', 'optimality gap'], rows, 1);
}
