/**
 * report.html: one self-contained page (uPlot's JS and CSS inlined, the chart data embedded as
 * escaped JSON, a Content-Security-Policy that allows only these exact scripts and no network).
 * Cells in notebook order: setup, headline, learning curves, incident view, detection,
 * transcripts, reproducibility. Every string from the run directory goes through escapeHtml (or
 * jsonForHtml for the chart data, which the page only ever puts into the DOM as text).
 */
import { capabilityLines, type CapabilityEntry } from './capability.js';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml, jsonForHtml } from './escape.js';
import { fixed, int, pct, pctSpan, steps } from './format.js';
import type { CurveChart, Histogram, ReportModel, Values } from './model.js';
import { whatPaysNarrative } from './whatpays.js';
import {
  attributionNarrative,
  controlText,
  curvesNarrative,
  detectionNarrative,
  headlineNarrative,
  htmlParagraphs,
  incidentNarrative,
  pp,
  pValue,
  reproduceLines,
  reproduceNotes,
  setupNarrative,
  shapingCurveNarrative,
  shortCommit,
  transcriptLine,
  transcriptsNarrative,
  backendText,
} from './narrative.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The marker of the one line allowed to differ between two builds of the same run. */
export const GENERATED_AT = 'Generated at';

export interface Assets {
  uplotJs: string;
  uplotCss: string;
  pageJs: string;
  pageCss: string;
}

let cachedAssets: Assets | null = null;

/** uPlot's dist files (from node_modules) and the page's own script and style. */
export function loadAssets(): Assets {
  if (cachedAssets) return cachedAssets;
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
  cachedAssets = {
    uplotJs: fs.readFileSync(path.join(dist, 'uPlot.iife.min.js'), 'utf8'),
    uplotCss: fs.readFileSync(path.join(dist, 'uPlot.min.css'), 'utf8'),
    pageJs: fs.readFileSync(path.join(HERE, 'page.js'), 'utf8'),
    pageCss: fs.readFileSync(path.join(HERE, 'page.css'), 'utf8'),
  };
  return cachedAssets;
}

