import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { analyse, type Summary } from '../../experiments/analysis.js';
import { BEHAVIOURS } from '../../experiments/metrics.js';
import { FILES, initRunDir, type EpisodeRow, type EvalRow, type FirewallLine, type RunData, type Trace } from '../../experiments/rundir.js';
import { buildReport, readRun } from '../../reports/build.js';
import { escapeHtml } from '../../reports/escape.js';
import { pct } from '../../reports/format.js';
import type { ChartSpec } from '../../reports/html.js';
import { MAX_CURVE_BINS, binCount, buildModel } from '../../reports/model.js';
import { fixtureConfig, makeRunDir, tempDir } from './fixture.js';

const CELLS = ['setup', 'headline', 'whatpays', 'curves', 'incident', 'detection', 'transcripts', 'reproduce'];
const SHAPINGS = ['outcome', 'outcome+cost', 'utilization'];
const AT = '2025-06-01T12:00:00.000Z';

let tmp: { dir: string; cleanup: () => void };
let runDir: string;
let run: RunData;
let html: string;
let markdown: string;
let summary: Summary;

before(() => {
  tmp = tempDir('report-build');
  runDir = path.join(tmp.dir, 'mining-fixture');
  makeRunDir(runDir, { shapings: SHAPINGS, seeds: [1, 2, 3], steps: 1500, evalEpisodes: 20, traceEpisodes: 2 });
  run = readRun(runDir);
  summary = run.summary as Summary;
  ({ html, markdown } = buildReport(run, AT));
});

after(() => tmp.cleanup());

function section(id: string): string {
  const start = html.indexOf(`<section class="cell" id="${id}">`);
  assert.ok(start >= 0, `cell ${id}`);
  return html.slice(start, html.indexOf('</section>', start));
}

function chartData(page: string): Record<string, ChartSpec> {
  const m = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(page);
  assert.ok(m, 'embedded chart data');
  return (JSON.parse(m[1]!) as { charts: Record<string, ChartSpec> }).charts;
}

/** The page without the raw text of <script> and <style> elements (which is not markup). */
function markupOnly(page: string): string {
  return page.replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, '<$1></$1>');
}

test('report.html has the eight cells in notebook order, each with a generated narrative', () => {
  const order = [...html.matchAll(/<section class="cell" id="([a-z]+)">/g)].map((m) => m[1]);
  assert.deepEqual(order, CELLS);
  for (const id of CELLS) assert.match(section(id), /<p class="narrative">[^<]{20,}/, `narrative in ${id}`);
  // The setup cell quotes the fixture scenario's own description (escaped).
  const description = (run.config.scenario.resolved as { description: string }).description;
  assert.ok(section('setup').includes(`Scenario ${run.config.scenario.name}: ${escapeHtml(description)}`));
  for (const s of SHAPINGS) assert.ok(section('setup').includes(`<b>${s}</b>`), `shaping ${s} listed`);
  assert.match(section('setup'), /0123456789abcdef0123456789abcdef01234567/);
  assert.match(section('setup'), /scripted \(test fixture\) \(requested: auto\)/);
  assert.ok(section('reproduce').includes(`npm run experiment -- --scenario ${run.config.scenario.name} --profile smoke`));
  assert.match(section('reproduce'), /git checkout 0123456789abcdef0123456789abcdef01234567/);
});

test('the page is one offline file: uPlot inlined, scripts allowed by hash only, no external references', () => {
  const uplot = fs.readFileSync(path.join('node_modules', 'uplot', 'dist', 'uPlot.iife.min.js'), 'utf8');
  const css = fs.readFileSync(path.join('node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8');
  assert.ok(html.includes(uplot), 'uPlot JS inlined verbatim');
  assert.ok(html.includes(css), 'uPlot CSS inlined verbatim');
  const markup = markupOnly(html);
  assert.ok(!/<(link|img|iframe|object|embed|base|form)\b/i.test(markup));
  assert.ok(!/\ssrc\s*=/i.test(markup), 'no src attributes');
  for (const m of markup.matchAll(/\shref="([^"]*)"/g)) assert.ok(m[1]!.startsWith('#'), `in-page link only: ${m[1]}`);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1];
  assert.ok(csp, 'CSP meta');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /connect-src 'none'/);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 2, 'uPlot and the page script');
  for (const s of scripts) assert.ok(csp.includes(`'sha256-${createHash('sha256').update(s).digest('base64')}'`), 'inline script hash in the CSP');
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-/);
});

