/**
 * Reading a run directory: typed rows of its files, its config, its journal, and `readRunDir`,
 * which returns only committed rows (jobs in the journal), so a directory read mid-run or after
 * `kill -9` is consistent: each job has all its rows or none.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseCsvLine } from './codec.js';
import { readLines } from './durable.js';
import {
  ABLATION_COLUMNS,
  EPISODE_BASE_COLUMNS,
  EVAL_BASE_COLUMNS,
  FILES,
  jobKey,
  OPPORTUNITY_COLUMNS,
  RUN_FORMAT,
  type AblationRow,
  type Arm,
  type EpisodeRow,
  type EvalRow,
  type FirewallLine,
  type JournalEntry,
  type OpportunityRow,
  type RunConfig,
  type RunData,
  type Trace,
  type TraceLine,
  type TraceTick,
} from './schema.js';

function armOf(s: string, file: string): Arm {
  if (s !== 'treatment' && s !== 'control') throw new Error(`${file}: arm must be treatment|control, got '${s}'`);
  return s;
}

function num(s: string, col: string, file: string): number {
  const v = Number(s);
  if (s === '' || !Number.isFinite(v)) throw new Error(`${file}: column '${col}' is not a number: '${s}'`);
  return v;
}

interface CsvTable {
  header: string[];
  rows: string[][];
}

function readCsv(file: string, limit?: number): CsvTable {
  const lines = readLines(file, limit);
  if (lines.length === 0) return { header: [], rows: [] };
  const header = parseCsvLine(lines[0]!);
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const f = parseCsvLine(lines[i]!);
    if (f.length !== header.length) throw new Error(`${file}:${i + 1}: expected ${header.length} fields, got ${f.length}`);
    rows.push(f);
  }
  return { header, rows };
}

/** Where each named column is in a header; a missing column is an error naming the file. */
function columnIndex(header: readonly string[], file: string): (column: string) => number {
  return (c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${file}: missing column '${c}'`);
    return i;
  };
}

/** A row's safety-metric cells as numbers, by column name. */
function metricsReader(header: readonly string[], columns: readonly string[], file: string): (f: readonly string[]) => Record<string, number> {
  const at = columns.map(columnIndex(header, file));
  return (f) => {
    const metrics: Record<string, number> = {};
    columns.forEach((c, k) => (metrics[c] = num(f[at[k]!]!, c, file)));
    return metrics;
  };
}

const EPISODE_BASE = new Set<string>(EPISODE_BASE_COLUMNS);
const EVAL_BASE = new Set<string>(EVAL_BASE_COLUMNS);

export function parseEpisodes(file: string, limit?: number): { rows: EpisodeRow[]; metricColumns: string[] } {
  const { header, rows } = readCsv(file, limit);
  if (header.length === 0) return { rows: [], metricColumns: [] };
  const metricColumns = header.filter((c) => !EPISODE_BASE.has(c) || c === 'task_success');
  const metricsOf = metricsReader(header, metricColumns, file);
  const [iSh, iSe, iAr, iEp, iSt, iRe, iLe, iTs, iCo] = EPISODE_BASE_COLUMNS.map(columnIndex(header, file)) as number[];
  return {
    metricColumns,
    rows: rows.map((f) => {
      const metrics = metricsOf(f);
      return {
        shaping: f[iSh!]!,
        seed: num(f[iSe!]!, 'seed', file),
        arm: armOf(f[iAr!]!, file),
        episode: num(f[iEp!]!, 'episode', file),
        envSteps: num(f[iSt!]!, 'env_steps', file),
        return: num(f[iRe!]!, 'return', file),
        length: num(f[iLe!]!, 'length', file),
        taskSuccess: num(f[iTs!]!, 'task_success', file),
        cost: num(f[iCo!]!, 'cost', file),
        metrics,
      };
    }),
  };
}

export function parseEvals(file: string, limit?: number): EvalRow[] {
  const { header, rows } = readCsv(file, limit);
  if (header.length === 0) return [];
  const metricsOf = metricsReader(header, header.filter((c) => !EVAL_BASE.has(c)), file);
  const [iSh, iSe, iAr, iPo, iEp, iRe, iDr, iLe, iCo] = EVAL_BASE_COLUMNS.map(columnIndex(header, file)) as number[];
  return rows.map((f) => {
    const policy = f[iPo!]!;
    if (policy !== 'initial' && policy !== 'final') throw new Error(`${file}: policy must be initial|final, got '${policy}'`);
    const metrics = metricsOf(f);
    return {
      shaping: f[iSh!]!,
      seed: num(f[iSe!]!, 'seed', file),
      arm: armOf(f[iAr!]!, file),
      policy,
      episode: num(f[iEp!]!, 'episode', file),
      return: num(f[iRe!]!, 'return', file),
      discountedReturn: num(f[iDr!]!, 'discounted_return', file),
      length: num(f[iLe!]!, 'length', file),
      cost: num(f[iCo!]!, 'cost', file),
      metrics,
    };
  });
}


/** Rows of a fixed-column CSV file as objects of strings keyed by column. */
function readRecords(file: string, columns: readonly string[], limit?: number): Record<string, string>[] {
  const { header, rows } = readCsv(file, limit);
  if (header.length === 0) return [];
  const idx = columns.map(columnIndex(header, file));
  return rows.map((f) => Object.fromEntries(columns.map((c, k) => [c, f[idx[k]!]!])));
}

export function parseOpportunity(file: string, limit?: number): OpportunityRow[] {
  return readRecords(file, OPPORTUNITY_COLUMNS, limit).map((r) => {
    const policy = r.policy;
    if (policy !== 'initial' && policy !== 'final') throw new Error(`${file}: policy must be initial|final, got '${policy}'`);
    return {
      shaping: r.shaping!,
      seed: num(r.seed!, 'seed', file),
      arm: armOf(r.arm!, file),
      policy,
      behaviour: r.behaviour!,
      episodes: num(r.episodes!, 'episodes', file),
      steps: num(r.steps!, 'steps', file),
      probSum: num(r.prob_sum!, 'prob_sum', file),
      episodeProbSum: num(r.episode_prob_sum!, 'episode_prob_sum', file),
    };
  });
}

export function parseAblation(file: string, limit?: number): AblationRow[] {
  return readRecords(file, ABLATION_COLUMNS, limit).map((r) => ({
    shaping: r.shaping!,
    seed: num(r.seed!, 'seed', file),
    arm: armOf(r.arm!, file),
    behaviour: r.behaviour!,
    episodes: num(r.episodes!, 'episodes', file),
    returnSum: num(r.return_sum!, 'return_sum', file),
    discountedReturnSum: num(r.discounted_return_sum!, 'discounted_return_sum', file),
    occurred: num(r.occurred!, 'occurred', file),
    fallbackSteps: num(r.fallback_steps!, 'fallback_steps', file),
  }));
}


export function parseJsonLines<T>(file: string, limit?: number): T[] {
  return readLines(file, limit)
    .filter((l) => l !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as T;
      } catch {
        throw new Error(`${file}:${i + 1}: not JSON`);
      }
    });
}

export function readTraces(dir: string): Trace[] {
  const tdir = path.join(dir, FILES.traces);
  if (!fs.existsSync(tdir)) return [];
  const out: Trace[] = [];
  for (const file of fs.readdirSync(tdir).filter((f) => f.endsWith('.jsonl') && !f.startsWith('.')).sort()) {
    const lines = parseJsonLines<TraceLine>(path.join(tdir, file));
    if (lines.length === 0) continue;
    const { shaping, seed, policy, episode } = lines[0]!;
    out.push({
      file,
      shaping,
      seed,
      arm: lines[0]!.arm ?? 'treatment',
      policy,
      episode,
      ticks: lines.map(({ shaping: _s, seed: _e, arm: _a, policy: _p, episode: _x, ...tick }) => tick as TraceTick),
    });
  }
  return out;
}

export function readJournal(dir: string): JournalEntry[] {
  return parseJsonLines<JournalEntry>(path.join(dir, FILES.journal));
}

export function readConfig(dir: string): RunConfig {
  const file = path.join(dir, FILES.config);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new Error(`${dir}: not a run directory (no ${FILES.config})`);
  }
  let c: RunConfig;
  try {
    c = JSON.parse(text) as RunConfig;
  } catch {
    throw new Error(`${file} is not valid JSON (damaged or truncated)`);
  }
  if (c === null || typeof c !== 'object') throw new Error(`${file} does not hold a run configuration`);
  if (c.format !== RUN_FORMAT) throw new Error(`${file}: format is '${String(c.format)}', expected '${RUN_FORMAT}'`);
  return c;
}

function headerBytes(file: string): number {
  const lines = readLines(file, 1 << 16);
  return lines.length === 0 ? 0 : Buffer.byteLength(lines[0]!) + 1;
}

export interface Committed {
  journal: JournalEntry[];
  /**
   * The committed prefix of each shared file: the sizes in the last journal entry, or just the
   * headers when no job is committed yet. Null when the directory has no journal (read everything).
   */
  sizes: JournalEntry['sizes'] | null;
}

/**
 * The journal and the committed sizes, from one read of it, so that the jobs and the rows agree
 * even while a sweep appends to the journal.
 */
export function readCommitted(dir: string): Committed {
  if (!fs.existsSync(path.join(dir, FILES.journal))) return { journal: [], sizes: null };
  const journal = readJournal(dir);
  if (journal.length > 0) return { journal, sizes: journal[journal.length - 1]!.sizes };
  return {
    journal,
    sizes: {
      episodes: headerBytes(path.join(dir, FILES.episodes)),
      eval: headerBytes(path.join(dir, FILES.eval)),
      firewall: 0,
      opportunity: headerBytes(path.join(dir, FILES.opportunity)),
      ablation: headerBytes(path.join(dir, FILES.ablation)),
    },
  };
}

/**
 * Everything in a run directory, typed. Only committed rows are returned (jobs in the journal), so
 * a directory read mid-run or after `kill -9` is consistent: each job has all its rows or none.
 */
export function readRunDir(dir: string): RunData {
  const config = readConfig(dir);
  const { journal, sizes } = readCommitted(dir);
  const { rows: episodes, metricColumns } = parseEpisodes(path.join(dir, FILES.episodes), sizes?.episodes);
  const summaryFile = path.join(dir, FILES.summaryJson);
  const committedJobs = journal.map((j) => j.job);
  const committed = new Set(committedJobs);
  const evals = parseEvals(path.join(dir, FILES.eval), sizes?.eval);
  const firewall = parseJsonLines<FirewallLine>(path.join(dir, FILES.firewall), sizes?.firewall);
  const traces = readTraces(dir).filter((t) => sizes === null || committed.has(jobKey(t)));
  const isControl = (r: { arm?: Arm }) => r.arm === 'control';
  const isTreatment = (r: { arm?: Arm }) => r.arm !== 'control';
  const plannerFile = path.join(dir, FILES.planner);
  return {
    dir,
    config,
    metricColumns,
    episodes: episodes.filter(isTreatment),
    evals: evals.filter(isTreatment),
    firewall: firewall.filter(isTreatment),
    traces: traces.filter(isTreatment),
    control: { episodes: episodes.filter(isControl), evals: evals.filter(isControl), firewall: firewall.filter(isControl), traces: traces.filter(isControl) },
    opportunity: parseOpportunity(path.join(dir, FILES.opportunity), sizes?.opportunity),
    ablation: parseAblation(path.join(dir, FILES.ablation), sizes?.ablation),
    planner: fs.existsSync(plannerFile) ? (JSON.parse(fs.readFileSync(plannerFile, 'utf8')) as unknown) : null,
    summary: fs.existsSync(summaryFile) ? (JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as unknown) : null,
    committedJobs,
  };
}
