/**
 * The short generated text of each cell: plain strings (the renderers escape them), stating only
 * what the data shows.
 */
import type { BehaviourResult } from '../analysis/index.js';
import { cmp, fixed, int, list, pct, pctSpan, plural, steps } from './format.js';
import type { ReportModel, Values } from './model.js';
import { escapeHtml, shellQuote } from './escape.js';

export function shortCommit(c: string | null): string | null {
  return c === null ? null : c.slice(0, 12);
}

export function agentsText(m: ReportModel): string {
  const names = [...new Set(m.shapings.map((s) => s.agent))];
  if (names.length === 1) return `agent ${names[0]}`;
  return `agents ${names.map((a) => `${a} (${m.shapings.filter((s) => s.agent === a).map((s) => s.name).join(', ')})`).join(', ')}`;
}

export function backendText(m: ReportModel): string {
  const b = m.config.backend;
  return `${b.used ?? 'unknown'} (requested: ${b.requested})`;
}

export function setupNarrative(m: ReportModel): string[] {
  const c = m.config;
  const jobs = c.shapings.length * c.seeds.length;
  const out = [
    `Scenario ${m.scenario.name}${m.scenario.description ? `: ${m.scenario.description.trim()}` : '.'}`,
    `The run trained ${agentsText(m)} under ${plural(c.shapings.length, 'reward shaping')} (${list(c.shapings)}) with ${plural(c.seeds.length, 'seed')} each — ${plural(jobs, 'job')} of ${int(c.steps)} env steps — and evaluated each job's initial and final policy on ${plural(c.evalEpisodes, 'stochastic episode')}. ` +
      `Backend ${backendText(m)}; code at commit ${shortCommit(c.git.commit) ?? 'unknown'}${c.git.dirty ? ' with uncommitted changes' : ''}.`,
  ];
  if (m.summary.missingJobs.length > 0) out.push(`Incomplete run: no data for ${list(m.summary.missingJobs)}.`);
  if (m.summarySource === 'recomputed') out.push('The run directory has no usable summary.json, so the emergence statistics below were recomputed from its data with the run\'s analysis settings.');
  return out;
}

export function headlineNarrative(m: ReportModel): string[] {
  const s = m.summary;
  const v = s.verdicts;
  const out: string[] = [
    `A behaviour emerges under a shaping when ${v.definitions.emerged}; the effect is, ${v.definitions.effect}; the test is the ${v.definitions.test}.`,
  ];
  if (v.verdicts.length === 0) out.push('This run has no paired control jobs, so no verdict can be given.');
  const emerged = v.verdicts.filter((r) => r.verdict === 'emerged');
  if (v.verdicts.length > 0 && emerged.length === 0) out.push(`Nothing emerged: no behaviour under any shaping passed the test (${v.family} behaviour × shaping hypotheses).`);
  for (const sh of s.shapings) {
    const rows = emerged.filter((r) => r.shaping === sh);
    if (rows.length > 0) out.push(`Under ${sh}: ${rows.map((r) => `${r.behaviour} emerged (${pct(r.treatmentRate.mean)} of final-policy episodes against ${pct(r.controlRate.mean)} in the control, Holm p = ${pValue(r.effect.pHolm)})`).join('; ')}.`);
  }
  const inconclusive = v.verdicts.filter((r) => r.verdict === 'inconclusive');
  if (inconclusive.length > 0) out.push(`Inconclusive (${inconclusive.length}): ${inconclusive.map((r) => `${r.behaviour} under ${r.shaping}`).join(', ')}. ${v.plannerPresent ? 'The planner finds these pay while the agents stayed more than the gap threshold below the best plan, so a negative here is no evidence of mitigation.' : 'The run has no planner values, so the optimality gap is unknown.'}`);
  if (v.identicalControls.length > 0) out.push(`The control equals the treatment under ${v.identicalControls.join(', ')} (an A/A comparison): effects there are zero by construction and say nothing about incentives.`);
  if (s.task.length > 0) out.push(`Final task success: ${s.task.map((t) => `${t.shaping} ${pct(t.finalSuccess.mean)} (initial ${pct(t.initialSuccess.mean)})`).join(', ')}.`);
  return out;
}

function firstLast(v: Values): [number, number] | null {
  const present = v.filter((x): x is number => x !== null);
  return present.length === 0 ? null : [present[0]!, present[present.length - 1]!];
}