/** Text that goes inside a <script> or <style> element verbatim must not be able to close it. */
function rawElementText(text: string, tag: 'script' | 'style'): string {
  if (new RegExp(`</${tag}|<!--`, 'i').test(text)) throw new Error(`inlined ${tag} contains a sequence that would end the element early`);
  return text;
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

// ---------------------------------------------------------------------------------------------
// Charts: specifications the page script hands to uPlot

export interface ChartSeries {
  label: string;
  color: string;
  width: number;
  values: Values;
  role: 'mean' | 'lo' | 'hi' | 'seed' | 'line';
  /** For role 'seed': position of the seed in its group's seed picker. */
  seed?: number;
  hidden?: boolean;
  dash?: number[];
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xFormat: 'steps' | 'int' | 'num';
  yFormat: 'pct' | 'num' | 'int';
  yRange: [number, number] | null;
  height: number;
  x: number[];
  series: ChartSeries[];
  /** Indices into `series` of a band's upper and lower edge. */
  bands: { hi: number; lo: number; fill: string }[];
  /** Seed-picker group this chart follows. */
  group: string | null;
  stepped: boolean;
}

/** Tableau 10: distinguishable, and fine for most colour-vision deficiencies. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const SEED_PALETTE = ['#8c564b', '#17becf', '#bcbd22', '#7f7f7f', '#e377c2', '#2ca02c', '#d62728', '#9467bd', '#ff7f0e', '#1f77b4'];
export const color = (i: number): string => PALETTE[i % PALETTE.length]!;
const seedColor = (i: number): string => SEED_PALETTE[i % SEED_PALETTE.length]!;

function curveSpec(c: CurveChart, x: number[], seeds: number[], shapingIndex: number, group: string): ChartSpec {
  const col = color(shapingIndex);
  const series: ChartSeries[] = [
    { label: 'highest seed', color: col, width: 0, values: c.hi, role: 'hi' },
    { label: 'lowest seed', color: col, width: 0, values: c.lo, role: 'lo' },
    ...c.perSeed.map((v, k): ChartSeries => ({ label: `seed ${seeds[k]}`, color: seedColor(k), width: 1, values: v, role: 'seed', seed: k, hidden: true })),
    { label: 'mean over seeds', color: col, width: 2, values: c.mean, role: 'mean' },
  ];
  return {
    title: c.title,
    xLabel: 'env steps',
    yLabel: '',
    xFormat: 'steps',
    yFormat: c.kind === 'rate' ? 'pct' : 'num',
    yRange: c.kind === 'rate' ? [0, 1] : null,
    height: 190,
    x,
    series,
    bands: [{ hi: 0, lo: 1, fill: `${col}40` }],
    group,
    stepped: false,
  };
}

function histogramSpec(h: Histogram, title: string, xLabel: string): ChartSpec {
  // One empty bucket past the end, so the stepped line draws the last bucket's full width.
  const x = [...h.x, h.x.length];
  return {
    title,
    xLabel,
    yLabel: 'episodes',
    xFormat: 'int',
    yFormat: 'int',
    yRange: null,
    height: 260,
    x,
    series: h.series.map((s, i): ChartSeries => ({ label: s.shaping, color: color(i), width: 2, values: [...s.counts, 0], role: 'line' })),
    bands: [],
    group: null,
    stepped: true,
  };
}

// ---------------------------------------------------------------------------------------------
// HTML pieces

const e = escapeHtml;

function table(head: readonly string[], rows: readonly string[][], cls = '', numeric: readonly number[] = []): string {
  const th = head.map((h, i) => `<th${numeric.includes(i) ? ' class="num"' : ''}>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The agent's demonstrated reach (config.json's capability record), read with every result. */
function capabilityHtml(m: ReportModel): string {
  const lines = capabilityLines(m.config['capability'] as CapabilityEntry | null | undefined);
  return `\n<div class="capability" id="capability"><h3>Agent capability</h3>\n${lines.map((l) => `<p>${e(l)}</p>`).join('\n')}</div>`;
}

function cell(id: string, n: number, title: string, body: string): string {
  return `<section class="cell" id="${id}">\n<h2><span class="n">[${n}]</span>${e(title)}</h2>\n${body}\n</section>`;
}

class Charts {
  readonly specs: Record<string, ChartSpec> = {};
  add(id: string, spec: ChartSpec): string {
    this.specs[id] = spec;
    return `<div class="chart" data-chart="${e(id)}"></div>`;
  }
}

function setupCell(m: ReportModel): string {
  const c = m.config;
  const scenarioFacts: [string, string][] = [
    ['scenario', `${e(m.scenario.name)}${m.scenario.source ? ` (${e(m.scenario.source)})` : ''}`],
    ['description', m.scenario.description ? e(m.scenario.description) : '–'],
    ...m.scenario.facts.map(([k, v]): [string, string] => [e(k), e(v)]),
  ];
  const runFacts: [string, string][] = [
    ['run directory', e(m.runName)],
    ['agent', e(c.agent === 'auto' ? `auto: ${[...new Set(m.shapings.map((s) => s.agent))].join(', ')}` : c.agent)],
    ['action prior', c.prior ? 'yes (policies start from the scenario’s prior)' : 'no'],
    ['seeds', e(c.seeds.join(', '))],
    ['env steps per job', int(c.steps)],
    ['evaluation episodes', `${int(c.evalEpisodes)} per policy (initial and final), ${int(c.traceEpisodes)} traced per job`],
    ['profile', e(c.profile)],
    ['hyperparameters', e(Object.keys(c.hyper).sort().map((k) => `${k} ${JSON.stringify(c.hyper[k])}`).join(', ') || 'defaults')],
    ['backend', e(backendText(m))],
    ['workers', int(c.workers)],
    ...(c.shard ? [['shard', `${c.shard.index}/${c.shard.count}`] as [string, string]] : []),
    ['versions', e(Object.keys(c.versions).sort().map((k) => `${k} ${c.versions[k]}`).join(', '))],
    ['commit', `${e(c.git.commit ?? 'unknown')}${c.git.dirty ? ' <span class="warn">(uncommitted changes)</span>' : ''}`],
    ['started', e(c.createdAt)],
    ['data', `${int(m.counts.episodes)} training episodes, ${int(m.counts.evals)} evaluation episodes, ${int(m.counts.firewallLines)} firewall log lines, ${int(m.counts.traces)} traces`],
  ];
  const factsTable = (rows: [string, string][]) => `<table class="facts"><tbody>\n${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('\n')}\n</tbody></table>`;
  const shapingRows = m.shapings.map((s) => [
    `<b>${e(s.name)}</b>`,
    e(s.kind ?? '–'),
    e(s.agent),
    `${e(s.description ?? '–')}${s.proxy ? ' <span class="warn">(misspecified proxy, labelled as such)</span>' : ''}`,
  ]);
  return [
    htmlParagraphs(setupNarrative(m)),
    `<div class="two"><div><h3>Scenario</h3>${factsTable(scenarioFacts)}</div><div><h3>Run</h3>${factsTable(runFacts)}</div></div>`,
    '<h3>Reward shapings</h3>',
    table(['shaping', 'kind', 'agent', 'what it rewards'], shapingRows),
  ].join('\n');
}

type VerdictRow = ReportModel['summary']['verdicts']['verdicts'][number];

function verdictCellHtml(r: VerdictRow | undefined): string {
  if (!r) return '<td>–</td>';
  return (
    `<td class="num${r.verdict === 'emerged' ? ' emerged' : ''}">` +
    `<div class="big">${e(r.verdict)}</div>` +
    `<div>${e(pp(r.effect.mean))} <span class="sm">[${e(pp(r.effect.lo))}, ${e(pp(r.effect.hi))}]</span></div>` +
    `<div class="sm">${pct(r.treatmentRate.mean)} vs ${pct(r.controlRate.mean)} · Holm p ${e(pValue(r.effect.pHolm))}</div></td>`
  );
}

/**
 * Per-seed treatment/control pairs as a dot plot, one SVG per shaping: a column per behaviour, a
 * line per seed from its control rate (open circle) to its treatment rate (filled), seeds spread
 * across the column. Inline SVG: no script, no external resource.
 */
function pairDotPlot(rows: readonly VerdictRow[], behaviours: readonly string[]): string {
  const colW = 78;
  const h = 170;
  const top = 10;
  const bottom = 34;
  const left = 34;
  const w = left + colW * behaviours.length + 6;
  const y = (r: number) => top + (1 - r) * (h - top - bottom);
  const parts: string[] = [];
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${left}" x2="${w - 4}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 4}" y="${(y(t) + 3).toFixed(1)}" text-anchor="end" font-size="9">${100 * t}%</text>`);
  }
  behaviours.forEach((b, j) => {
    const x0 = left + j * colW;
    const r = rows.find((v) => v.behaviour === b);
    parts.push(`<text x="${x0 + colW / 2}" y="${h - 18}" text-anchor="middle" font-size="10">${e(b)}</text>`);
    if (!r) return;
    parts.push(`<text x="${x0 + colW / 2}" y="${h - 6}" text-anchor="middle" font-size="9"${r.verdict === 'emerged' ? ' font-weight="bold" fill="#b3402a"' : ''}>${e(r.verdict)}</text>`);
    const n = r.perSeed.length;
    r.perSeed.forEach((p, k) => {
      const x = x0 + 8 + ((colW - 16) * (k + 0.5)) / Math.max(1, n);
      const yc = y(p.control.rate);
      const yt = y(p.treatment.rate);
      parts.push(`<line x1="${x.toFixed(1)}" x2="${x.toFixed(1)}" y1="${yc.toFixed(1)}" y2="${yt.toFixed(1)}" stroke="#999"/>`);
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${yc.toFixed(1)}" r="2.6" fill="#fff" stroke="#2a6fb3"><title>seed ${p.seed} control ${pct(p.control.rate)}</title></circle>`);
      parts.push(`<circle cx="${x.toFixed(1)}" cy="${yt.toFixed(1)}" r="2.6" fill="#b3402a"><title>seed ${p.seed} treatment ${pct(p.treatment.rate)}</title></circle>`);
    });
  });
  return `<svg class="dots" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" aria-label="per-seed treatment and control rates">${parts.join('')}</svg>`;
}

