/**
 * Run-directory I/O: the contract between experiments and reports (DESIGN.md, "Run directory").
 *
 * ```
 * runs/<scenario>-<utc>/
 *   config.json        resolved scenario, agent and CLI settings, versions, git commit, backend
 *   episodes.csv       one row per training episode (EPISODE_COLUMNS)
 *   eval.csv           one row per evaluation episode of the initial and final policy (EVAL_COLUMNS)
 *   firewall.jsonl     the managed-firewall log: {shaping, seed, phase, episode, env_steps, ...entry}
 *   traces/*.jsonl     sampled evaluation episodes, one line per tick (command, output, events)
 *   summary.json       emergence statistics (experiments/analysis.ts), a pure function of the data
 *   summary.md         the same, as Markdown tables
 *   checkpoints/       journal.jsonl (jobs committed into the files above, with their byte offsets)
 *                      and jobs/<job>/ (finished jobs waiting to be committed)
 * ```
 *
 * Writers append whole lines with one `write` each and fsync at commit points; every multi-line
 * file a reader opens may end in a torn line after `kill -9`, so readers drop an unterminated last
 * line, and resume truncates the shared files back to the last journalled offsets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CHAIN_MILESTONES } from './funnel.js';
import { SAFETY_METRICS, type SafetyValues } from './metrics.js';

export const RUN_FORMAT = 'rome-gym-run/2';

export const EPISODE_BASE_COLUMNS = ['shaping', 'seed', 'arm', 'episode', 'env_steps', 'return', 'length', 'task_success', 'cost'] as const;
/** episodes.csv columns: the base columns, then every safety metric once (task_success is a base column). */
export const EPISODE_COLUMNS: readonly string[] = [
  ...EPISODE_BASE_COLUMNS,
  ...SAFETY_METRICS.filter((m) => !(EPISODE_BASE_COLUMNS as readonly string[]).includes(m)),
];
export const EVAL_BASE_COLUMNS = ['shaping', 'seed', 'arm', 'policy', 'episode', 'return', 'discounted_return', 'length', 'cost'] as const;
/** eval.csv columns: the base columns, every safety metric, then the chain's milestones (experiments/funnel.ts). */
export const EVAL_COLUMNS: readonly string[] = [...EVAL_BASE_COLUMNS, ...SAFETY_METRICS, ...CHAIN_MILESTONES];
const MILESTONE_SET = new Set<string>(CHAIN_MILESTONES);

export const FILES = {
  config: 'config.json',
  episodes: 'episodes.csv',
  eval: 'eval.csv',
  firewall: 'firewall.jsonl',
  opportunity: 'opportunity.csv',
  ablation: 'ablation.csv',
  planner: 'planner.json',
  traces: 'traces',
  summaryJson: 'summary.json',
  summaryMd: 'summary.md',
  checkpoints: 'checkpoints',
  journal: path.join('checkpoints', 'journal.jsonl'),
  jobs: path.join('checkpoints', 'jobs'),
} as const;

// ---------------------------------------------------------------------------------------------
// Data types

export type PolicyKind = 'initial' | 'final';
export type Phase = 'train' | 'eval';
/**
 * A job's arm: `treatment` trains in the scenario, `control` in the scenario's declared control
 * (scenarios/control.ts), with the same seed, initial weights and evaluation seeds.
 */
export type Arm = 'treatment' | 'control';
export const ARMS: readonly Arm[] = ['treatment', 'control'];

export interface EpisodeRow {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
  episode: number;
  /** Global training env steps when the episode ended. */
  envSteps: number;
  return: number;
  length: number;
  taskSuccess: number;
  cost: number;
  /** Every safety metric column, task_success included. */
  metrics: SafetyValues;
}

export interface EvalRow {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
  policy: PolicyKind;
  episode: number;
  return: number;
  /** sum_t gamma^t r_t with the scenario's discount: what the planner's values are comparable with. */
  discountedReturn: number;
  length: number;
  cost: number;
  metrics: SafetyValues;
}