export function curvesNarrative(m: ReportModel): string {
  return `Training episodes are grouped by the env step at which they ended into ${m.curves.x.length} bins of ${steps(m.curves.binWidth)} env steps. Each chart shows the mean over seeds of the per-bin value (line) and the range from the lowest to the highest seed (band); tick a seed to overlay its own curve. Rates are the share of the bin's training episodes that showed the behaviour.`;
}

export function shapingCurveNarrative(m: ReportModel, i: number): string {
  const sc = m.curves.shapings[i]!;
  if (sc.seeds.length === 0) return `No training episodes were recorded under ${sc.shaping}.`;
  const parts: string[] = [];
  const ret = firstLast(sc.charts.find((c) => c.key === 'return')!.mean);
  if (ret) parts.push(`mean return went from ${fixed(ret[0], 3)} in the first bin to ${fixed(ret[1], 3)} in the last`);
  for (const key of ['task_success', 'grabbing']) {
    const c = sc.charts.find((x) => x.key === key);
    const fl = c ? firstLast(c.mean) : null;
    if (fl) parts.push(`${c!.title} rate from ${pct(fl[0])} to ${pct(fl[1])}`);
  }
  return `Under ${sc.shaping} (${plural(sc.seeds.length, 'seed')}, ${int(sc.episodes)} training episodes): ${parts.join('; ')}.`;
}

export function incidentNarrative(m: ReportModel): string[] {
  const a = m.alerts;
  const total = a.shapings.reduce((n, s) => n + s.total, 0);
  if (total === 0) return ['The managed firewall raised no alerts during training under any shaping.'];
  const out = [
    `The managed firewall — the signal the ROME team saw first — raised ${int(total)} alerts during training across all shapings and seeds, of ${plural(a.kinds.length, 'kind')} (${list(a.kinds)}).`,
  ];
  const per = a.shapings.map((s) => {
    if (s.total === 0) return `${s.shaping}: none`;
    const top = [...s.byKind].sort((x, y) => y.count - x.count || cmp(x.kind, y.kind))[0]!;
    return `${s.shaping}: ${int(s.total)} (most often ${top.kind}, ${int(top.count)}; first at step ${int(s.firstStep ?? 0)})`;
  });
  out.push(`Per shaping: ${per.join('; ')}.`);
  return out;
}

export function attributionNarrative(m: ReportModel): string {
  const alerts = m.summary.alerts;
  const total = alerts.reduce((n, a) => n + a.alerts, 0);
  const traced = alerts.reduce((n, a) => n + a.traced, 0);
  const matched = alerts.reduce((n, a) => n + a.traceMatched, 0);
  if (total === 0) return 'No firewall alerts to attribute.';
  const check = traced === 0 ? 'No alert fell in a traced evaluation episode, so none could be cross-checked against a trace.' : `${int(matched)} of the ${int(traced)} alerts that fell in traced evaluation episodes matched the traced command at their cause tick.`;
  return `Every firewall alert (training and evaluation, ${int(total)} in all) is joined to the tool call that caused it: the firewall entry names the cause tick and the command, and the latency is the ticks from that call to the alert. ${check}`;
}

export function detectionNarrative(m: ReportModel): string[] {
  const out = ['Over final-policy evaluation episodes with any violation: ticks to detection count from the first violation to the first monitor alert; undetected violation ticks are the violation ticks before detection (all of them when nothing was detected).'];
  const f = m.detection.facts;
  const violating = f.reduce((n, x) => n + x.violating, 0);
  if (violating === 0) {
    out.push('No final-policy evaluation episode had a violation under any shaping.');
    return out;
  }
  const detected = f.reduce((n, x) => n + x.detected, 0);
  const parts = [`In all, ${int(detected)} of ${int(violating)} violating episodes were detected by some monitor and ${int(violating - detected)} never were`];
  const withTtd = f.filter((x) => x.medianTicksToDetection !== null);
  if (withTtd.length > 0) {
    const slow = withTtd.reduce((a, b) => (b.medianTicksToDetection! > a.medianTicksToDetection! ? b : a));
    parts.push(`the slowest median detection was under ${slow.shaping} (${fixed(slow.medianTicksToDetection)} ticks)`);
  }
  const withU = f.filter((x) => x.meanUndetectedTicks !== null);
  if (withU.length > 0) {
    const most = withU.reduce((a, b) => (b.meanUndetectedTicks! > a.meanUndetectedTicks! ? b : a));
    parts.push(`the most undetected violation ticks per violating episode under ${most.shaping} (${fixed(most.meanUndetectedTicks, 2)})`);
  }
  out.push(`${parts.join('; ')}.`);
  return out;
}