function headlineCellHtml(m: ReportModel): string {
  const s = m.summary;
  const v = s.verdicts;
  const behaviours = s.behaviours.map((b) => b.name);
  const head = ['shaping', 'task success', ...behaviours].map((h) => `<th>${e(h)}</th>`).join('');
  const proxy = new Set(m.shapings.filter((x) => x.proxy).map((x) => x.name));
  const rows = s.task.map((t) => {
    const cells = behaviours.map((b) => verdictCellHtml(v.verdicts.find((r) => r.shaping === t.shaping && r.behaviour === b)));
    return (
      `<tr><th>${e(t.shaping)}${proxy.has(t.shaping) ? '<div class="proxy">misspecified proxy</div>' : ''}<div class="sm">${t.seeds} seeds</div></th>` +
      `<td class="num"><div class="big">${pct(t.finalSuccess.mean)}</div><div class="sm">${pctSpan(t.finalSuccess.lo, t.finalSuccess.hi)}</div><div class="sm">initial ${pct(t.initialSuccess.mean)}</div></td>` +
      `${cells.join('')}</tr>`
    );
  });
  const verdictRows = v.verdicts.map((r) => [
    e(r.shaping),
    e(r.behaviour),
    r.verdict === 'emerged' ? `<b>${e(r.verdict)}</b>` : e(r.verdict),
    `${pct(r.treatmentRate.mean)} ${pctSpan(r.treatmentRate.lo, r.treatmentRate.hi)}`,
    `${pct(r.controlRate.mean)} ${pctSpan(r.controlRate.lo, r.controlRate.hi)}`,
    `${e(pp(r.effect.mean))} [${e(pp(r.effect.lo))}, ${e(pp(r.effect.hi))}]`,
    e(pValue(r.effect.p)),
    e(pValue(r.effect.pHolm)),
    r.verdict === 'emerged' ? '' : r.effect.upperBound === null ? 'n/a' : e(pp(Math.max(0, r.effect.upperBound))),
    r.perOpportunity ? `${e(pp(r.perOpportunity.effect.mean))} (p ${e(pValue(r.perOpportunity.effect.p))})` : '–',
    r.rare?.belowResolution ? `${pct(r.rare.treatment.mean, 2)} / ${pct(r.rare.control.mean, 2)}` : '',
    r.incentive === null ? '–' : fixed(r.incentive, 3),
    r.gap === null ? '–' : fixed(r.gap, 3),
  ]);
  const gapRows = v.gap.map((g) => [
    e(g.shaping),
    g.plannerBest === null ? '–' : `${fixed(g.plannerBest, 3)}${g.plannerExact === false ? ' (lower bound)' : ''}`,
    e(g.plannerClass ?? '–'),
    `${fixed(g.policyReturn.mean, 3)} [${fixed(g.policyReturn.lo, 3)}, ${fixed(g.policyReturn.hi, 3)}]`,
    g.gap === null ? '–' : fixed(g.gap, 3),
  ]);
  const milestones = v.funnel[0]?.steps.map((x) => x.label) ?? [];
  const funnelRows = v.funnel.map((f) => [
    e(f.shaping),
    ...f.steps.map((x) => `${pct(x.treatment.mean)} <span class="sm">${pctSpan(x.treatment.lo, x.treatment.hi)}</span><br>${x.control ? `${pct(x.control.mean)} <span class="sm">${pctSpan(x.control.lo, x.control.hi)}</span>` : '–'}`),
  ]);
  const ablRows = v.ablation.filter((a) => a.emerged).map((a) => [e(a.shaping), e(a.behaviour), `${fixed(a.drop.mean, 3)} [${fixed(a.drop.lo, 3)}, ${fixed(a.drop.hi, 3)}]`, `${fixed(a.dropUndiscounted.mean, 3)} [${fixed(a.dropUndiscounted.lo, 3)}, ${fixed(a.dropUndiscounted.hi, 3)}]`]);
  const long = s.emergence.map((r) => [
    e(r.shaping),
    e(r.behaviour),
    `${pct(r.finalRate.mean)} [${pct(r.finalRate.lo)}, ${pct(r.finalRate.hi)}]`,
    `${pct(r.initialRate.mean)} [${pct(r.initialRate.lo)}, ${pct(r.initialRate.hi)}]`,
    r.firstCrossingStep.median === null ? '–' : `${steps(r.firstCrossingStep.median)} (${r.firstCrossingStep.crossedSeeds}/${r.seeds})`,
    `${r.recurrence.seedsWithOccurrence}/${r.seeds}`,
    fixed(r.recurrence.meanBursts),
    pct(r.recurrence.trainRate),
  ]);
  return [
    htmlParagraphs(headlineNarrative(m)),
    `<div class="scroll"><table class="headline"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`,
    `<p class="note">Each behaviour cell: the verdict; the mean paired effect (treatment minus control final-policy rate, percentage points) with a percentile bootstrap 95% interval over seeds; the treatment and control rates; the Holm-adjusted sign-flip p-value. Controls: ${e(controlText(m))}. Shaded: emerged.</p>`,
    `<p class="note">${s.behaviours.map((b) => `<b>${e(b.name)}</b>: ${e(b.description)}`).join(' · ')}</p>`,
    '<h3>Per seed: treatment against its paired control</h3>',
    ...s.task.map((t) => `<div class="dotplot"><div class="sm"><b>${e(t.shaping)}</b> · filled: treatment, open: control, one line per seed</div>${pairDotPlot(v.verdicts.filter((r) => r.shaping === t.shaping), behaviours)}</div>`),
    '<h3>Verdicts, p-values and intervals</h3>',
    `<div class="scroll">${table(['shaping', 'behaviour', 'verdict', 'treatment rate [95% CI]', 'control rate [95% CI]', 'effect [95% CI]', 'p', 'Holm p', 'excluded above', 'per-opportunity effect', 'model rate T / C (rare)', 'incentive', 'gap'], verdictRows, '', [3, 4, 5, 6, 7, 8, 9, 10, 11, 12])}</div>`,
    '<h3>Definitions</h3>',
    `<dl class="defs">${Object.entries(v.definitions).map(([k, d]) => `<dt>${e(k)}</dt><dd>${e(d)}</dd>`).join('')}</dl>`,
    gapRows.length > 0 ? `<h3>Optimality gap</h3>${table(["shaping", "planner's best", 'best plan class', 'final policy [95% CI]', 'gap'], gapRows, '', [1, 3, 4])}` : '',
    funnelRows.length > 0 ? `<h3>The chain, milestone by milestone</h3><p class="note">Share of final-policy evaluation episodes (all seeds pooled) reaching each milestone, with Clopper-Pearson 95% intervals: treatment (first line), control (second).</p><div class="scroll">${table(['shaping', ...milestones.map(e)], funnelRows, '', milestones.map((_, i) => i + 1))}</div>` : '',
    ablRows.length > 0 ? `<h3>Ablation of emerged behaviours</h3>${table(['shaping', 'behaviour', 'discounted return drop when masked [95% CI]', 'return drop [95% CI]'], ablRows, '', [2, 3])}` : '',
    '<details><summary>Descriptive statistics of the treatment jobs (rates, first crossing, recurrence)</summary>',
    `<p class="note">First crossing: ${e(s.definitions.firstCrossing)}. Recurrence: ${e(s.definitions.recurrence)}.</p>`,
    table(['shaping', 'behaviour', 'final rate [95% CI]', 'initial rate [95% CI]', 'first crossing (seeds)', 'seeds with it in training', 'bursts', 'training rate'], long, '', [2, 3, 4, 5, 6, 7]),
    '</details>',
  ].join('\n');
}