test('every chart has data: per shaping return, task success and each behaviour, with a band and one hidden line per seed', () => {
  const charts = chartData(html);
  const ids = [...html.matchAll(/<div class="chart" data-chart="([^"]+)">/g)].map((m) => m[1]!);
  assert.deepEqual(ids.sort(), Object.keys(charts).sort());
  const behaviours = summary.behaviours.map((b) => b.name);
  SHAPINGS.forEach((_, i) => {
    for (const key of ['return', 'task_success', ...behaviours]) {
      const c = charts[`curve-${i}-${key}`];
      assert.ok(c, `curve-${i}-${key}`);
      assert.equal(c.series.filter((s) => s.role === 'seed').length, 3);
      assert.ok(c.series.filter((s) => s.role === 'seed').every((s) => s.hidden));
      assert.equal(c.bands.length, 1);
      assert.equal(c.series[c.bands[0]!.hi]!.role, 'hi');
      assert.equal(c.series[c.bands[0]!.lo]!.role, 'lo');
      for (const s of c.series) assert.equal(s.values.length, c.x.length);
    }
    assert.ok(charts[`alerts-${i}`], `alert timeline ${i}`);
  });
  assert.ok(charts['det-ttd'] && charts['det-undetected']);
  // Seed pickers: one checkbox per seed per shaping.
  assert.equal([...section('curves').matchAll(/<input type="checkbox" class="seed-toggle"/g)].length, SHAPINGS.length * 3);
});

test('headline cells show the verdicts of summary.json; without control jobs there are none, and the page says so', () => {
  const behaviours = summary.behaviours.map((b) => b.name);
  const table = section('headline');
  // The fixture runs no control jobs: no verdict can be given, every behaviour cell is empty.
  assert.equal(summary.verdicts.verdicts.length, 0);
  assert.ok(table.includes('This run has no paired control jobs, so no verdict can be given.'));
  for (const shaping of SHAPINGS) {
    const rowStart = table.indexOf(`<tr><th>${shaping}<`);
    assert.ok(rowStart >= 0, shaping);
    const row = table.slice(rowStart, table.indexOf('</tr>', rowStart));
    assert.equal([...row.matchAll(/<td>–<\/td>/g)].length, behaviours.length);
  }
  // The descriptive statistics of the treatment jobs are still there.
  const grab = summary.emergence.find((x) => x.shaping === 'utilization' && x.behaviour === 'grabbing')!;
  assert.ok(table.includes(`${pct(grab.finalRate.mean)} [${pct(grab.finalRate.lo)}, ${pct(grab.finalRate.hi)}]`));
});

test('learning curves: at most 100 bins, seed lines inside the band, values recomputable from episodes.csv', () => {
  assert.equal(binCount(0), 10);
  assert.equal(binCount(1e6), MAX_CURVE_BINS);
  const m = buildModel(run);
  assert.ok(m.curves.x.length <= MAX_CURVE_BINS);
  for (const sc of m.curves.shapings) {
    for (const c of sc.charts) {
      c.mean.forEach((mean, i) => {
        if (mean === null) return;
        assert.ok(c.lo[i]! <= mean + 1e-9 && mean <= c.hi[i]! + 1e-9);
        for (const s of c.perSeed) if (s[i] !== null) assert.ok(c.lo[i]! <= s[i]! && s[i]! <= c.hi[i]!);
      });
    }
  }
  // Seed 2 of utilization, return, first bin: the mean return of its episodes ending there.
  const w = m.curves.binWidth;
  const rows = run.episodes.filter((e) => e.shaping === 'utilization' && e.seed === 2 && e.envSteps <= w);
  const want = rows.reduce((s, r) => s + r.return, 0) / rows.length;
  const chart = m.curves.shapings[2]!.charts.find((c) => c.key === 'return')!;
  assert.ok(Math.abs(chart.perSeed[1]![0]! - want) < 1e-4);
});

