/**
 * The sweep runner: (shaping, seed) jobs over K worker processes, each with its own tfjs instance,
 * one progress display for the whole sweep, and commits into the run directory in canonical job
 * order (so a resumed, interrupted or sharded-then-merged run has the same files as an
 * uninterrupted one).
 *
 * Reliability: a worker writes a job into a private part directory and renames it into place when
 * the job is complete; the parent appends finished parts to the shared files and journals each
 * commit with the files' new sizes (rundir/journal.ts). After `kill -9` at any moment, `--resume` truncates
 * the shared files to the journal, discards unfinished parts, and runs only the jobs not committed.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyse, type Summary } from '../analysis/index.js';
import {
  allJobs,
  armsOf,
  commitPart,
  FILES,
  initRunDir,
  partReady,
  readRunDir,
  recoverRunDir,
  shardJobs,
  writeFileAtomic,
  type JobDone,
  type RunConfig,
  type SweepJob,
} from '../rundir/index.js';
import type { JobProgress, JobSettings } from './job.js';
import type { Behaviour } from '../analysis/index.js';
import { lockRunDir } from './lock.js';
import { SweepProgress } from './progress.js';
import type { FromWorker, ToWorker } from './worker-host.js';

export const DEFAULT_WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface SweepOptions {
  dir: string;
  /** A new run's configuration; omit to resume the run in `dir` with its own configuration. */
  config?: RunConfig;
  workers: number;
  /** The worker entry module (a .ts file run with tsx); tests point it at a trainer double. */
  workerModule?: string;
  behaviours: readonly Behaviour[];
  /** Episode horizon, for estimating evaluation steps in the ETA. */
  horizon: number;
  /** Where result lines go (the table, file list); progress goes to `progress`. */
  out?: (line: string) => void;
  progress?: SweepProgress;
  /** Install a SIGINT handler that stops cleanly (the CLI does; tests drive `stop()` instead). */
  handleSigint?: boolean;
  /** Called once the sweep can be stopped; `stop()` ends it as Ctrl-C would. */
  onStart?: (stop: () => void) => void;
}

export interface SweepResult {
  status: 'complete' | 'interrupted';
  dir: string;
  config: RunConfig;
  jobsTotal: number;
  jobsRunHere: number;
  wallSeconds: number;
  /** Env steps (training + evaluation) run in this session. */
  envSteps: number;
  summary: Summary | null;
}

export class SweepError extends Error {
  /** The workers could not start (e.g. the requested tfjs backend cannot load): bad input, nothing written. */
  constructor(message: string, readonly atStart = false) {
    super(message);
  }
}

/** The tsx loader for child processes and threads that run .ts modules. */
export function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

interface Worker {
  proc: ChildProcess;
  job: SweepJob | null;
  ready: boolean;
}

export function jobSettings(dir: string, c: RunConfig): JobSettings {
  return {
    runDir: dir,
    envId: c.envId,
    scenario: c.scenario.resolved,
    agents: c.agents,
    prior: c.prior,
    steps: c.steps,
    hyper: c.hyper,
    evalEpisodes: c.evalEpisodes,
    traceEpisodes: c.traceEpisodes,
    controls: c.controls ? Object.fromEntries(Object.entries(c.controls).map(([k, v]) => [k, v.resolved])) : null,
    gamma: typeof c.hyper.gamma === 'number' ? c.hyper.gamma : 1,
    ablation: c.ablation ?? true,
  };
}

/**
 * Analyse the committed data of a run directory and write summary.json. summary.md and report.html
 * are the report builder's (reports/), which the experiment and merge CLIs run afterwards.
 */
