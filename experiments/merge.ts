/**
 * Merge shard run directories (`--shard i/n`) into one run directory whose files and summary equal
 * those of the unsharded sweep: every job's committed rows are re-committed in canonical job order.
 */
import fs from 'node:fs';
import path from 'node:path';
import { entriesBesidesLock, LOCK_FILE, lockRunDir, RunDirError, RunDirLockedError } from './lock.js';
import type { Summary } from '../analysis/index.js';
import {
  allJobs,
  armsOf,
  commitPart,
  FILES,
  initRunDir,
  jobKey,
  parseCsvLine,
  partDir,
  readCommitted,
  readConfig,
  readLines,
  traceJobKey,
  writeFileAtomic,
  type Arm,
  type JobDone,
  type JournalEntry,
  type RunConfig,
} from '../rundir/index.js';
import type { Behaviour } from '../analysis/index.js';
import { writeSummary } from './sweep.js';

export class MergeError extends Error {}

/** Settings that must agree for shards to belong to one sweep. */
const SAME: (keyof RunConfig)[] = ['format', 'envId', 'shapings', 'seeds', 'agent', 'agents', 'prior', 'steps', 'profile', 'evalEpisodes', 'traceEpisodes', 'hyper', 'controls', 'ablation', 'analysis'];

function describe(v: unknown): string {
  return JSON.stringify(v) ?? 'undefined';
}

interface Source {
  dir: string;
  config: RunConfig;
  journal: Map<string, JournalEntry>;
  episodes: Map<string, string[]>;
  evals: Map<string, string[]>;
  firewall: Map<string, string[]>;
  opportunity: Map<string, string[]>;
  ablation: Map<string, string[]>;
}

function groupLines(file: string, limit: number | undefined, keyOf: (line: string) => string, skipHeader: boolean): Map<string, string[]> {
  const lines = readLines(file, limit);
  const m = new Map<string, string[]>();
  for (const line of skipHeader ? lines.slice(1) : lines) {
    if (line === '') continue;
    const k = keyOf(line);
    const g = m.get(k);
    if (g) g.push(line);
    else m.set(k, [line]);
  }
  return m;
}

/** Every shared CSV starts with shaping, seed, arm. */
function csvKey(line: string): string {
  const f = parseCsvLine(line);
  return jobKey({ shaping: f[0]!, seed: Number(f[1]), arm: f[2] === 'control' ? 'control' : 'treatment' });
}

function jsonKey(line: string): string {
  const o = JSON.parse(line) as { shaping: string; seed: number; arm?: Arm };
  return jobKey(o);
}

function loadSource(dir: string): Source {
  const config = readConfig(dir);
  const { journal, sizes } = readCommitted(dir);
  return {
    dir,
    config,
    journal: new Map(journal.map((j) => [j.job, j])),
    episodes: groupLines(path.join(dir, FILES.episodes), sizes?.episodes, csvKey, true),
    evals: groupLines(path.join(dir, FILES.eval), sizes?.eval, csvKey, true),
    firewall: groupLines(path.join(dir, FILES.firewall), sizes?.firewall, jsonKey, false),
    opportunity: groupLines(path.join(dir, FILES.opportunity), sizes?.opportunity, csvKey, true),
    ablation: groupLines(path.join(dir, FILES.ablation), sizes?.ablation, csvKey, true),
  };
}

export interface MergeResult {
  summary: Summary;
  jobs: number;
  missing: string[];
}

export function mergeRunDirs(out: string, dirs: readonly string[], behaviours: readonly Behaviour[]): MergeResult {
  if (dirs.length === 0) throw new MergeError('merge: give at least one run directory to merge');
  // The output is a run directory like any other: one process at a time (experiments/lock.ts).
  let lock;
  try {
    lock = lockRunDir(out);
  } catch (e) {
    if (e instanceof RunDirLockedError || e instanceof RunDirError) throw new MergeError(`merge: ${e.message}`);
    throw e;
  }
  try {
    return mergeLocked(out, dirs, behaviours);
  } finally {
    lock.release();
  }
}

