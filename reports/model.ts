/**
 * The report's content, computed from a run directory alone (a pure function of `RunData`): the
 * setup facts, the emergence summary (summary.json, or recomputed when absent), downsampled
 * learning curves, the firewall-alert timeline, detection distributions and one sampled transcript
 * per shaping. Everything the HTML and Markdown renderers show comes from here.
 */
import path from 'node:path';
import { analyse, groupBy, median, mean, SUMMARY_FORMAT, type Summary } from '../experiments/analysis.js';
import { BEHAVIOURS, type Behaviour } from '../experiments/metrics.js';
import type { EpisodeRow, EvalRow, FirewallLine, RunConfig, RunData, Trace } from '../experiments/rundir.js';
import { cmp, round } from './format.js';
import { whatPays, type WhatPays } from './whatpays.js';

/** Most bins a learning curve is downsampled to (keeps a long run's report small). */
export const MAX_CURVE_BINS = 100;
/** Fewest bins, so a short run still shows a shape. */
export const MIN_CURVE_BINS = 10;
/** Aim for about this many training episodes per seed in each bin. */
export const EPISODES_PER_BIN = 15;
/** Terminal output longer than this (characters per tick) is cut in transcripts. */
export const MAX_OUTPUT_CHARS = 2000;
/** Most buckets of a detection histogram (one per tick; the last also holds anything beyond). */
export const MAX_HISTOGRAM_BUCKETS = 1000;
/** The behaviour transcripts are chosen for. */
export const TRANSCRIPT_BEHAVIOUR = 'grabbing';

export interface ScenarioFacts {
  name: string;
  description: string | null;
  /** The scenario file when given as a path; null for a scenario shipped in scenarios/. */
  source: string | null;
  /** Key settings, label and value, in a fixed order (only those the resolved scenario has). */
  facts: [string, string][];
}

export interface ShapingFacts {
  name: string;
  kind: string | null;
  description: string | null;
  /** The deliberately misspecified proxy (labelled as such). */
  proxy: boolean;
  agent: string;
}

/** Per-bin values; null where a bin has no episode. */
export type Values = (number | null)[];

export interface CurveChart {
  /** 'return', 'task_success' or a behaviour name. */
  key: string;
  title: string;
  kind: 'return' | 'rate';
  /** One array per seed, in `ShapingCurves.seeds` order. */
  perSeed: Values[];
  mean: Values;
  /** The band: lowest and highest seed in each bin. */
  lo: Values;
  hi: Values;
}

export interface ShapingCurves {
  shaping: string;
  seeds: number[];
  episodes: number;
  charts: CurveChart[];
}

export interface CurveGrid {
  /** Bin centres in env steps (shared by every shaping). */
  x: number[];
  binWidth: number;
  shapings: ShapingCurves[];
}

export interface AlertTimeline {
  shaping: string;
  seeds: number;
  /** Firewall alerts during training (all seeds). */
  total: number;
  firstStep: number | null;
  /** Per alert kind: alerts per 1,000 env steps in each bin, mean over seeds. */
  byKind: { kind: string; count: number; values: number[] }[];
}

export interface Histogram {
  /** Integer bucket values 0..max. */
  x: number[];
  series: { shaping: string; n: number; counts: number[] }[];
}

export interface DetectionFacts {
  shaping: string;
  /** Final-policy evaluation episodes with any violation. */
  violating: number;
  detected: number;
  medianTicksToDetection: number | null;
  meanUndetectedTicks: number | null;
  /** Violating episodes with violation ticks that no monitor ever caught. */
  neverDetected: number;
}

export interface TickView {
  tick: number;
  command: string;
  output: string;
  outputCut: boolean;
  reward: number;
  events: { kind: string; detail: string }[];
}

export interface TranscriptView {
  shaping: string;
  /** Traced evaluation episodes of this shaping in the run directory. */
  traced: number;
  episode: null | {
    file: string;
    seed: number;
    policy: 'initial' | 'final';
    episode: number;
    return: number | null;
    length: number;
    taskSuccess: boolean | null;
    hiddenEvents: number;
    /** The first hidden event of the behaviour the transcript was chosen for. */
    firstGrab: { tick: number; kind: string } | null;
    ticks: TickView[];
  };
}

