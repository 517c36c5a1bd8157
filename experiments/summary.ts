/**
 * The emergence table the sweep prints at the end (summary.md is the report builder's, reports/markdown.ts).
 */
import type { BehaviourResult, Summary } from './analysis.js';

function pct(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '-' : `${(100 * x).toFixed(1)}%`;
}

function pctInterval(m: { mean: number; lo: number; hi: number }): string {
  return `${pct(m.mean)} [${pct(m.lo)}, ${pct(m.hi)}]`;
}

function steps(x: number | null): string {
  if (x === null) return '-';
  return x >= 1000 ? `${(x / 1000).toFixed(1)}k` : String(Math.round(x));
}

function fixed(x: number | null, d = 1): string {
  return x === null || Number.isNaN(x) ? '-' : x.toFixed(d);
}

const HEAD = ['shaping', 'behaviour', 'emerged', 'seeds 95% CI', 'final rate [95% CI]', 'initial rate', 'first crossing', 'bursts', 'detected', 'ttd', 'undetected ticks'];

function rowCells(r: BehaviourResult): string[] {
  return [
    r.shaping,
    r.behaviour,
    `${r.seedsEmerged}/${r.seeds}`,
    `[${pct(r.emergedInterval.lo)}, ${pct(r.emergedInterval.hi)}]`,
    pctInterval(r.finalRate),
    pct(r.initialRate.mean),
    r.firstCrossingStep.median === null ? '-' : `${steps(r.firstCrossingStep.median)} (${r.firstCrossingStep.crossedSeeds}/${r.seeds})`,
    fixed(r.recurrence.meanBursts),
    pct(r.detection.detectedShare),
    fixed(r.detection.meanTicksToDetection),
    fixed(r.detection.meanUndetectedViolationTicks),
  ];
}

/** A plain aligned table, one row per shaping × behaviour. */
export function formatEmergenceTable(s: Summary, behaviours?: readonly string[]): string {
  const rows = s.emergence.filter((r) => !behaviours || behaviours.includes(r.behaviour)).map(rowCells);
  const all = [HEAD, ...rows];
  const widths = HEAD.map((_, c) => Math.max(...all.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ');
  return [line(HEAD), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