/** The sandbox's firewall entry (SANDBOX.md contract). Unknown extra fields are kept. */
export interface FirewallEntry {
  tick: number;
  kind: 'connection' | 'alert';
  verdict?: 'allow' | 'block';
  src: string;
  dst: string;
  port: number;
  alert?: string;
  causeTick: number;
  action: string;
  command: string;
  latency?: number;
  [extra: string]: unknown;
}

export interface FirewallLine extends FirewallEntry {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
  phase: Phase;
  /** Evaluation lines only: which policy ran. */
  policy?: PolicyKind;
  episode: number;
  /**
   * Training: global env steps when the episode ended. Evaluation: the training steps behind the
   * evaluated policy (0 for the initial policy).
   */
  env_steps: number;
}

export interface TraceTick {
  tick: number;
  action: number;
  command: string;
  output: string;
  reward: number;
  events: unknown[];
  [extra: string]: unknown;
}

export interface TraceLine extends TraceTick {
  shaping: string;
  seed: number;
  arm?: Arm;
  policy: PolicyKind;
  episode: number;
}

export interface Trace {
  file: string;
  shaping: string;
  seed: number;
  arm?: Arm;
  policy: PolicyKind;
  episode: number;
  ticks: TraceTick[];
}

export interface RunConfig {
  format: typeof RUN_FORMAT;
  scenario: { name: string; source: string | null; resolved: unknown };
  envId: string;
  shapings: string[];
  seeds: number[];
  /** `--agent` as given ('auto': PPO, and PPO-Lagrangian for constrained shapings). */
  agent: string;
  /** The agent each shaping trains. */
  agents: Record<string, string>;
  /** Policies start from the scenario's action prior. */
  prior: boolean;
  steps: number;
  profile: string;
  evalEpisodes: number;
  traceEpisodes: number;
  workers: number;
  backend: { requested: string; used: string | null };
  shard: { index: number; count: number } | null;
  hyper: Record<string, unknown>;
  /**
   * Per shaping, the paired control its control jobs train in (scenarios/control.ts); null: a run
   * without control jobs.
   */
  controls: Record<string, RunControl> | null;
  /** Treatment jobs evaluate their final policy once more per behaviour with its actions masked. */
  ablation?: boolean;
  analysis: AnalysisSettings;
  createdAt: string;
  versions: Record<string, string>;
  git: { commit: string | null; dirty: boolean | null };
  argv: string[];
  [extra: string]: unknown;
}

/**
 * One job × policy × behaviour of opportunity.csv: the policy's own probability of the behaviour's
 * actions (env/sandbox/attempts.ts) over the states its evaluation episodes visited.
 */
export interface OpportunityRow {
  shaping: string;
  seed: number;
  arm: Arm;
  policy: PolicyKind;
  behaviour: string;
  episodes: number;
  /** Visited states (evaluation steps). */
  steps: number;
  /** sum over visited states s of pi(behaviour's actions | s). */
  probSum: number;
  /** sum over episodes of 1 - prod_t (1 - p_t): the model-based chance each episode attempts it. */
  episodeProbSum: number;
}

/** One job × behaviour of ablation.csv: the final policy evaluated with the behaviour's actions masked. */
export interface AblationRow {
  shaping: string;
  seed: number;
  arm: Arm;
  behaviour: string;
  episodes: number;
  returnSum: number;
  discountedReturnSum: number;
  /** Episodes that still showed the behaviour (through an action outside its attempt set). */
  occurred: number;
  /** Steps at which masking left no legal action, so the unmasked policy acted. */
  fallbackSteps: number;
}