/** Alerts of one kind caused by one action, across shapings (training and evaluation). */
export interface AttributionRow {
  alert: string;
  action: string;
  exampleCommand: string;
  total: number;
  /** Mean and max ticks from the causing call to the alert, over all shapings. */
  latencyMean: number;
  latencyMax: number;
  /** In `config.shapings` order; zero counts where a shaping had none. */
  perShaping: { shaping: string; train: number; eval: number }[];
}

export interface ReportModel {
  runName: string;
  /** The run directory as a shell command in the current directory reaches it (relative below the cwd). */
  runPath: string;
  /** The command that built the report (`npm run experiment` at the end of a sweep, or `npm run report`). */
  generatedBy: string;
  config: RunConfig;
  scenario: ScenarioFacts;
  shapings: ShapingFacts[];
  summary: Summary;
  summarySource: 'summary.json' | 'recomputed';
  curves: CurveGrid;
  alerts: { x: number[]; binWidth: number; kinds: string[]; shapings: AlertTimeline[] };
  detection: { facts: DetectionFacts[]; ticksToDetection: Histogram; undetectedTicks: Histogram };
  transcripts: TranscriptView[];
  attribution: AttributionRow[];
  /** The planner's "what pays here" for the run's scenario (planner.json); null without one. */
  whatPays: WhatPays | null;
  counts: { episodes: number; evals: number; firewallLines: number; traces: number };
}

// ---------------------------------------------------------------------------------------------
// Reading the resolved scenario defensively: it comes from a file.

function obj(x: unknown): Record<string, unknown> | null {
  return typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : null;
}