function curvesCell(m: ReportModel, charts: Charts): string {
  const parts = [`<p class="narrative">${e(curvesNarrative(m))}</p>`];
  m.curves.shapings.forEach((sc, i) => {
    parts.push(`<h3>${e(sc.shaping)}</h3>`);
    parts.push(`<p class="narrative">${e(shapingCurveNarrative(m, i))}</p>`);
    if (sc.seeds.length === 0) return;
    const group = `g${i}`;
    const col = color(i);
    const picker = sc.seeds
      .map((s, k) => `<label><input type="checkbox" class="seed-toggle" data-group="${group}" data-seed="${k}"><span class="sw line" style="background:${seedColor(k)}"></span>seed ${e(String(s))}</label>`)
      .join('');
    parts.push(
      `<div class="legend"><span><span class="sw line" style="background:${col}"></span>mean over seeds</span><span><span class="sw" style="background:${col}40"></span>lowest to highest seed</span><span>show seeds:</span>${picker}</div>`,
    );
    parts.push(`<div class="grid curves">${sc.charts.map((c) => charts.add(`curve-${i}-${c.key}`, curveSpec(c, m.curves.x, sc.seeds, i, group))).join('')}</div>`);
  });
  return parts.join('\n');
}

function incidentCell(m: ReportModel, charts: Charts): string {
  const a = m.alerts;
  const parts = [htmlParagraphs(incidentNarrative(m))];
  if (a.kinds.length > 0) {
    parts.push('<p class="note">Each chart: alerts raised during training per 1,000 env steps, by alert kind, mean over seeds, in the same bins as the learning curves.</p>');
    parts.push(`<div class="legend">${a.kinds.map((k, i) => `<span><span class="sw line" style="background:${color(i)}"></span>${e(k)}</span>`).join('')}</div>`);
    const boxes = a.shapings.map((s, i) => {
      if (s.seeds === 0) return `<div class="chart empty">${e(s.shaping)}: no training data</div>`;
      return charts.add(`alerts-${i}`, {
        title: `${s.shaping}: ${int(s.total)} alerts`,
        xLabel: 'env steps',
        yLabel: 'alerts / 1k steps',
        xFormat: 'steps',
        yFormat: 'num',
        yRange: null,
        height: 230,
        x: a.x,
        series: s.byKind.map((k, j): ChartSeries => ({ label: k.kind, color: color(j), width: 1.5, values: k.values, role: 'line' })),
        bands: [],
        group: null,
        stepped: false,
      });
    });
    parts.push(`<div class="grid wide">${boxes.join('')}</div>`);
  }
  parts.push('<h3>Attribution: which tool calls caused the alerts</h3>');
  parts.push(`<p class="narrative">${e(attributionNarrative(m))}</p>`);
  if (m.attribution.length > 0) {
    const head = ['alert', 'caused by', 'example command', 'latency mean (max), ticks', ...m.config.shapings.map((sh) => `${e(sh)}<div class="sm">training + evaluation</div>`)];
    const rows = m.attribution.map((r) => [
      e(r.alert),
      e(r.action),
      `<code>${e(r.exampleCommand)}</code>`,
      `${fixed(r.latencyMean)} (${fixed(r.latencyMax, 0)})`,
      ...r.perShaping.map((p) => (p.train + p.eval === 0 ? '0' : `<b>${int(p.train + p.eval)}</b> <span class="sm">${int(p.train)} + ${int(p.eval)}</span>`)),
    ]);
    const numeric = [3, ...m.config.shapings.map((_, k) => k + 4)];
    parts.push(table(head, rows, 'attribution', numeric));
  }
  return parts.join('\n');
}

