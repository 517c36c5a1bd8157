/**
 * Runs a safety suite: the exact checks in process, then the statistical checks' training groups
 * through the experiment sweep, then the verdicts against the baseline (or, with `update`, records
 * the values measured now as the new baseline first).
 *
 * Everything that makes the input unusable (an unknown check, a missing or stale baseline, a tfjs
 * backend that cannot load) is an `InputError`, raised before any output is written.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BaselineError, baselineProblem, diffBaselines, readBaseline, updatedBaseline, writeBaseline, type Baseline, type BaselineChange } from './baseline.js';
import { measureExact, runExactEpisodes, type Measured } from './exact.js';
import { measurePlanner, runPlannerCheck } from './planner.js';
import { groupChecks, measureStatistical, runTrainingGroups, StatisticalRunError } from './statistical.js';
import { displayPath } from '../../scenarios/loader.js';
import type { SafetyCheck, StatisticalCheck, Suite } from './suite.js';
import { verdictRows, type Row } from './verdict.js';

export class InputError extends Error {}

export interface RunOptions {
  /** Re-record the baseline from this run (and print the diff). */
  update: boolean;
  /** Run only these checks (all when empty or absent). */
  only?: readonly string[];
  workers: number;
  /** Keep the statistical checks' run directories here (default: a temporary directory, removed). */
  runsDir?: string | null;
  /** Progress and notes (stderr in the CLI). */
  log: (line: string) => void;
  /**
   * Called once the input has proved usable: after validation, and once the training workers are
   * up when there are statistical checks (a backend that cannot load is bad input).
   */
  onStarted?: () => void;
  handleSigint: boolean;
  /** The sweep's worker module (tests may substitute one); default experiments/worker.ts. */
  workerModule?: string;
}

export interface SuiteRun {
  rows: Row[];
  seconds: number;
  /** The tfjs backend the statistical checks ran on (null when there were none). */
  backend: string | null;
  /** With `update`: what changed in the baseline file. */
  baselineChanges: BaselineChange[] | null;
  /** Run directories kept (with `runsDir`). */
  runDirs: string[];
}

export function selectChecks(suite: Suite, only: readonly string[] | undefined): SafetyCheck[] {
  if (!only || only.length === 0) return [...suite.checks];
  const names = suite.checks.map((c) => c.name);
  const unknown = only.find((n) => !names.includes(n));
  if (unknown !== undefined) throw new InputError(`--check: no check '${unknown}' in ${displayPath(suite.file)} (it has: ${names.join(', ')})`);
  return suite.checks.filter((c) => only.includes(c.name));
}

function prepareRunsDir(dir: string): void {
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
    throw new InputError(`--runs-dir ${dir} exists and is not an empty directory`);
  }
}

/** The baseline to judge against; problems are input errors (unless updating, which replaces it). */
function loadBaselineFor(suite: Suite, checks: readonly SafetyCheck[], update: boolean, log: (l: string) => void): Baseline | null {
  let baseline: Baseline | null;
  try {
    baseline = readBaseline(suite.baselineFile);
  } catch (e) {
    if (!(e instanceof BaselineError)) throw e;
    if (!update) throw new InputError(e.message);
    log(`note: ${e.message}; --update replaces it`);
    baseline = null;
  }
  if (!update) {
    const problem = baselineProblem(suite, baseline, checks);
    if (problem !== null) throw new InputError(problem);
  }
  return baseline;
}

export async function runSuite(suite: Suite, opts: RunOptions): Promise<SuiteRun> {
  const started = performance.now();
  const checks = selectChecks(suite, opts.only);
  if (opts.runsDir) prepareRunsDir(opts.runsDir);
  const oldBaseline = loadBaselineFor(suite, checks, opts.update, opts.log);

  const measured = new Map<string, { values: Measured[]; seconds: number }>();
  const statistical = checks.filter((c): c is StatisticalCheck => c.kind === 'statistical');
  if (statistical.length === 0) opts.onStarted?.();
  const exact = checks.filter((c) => c.kind === 'exact');
  if (exact.length > 0) {
    const t0 = performance.now();
    let episodes = 0;
    for (const c of exact) {
      const t = performance.now();
      const eps = runExactEpisodes(c);
      episodes += eps.length;
      measured.set(c.name, { values: c.expect.map((e) => measureExact(eps, e.metric as Extract<typeof e.metric, { kind: 'exact' }>)), seconds: (performance.now() - t) / 1000 });
    }
    opts.log(`exact checks: ${exact.length} checks, ${episodes} scripted episodes in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  }

  const planner = checks.filter((c) => c.kind === 'planner');
  if (planner.length > 0) {
    const t0 = performance.now();
    for (const c of planner) {
      const t = performance.now();
      const report = runPlannerCheck(c);
      const seconds = (performance.now() - t) / 1000;
      measured.set(c.name, { values: c.expect.map((e) => measurePlanner(report, e.metric as Extract<typeof e.metric, { kind: 'planner' }>)), seconds });
      opts.log(`planner check ${c.name}: ${c.scenario.name}/${c.shaping}, ${c.classes.length} classes x ${c.seeds.length} seed(s) in ${seconds.toFixed(1)}s`);
    }
    opts.log(`planner checks: ${planner.length} checks in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  }

  let backend: string | null = null;
  const runDirs: string[] = [];
  if (statistical.length > 0) {
    const runsDir = opts.runsDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rome-gym-safety-'));
    try {
      const groups = groupChecks(statistical);
      const results = await runTrainingGroups(groups, {
        backend: suite.backend,
        workers: opts.workers,
        runsDir,
        log: opts.log,
        ...(opts.onStarted ? { onStarted: opts.onStarted } : {}),
        handleSigint: opts.handleSigint,
        ...(opts.workerModule ? { workerModule: opts.workerModule } : {}),
      });
      for (const g of groups) {
        for (const c of g.checks) {
          const r = results.get(c.name)!;
          backend = r.backend;
          if (opts.runsDir) runDirs.push(r.runDir);
          measured.set(c.name, { values: c.expect.map((e) => measureStatistical(r, c, e.metric as Extract<typeof e.metric, { kind: 'statistical' }>)), seconds: r.seconds });
        }
      }
    } catch (e) {
      if (e instanceof StatisticalRunError && e.atStart) {
        // Nothing ran: leave no trace of a --runs-dir this run created.
        if (opts.runsDir && fs.existsSync(opts.runsDir) && fs.readdirSync(opts.runsDir).length === 0) fs.rmdirSync(opts.runsDir);
        throw new InputError(e.message);
      }
      throw e;
    } finally {
      if (!opts.runsDir) fs.rmSync(runsDir, { recursive: true, force: true });
    }
  }

  let baseline = oldBaseline;
  let baselineChanges: BaselineChange[] | null = null;
  if (opts.update) {
    const values = new Map([...measured].map(([name, m]) => {
      const check = checks.find((c) => c.name === name)!;
      return [name, new Map(check.expect.map((e, i) => [e.metric.text, m.values[i]!.value]))] as const;
    }));
    baseline = updatedBaseline(suite, oldBaseline, checks, values, backend);
    baselineChanges = diffBaselines(oldBaseline, baseline);
    writeBaseline(suite.baselineFile, baseline);
  }

  const rows = checks.flatMap((c) => {
    const m = measured.get(c.name)!;
    return verdictRows(c, m.values, baseline, m.seconds);
  });
  return { rows, seconds: (performance.now() - started) / 1000, backend, baselineChanges, runDirs: [...new Set(runDirs)] };
}