export const OPPORTUNITY_COLUMNS = ['shaping', 'seed', 'arm', 'policy', 'behaviour', 'episodes', 'steps', 'prob_sum', 'episode_prob_sum'] as const;
export const ABLATION_COLUMNS = ['shaping', 'seed', 'arm', 'behaviour', 'episodes', 'return_sum', 'discounted_return_sum', 'occurred', 'fallback_steps'] as const;
export const OPPORTUNITY_HEADER = OPPORTUNITY_COLUMNS.join(',');
export const ABLATION_HEADER = ABLATION_COLUMNS.join(',');

export function opportunityRowLine(r: OpportunityRow): string {
  return csvLine([r.shaping, r.seed, r.arm, r.policy, r.behaviour, r.episodes, r.steps, r.probSum, r.episodeProbSum]);
}

export function ablationRowLine(r: AblationRow): string {
  return csvLine([r.shaping, r.seed, r.arm, r.behaviour, r.episodes, r.returnSum, r.discountedReturnSum, r.occurred, r.fallbackSteps]);
}

/** Rows of a fixed-column CSV file as objects of strings keyed by column. */
function readRecords(file: string, columns: readonly string[], limit?: number): Record<string, string>[] {
  const { header, rows } = readCsv(file, limit);
  if (header.length === 0) return [];
  const idx = columns.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${file}: missing column '${c}'`);
    return i;
  });
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

/** The rows of a run's control jobs (the treatment rows are RunData's top-level fields). */
export interface ArmData {
  episodes: EpisodeRow[];
  evals: EvalRow[];
  firewall: FirewallLine[];
  traces: Trace[];
}

export interface RunControl {
  description: string;
  set: Record<string, unknown>;
  resolved: unknown;
  /** The control changes nothing (an A/A comparison: effects are zero by construction). */
  identical: boolean;
}

export interface AnalysisSettings {
  crossingWindow: number;
  bootstrapResamples: number;
  bootstrapSeed: number;
  /** Smallest mean increase in the per-episode rate that counts as emergence (default 0.10). */
  minEffect?: number;
  /** Optimality gap above which a not-detected behaviour with a positive incentive is inconclusive (default 0.02). */
  gapThreshold?: number;
  /** Family-wise error rate of the Holm-corrected tests (default 0.05). */
  alpha?: number;
}

export interface RunData {
  dir: string;
  config: RunConfig;
  /** Safety metric columns as found in the files' headers. */
  metricColumns: string[];
  /** Treatment jobs' rows (what every descriptive statistic and chart reads). */
  episodes: EpisodeRow[];
  evals: EvalRow[];
  firewall: FirewallLine[];
  traces: Trace[];
  /** Control jobs' rows. */
  control: ArmData;
  /** Both arms. */
  opportunity: OpportunityRow[];
  ablation: AblationRow[];
  /** planner.json: the planner's values per shaping, written by the experiment; null when absent. */
  planner: unknown | null;
  /** summary.json when present (the analysis writes it at the end of a sweep). */
  summary: unknown | null;
  /** Jobs committed into the shared files, from the journal. */
  committedJobs: string[];
}

// ---------------------------------------------------------------------------------------------
// Jobs

export interface JobId {
  shaping: string;
  seed: number;
  /** Absent means treatment. */
  arm?: Arm;
}

/** A file-name-safe key for a job: `outcome+cost__seed3` (treatment), `outcome+cost__seed3__control`. */
export function jobKey(j: JobId): string {
  return `${j.shaping.replace(/[^A-Za-z0-9+._-]/g, '_')}__seed${j.seed}${(j.arm ?? 'treatment') === 'control' ? '__control' : ''}`;
}

/** The job key a trace file belongs to (`<jobKey>__<policy>__ep<K>.jsonl`). */
export function traceJobKey(file: string): string {
  return file.replace(/\.jsonl$/, '').split('__').slice(0, -2).join('__');
}

function armOf(s: string, file: string): Arm {
  if (s !== 'treatment' && s !== 'control') throw new Error(`${file}: arm must be treatment|control, got '${s}'`);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Low-level atomic writes

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Write a whole file so that readers see either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  fsyncDir(dir);
}

/** Rename a finished directory into place and make the rename durable. */
export function renameDurable(from: string, to: string): void {
  fs.renameSync(from, to);
  fsyncDir(path.dirname(to));
}

/**
 * Appends whole lines to a file: each `append` is one `write` of complete, newline-terminated
 * lines, so a crash leaves at most one torn line at the end, which readers drop.
 */
export class LineAppender {
  private fd: number;
  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }
  append(lines: string | readonly string[]): void {
    const list = typeof lines === 'string' ? [lines] : lines;
    if (list.length === 0) return;
    for (const l of list) if (l.includes('\n')) throw new Error(`LineAppender: a line may not contain a newline (${this.file})`);
    fs.writeSync(this.fd, list.join('\n') + '\n');
  }
  sync(): void {
    fs.fsyncSync(this.fd);
  }
  close(): void {
    if (this.fd < 0) return;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

export function appendLines(file: string, lines: readonly string[], sync = false): void {
  const a = new LineAppender(file);
  try {
    a.append(lines);
    if (sync) a.sync();
  } finally {
    a.close();
  }
}

/**
 * Complete lines of a file; an unterminated last line (a torn write) is dropped. Missing file: [].
 * With `limit`, only the first `limit` bytes are read (the committed prefix of a shared file).
 */
export function readLines(file: string, limit?: number): string[] {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const text = (limit !== undefined && limit < buf.length ? buf.subarray(0, limit) : buf).toString('utf8');
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text.slice(0, end).split('\n');
}

/** Truncate a file to `size` bytes (resume drops rows appended after the last journalled commit). */
export function truncateTo(file: string, size: number): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.ftruncateSync(fd, size);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

function csvField(v: string | number): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`csv: non-finite number ${v}`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',');
}

/** Parse one CSV line (RFC 4180 quoting; fields never contain newlines in our files). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`csv: unterminated quote in: ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      out.push(line.slice(i, c < 0 ? line.length : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) break;
    if (line[i] !== ',') throw new Error(`csv: expected ',' at ${i} in: ${line}`);
    i++;
    if (i === line.length) {
      out.push('');
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Row encoding

function metricValue(metrics: SafetyValues, name: string): number {
  const v = metrics[name];
  if (typeof v === 'number') return v;
  // A milestone an evaluation did not record (rows built by hand) was not reached.
  if (v === undefined && MILESTONE_SET.has(name)) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Error(`missing safety metric '${name}'`);
}

export function episodeRowLine(r: EpisodeRow): string {
  return csvLine(
    EPISODE_COLUMNS.map((c) => {
      switch (c) {
        case 'shaping': return r.shaping;
        case 'seed': return r.seed;
        case 'arm': return r.arm ?? 'treatment';
        case 'episode': return r.episode;
        case 'env_steps': return r.envSteps;
        case 'return': return r.return;
        case 'length': return r.length;
        case 'task_success': return r.taskSuccess;
        case 'cost': return r.cost;
        default: return metricValue(r.metrics, c);
      }
    }),
  );
}

export function evalRowLine(r: EvalRow): string {
  return csvLine(
    EVAL_COLUMNS.map((c) => {
      switch (c) {
        case 'shaping': return r.shaping;
        case 'seed': return r.seed;
        case 'arm': return r.arm ?? 'treatment';
        case 'policy': return r.policy;
        case 'episode': return r.episode;
        case 'return': return r.return;
        case 'discounted_return': return r.discountedReturn;
        case 'length': return r.length;
        case 'cost': return r.cost;
        default: return metricValue(r.metrics, c);
      }
    }),
  );
}

export const EPISODES_HEADER = csvLine(EPISODE_COLUMNS);
export const EVAL_HEADER = csvLine(EVAL_COLUMNS);

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

const EPISODE_BASE = new Set<string>(EPISODE_BASE_COLUMNS);
const EVAL_BASE = new Set<string>(EVAL_BASE_COLUMNS);

export function parseEpisodes(file: string, limit?: number): { rows: EpisodeRow[]; metricColumns: string[] } {
  const { header, rows } = readCsv(file, limit);
  const idx = (c: string) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${file}: missing column '${c}'`);
    return i;
  };
  if (header.length === 0) return { rows: [], metricColumns: [] };
  const metricColumns = header.filter((c) => !EPISODE_BASE.has(c) || c === 'task_success');
  const metricIdx = metricColumns.map(idx);
  const [iSh, iSe, iAr, iEp, iSt, iRe, iLe, iTs, iCo] = EPISODE_BASE_COLUMNS.map(idx) as number[];
  return {
    metricColumns,
    rows: rows.map((f) => {
      const metrics: Record<string, number> = {};
      metricColumns.forEach((c, k) => (metrics[c] = num(f[metricIdx[k]!]!, c, file)));
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
  const idx = (c: string) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${file}: missing column '${c}'`);
    return i;
  };
  const metricColumns = header.filter((c) => !EVAL_BASE.has(c));
  const metricIdx = metricColumns.map(idx);
  const [iSh, iSe, iAr, iPo, iEp, iRe, iDr, iLe, iCo] = EVAL_BASE_COLUMNS.map(idx) as number[];
  return rows.map((f) => {
    const policy = f[iPo!]!;
    if (policy !== 'initial' && policy !== 'final') throw new Error(`${file}: policy must be initial|final, got '${policy}'`);
    const metrics: Record<string, number> = {};
    metricColumns.forEach((c, k) => (metrics[c] = num(f[metricIdx[k]!]!, c, file)));
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

export function traceFileName(j: JobId, policy: PolicyKind, episode: number): string {
  return `${jobKey(j)}__${policy}__ep${episode}.jsonl`;
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

export interface JournalEntry {
  job: string;
  shaping: string;
  seed: number;
  arm: Arm;
  /** Sizes of the shared files right after this job's rows were appended. */
  sizes: { episodes: number; eval: number; firewall: number; opportunity: number; ablation: number };
  /** Per-job timing and throughput, informational only. */
  wallSeconds: number;
  envSteps: number;
  backend: string | null;
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
  const c = JSON.parse(text) as RunConfig;
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

// ---------------------------------------------------------------------------------------------
// Writing a run: the parent process owns the shared files; each worker writes one job's part
// directory and renames it into place when the job is complete.

/** Create a fresh run directory: config, headers, empty firewall log and journal. */
export function initRunDir(dir: string, config: RunConfig): void {
  fs.mkdirSync(path.join(dir, FILES.jobs), { recursive: true });
  fs.mkdirSync(path.join(dir, FILES.traces), { recursive: true });
  writeFileAtomic(path.join(dir, FILES.episodes), EPISODES_HEADER + '\n');
  writeFileAtomic(path.join(dir, FILES.eval), EVAL_HEADER + '\n');
  writeFileAtomic(path.join(dir, FILES.firewall), '');
  writeFileAtomic(path.join(dir, FILES.opportunity), OPPORTUNITY_HEADER + '\n');
  writeFileAtomic(path.join(dir, FILES.ablation), ABLATION_HEADER + '\n');
  writeFileAtomic(path.join(dir, FILES.journal), '');
  // config.json last: its presence marks a directory that --resume can take over.
  writeFileAtomic(path.join(dir, FILES.config), JSON.stringify(config, null, 2) + '\n');
}

/** A job's finished part directory, or (with `tmpTag`) the one it is written in. */
export function partDir(dir: string, key: string, tmpTag?: string): string {
  return path.join(dir, FILES.jobs, tmpTag === undefined ? key : `${key}.${tmpTag}.tmp`);
}

export interface JobDone {
  wallSeconds: number;
  envSteps: number;
  backend: string | null;
}

/** The shared files a job's part holds rows of (besides episodes.csv, streamed during training). */
const PART_FILES = [FILES.eval, FILES.firewall, FILES.opportunity, FILES.ablation] as const;

/** One job's output, written by the worker that runs it, invisible until `commit()`. */
export class JobPartWriter {
  readonly tmpDir: string;
  readonly finalDir: string;
  private episodes: LineAppender;

  /** `tmpTag` keeps writers of different processes apart (a worker orphaned by a killed sweep). */
  constructor(runDir: string, readonly job: JobId, tmpTag = String(process.pid)) {
    const key = jobKey(job);
    this.tmpDir = partDir(runDir, key, tmpTag);
    this.finalDir = partDir(runDir, key);
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(this.tmpDir, FILES.traces), { recursive: true });
    this.episodes = new LineAppender(path.join(this.tmpDir, FILES.episodes));
  }

  /** Streamed as training runs, so a live job's progress is visible in its part directory. */
  episode(row: EpisodeRow): void {
    this.episodes.append(episodeRowLine(row));
  }

  evals(rows: readonly EvalRow[]): void {
    appendLines(path.join(this.tmpDir, FILES.eval), rows.map(evalRowLine));
  }

  firewall(lines: readonly FirewallLine[]): void {
    appendLines(path.join(this.tmpDir, FILES.firewall), lines.map((l) => JSON.stringify(l)));
  }

  opportunity(rows: readonly OpportunityRow[]): void {
    appendLines(path.join(this.tmpDir, FILES.opportunity), rows.map(opportunityRowLine));
  }

  ablation(rows: readonly AblationRow[]): void {
    appendLines(path.join(this.tmpDir, FILES.ablation), rows.map(ablationRowLine));
  }

  trace(policy: PolicyKind, episode: number, ticks: readonly TraceTick[]): void {
    const head = { shaping: this.job.shaping, seed: this.job.seed, ...(this.job.arm === 'control' ? { arm: 'control' as const } : {}), policy, episode };
    const text = ticks.map((t) => JSON.stringify({ ...head, ...t }) + '\n').join('');
    fs.writeFileSync(path.join(this.tmpDir, FILES.traces, traceFileName(this.job, policy, episode)), text);
  }

  /** Make every file durable, then move the part into place in one rename. */
  commit(done: JobDone): void {
    this.episodes.sync();
    this.episodes.close();
    for (const f of PART_FILES) {
      const p = path.join(this.tmpDir, f);
      if (!fs.existsSync(p)) fs.writeFileSync(p, '');
    }
    for (const f of [...PART_FILES, ...fs.readdirSync(path.join(this.tmpDir, FILES.traces)).map((t) => path.join(FILES.traces, t))]) {
      const fd = fs.openSync(path.join(this.tmpDir, f), 'r');
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    writeFileAtomic(path.join(this.tmpDir, 'done.json'), JSON.stringify(done) + '\n');
    fs.rmSync(this.finalDir, { recursive: true, force: true });
    renameDurable(this.tmpDir, this.finalDir);
  }

  abandon(): void {
    this.episodes.close();
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }
}

/** True when a finished (renamed) part directory exists for the job. */
export function partReady(runDir: string, key: string): boolean {
  return fs.existsSync(path.join(partDir(runDir, key), 'done.json'));
}

/**
 * Append a finished job's part to the shared files, then journal it; the part directory is
 * removed afterwards. Crash-safe: until the journal line is durable, resume truncates the shared
 * files back to the previous entry's sizes and commits the part again.
 */
export function commitPart(runDir: string, job: JobId): JournalEntry {
  const key = jobKey(job);
  const part = partDir(runDir, key);
  const done = JSON.parse(fs.readFileSync(path.join(part, 'done.json'), 'utf8')) as JobDone;
  const shared = {
    episodes: path.join(runDir, FILES.episodes),
    eval: path.join(runDir, FILES.eval),
    firewall: path.join(runDir, FILES.firewall),
    opportunity: path.join(runDir, FILES.opportunity),
    ablation: path.join(runDir, FILES.ablation),
  };
  for (const name of Object.keys(shared) as (keyof typeof shared)[]) appendLines(shared[name], readLines(path.join(part, FILES[name])), true);
  const traceDir = path.join(part, FILES.traces);
  for (const t of fs.readdirSync(traceDir).sort()) {
    writeFileAtomic(path.join(runDir, FILES.traces, t), fs.readFileSync(path.join(traceDir, t)));
  }
  const entry: JournalEntry = {
    job: key,
    shaping: job.shaping,
    seed: job.seed,
    arm: job.arm ?? 'treatment',
    sizes: {
      episodes: fileSize(shared.episodes),
      eval: fileSize(shared.eval),
      firewall: fileSize(shared.firewall),
      opportunity: fileSize(shared.opportunity),
      ablation: fileSize(shared.ablation),
    },
    ...done,
  };
  appendLines(path.join(runDir, FILES.journal), [JSON.stringify(entry)], true);
  fs.rmSync(part, { recursive: true, force: true });
  return entry;
}

/** Cut a file back to its last complete line, so the next append starts on a fresh line. */
function trimTornTail(file: string): void {
  if (!fs.existsSync(file)) return;
  const buf = fs.readFileSync(file);
  const end = buf.lastIndexOf(0x0a) + 1;
  if (end < buf.length) truncateTo(file, end);
}

export interface RecoveredRun {
  config: RunConfig;
  journal: JournalEntry[];
  /** Keys of jobs whose rows are in the shared files. */
  committed: Set<string>;
}

/**
 * Bring a run directory back to its last consistent state after a crash: drop rows appended
 * after the last journalled commit, torn lines, unfinished job parts and stray temp files.
 * Finished parts not yet committed are kept (the runner commits them without re-running).
 */
export function recoverRunDir(dir: string): RecoveredRun {
  const config = readConfig(dir);
  const journalFile = path.join(dir, FILES.journal);
  if (!fs.existsSync(journalFile)) throw new Error(`${dir}: not a resumable run directory (no ${FILES.journal})`);
  trimTornTail(journalFile);
  const { journal, sizes } = readCommitted(dir);
  // The journal exists (checked above), so the sizes do too.
  for (const [name, size] of Object.entries(sizes!) as [keyof JournalEntry['sizes'], number][]) {
    const file = path.join(dir, FILES[name]);
    const have = fileSize(file);
    if (have < size) throw new Error(`${file}: ${have} bytes, but the journal says ${size} were committed`);
    if (have > size) truncateTo(file, size);
  }
  const committed = new Set(journal.map((j) => j.job));
  const jobsDir = path.join(dir, FILES.jobs);
  fs.mkdirSync(jobsDir, { recursive: true });
  for (const d of fs.readdirSync(jobsDir)) {
    const full = path.join(jobsDir, d);
    if (d.endsWith('.tmp') || d.startsWith('.') || committed.has(d) || !fs.existsSync(path.join(full, 'done.json'))) {
      fs.rmSync(full, { recursive: true, force: true });
    }
  }
  const traceDir = path.join(dir, FILES.traces);
  fs.mkdirSync(traceDir, { recursive: true });
  for (const t of fs.readdirSync(traceDir)) {
    // A job's traces are written just before its journal line; an uncommitted job's are stale.
    const key = traceJobKey(t);
    if (t.startsWith('.') || !committed.has(key)) fs.rmSync(path.join(traceDir, t), { force: true });
  }
  for (const f of fs.readdirSync(dir)) if (f.startsWith('.') && f.endsWith('.tmp')) fs.rmSync(path.join(dir, f), { force: true });
  return { config, journal, committed };
}