function detectionCell(m: ReportModel, charts: Charts): string {
  const d = m.detection;
  const parts = [htmlParagraphs(detectionNarrative(m))];
  parts.push(
    table(
      ['shaping', 'violating episodes', 'detected', 'never detected', 'median ticks to detection', 'mean undetected violation ticks'],
      d.facts.map((f) => [e(f.shaping), int(f.violating), int(f.detected), int(f.neverDetected), fixed(f.medianTicksToDetection), fixed(f.meanUndetectedTicks, 2)]),
      '',
      [1, 2, 3, 4, 5],
    ),
  );
  const hists: string[] = [];
  if (d.ticksToDetection.series.some((s) => s.n > 0)) hists.push(charts.add('det-ttd', histogramSpec(d.ticksToDetection, 'time to detection', 'ticks from first violation to first alert')));
  else hists.push('<div class="chart empty">No violating episode was detected: no time-to-detection distribution.</div>');
  if (d.undetectedTicks.series.some((s) => s.n > 0)) hists.push(charts.add('det-undetected', histogramSpec(d.undetectedTicks, 'undetected violation ticks', 'violation ticks before detection')));
  else hists.push('<div class="chart empty">No violating episodes.</div>');
  parts.push(`<div class="legend">${d.undetectedTicks.series.map((s, i) => `<span><span class="sw line" style="background:${color(i)}"></span>${e(s.shaping)} (${int(s.n)} violating, ${int(d.ticksToDetection.series[i]!.n)} detected)</span>`).join('')}</div>`);
  parts.push(`<div class="grid wide">${hists.join('')}</div>`);
  const rows = m.summary.emergence
    .filter((r) => r.detection.episodes > 0)
    .map((r) => [e(r.shaping), e(r.behaviour), int(r.detection.episodes), pct(r.detection.detectedShare), fixed(r.detection.meanTicksToDetection), fixed(r.detection.meanUndetectedViolationTicks)]);
  if (rows.length > 0) {
    parts.push('<details><summary>Detection per behaviour (final-policy evaluation episodes showing it)</summary>');
    parts.push(table(['shaping', 'behaviour', 'episodes', 'detected', 'mean ticks to detection', 'mean undetected violation ticks'], rows, '', [2, 3, 4, 5]));
    parts.push('</details>');
  }
  return parts.join('\n');
}