function mergeLocked(out: string, dirs: readonly string[], behaviours: readonly Behaviour[]): MergeResult {
  if (entriesBesidesLock(out).length > 0) throw new MergeError(`merge: output directory ${out} exists and is not empty`);
  const sources = dirs.map((d) => {
    try {
      return loadSource(d);
    } catch (e) {
      throw new MergeError(`merge: ${(e as Error).message.split('\n')[0]}`);
    }
  });
  const first = sources[0]!;
  for (const s of sources.slice(1)) {
    if (s.config.scenario.name !== first.config.scenario.name) throw new MergeError(`merge: ${s.dir} is scenario '${s.config.scenario.name}', ${first.dir} is '${first.config.scenario.name}'`);
    for (const k of SAME) {
      if (describe(s.config[k]) !== describe(first.config[k])) throw new MergeError(`merge: ${s.dir} differs from ${first.dir} in '${k}' (${describe(s.config[k])} vs ${describe(first.config[k])})`);
    }
  }
  const owner = new Map<string, Source>();
  for (const s of sources) {
    for (const key of s.journal.keys()) {
      const prev = owner.get(key);
      if (prev) throw new MergeError(`merge: job ${key} is in both ${prev.dir} and ${s.dir}`);
      owner.set(key, s);
    }
  }
  const jobs = allJobs(first.config.shapings, first.config.seeds, armsOf(first.config));
  const missing = jobs.filter((j) => !owner.has(j.key)).map((j) => j.key);
  const backends = [...new Set(sources.map((s) => s.config.backend.used))];
  const config: RunConfig = {
    ...first.config,
    shard: null,
    backend: { requested: first.config.backend.requested, used: backends.length === 1 ? backends[0]! : backends.join('+') },
    createdAt: new Date().toISOString(),
    mergedFrom: sources.map((s) => ({ dir: path.resolve(s.dir), shard: s.config.shard, createdAt: s.config.createdAt, git: s.config.git })),
  };
  // Built next to OUT and renamed into place, so a failed merge leaves no half-written OUT.
  const work = `${out.replace(/\/+$/, '')}.partial-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  try {
    initRunDir(work, config);
    // The planner's values are per shaping, the same in every shard: the first shard's are kept.
    const planner = sources.map((s) => path.join(s.dir, FILES.planner)).find((f) => fs.existsSync(f));
    if (planner) writeFileAtomic(path.join(work, FILES.planner), fs.readFileSync(planner));
    for (const j of jobs) {
      const s = owner.get(j.key);
      if (!s) continue;
      const part = partDir(work, j.key, 'merge');
      fs.mkdirSync(path.join(part, FILES.traces), { recursive: true });
      const write = (name: string, lines: string[] | undefined) => fs.writeFileSync(path.join(part, name), (lines ?? []).map((l) => l + '\n').join(''));
      write(FILES.episodes, s.episodes.get(j.key));
      write(FILES.eval, s.evals.get(j.key));
      write(FILES.firewall, s.firewall.get(j.key));
      write(FILES.opportunity, s.opportunity.get(j.key));
      write(FILES.ablation, s.ablation.get(j.key));
      const traceDir = path.join(s.dir, FILES.traces);
      if (fs.existsSync(traceDir)) {
        for (const t of fs.readdirSync(traceDir)) {
          if (traceJobKey(t) === j.key) fs.copyFileSync(path.join(traceDir, t), path.join(part, FILES.traces, t));
        }
      }
      const entry = s.journal.get(j.key)!;
      const done: JobDone = { wallSeconds: entry.wallSeconds, envSteps: entry.envSteps, backend: entry.backend };
      writeFileAtomic(path.join(part, 'done.json'), JSON.stringify(done) + '\n');
      fs.renameSync(part, partDir(work, j.key));
      commitPart(work, j);
    }
    const summary = writeSummary(work, behaviours);
    if (fs.existsSync(out)) {
      // OUT holds only our lock; the finished directory replaces it (the lock ends with the merge).
      fs.rmSync(path.join(out, LOCK_FILE), { force: true });
      fs.rmdirSync(out);
    }
    fs.renameSync(work, out);
    return { summary, jobs: owner.size, missing };
  } catch (e) {
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  }
}
