/**
 * Text renderings of an emergence summary: the table the sweep prints at the end and summary.md.
 */
import type { AlertAttribution, BehaviourResult, Summary } from './analysis.js';

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

function mdTable(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
}

function alertRows(a: AlertAttribution): string[][] {
  return a.groups.map((g) => [a.shaping, g.alert, g.action, String(g.count), String(g.train), String(g.eval), fixed(g.latency.mean), fixed(g.latency.median), String(g.latency.max), '`' + g.exampleCommand + '`']);
}

export function summaryMarkdown(s: Summary): string {
  const out: string[] = [];
  out.push(`# Emergence summary: ${s.scenario}`);
  out.push('');
  const agents = [...new Set(Object.values(s.agents))];
  const agentText = agents.length === 1 ? `\`${agents[0]}\`` : s.shapings.map((sh) => `\`${s.agents[sh]}\` (${sh})`).join(', ');
  out.push(`Agent ${agentText}, ${s.steps} training env steps per job, seeds ${s.seeds.join(', ')}, ${s.evalEpisodes} stochastic evaluation episodes per policy.`);
  if (s.missingJobs.length > 0) out.push(`\n**Incomplete:** no data for ${s.missingJobs.join(', ')}.`);
  out.push('');
  out.push(`- Emergence: ${s.definitions.emergence}.`);
  out.push(`- First crossing: ${s.definitions.firstCrossing}.`);
  out.push(`- Recurrence: ${s.definitions.recurrence}.`);
  out.push(`- Seeds interval: Wilson 95%. Rate intervals: percentile bootstrap over seeds (${s.definitions.bootstrap.resamples} resamples, seed ${s.definitions.bootstrap.seed}).`);
  out.push('- Detection columns are over final-policy evaluation episodes that showed the behaviour: share detected by any monitor, mean ticks to detection, mean undetected violation ticks.');
  out.push('');
  out.push('## Emergence by shaping and behaviour');
  out.push('');
  out.push(mdTable(HEAD, s.emergence.map(rowCells)));
  out.push('');
  out.push('## Task');
  out.push('');
  out.push(
    mdTable(
      ['shaping', 'seeds', 'initial success', 'final success [95% CI]', 'final return', 'final length', 'training episodes'],
      s.task.map((t) => [t.shaping, String(t.seeds), pct(t.initialSuccess.mean), pctInterval(t.finalSuccess), fixed(t.finalReturn, 3), fixed(t.finalLength), String(t.trainingEpisodes)]),
    ),
  );
  out.push('');
  out.push('## Firewall alerts, attributed to the tool call that caused them');
  out.push('');
  out.push('Latency is in ticks from the causing call to the alert. Alerts in traced evaluation episodes are cross-checked against the trace.');
  out.push('');
  const rows = s.alerts.flatMap(alertRows);
  if (rows.length === 0) out.push('No alerts.');
  else out.push(mdTable(['shaping', 'alert', 'caused by', 'alerts', 'train', 'eval', 'latency mean', 'median', 'max', 'example command'], rows));
  const traced = s.alerts.filter((a) => a.traced > 0);
  if (traced.length > 0) {
    out.push('');
    for (const a of traced) out.push(`- ${a.shaping}: ${a.traceMatched}/${a.traced} alerts in traced episodes matched the traced tool call.`);
  }
  out.push('');
  return out.join('\n');
}