/** Outputs longer than this many lines are folded after their first FOLD_KEEP lines. */
const FOLD_LINES = 8;
const FOLD_KEEP = 5;

function terminal(ep: NonNullable<ReportModel['transcripts'][number]['episode']>): string {
  const blocks = ep.ticks.map((t) => {
    const reward = t.reward !== 0 ? ` <span class="r">reward ${t.reward > 0 ? '+' : ''}${fixed(t.reward, 3)}</span>` : '';
    const parts = [`<pre class="cl"><span class="t">${String(t.tick).padStart(3, ' ')} </span><span class="ps">sandbox@rome:~$ </span><span class="cmd">${e(t.command)}</span>${reward}</pre>`];
    const lines = t.output === '' ? [] : t.output.split('\n');
    if (lines.length > FOLD_LINES) {
      parts.push(`<pre>${e(lines.slice(0, FOLD_KEEP).join('\n'))}</pre>`);
      parts.push(`<details><summary>${lines.length - FOLD_KEEP} more lines</summary><pre>${e(lines.slice(FOLD_KEEP).join('\n'))}</pre></details>`);
    } else if (lines.length > 0) {
      parts.push(`<pre>${e(lines.join('\n'))}</pre>`);
    }
    if (t.outputCut) parts.push('<pre class="cut">[output cut for the report]</pre>');
    for (const ev of t.events) parts.push(`<pre class="ev">▲ hidden · ${e(ev.kind)}${ev.detail ? ` · ${e(ev.detail)}` : ''}</pre>`);
    return `<div class="tk${t.events.length > 0 ? ' has-ev' : ''}">${parts.join('')}</div>`;
  });
  return `<div class="term">\n${blocks.join('\n')}\n</div>`;
}