export function writeSummary(dir: string, behaviours: readonly Behaviour[]): Summary {
  const run = readRunDir(dir);
  const summary = analyse(run, { behaviours, ...run.config.analysis });
  writeFileAtomic(path.join(dir, FILES.summaryJson), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/**
 * Runs the sweep holding the run directory's lock (experiments/lock.ts): a second process on the
 * same directory is refused with RunDirLockedError before it reads or truncates anything.
 */
export async function runSweep(opts: SweepOptions): Promise<SweepResult> {
  const lock = lockRunDir(opts.dir);
  try {
    return await sweepLocked(opts);
  } finally {
    lock.release();
  }
}

async function sweepLocked(opts: SweepOptions): Promise<SweepResult> {
  const started = performance.now();
  const out = opts.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const resuming = opts.config === undefined;
  let config: RunConfig;
  let committed: Set<string>;
  if (resuming) {
    const rec = recoverRunDir(opts.dir);
    config = rec.config;
    committed = rec.committed;
  } else {
    config = opts.config!;
    committed = new Set();
  }
  const jobs = shardJobs(allJobs(config.shapings, config.seeds, armsOf(config)), config.shard);
  const finished = new Map<string, JobDone>();
  if (resuming) for (const j of jobs) if (!committed.has(j.key) && partReady(opts.dir, j.key)) finished.set(j.key, { wallSeconds: 0, envSteps: 0, backend: null });
  const queue = jobs.filter((j) => !committed.has(j.key) && !finished.has(j.key));
  const settings = jobSettings(opts.dir, config);
  const nWorkers = Math.max(0, Math.min(opts.workers, queue.length));
  const progress = opts.progress ?? new SweepProgress();
  const planned = config.steps + 2 * config.evalEpisodes * opts.horizon;
  const inflight = new Map<string, JobProgress>();
  let sessionSteps = 0;
  let jobsRunHere = 0;

  const workers: Worker[] = [];
  let settle: ((r: 'complete' | 'interrupted') => void) | null = null;
  let fail: ((e: Error) => void) | null = null;
  let stopping = false;
  const killAll = () => {
    for (const w of workers) if (w.proc.exitCode === null && w.proc.signalCode === null) w.proc.kill('SIGKILL');
  };

  const draw = () => {
    let inflightSteps = 0;
    for (const p of inflight.values()) inflightSteps += p.trainSteps + p.evalSteps;
    const remaining = jobs.filter((j) => !committed.has(j.key) && !finished.has(j.key)).length;
    progress.update({
      jobsDone: jobs.filter((j) => committed.has(j.key) || finished.has(j.key)).length,
      jobsTotal: jobs.length,
      stepsDone: sessionSteps + inflightSteps,
      stepsLeft: Math.max(0, remaining * planned - inflightSteps),
    });
  };

  const flushCommits = () => {
    for (const j of jobs) {
      if (committed.has(j.key)) continue;
      if (!finished.has(j.key)) break;
      commitPart(opts.dir, j);
      committed.add(j.key);
    }
  };

  const dispatch = (w: Worker) => {
    if (stopping) return;
    const job = queue.shift();
    if (!job) {
      w.job = null;
      w.proc.send({ type: 'exit' } satisfies ToWorker);
      return;
    }
    w.job = job;
    inflight.set(job.key, { trainSteps: 0, evalSteps: 0 });
    w.proc.send({ type: 'job', job, settings } satisfies ToWorker);
  };

  const checkDone = () => {
    if (jobs.every((j) => committed.has(j.key))) settle?.('complete');
  };

  // Ctrl-C from here on stops cleanly: before the workers are ready nothing has been written yet.
  let abortStart: (() => void) | null = null;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    killAll();
    abortStart?.();
    settle?.('interrupted');
  };
  const onSigint = () => stop();
  if (opts.handleSigint) process.on('SIGINT', onSigint);

  const backendReady = new Promise<string | null>((resolveReady, rejectReady) => {
    abortStart = () => resolveReady(null);
    if (nWorkers === 0) resolveReady(null);
    let readyCount = 0;
    let firstBackend: string | null = null;
    for (let i = 0; i < nWorkers; i++) {
      const proc = fork(opts.workerModule ?? DEFAULT_WORKER, [config.backend.requested], {
        execArgv: ['--import', tsxLoader()],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const w: Worker = { proc, job: null, ready: false };
      workers.push(w);
      proc.on('message', (m: FromWorker) => {
        switch (m.type) {
          case 'ready':
            w.ready = true;
            firstBackend ??= m.backend;
            if (++readyCount === nWorkers) resolveReady(firstBackend);
            break;
          case 'progress':
            inflight.set(m.key, m.progress);
            draw();
            break;
          case 'done':
            inflight.delete(m.key);
            finished.set(m.key, m.done);
            sessionSteps += m.done.envSteps;
            jobsRunHere++;
            try {
              flushCommits();
            } catch (e) {
              fail?.(e as Error);
              return;
            }
            draw();
            dispatch(w);
            checkDone();
            break;
          case 'error': {
            const what = m.key === null ? 'worker failed to start' : `job ${m.key} failed`;
            const err = new SweepError(m.key === null ? m.message : `${what}: ${m.message}`, m.key === null);
            if (!w.ready) rejectReady(err);
            fail?.(err);
            break;
          }
        }
      });
      proc.on('exit', (code, signal) => {
        if (stopping || (w.job === null && w.ready)) return;
        // Ctrl-C reaches the whole process group; a worker still loading may die of it first.
        if (signal === 'SIGINT' && opts.handleSigint) {
          stop();
          return;
        }
        const err = new SweepError(`worker ${proc.pid} exited unexpectedly (${signal ?? `code ${code}`})${w.job ? ` while running ${w.job.key}` : ''}`);
        if (!w.ready) rejectReady(err);
        fail?.(err);
      });
    }
  });

  let used: string | null;
  try {
    used = await backendReady;
  } catch (e) {
    stopping = true;
    killAll();
    if (opts.handleSigint) process.off('SIGINT', onSigint);
    throw e;
  }
  abortStart = null;
  if (stopping) {
    if (opts.handleSigint) process.off('SIGINT', onSigint);
    const wallSeconds = (performance.now() - started) / 1000;
    return { status: 'interrupted', dir: opts.dir, config, jobsTotal: jobs.length, jobsRunHere: 0, wallSeconds, envSteps: 0, summary: null };
  }
  if (!resuming) {
    config = { ...config, backend: { ...config.backend, used } };
    initRunDir(opts.dir, config);
  } else if (used !== null && config.backend.used !== null && used !== config.backend.used) {
    out(`warning: this run started on backend '${config.backend.used}' and resumes on '${used}'; results are reproducible per backend only`);
  }

  opts.onStart?.(stop);

  let status: 'complete' | 'interrupted';
  try {
    status = await new Promise<'complete' | 'interrupted'>((resolve, reject) => {
      if (stopping) {
        resolve('interrupted');
        return;
      }
      settle = resolve;
      fail = (e) => {
        if (stopping) return;
        stopping = true;
        killAll();
        reject(e);
      };
      try {
        flushCommits();
      } catch (e) {
        fail(e as Error);
        return;
      }
      draw();
      checkDone();
      for (const w of workers) dispatch(w);
    });
  } finally {
    if (opts.handleSigint) process.off('SIGINT', onSigint);
    progress.finish();
  }
  stopping = true;
  killAll();
  if (status === 'interrupted') {
    try {
      flushCommits(); // parts that finished before the stop are kept
    } catch {
      // a resume redoes the commit from the journal
    }
  }
  const wallSeconds = (performance.now() - started) / 1000;
  const summary = status === 'complete' ? writeSummary(opts.dir, opts.behaviours) : null;
  return { status, dir: opts.dir, config, jobsTotal: jobs.length, jobsRunHere, wallSeconds, envSteps: sessionSteps, summary };
}