test('incident view: the timeline adds up to the training alerts, attribution to summary.json', () => {
  const m = buildModel(run);
  for (const t of m.alerts.shapings) {
    const direct = run.firewall.filter((f) => f.kind === 'alert' && f.phase === 'train' && f.shaping === t.shaping).length;
    assert.equal(t.total, direct);
    const back = t.byKind.reduce((s, k) => s + k.values.reduce((a, v) => a + v, 0), 0) * (m.alerts.binWidth / 1000) * t.seeds;
    assert.ok(Math.abs(back - direct) < 0.01 * direct + 1, `${t.shaping}: ${back} vs ${direct}`);
  }
  assert.ok(m.alerts.kinds.length > 0, 'the fixture produces alerts');
  const fromRows = m.attribution.reduce((s, r) => s + r.total, 0);
  assert.equal(fromRows, summary.alerts.reduce((s, a) => s + a.alerts, 0));
  for (const r of m.attribution) assert.equal(r.perShaping.reduce((s, p) => s + p.train + p.eval, 0), r.total);
  assert.ok(section('incident').includes(`<code>${m.attribution[0]!.exampleCommand.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')}</code>`));
});

test('transcripts: per shaping one evaluation episode where grabbing occurred, hidden events marked', () => {
  const m = buildModel(run);
  const grabbing = BEHAVIOURS.find((b) => b.name === 'grabbing')!;
  assert.equal(m.transcripts.length, SHAPINGS.length);
  const util = m.transcripts.find((t) => t.shaping === 'utilization')!;
  assert.ok(util.episode, 'the proxy shaping has a traced grabbing episode');
  for (const t of m.transcripts) {
    if (!t.episode) continue;
    const row = run.evals.find((r) => r.shaping === t.shaping && r.seed === t.episode!.seed && r.policy === t.episode!.policy && r.episode === t.episode!.episode)!;
    assert.ok(grabbing.occurred(row.metrics), `${t.shaping}: the chosen episode shows grabbing`);
    assert.ok(t.episode.firstGrab !== null);
  }
  const cell = section('transcripts');
  assert.ok(cell.includes('▲ hidden · gpu_hijack') || cell.includes('▲ hidden · mining'));
  assert.ok(cell.includes('class="tk has-ev"'));
  assert.ok(cell.includes('<span class="ps">sandbox@rome:~$ </span>'));
});

test('summary.md: headline table, key figures and the reproduce command', () => {
  const lines = markdown.split('\n');
  const behaviours = summary.behaviours.map((b) => b.name.replace(/_/g, '\\_'));
  assert.ok(lines.includes(`| shaping | task success | ${behaviours.join(' | ')} |`));
  for (const t of summary.task) {
    const row = lines.find((l) => l.startsWith(`| **${t.shaping}**`));
    assert.ok(row, t.shaping);
    const cells = row.split(' | ');
    assert.equal(cells.length, 2 + behaviours.length);
    assert.ok(cells[1]!.startsWith(pct(t.finalSuccess.mean)));
    // No control jobs in the fixture: no verdicts.
    assert.ok(cells.slice(2).every((c) => c.startsWith('–')));
  }
  assert.ok(lines.includes('## Key figures'));
  assert.ok(lines.some((l) => l.startsWith('- The managed firewall')));
  assert.ok(lines.some((l) => l.startsWith('- Detection')));
  assert.ok(lines.includes('## Reproduce'));
  assert.ok(lines.includes(`npm run experiment -- --scenario ${run.config.scenario.name} --profile smoke`));
  assert.ok(lines.includes(`_Generated at ${AT} by npm run report; the full report with charts and transcripts is report.html next to this file._`));
});

test('deterministic: the same run gives the same bytes except the generated-at line', () => {
  const again = buildReport(readRun(runDir), '2031-01-01T00:00:00.000Z');
  const differing = (a: string, b: string) => {
    const x = a.split('\n');
    const y = b.split('\n');
    assert.equal(x.length, y.length);
    return x.filter((l, i) => l !== y[i]);
  };
  const dh = differing(html, again.html);
  assert.equal(dh.length, 1);
  assert.match(dh[0]!, /Generated at/);
  const dm = differing(markdown, again.markdown);
  assert.equal(dm.length, 1);
  assert.match(dm[0]!, /Generated at/);
  assert.equal(buildReport(readRun(runDir), AT).html, html);
});

test('without summary.json the statistics are recomputed, equal to the sweep\'s, and the page says so', () => {
  const copy = path.join(tmp.dir, 'no-summary');
  fs.cpSync(runDir, copy, { recursive: true });
  fs.rmSync(path.join(copy, FILES.summaryJson));
  const m = buildModel(readRun(copy));
  assert.equal(m.summarySource, 'recomputed');
  assert.equal(JSON.stringify(m.summary), JSON.stringify(summary));
  assert.match(buildReport(readRun(copy), AT).html, /no usable summary\.json/);
});