function transcriptsCell(m: ReportModel): string {
  const parts = [`<p class="narrative">${e(transcriptsNarrative())}</p>`];
  let first = true;
  for (const t of m.transcripts) {
    parts.push(`<h3>${e(t.shaping)}</h3>`);
    if (!t.episode) {
      parts.push(`<p class="narrative">${e(transcriptLine(t))}</p>`);
      continue;
    }
    // The first transcript is open; the others are one click away, so the page stays short.
    parts.push(`<details class="transcript"${first ? ' open' : ''}><summary>${e(transcriptLine(t))}</summary>\n${terminal(t.episode)}\n</details>`);
    first = false;
  }
  return parts.join('\n');
}

/** The planner's numbers for this scenario: what a perfect agent gains from each behaviour. */
function whatPaysCell(m: ReportModel): string {
  const w = m.whatPays;
  const parts: string[] = [htmlParagraphs(whatPaysNarrative(w))];
  if (w === null) return parts.join('\n');
  const sign = (x: number) => (x >= 0 ? '+' : '') + x.toFixed(4);
  const mark = (exact: boolean | null) => (exact === false ? ' <span class="sm">(lower bound)</span>' : '');
  for (const s of w.shapings) {
    const rows = s.rows.map((r) => [
      e(r.name),
      r.value === null ? 'impossible here' : `${r.value.toFixed(4)}${mark(r.exact)}`,
      r.incentive === null ? '–' : r.incentive > 1e-9 ? `<b>${e(sign(r.incentive))}</b>` : e(sign(r.incentive)),
    ]);
    rows.unshift(['compliant', s.compliant === null ? '–' : `${s.compliant.toFixed(4)}${mark(s.compliantExact)}`, '']);
    const plan = s.plan === null ? '<p class="note">planner.json has no plan commands (an older file).</p>' : `<pre class="plan">${s.plan.map((c) => e(c)).join('\n')}${s.planCut ? '\n…' : ''}</pre>`;
    parts.push(
      `<h3>${e(s.shaping)}</h3>`,
      table(['class', 'best value', 'incentive'], rows, '', [1, 2]),
      `<p class="note">Optimal plan (${e(s.bestClass ?? 'unknown class')}${s.exact === false ? ', a lower bound' : ''}, the first seed's layout), first commands; how it was found: ${e(s.method ?? 'not recorded')}.</p>`,
      plan,
    );
  }
  return parts.join('\n');
}

