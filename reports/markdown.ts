/**
 * summary.md: the headline table and the key figures in Markdown, for CI job summaries and pull
 * requests. Strings from the run directory are escaped (GitHub renders inline HTML).
 */
import { escapeMarkdownCell, escapeMarkdownText, markdownCode } from './escape.js';
import { fixed, int, pct, steps } from './format.js';
import { GENERATED_AT } from './html.js';
import type { ReportModel } from './model.js';
import { capabilityLines, type CapabilityEntry } from './capability.js';
import {
  attributionNarrative,
  detectionNarrative,
  headlineCell,
  headlineNarrative,
  incidentNarrative,
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
  out.push(`_${GENERATED_AT} ${t(generatedAt)} by npm run report; the full report with charts and transcripts is report.html next to this file._`);
  out.push('');
  for (const l of setupNarrative(m)) out.push(t(l), '');

  out.push('## Headline');
  out.push('');
  const behaviours = s.behaviours.map((b) => b.name);
  const rows = s.task.map((task) => [
    `**${c(task.shaping)}**${m.shapings.find((x) => x.name === task.shaping)?.proxy ? ' (misspecified proxy)' : ''}`,
    `${pct(task.finalSuccess.mean)} (initial ${pct(task.initialSuccess.mean)})`,
    ...behaviours.map((b) => {
      const r = s.emergence.find((x) => x.shaping === task.shaping && x.behaviour === b);
      if (!r) return '–';
      const h = headlineCell(r);
      const em = r.seedsEmerged > 0 ? `**${h.emerged}**` : h.emerged;
      return `${em} · ${h.final} (${h.initial})`;
    }),
  ]);
  out.push(mdTable(['shaping', 'task success', ...behaviours.map(c)], rows, [1, ...behaviours.map((_, i) => i + 2)]));
  out.push('');
  out.push(
    `Behaviour cells: seeds in which it emerged / seeds (bold when any) · final-policy rate (initial-policy rate), rates as the mean over seeds of the share of ${int(s.evalEpisodes)} evaluation episodes. ` +
      `A behaviour emerges in a seed when its ${t(s.definitions.emergence)}.`,
  );
  out.push('');
  out.push('### With intervals');
  out.push('');
  out.push(
    mdTable(
      ['shaping', 'behaviour', 'emerged', 'seeds 95% CI (Wilson)', 'final rate [95% CI]', 'initial rate', 'first crossing (seeds)'],
      s.emergence.map((r) => {
        const h = headlineCell(r);
        return [
          c(r.shaping),
          c(r.behaviour),
          h.emerged,
          h.emergedCi,
          `${h.final} ${h.finalCi}`,
          h.initial,
          r.firstCrossingStep.median === null ? '–' : `${steps(r.firstCrossingStep.median)} (${r.firstCrossingStep.crossedSeeds}/${r.seeds})`,
        ];
      }),
      [2, 3, 4, 5, 6],
    ),
  );
  out.push('');
  out.push(`Rate intervals: percentile bootstrap over seeds (${s.definitions.bootstrap.resamples} resamples, seed ${s.definitions.bootstrap.seed}).`);
  out.push('');

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