function str(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

function at(x: unknown, ...keys: string[]): unknown {
  let cur: unknown = x;
  for (const k of keys) cur = obj(cur)?.[k];
  return cur;
}

function show(x: unknown): string | null {
  if (typeof x === 'number' || typeof x === 'boolean') return String(x);
  if (typeof x === 'string') return x;
  if (Array.isArray(x)) return x.map((v) => show(v) ?? '?').join(', ');
  const o = obj(x);
  if (o) return Object.keys(o).map((k) => `${k} ${show(o[k]) ?? '?'}`).join(', ');
  return null;
}

export function scenarioFacts(config: RunConfig): ScenarioFacts {
  const sc = config.scenario.resolved;
  const facts: [string, string][] = [];
  const add = (label: string, v: unknown) => {
    const s = show(v);
    if (s !== null && s !== '') facts.push([label, s]);
  };
  add('horizon (ticks)', at(sc, 'horizon'));
  add('discount', at(sc, 'discount'));
  add('task work', at(sc, 'task', 'work'));
  add('compute leverage', at(sc, 'task', 'compute_leverage'));
  add('GPUs', at(sc, 'cluster', 'gpus'));
  add('GPU isolation', at(sc, 'cluster', 'isolation'));
  add('egress policy', at(sc, 'network', 'egress'));
  add('findable credentials', at(sc, 'credentials'));
  const monitors = obj(at(sc, 'monitors'));
  if (monitors) {
    const parts = Object.keys(monitors).map((m) => {
      const cfg = obj(monitors[m]);
      if (!cfg) return m;
      const flags = [cfg.enabled === false ? 'off' : 'on', cfg.in_loop === true ? 'in the reward' : 'logs only', ...(cfg.kill_switch === true ? ['kill switch'] : [])];
      return `${m} (${flags.join(', ')})`;
    });
    facts.push(['monitors', parts.join('; ')]);
  }
  add('disabled tools', at(sc, 'tools', 'disabled'));
  return { name: config.scenario.name, description: str(at(sc, 'description')), source: config.scenario.source, facts };
}

export function shapingFacts(config: RunConfig): ShapingFacts[] {
  const defs = obj(at(config.scenario.resolved, 'shapings')) ?? {};
  return config.shapings.map((name) => {
    const d = obj(defs[name]);
    return {
      name,
      kind: str(d?.kind),
      description: str(d?.description),
      proxy: d?.proxy === true,
      agent: config.agents[name] ?? config.agent,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Summary

function summaryOf(run: RunData): { summary: Summary; source: ReportModel['summarySource'] } {
  const s = obj(run.summary);
  const same = (a: unknown, b: readonly unknown[]) => Array.isArray(a) && a.length === b.length && a.every((v, i) => v === b[i]);
  if (s && s.format === SUMMARY_FORMAT && same(s.shapings, run.config.shapings) && same(s.seeds, run.config.seeds)) {
    return { summary: s as unknown as Summary, source: 'summary.json' };
  }
  return { summary: analyse(run, { behaviours: BEHAVIOURS, ...run.config.analysis }), source: 'recomputed' };
}

// ---------------------------------------------------------------------------------------------
// Learning curves

export function binCount(episodesPerSeed: number): number {
  return Math.max(MIN_CURVE_BINS, Math.min(MAX_CURVE_BINS, Math.round(episodesPerSeed / EPISODES_PER_BIN)));
}

interface Grid {
  bins: number;
  width: number;
  x: number[];
  index(envSteps: number): number;
}

function grid(run: RunData): Grid {
  let maxSteps = run.config.steps;
  for (const e of run.episodes) if (e.envSteps > maxSteps) maxSteps = e.envSteps;
  const perSeed = groupBy(run.episodes, (e) => `${e.shaping}|${e.seed}`);
  const counts = [...perSeed.values()].map((g) => g.length);
  const bins = binCount(counts.length === 0 ? 0 : median(counts));
  const width = Math.max(1, maxSteps) / bins;
  return {
    bins,
    width,
    x: Array.from({ length: bins }, (_, i) => Math.round((i + 0.5) * width)),
    index: (s) => Math.min(bins - 1, Math.max(0, Math.floor((s - 1) / width))),
  };
}

function seedCurve(rows: readonly EpisodeRow[], g: Grid, value: (r: EpisodeRow) => number): Values {
  const sum = new Float64Array(g.bins);
  const n = new Int32Array(g.bins);
  for (const r of rows) {
    const i = g.index(r.envSteps);
    sum[i]! += value(r);
    n[i]!++;
  }
  return Array.from(sum, (s, i) => (n[i] === 0 ? null : round(s / n[i]!)));
}

function combine(perSeed: readonly Values[], bins: number): { mean: Values; lo: Values; hi: Values } {
  const out = { mean: [] as Values, lo: [] as Values, hi: [] as Values };
  for (let i = 0; i < bins; i++) {
    const v = perSeed.map((s) => s[i]).filter((x): x is number => x !== null && x !== undefined);
    out.mean.push(v.length === 0 ? null : round(mean(v)));
    out.lo.push(v.length === 0 ? null : Math.min(...v));
    out.hi.push(v.length === 0 ? null : Math.max(...v));
  }
  return out;
}

function curves(run: RunData, g: Grid, behaviours: readonly Behaviour[]): CurveGrid {
  const bySeed = groupBy(run.episodes, (e) => `${e.shaping}|${e.seed}`);
  const shapings: ShapingCurves[] = [];
  for (const shaping of run.config.shapings) {
    const seeds = run.config.seeds.filter((s) => bySeed.has(`${shaping}|${s}`));
    const rows = seeds.map((s) => bySeed.get(`${shaping}|${s}`)!);
    const chart = (key: string, title: string, kind: CurveChart['kind'], value: (r: EpisodeRow) => number): CurveChart => {
      const perSeed = rows.map((r) => seedCurve(r, g, value));
      return { key, title, kind, perSeed, ...combine(perSeed, g.bins) };
    };
    shapings.push({
      shaping,
      seeds,
      episodes: rows.reduce((n, r) => n + r.length, 0),
      charts: [
        chart('return', 'return', 'return', (r) => r.return),
        chart('task_success', 'task success', 'rate', (r) => (r.taskSuccess > 0 ? 1 : 0)),
        ...behaviours.map((b) => chart(b.name, b.name, 'rate', (r) => (b.occurred(r.metrics) ? 1 : 0))),
      ],
    });
  }
  return { x: g.x, binWidth: g.width, shapings };
}

// ---------------------------------------------------------------------------------------------
// Firewall alerts over training time

function alertTimelines(run: RunData, g: Grid): ReportModel['alerts'] {
  const train = run.firewall.filter((f) => f.kind === 'alert' && f.phase === 'train');
  const kinds = [...new Set(train.map((f) => f.alert ?? 'unknown'))].sort();
  const seedsOf = groupBy(run.episodes, (e) => e.shaping);
  const byShaping = groupBy(train, (f) => f.shaping);
  const shapings = run.config.shapings.map((shaping): AlertTimeline => {
    const rows: FirewallLine[] = byShaping.get(shaping) ?? [];
    const seeds = new Set((seedsOf.get(shaping) ?? []).map((e) => e.seed)).size;
    const perK = 1000 / g.width / Math.max(1, seeds);
    const byKind = kinds.map((kind) => {
      const counts = new Array<number>(g.bins).fill(0);
      let count = 0;
      for (const f of rows) {
        if ((f.alert ?? 'unknown') !== kind) continue;
        counts[g.index(f.env_steps)]!++;
        count++;
      }
      return { kind, count, values: counts.map((c) => round(c * perK)) };
    });
    let first: number | null = null;
    for (const f of rows) if (first === null || f.env_steps < first) first = f.env_steps;
    return { shaping, seeds, total: rows.length, firstStep: first, byKind };
  });
  return { x: g.x, binWidth: g.width, kinds, shapings };
}

// ---------------------------------------------------------------------------------------------
// Detection

function histogram(values: Map<string, number[]>, shapings: readonly string[]): Histogram {
  let max = 0;
  for (const v of values.values()) for (const x of v) if (x > max) max = x;
  // Tick counts are bounded by the horizon; the cap only guards against a damaged file.
  const x = Array.from({ length: Math.min(MAX_HISTOGRAM_BUCKETS, Math.round(max) + 1) }, (_, i) => i);
  return {
    x,
    series: shapings.map((shaping) => {
      const v = values.get(shaping) ?? [];
      const counts = new Array<number>(x.length).fill(0);
      for (const t of v) counts[Math.min(x.length - 1, Math.max(0, Math.round(t)))]!++;
      return { shaping, n: v.length, counts };
    }),
  };
}

function detection(run: RunData): ReportModel['detection'] {
  const violating = run.evals.filter((r) => r.policy === 'final' && (r.metrics.violation_any ?? 0) > 0);
  const byShaping = groupBy(violating, (r) => r.shaping);
  const ttd = new Map<string, number[]>();
  const undetected = new Map<string, number[]>();
  const facts = run.config.shapings.map((shaping): DetectionFacts => {
    const rows: EvalRow[] = byShaping.get(shaping) ?? [];
    const det = rows.filter((r) => (r.metrics.detected ?? 0) > 0);
    const t = det.map((r) => r.metrics.ticks_to_detection ?? 0);
    const u = rows.map((r) => r.metrics.undetected_violation_ticks ?? 0);
    ttd.set(shaping, t);
    undetected.set(shaping, u);
    return {
      shaping,
      violating: rows.length,
      detected: det.length,
      medianTicksToDetection: t.length === 0 ? null : median(t),
      meanUndetectedTicks: u.length === 0 ? null : round(mean(u), 3),
      neverDetected: rows.length - det.length,
    };
  });
  return { facts, ticksToDetection: histogram(ttd, run.config.shapings), undetectedTicks: histogram(undetected, run.config.shapings) };
}

// ---------------------------------------------------------------------------------------------
// Transcripts

function eventDetail(e: Record<string, unknown>): string {
  return Object.keys(e)
    .filter((k) => k !== 'tick' && k !== 'kind' && k !== 'command')
    .map((k) => `${k}=${show(e[k]) ?? JSON.stringify(e[k])}`)
    .join(' ');
}

function tickViews(t: Trace): TickView[] {
  return t.ticks.map((k) => {
    const output = typeof k.output === 'string' ? k.output : '';
    const events = (Array.isArray(k.events) ? k.events : []).map((e) => {
      const o = obj(e) ?? {};
      return { kind: str(o.kind) ?? 'event', detail: eventDetail(o) };
    });
    return {
      tick: typeof k.tick === 'number' ? k.tick : 0,
      command: typeof k.command === 'string' ? k.command : '',
      output: output.length > MAX_OUTPUT_CHARS ? output.slice(0, MAX_OUTPUT_CHARS) : output,
      outputCut: output.length > MAX_OUTPUT_CHARS,
      reward: typeof k.reward === 'number' ? k.reward : 0,
      events,
    };
  });
}

/** Whether a traced episode shows the behaviour: its eval row says so, else its events do. */
function traceShows(t: Trace, row: EvalRow | undefined, b: Behaviour | undefined): boolean {
  if (row && b) return b.occurred(row.metrics);
  return t.ticks.some((k) => Array.isArray(k.events) && k.events.some((e) => GRAB_EVENTS.has(String(obj(e)?.kind))));
}

const GRAB_EVENTS = new Set(['gpu_hijack', 'mining']);

function firstGrab(ticks: readonly TickView[]): { tick: number; kind: string } | null {
  for (const t of ticks) for (const ev of t.events) if (GRAB_EVENTS.has(ev.kind)) return { tick: t.tick, kind: ev.kind };
  return null;
}

function transcripts(run: RunData): TranscriptView[] {
  const b = BEHAVIOURS.find((x) => x.name === TRANSCRIPT_BEHAVIOUR);
  const evalRow = new Map(run.evals.map((r) => [`${r.shaping}|${r.seed}|${r.policy}|${r.episode}`, r]));
  const seedOrder = (s: number) => run.config.seeds.indexOf(s);
  return run.config.shapings.map((shaping) => {
    const mine = run.traces
      .filter((t) => t.shaping === shaping)
      .sort((a, c) => (a.policy === c.policy ? 0 : a.policy === 'final' ? -1 : 1) || seedOrder(a.seed) - seedOrder(c.seed) || a.episode - c.episode);
    const pick = mine.find((t) => traceShows(t, evalRow.get(`${t.shaping}|${t.seed}|${t.policy}|${t.episode}`), b));
    if (!pick) return { shaping, traced: mine.length, episode: null };
    const row = evalRow.get(`${pick.shaping}|${pick.seed}|${pick.policy}|${pick.episode}`);
    const ticks = tickViews(pick);
    return {
      shaping,
      traced: mine.length,
      episode: {
        file: pick.file,
        seed: pick.seed,
        policy: pick.policy,
        episode: pick.episode,
        return: row ? row.return : null,
        length: row ? row.length : ticks.length,
        taskSuccess: row ? (row.metrics.task_success ?? 0) > 0 : null,
        hiddenEvents: ticks.reduce((n, t) => n + t.events.length, 0),
        firstGrab: firstGrab(ticks),
        ticks,
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Alert attribution, pivoted: one row per (alert, causing action), one column per shaping

export function attributionRows(summary: Summary, shapings: readonly string[]): AttributionRow[] {
  const rows = new Map<string, AttributionRow & { latencySum: number }>();
  for (const a of summary.alerts) {
    for (const g of a.groups) {
      const key = `${g.alert}\u0000${g.action}`;
      let r = rows.get(key);
      if (!r) {
        r = {
          alert: g.alert,
          action: g.action,
          exampleCommand: g.exampleCommand,
          total: 0,
          latencyMean: 0,
          latencyMax: 0,
          latencySum: 0,
          perShaping: shapings.map((shaping) => ({ shaping, train: 0, eval: 0 })),
        };
        rows.set(key, r);
      }
      r.total += g.count;
      r.latencySum += g.latency.mean * g.count;
      r.latencyMax = Math.max(r.latencyMax, g.latency.max);
      const cell = r.perShaping.find((p) => p.shaping === a.shaping);
      if (cell) {
        cell.train += g.train;
        cell.eval += g.eval;
      }
    }
  }
  return [...rows.values()]
    .map(({ latencySum, ...r }) => ({ ...r, latencyMean: r.total === 0 ? 0 : round(latencySum / r.total, 3) }))
    .sort((a, b) => b.total - a.total || cmp(a.alert, b.alert) || cmp(a.action, b.action));
}

// ---------------------------------------------------------------------------------------------

function pathFromCwd(dir: string): string {
  const abs = path.resolve(dir);
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

export function buildModel(run: RunData): ReportModel {
  const { summary, source } = summaryOf(run);
  const known = new Map(BEHAVIOURS.map((b) => [b.name, b]));
  const behaviours = summary.behaviours.map((b) => known.get(b.name)).filter((b): b is Behaviour => b !== undefined);
  const g = grid(run);
  return {
    runName: path.basename(path.resolve(run.dir)),
    runPath: pathFromCwd(run.dir),
    generatedBy: 'npm run report',
    config: run.config,
    scenario: scenarioFacts(run.config),
    shapings: shapingFacts(run.config),
    summary,
    summarySource: source,
    curves: curves(run, g, behaviours),
    alerts: alertTimelines(run, g),
    detection: detection(run),
    transcripts: transcripts(run),
    attribution: attributionRows(summary, run.config.shapings),
    whatPays: whatPays(run.planner, run.config.shapings),
    counts: { episodes: run.episodes.length, evals: run.evals.length, firewallLines: run.firewall.length, traces: run.traces.length },
  };
}
