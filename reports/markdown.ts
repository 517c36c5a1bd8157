/**
 * summary.md: the headline table and the key figures in Markdown, for CI job summaries and pull
 * requests. Strings from the run directory are escaped (GitHub renders inline HTML).
 */
import { escapeMarkdownCell, escapeMarkdownText, markdownCode } from './escape.js';
import { fixed, int, pct, pctSpan, steps } from './format.js';
import { GENERATED_AT } from './html.js';
import type { ReportModel } from './model.js';
import { capabilityLines, type CapabilityEntry } from './capability.js';
import { whatPaysNarrative } from './whatpays.js';
import {
  attributionNarrative,
  controlText,
  detectionNarrative,
  headlineCell,
  headlineNarrative,
  incidentNarrative,
  pp,
  pValue,
  reproduceLines,
  reproduceNotes,
  setupNarrative,
  transcriptLine,
} from './narrative.js';

function mdTable(head: readonly string[], rows: readonly string[][], numeric: readonly number[] = []): string {
  const align = head.map((_, i) => (numeric.includes(i) ? '---:' : '---'));
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function fence(lines: readonly string[]): string {
  const text = lines.join('\n');
  const longest = Math.max(2, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const f = '`'.repeat(longest + 1);
  return `${f}sh\n${text}\n${f}`;
}

const t = escapeMarkdownText;
const c = escapeMarkdownCell;

export function renderMarkdown(m: ReportModel, generatedAt: string): string {
  const s = m.summary;
  const out: string[] = [];
  out.push(`# rome-gym report: ${t(m.scenario.name)} (${t(m.runName)})`);
  out.push('');
  out.push(`_${GENERATED_AT} ${t(generatedAt)} by ${t(m.generatedBy)}; the full report with charts and transcripts is report.html next to this file._`);
  out.push('');
  for (const l of setupNarrative(m)) out.push(t(l), '');

  out.push('## Headline: verdicts against the paired controls');
  out.push('');
  const v = s.verdicts;
  const behaviours = s.behaviours.map((b) => b.name);
  const rows = s.task.map((task) => [
    `**${c(task.shaping)}**${m.shapings.find((x) => x.name === task.shaping)?.proxy ? ' (misspecified proxy)' : ''}`,
    `${pct(task.finalSuccess.mean)} (initial ${pct(task.initialSuccess.mean)})`,
    ...behaviours.map((b) => {
      const r = v.verdicts.find((x) => x.shaping === task.shaping && x.behaviour === b);
      if (!r) return '–';
      const word = r.verdict === 'emerged' ? '**emerged**' : r.verdict;
      return `${word} · ${pp(r.effect.mean)} (p ${pValue(r.effect.pHolm)})`;
    }),
  ]);
  out.push(mdTable(['shaping', 'task success', ...behaviours.map(c)], rows, [1, ...behaviours.map((_, i) => i + 2)]));
  out.push('');
  out.push(`Behaviour cells: verdict · mean paired effect (treatment − control rate, percentage points) (Holm-adjusted p). Controls: ${t(controlText(m))}.`);
  out.push('');
  out.push('### Verdicts with p-values and intervals');
  out.push('');
  out.push(
    mdTable(
      ['shaping', 'behaviour', 'verdict', 'treatment rate [95% CI]', 'control rate [95% CI]', 'effect [95% CI]', 'p', 'Holm p', 'excluded above', 'per-opportunity effect', 'model rate T / C (rare)', 'incentive', 'gap'],
      v.verdicts.map((r) => [
        c(r.shaping),
        c(r.behaviour),
        r.verdict === 'emerged' ? '**emerged**' : r.verdict,
        `${pct(r.treatmentRate.mean)} ${pctSpan(r.treatmentRate.lo, r.treatmentRate.hi)}`,
        `${pct(r.controlRate.mean)} ${pctSpan(r.controlRate.lo, r.controlRate.hi)}`,
        `${pp(r.effect.mean)} [${pp(r.effect.lo)}, ${pp(r.effect.hi)}]`,
        pValue(r.effect.p),
        pValue(r.effect.pHolm),
        r.verdict === 'emerged' ? '' : r.effect.upperBound === null ? 'n/a (too few seeds)' : pp(Math.max(0, r.effect.upperBound)),
        r.perOpportunity ? `${pp(r.perOpportunity.effect.mean)} (p ${pValue(r.perOpportunity.effect.p)})` : '–',
        r.rare?.belowResolution ? `${pct(r.rare.treatment.mean, 2)} / ${pct(r.rare.control.mean, 2)}` : '',
        r.incentive === null ? '–' : fixed(r.incentive, 3),
        r.gap === null ? '–' : fixed(r.gap, 3),
      ]),
      [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    ),
  );
  out.push('');
  out.push('Definitions:');
  out.push('');
  for (const [k, d] of Object.entries(v.definitions)) out.push(`- **${t(k)}**: ${t(d)}`);
  out.push('');
  if (v.gap.length > 0) {
    out.push('### Optimality gap');
    out.push('');
    out.push(
      mdTable(
        ['shaping', "planner's best", 'best plan class', 'final policy [95% CI]', 'gap'],
        v.gap.map((g) => [
          c(g.shaping),
          g.plannerBest === null ? '–' : `${fixed(g.plannerBest, 3)}${g.plannerExact === false ? ' (lower bound)' : ''}`,
          c(g.plannerClass ?? '–'),
          `${fixed(g.policyReturn.mean, 3)} [${fixed(g.policyReturn.lo, 3)}, ${fixed(g.policyReturn.hi, 3)}]`,
          g.gap === null ? '–' : fixed(g.gap, 3),
        ]),
        [1, 3, 4],
      ),
    );
    out.push('');
  }
  if (v.funnel.length > 0) {
    out.push('### The chain, milestone by milestone (final policy, treatment / control)');
    out.push('');
    const milestones = v.funnel[0]!.steps.map((x) => x.label);
    out.push(
      mdTable(
        ['shaping', ...milestones.map(c)],
        v.funnel.map((f) => [c(f.shaping), ...f.steps.map((x) => `${pct(x.treatment.mean)} / ${x.control ? pct(x.control.mean) : '–'}`)]),
        milestones.map((_, i) => i + 1),
      ),
    );
    out.push('');
    out.push('Share of evaluation episodes (all seeds pooled) that reached each milestone; Clopper-Pearson intervals are in summary.json.');
    out.push('');
  }
  const abl = v.ablation.filter((a) => a.emerged);
  if (abl.length > 0) {
    out.push('### Ablation of emerged behaviours');
    out.push('');
    out.push(mdTable(['shaping', 'behaviour', 'return drop when masked [95% CI]'], abl.map((a) => [c(a.shaping), c(a.behaviour), `${fixed(a.drop.mean, 3)} [${fixed(a.drop.lo, 3)}, ${fixed(a.drop.hi, 3)}]`]), [2]));
    out.push('');
  }
  out.push('### Descriptive rates (treatment jobs)');
  out.push('');
  out.push(
    mdTable(
      ['shaping', 'behaviour', 'final rate [95% CI]', 'initial rate', 'first crossing (seeds)'],
      s.emergence.map((r) => {
        const h = headlineCell(r);
        return [
          c(r.shaping),
          c(r.behaviour),
          `${h.final} ${h.finalCi}`,
          h.initial,
          r.firstCrossingStep.median === null ? '–' : `${steps(r.firstCrossingStep.median)} (${r.firstCrossingStep.crossedSeeds}/${r.seeds})`,
        ];
      }),
      [2, 3, 4],
    ),
  );
  out.push('');
  out.push(`Rate intervals: percentile bootstrap over seeds (${s.definitions.bootstrap.resamples} resamples, seed ${s.definitions.bootstrap.seed}). First crossing: ${t(s.definitions.firstCrossing)}.`);
  out.push('');

  out.push('## What pays here (planner)');
  out.push('');
  const w = m.whatPays;
  const [intro, ...sentences] = whatPaysNarrative(w);
  out.push(t(intro!), '');
  if (w !== null) {
    const sign = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(4);
    const lb = (exact: boolean | null) => (exact === false ? ' (lower bound)' : '');
    w.shapings.forEach((s, i) => {
      out.push(`### ${t(s.shaping)}`, '', t(sentences[i]!), '');
      out.push(
        mdTable(
          ['class', 'best value', 'incentive'],
          [
            ['compliant', s.compliant === null ? '–' : s.compliant.toFixed(4) + lb(s.compliantExact), ''],
            ...s.rows.map((r) => [c(r.name), r.value === null ? 'impossible here' : r.value.toFixed(4) + lb(r.exact), r.incentive === null ? '–' : r.incentive > 1e-9 ? `**${sign(r.incentive)}**` : sign(r.incentive)]),
          ],
          [1, 2],
        ),
      );
      out.push('');
      out.push(`Optimal plan (${t(s.bestClass ?? 'unknown class')}${s.exact === false ? ', a lower bound' : ''}, the first seed's layout), first commands; found by: ${t(s.method ?? 'not recorded')}.`, '');
      out.push(s.plan === null ? 'planner.json has no plan commands (an older file).' : fence([...s.plan, ...(s.planCut ? ['...'] : [])]));
      out.push('');
    });
  }

  out.push('## Key figures');
  out.push('');
  for (const l of headlineNarrative(m).slice(1)) out.push(`- ${t(l)}`);
  for (const l of incidentNarrative(m)) out.push(`- ${t(l)}`);
  out.push(`- ${t(attributionNarrative(m))}`);
  for (const l of detectionNarrative(m).slice(1)) out.push(`- Detection (final-policy evaluation episodes with a violation) — ${t(l)}`);
  for (const tr of m.transcripts) out.push(`- Transcript: ${t(transcriptLine(tr))}`);
  out.push('');

  out.push('## Agent capability');
  out.push('');
  for (const l of capabilityLines(m.config['capability'] as CapabilityEntry | null | undefined)) out.push(t(l), '');

  const groups = s.alerts.flatMap((a) => a.groups.map((g) => ({ shaping: a.shaping, g })));
  if (groups.length > 0) {
    out.push('## Firewall alerts by cause');
    out.push('');
    out.push(
      mdTable(
        ['shaping', 'alert', 'caused by', 'alerts', 'training', 'evaluation', 'latency (ticks, mean)', 'example command'],
        groups.map(({ shaping, g }) => [c(shaping), c(g.alert), c(g.action), int(g.count), int(g.train), int(g.eval), fixed(g.latency.mean), markdownCode(g.exampleCommand).replace(/\|/g, '\\|')]),
        [3, 4, 5, 6],
      ),
    );
    out.push('');
  }

  out.push('## Reproduce');
  out.push('');
  out.push(fence(reproduceLines(m)));
  out.push('');
  for (const n of reproduceNotes(m)) out.push(`- ${t(n)}`);
  out.push('');
  return out.join('\n');
}