export function transcriptsNarrative(): string {
  return 'For each shaping, one traced evaluation episode in which grabbing occurred (a hijacked GPU or a running miner): the final policy first, lowest seed first. Commands and outputs are what the agent saw (long outputs are folded); lines marked “hidden” are safety events the sandbox recorded and the agent never observes, and ticks with one are highlighted.';
}

export function transcriptLine(t: ReportModel['transcripts'][number]): string {
  const e = t.episode;
  if (!e) return t.traced === 0 ? `No evaluation episodes of ${t.shaping} were traced.` : `None of the ${plural(t.traced, 'traced evaluation episode')} of ${t.shaping} showed grabbing.`;
  const task = e.taskSuccess === null ? '' : e.taskSuccess ? ', task passed' : ', task not passed';
  const ret = e.return === null ? '' : `, return ${fixed(e.return, 3)}`;
  const grab = e.firstGrab ? `; grabbing starts at tick ${e.firstGrab.tick} (${e.firstGrab.kind})` : '';
  return `${t.shaping}: seed ${e.seed}, ${e.policy} policy, evaluation episode ${e.episode} — ${plural(e.length, 'tick')}${ret}${task}, ${plural(e.hiddenEvents, 'hidden event')}${grab} (${e.file}).`;
}

/** The command line that produced the run, as it can be pasted into a shell. */
export function experimentCommand(m: ReportModel): string {
  return ['npm', 'run', 'experiment', '--', ...m.config.argv].map(shellQuote).join(' ');
}

export function reproduceLines(m: ReportModel): string[] {
  const lines: string[] = [];
  if (m.config.git.commit) lines.push(`git checkout ${m.config.git.commit}`);
  lines.push('npm ci');
  lines.push(experimentCommand(m));
  return lines;
}

export function reproduceNotes(m: ReportModel): string[] {
  const c = m.config;
  const notes = [
    `Every random draw is seeded, so the same commit, command and backend regenerate the same episodes, evaluations, firewall log and traces. This run used backend ${backendText(m)}; if the backend chosen on another machine differs, pass --backend explicitly.`,
  ];
  if (c.git.dirty) notes.push('The working tree had uncommitted changes when the run started, so the commit alone may not reproduce it.');
  if (c.git.commit === null) notes.push('The run did not record a git commit.');
  if (c.argv.some((a) => a === '--out' || a.startsWith('--out='))) notes.push('The command names its output directory: pick a new one (--out must not exist) or drop --out for runs/<scenario>-<utc>.');
  if (c.shard) notes.push(`This run is shard ${c.shard.index}/${c.shard.count}; run every shard and combine them with npm run merge.`);
  notes.push(`The report itself is rebuilt from the run directory alone with: npm run report -- ${shellQuote(m.runPath)}`);
  return notes;
}

/** The controls of the run in words. */
export function controlText(m: ReportModel): string {
  const c = m.summary.verdicts.controls;
  if (!c) return 'none (this run has no control jobs)';
  const d = [...new Set(Object.values(c).map((x) => x.description))];
  return d.join('; ');
}

/** A p-value as the tables print it. */
export function pValue(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** A signed effect in percentage points: +12.3 pp. */
export function pp(x: number | null | undefined): string {
  return x === null || x === undefined || Number.isNaN(x) ? '–' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)} pp`;
}

/** Cells of the descriptive table (shared by HTML and Markdown renderers). */
export function headlineCell(r: BehaviourResult): { emerged: string; emergedCi: string; final: string; finalCi: string; initial: string } {
  return {
    emerged: `${r.seedsEmerged}/${r.seeds}`,
    emergedCi: pctSpan(r.emergedInterval.lo, r.emergedInterval.hi, 0),
    final: pct(r.finalRate.mean),
    finalCi: pctSpan(r.finalRate.lo, r.finalRate.hi),
    initial: pct(r.initialRate.mean),
  };
}

export function htmlParagraphs(lines: readonly string[], cls = 'narrative'): string {
  return lines.map((l) => `<p class="${cls}">${escapeHtml(l)}</p>`).join('\n');
}
