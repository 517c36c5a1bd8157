/**
 * Writing a run and the journal that makes it recoverable. A job's output is written by its
 * worker into a private part directory, renamed into place when complete (`JobPartWriter`); the
 * parent appends finished parts to the shared files in canonical job order and journals each
 * commit with the files' new byte sizes, fsynced (`commitPart`). After `kill -9` at any moment,
 * `recoverRunDir` truncates the shared files back to the journal, drops torn lines and unfinished
 * parts, so resuming runs only the jobs not committed and ends with the same bytes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ablationRowLine, EPISODES_HEADER, episodeRowLine, EVAL_HEADER, evalRowLine, opportunityRowLine } from './codec.js';
import { appendLines, fileSize, fsyncFile, LineAppender, readLines, renameDurable, trimTornTail, truncateTo, writeFileAtomic } from './durable.js';
import { readCommitted, readConfig } from './read.js';
import {
  ABLATION_HEADER,
  FILES,
  jobKey,
  OPPORTUNITY_HEADER,
  traceFileName,
  traceJobKey,
  type AblationRow,
  type EpisodeRow,
  type EvalRow,
  type FirewallLine,
  type JobDone,
  type JobId,
  type JournalEntry,
  type OpportunityRow,
  type PolicyKind,
  type RunConfig,
  type TraceTick,
} from './schema.js';

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
    for (const f of [...PART_FILES, ...fs.readdirSync(path.join(this.tmpDir, FILES.traces)).map((t) => path.join(FILES.traces, t))]) fsyncFile(path.join(this.tmpDir, f));
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