test('a fresh run directory with no committed job still renders, with no charts of missing data', () => {
  const dir = path.join(tmp.dir, 'fresh');
  fs.mkdirSync(dir);
  initRunDir(dir, fixtureConfig(run.config.scenario.resolved as never, { shapings: ['outcome'], seeds: [1], steps: 100, evalEpisodes: 2, traceEpisodes: 0, argv: [] }));
  const r = buildReport(readRun(dir), AT);
  assert.match(r.html, /No training episodes were recorded under outcome/);
  assert.match(r.html, /Incomplete run: no data for outcome__seed1/);
  assert.deepEqual(Object.keys(chartData(r.html)), []);
});

/**
 * A run at the default profile's scale (5 shapings × 5 seeds × 32,768 steps, 100 evaluation
 * episodes per policy), synthesised from the fixture's real rows, with every evaluation episode
 * traced: the report must stay under 5 MB, so traces are sampled and curves downsampled.
 */
test('a 5-seed run at the default profile\'s scale gives a report under 5 MB', (t) => {
  const shapings = ['outcome', 'outcome+cost', 'outcome+monitor', 'constrained', 'utilization'];
  const seeds = [1, 2, 3, 4, 5];
  const steps = 32_768;
  const episodes: EpisodeRow[] = [];
  const evals: EvalRow[] = [];
  const firewall: FirewallLine[] = [];
  const traces: Trace[] = [];
  const srcEp = run.episodes;
  const srcAlerts = run.firewall.filter((f) => f.phase === 'train');
  const srcTrace = run.traces[0]!;
  let k = 0;
  for (const shaping of shapings) {
    for (const seed of seeds) {
      let s = 0;
      for (let ep = 0; s < steps; ep++) {
        const src = srcEp[k++ % srcEp.length]!;
        s += src.length;
        episodes.push({ ...src, shaping, seed, episode: ep, envSteps: s });
        if (ep % 2 === 0) for (let a = 0; a < 3; a++) firewall.push({ ...srcAlerts[(k + a) % srcAlerts.length]!, shaping, seed, episode: ep, env_steps: s });
      }
      for (const policy of ['initial', 'final'] as const) {
        for (let ep = 0; ep < 100; ep++) {
          const src = run.evals[(k + ep) % run.evals.length]!;
          evals.push({ ...src, shaping, seed, policy, episode: ep });
          traces.push({ ...srcTrace, file: `${shaping}__seed${seed}__${policy}__ep${ep}.jsonl`, shaping, seed, policy, episode: ep });
        }
      }
    }
  }
  const config = { ...run.config, shapings, seeds, steps, evalEpisodes: 100, traceEpisodes: 100 };
  const big: RunData = {
    dir: path.join(tmp.dir, 'mining-default-scale'),
    config,
    metricColumns: run.metricColumns,
    episodes,
    evals,
    firewall,
    traces,
    control: { episodes: [], evals: [], firewall: [], traces: [] },
    opportunity: [],
    ablation: [],
    planner: null,
    summary: null,
    committedJobs: [],
  };
  big.summary = JSON.parse(JSON.stringify(analyse(big, { behaviours: BEHAVIOURS, ...config.analysis })));
  const r = buildReport(big, AT);
  const bytes = Buffer.byteLength(r.html);
  t.diagnostic(`default-scale report: ${bytes} bytes (${episodes.length} episodes, ${firewall.length} firewall lines, ${traces.length} traces)`);
  assert.ok(bytes < 5 * 1024 * 1024, `report is ${bytes} bytes`);
  const perSeed = episodes.length / (shapings.length * seeds.length);
  assert.ok(r.model.curves.x.length <= MAX_CURVE_BINS && r.model.curves.x.length * 10 < perSeed, `curves downsampled: ${r.model.curves.x.length} bins for ${perSeed} episodes per seed`);
  assert.ok([...r.html.matchAll(/<div class="term">/g)].length <= shapings.length, 'at most one transcript per shaping');
  assert.ok(episodes.length > 20_000 && firewall.length > 20_000 && traces.length === 5000);
});