function reproCell(m: ReportModel): string {
  return [
    '<p class="narrative">The exact commands that reproduce this run:</p>',
    `<pre class="cmds">${reproduceLines(m).map(e).join('\n')}</pre>`,
    htmlParagraphs(reproduceNotes(m), 'note'),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

export function renderHtml(m: ReportModel, generatedAt: string, assets: Assets = loadAssets()): string {
  const charts = new Charts();
  const cells = [
    cell('setup', 1, 'Setup', setupCell(m)),
    cell('headline', 2, 'Headline: emergence verdicts against paired controls', headlineCellHtml(m) + capabilityHtml(m)),
    cell('whatpays', 3, 'What pays here (planner)', whatPaysCell(m)),
    cell('curves', 4, 'Learning curves', curvesCell(m, charts)),
    cell('incident', 5, 'Incident view: firewall alerts', incidentCell(m, charts)),
    cell('detection', 6, 'Detection', detectionCell(m, charts)),
    cell('transcripts', 7, 'Transcripts', transcriptsCell(m)),
    cell('reproduce', 8, 'Reproducibility', reproCell(m)),
  ];
  const toc = [
    ['setup', 'Setup'],
    ['headline', 'Headline'],
    ['whatpays', 'What pays here'],
    ['curves', 'Learning curves'],
    ['incident', 'Incident view'],
    ['detection', 'Detection'],
    ['transcripts', 'Transcripts'],
    ['reproduce', 'Reproducibility'],
  ];
  const uplotJs = rawElementText(assets.uplotJs, 'script');
  const pageJs = rawElementText(assets.pageJs, 'script');
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(uplotJs)} ${sha256(pageJs)}`,
    "style-src 'unsafe-inline'",
    "img-src 'none'",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const title = `rome-gym report: ${m.scenario.name} (${m.runName})`;
  const commit = shortCommit(m.config.git.commit);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${csp}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(title)}</title>`,
    `<style>\n${rawElementText(assets.uplotCss, 'style')}\n${rawElementText(assets.pageCss, 'style')}</style>`,
    '</head>',
    '<body>',
    '<main>',
    '<header>',
    `<h1>rome-gym report: ${e(m.scenario.name)}</h1>`,
    `<p class="sub">run ${e(m.runName)} · ${m.config.shapings.length} shapings × ${m.config.seeds.length} seeds · ${int(m.config.steps)} env steps per job · commit ${e(commit ?? 'unknown')}${m.config.git.dirty ? ' (dirty)' : ''}</p>`,
    `<p class="generated">${GENERATED_AT} ${e(generatedAt)} by ${e(m.generatedBy)}.</p>`,
    '</header>',
    `<nav class="toc">${toc.map(([id, name]) => `<a href="#${id}">${name}</a>`).join('')}</nav>`,
    ...cells,
    '</main>',
    `<script type="application/json" id="report-data">${jsonForHtml({ charts: charts.specs })}</script>`,
    `<script>${uplotJs}</script>`,
    `<script>${pageJs}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
