/**
 * `npm run test:slurm`: the shipped experiments/cluster/sweep.sbatch, unchanged, on a real Slurm
 * (a one-node cluster on localhost, test/cluster/localslurm.ts), against the same sweep run on one
 * machine by the current code.
 *
 * What it proves, in order:
 * 1. A daemon that cannot start (a broken slurm.conf) fails in seconds with the daemon's own error,
 *    and leaves no process behind: the harness cannot hang CI.
 * 2. A 4-task array of the script, with the merge submitted as `--dependency=afterok` exactly as
 *    experiments/cluster/README.md says: every task exits 0, the merge job exits 0, and the merged
 *    episodes.csv, eval.csv, firewall.jsonl, summary.json (and traces) are byte-identical to the
 *    one-machine run; report.html builds from the merged directory.
 * 3. One task killed with `kill -9` of its job step after its first job was committed, then
 *    requeued: it resumes its own run directory (the committed journal lines and config.json are
 *    untouched, nothing is run twice) and the merge is still byte-identical; before the requeue its
 *    lock is replaced by one naming another host (a kill on another node), which the requeued
 *    attempt must clear. The same for a task
 *    requeued while running (preemption), with the afterok merge submitted up front.
 * 4. Self-test: the same check fails on scratch copies of the script with planted defects (the shard
 *    index off by one; the shard count off by one, which loses jobs silently).
 *
 * The sweep is tiny (2 shapings × 6 seeds, 4,096 steps, wasm backend): 3 jobs per shard, so a task
 * can be caught between its jobs. Set TEST_SLURM_KEEP=1 to keep the scratch directory.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listScenarios, loadScenario } from '../../scenarios/loader.js';
import { ensureSlurmInstalled, LocalSlurm, processesOf, shellEnv, SlurmSetupError, type JobRecord } from './localslurm.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCRIPT = 'experiments/cluster/sweep.sbatch';
const SHARDS = 4;
const WAIT_MS = 300_000;
const SCENARIO = listScenarios().includes('control') ? 'control' : listScenarios()[0]!;
const SHAPINGS = Object.keys(loadScenario(SCENARIO).shapings).slice(0, 2);
const SEEDS = 6;
/** The sweep's flags, identical for every shard and for the one-machine run. */
const EXPERIMENT_ARGS = `--profile smoke --steps 4096 --seeds ${SEEDS} --shapings ${SHAPINGS.join(',')} --eval-episodes 10 --backend wasm`;
const COMPARED = ['episodes.csv', 'eval.csv', 'firewall.jsonl', 'summary.json'] as const;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rome-gym-slurm-'));
const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * The submit directory: the repository's files as symlinks, with its own empty runs/. The script
 * runs `npm run experiment` from its submit directory and writes runs/ there; a fresh cluster
 * numbers jobs from 1 again, so submitting from the repository itself could resume a directory
 * left by an earlier run of this test.
 */
function makeSubmitDir(dir: string): string {
  fs.mkdirSync(path.join(dir, 'runs'), { recursive: true });
  for (const entry of fs.readdirSync(REPO)) {
    if (entry !== 'runs') fs.symlinkSync(path.join(REPO, entry), path.join(dir, entry));
  }
  return dir;
}

interface Ran {
  code: number | null;
  out: string;
}

function run(cmd: string, args: readonly string[], cwd: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: shellEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => {
      out += `\n(killed after ${timeoutMs / 1000} s)`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function tailOf(file: string, n = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

function lines(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
}

/** The job keys of a run directory's journal (checkpoints/journal.jsonl), in commit order. */
function journalKeys(dir: string): string[] {
  return lines(path.join(dir, 'checkpoints', 'journal.jsonl')).map((l) => (JSON.parse(l) as { job?: string }).job ?? l);
}

/**
 * What shard k of array `jid` must have committed: every job of the one-machine run that no other
 * shard committed. Taken from the runs themselves rather than from the sharding formula, so it
 * holds whatever units the sweep code commits (a job, a job and its paired control job, ...).
 */
function expectedShardKeys(jid: string, k: number): string[] {
  const others = new Set(Array.from({ length: SHARDS }, (_, j) => j).filter((j) => j !== k).flatMap((j) => journalKeys(path.join(submitDir, 'runs', `${SCENARIO}-${jid}-shard-${j}`))));
  return journalKeys(oneMachine).filter((key) => !others.has(key));
}

/** The files that must not depend on how the sweep was run, byte for byte, with the first difference. */
function assertSameAsOneMachine(merged: string, oneMachine: string): void {
  const same = (f: string) => {
    const a = fs.readFileSync(path.join(merged, f));
    const b = fs.readFileSync(path.join(oneMachine, f));
    if (a.equals(b)) return;
    const la = a.toString('utf8').split('\n');
    const lb = b.toString('utf8').split('\n');
    const i = la.findIndex((l, k) => l !== lb[k]);
    assert.fail(`${f} of the merged Slurm run differs from the one-machine run at line ${i + 1}:\n  slurm:       ${(la[i] ?? '(end of file)').slice(0, 200)}\n  one machine: ${(lb[i] ?? '(end of file)').slice(0, 200)}`);
  };
  COMPARED.forEach(same);
  const traces = (d: string) => (fs.existsSync(path.join(d, 'traces')) ? fs.readdirSync(path.join(d, 'traces')).sort().map((t) => `traces/${t}`) : []);
  assert.deepEqual(traces(merged), traces(oneMachine), 'the merged run has other trace files than the one-machine run');
  traces(oneMachine).forEach(same);
}

function removeScratch(): void {
  process.off('exit', removeScratch);
  slurm?.stop();
  if (process.env.TEST_SLURM_KEEP) log(`kept ${root}`);
  else fs.rmSync(root, { recursive: true, force: true });
}

let slurm: LocalSlurm;
let submitDir: string;
let oneMachine: string;

/** sbatch options for this node: the script asks for 4 CPUs, the test node has 2 (command-line options override #SBATCH lines). */
function nodeFit(): string[] {
  return ['--cpus-per-task=1', ...(slurm.memoryMb < 8192 ? [`--mem=${slurm.memoryMb}M`] : [])];
}

/** Submit `script` as the array, with the sweep's flags in EXPERIMENT_ARGS (see README: commas in --export values split variables). */
function submitArray(script: string): string {
  return slurm.sbatch([...nodeFit(), `--array=0-${SHARDS - 1}`, `--export=ALL,SHARDS=${SHARDS},SCENARIO=${SCENARIO}`, script], {
    cwd: submitDir,
    env: { ...shellEnv(), EXPERIMENT_ARGS },
  });
}

/** `npm run merge -- runs/S-JID runs/S-JID-shard-*` as a Slurm job, as the cluster README submits it. */
function submitMerge(jid: string, dependency: string[]): string {
  return slurm.sbatch([...dependency, '--output=runs/merge-%j.out', '--wrap', `npm run merge -- runs/${SCENARIO}-${jid} runs/${SCENARIO}-${jid}-shard-*`], { cwd: submitDir });
}

function taskLabel(r: JobRecord): string {
  return `array task ${r.arrayTaskId} (job ${r.jobId})`;
}

/** Every task of array `jid` ended COMPLETED with exit code 0; otherwise say which did not, with its output. */
function assertTasksExitedZero(jid: string, recs: JobRecord[]): void {
  const tasks = recs.filter((r) => r.arrayJobId === jid).sort((a, b) => Number(a.arrayTaskId) - Number(b.arrayTaskId));
  assert.deepEqual(tasks.map((t) => t.arrayTaskId), Array.from({ length: SHARDS }, (_, i) => String(i)), `array ${jid} should have tasks 0..${SHARDS - 1}`);
  for (const t of tasks) {
    if (t.state === 'COMPLETED' && t.exitCode === '0:0') continue;
    assert.fail(`${taskLabel(t)} ended ${t.state} with exit code ${t.exitCode}; its output ends:\n${tailOf(path.join(submitDir, 'runs', `slurm-${jid}_${t.arrayTaskId}.out`))}`);
  }
}

async function assertMergeJobOk(mid: string): Promise<void> {
  const [m] = await slurm.waitEnded([mid], WAIT_MS);
  assert.ok(m, `merge job ${mid} has no record`);
  if (m.state !== 'COMPLETED' || m.exitCode !== '0:0') assert.fail(`merge job ${mid} ended ${m.state} with exit code ${m.exitCode}; its output ends:\n${tailOf(path.join(submitDir, 'runs', `merge-${mid}.out`))}`);
}

/** The documented route end to end: array, afterok merge, all tasks 0, merged files identical. Returns the merged directory. */
async function checkShardedSweep(script: string): Promise<string> {
  const jid = submitArray(script);
  const mid = submitMerge(jid, [`--dependency=afterok:${jid}`]);
  try {
    const recs = await slurm.waitEnded([jid], WAIT_MS);
    assertTasksExitedZero(jid, recs);
    await assertMergeJobOk(mid);
    const merged = path.join(submitDir, 'runs', `${SCENARIO}-${jid}`);
    assertSameAsOneMachine(merged, oneMachine);
    return merged;
  } finally {
    // A failed check must not leave its merge job queued for the next test.
    spawnSyncQuiet('scancel', [jid, mid]);
  }
}

function spawnSyncQuiet(tool: string, args: string[]): void {
  try {
    slurm.cmd(tool, args);
  } catch {
    /* nothing left to cancel */
  }
}

before(() => ensureSlurmInstalled(log));

describe('a local Slurm whose daemon cannot start fails fast with the reason', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['slurmctld, on an unknown slurm.conf key', { NotASlurmOption: '1' }, /slurmctld exited \(exit code \d+\) while starting[\s\S]*unrecognized key: NotASlurmOption/],
    ['slurmd, on a spool directory it cannot create', { SlurmdSpoolDir: '/proc/rome-gym/cannot-create' }, /slurmd exited \(exit code \d+\) while starting[\s\S]*cannot-create/],
  ];
  for (const [name, config, message] of cases) {
    test(name, async () => {
      const dir = path.join(root, `broken-${Object.keys(config)[0]}`);
      const t0 = Date.now();
      await assert.rejects(LocalSlurm.start({ dir, config, readyTimeoutMs: 20_000 }), (e: Error) => {
        assert.ok(e instanceof SlurmSetupError, `expected a SlurmSetupError, got ${e.stack}`);
        assert.match(e.message, message);
        log(`as expected: ${e.message.split('\n')[0]}`);
        return true;
      });
      assert.ok(Date.now() - t0 < 20_000, `took ${Date.now() - t0} ms to fail`);
      assert.deepEqual(processesOf(dir), [], 'every daemon it started is stopped');
    });
  }
});

describe(`the shipped ${SCRIPT} on a one-node Slurm (${SCENARIO}: ${SHAPINGS.join(', ')} × ${SEEDS} seeds, ${SHARDS} shards)`, () => {
  before(async () => {
    log(`scratch directory ${root}`);
    slurm = await LocalSlurm.start({ dir: path.join(root, 'cluster'), cpus: 2, log });
    // Interrupted (Ctrl-C, CI's SIGTERM): the cluster stops itself; remove the scratch directory too.
    process.once('exit', removeScratch);
    submitDir = makeSubmitDir(path.join(root, 'submit'));
    oneMachine = path.join(submitDir, 'runs', 'one-machine');
    const t0 = Date.now();
    const r = await run('npm', ['run', 'experiment', '--', '--scenario', SCENARIO, ...EXPERIMENT_ARGS.split(' '), '--workers', '2', '--out', oneMachine], submitDir, WAIT_MS);
    assert.equal(r.code, 0, `the one-machine run failed:\n${r.out.slice(-3000)}`);
    log(`one-machine run: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  after(() => {
    slurm?.stop();
    removeScratch();
  });

  test('the array and its afterok merge job: every task exits 0, the merge equals the one-machine run, report.html builds', async () => {
    const t0 = Date.now();
    const merged = await checkShardedSweep(SCRIPT);
    log(`array of ${SHARDS} + merge: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const report = path.join(merged, 'report.html');
    fs.rmSync(report, { force: true }); // the merge wrote one; build it again from the merged files alone
    const r = await run('npm', ['run', 'report', '--', merged], submitDir, 120_000);
    assert.equal(r.code, 0, `npm run report failed:\n${r.out.slice(-2000)}`);
    const html = fs.readFileSync(report, 'utf8');
    assert.match(html, /^<!doctype html>/i);
    for (const s of SHAPINGS) assert.ok(html.includes(s), `report.html names shaping ${s}`);
  });

  /**
   * Interrupt array task `k` after its first committed job, have Slurm run it again, and check that
   * it resumed its own directory and that the merge still equals the one-machine run.
   * - `kill -9`: every process of the task's batch step gets SIGKILL (a crash, an OOM kill); the task
   *   ends FAILED and is requeued by hand. Slurm then never releases an afterok dependency on the
   *   array, so the merge is submitted once the array has finished.
   * - `requeue`: `scontrol requeue` of the running task, which is what preemption does (SIGTERM, then
   *   SIGKILL after KillWait); the README's afterok merge, submitted up front, must still run.
   */
  async function interruptAndResume(mode: 'kill -9' | 'requeue', k: number): Promise<void> {
    const t0 = Date.now();
    const jid = submitArray(SCRIPT);
    const mergeUpFront = mode === 'requeue' ? submitMerge(jid, [`--dependency=afterok:${jid}`]) : null;
    try {
      const shardDir = path.join(submitDir, 'runs', `${SCENARIO}-${jid}-shard-${k}`);
      const journal = path.join(shardDir, 'checkpoints', 'journal.jsonl');
      let task: JobRecord | undefined;
      for (const deadline = Date.now() + WAIT_MS; ; ) {
        task = slurm.jobs(`${jid}_${k}`)[0];
        if (task?.state === 'RUNNING' && lines(journal).length >= 1) break;
        if (task && task.state !== 'PENDING' && task.state !== 'RUNNING') assert.fail(`${taskLabel(task)} ended ${task.state} before it could be interrupted mid-run`);
        if (Date.now() > deadline) assert.fail(`${SCENARIO}-${jid}-shard-${k} committed no job within ${WAIT_MS / 1000} s`);
        await new Promise((r) => setTimeout(r, 50));
      }
      if (mode === 'kill -9') {
        const pids = slurm.stepProcesses(task.jobId);
        assert.ok(pids.length > 0, `no processes found for ${taskLabel(task)}`);
        for (const p of pids) process.kill(p, 'SIGKILL');
        log(`kill -9 of ${pids.length} processes of ${taskLabel(task)}`);
      } else {
        slurm.cmd('scontrol', ['requeue', task.jobId]);
        log(`scontrol requeue of running ${taskLabel(task)}`);
      }
      const committedAtKill = lines(journal);
      const configAtKill = fs.readFileSync(path.join(shardDir, 'config.json'));
      if (mode === 'kill -9') {
        const [killed] = await slurm.waitEnded([task.jobId], 60_000);
        assert.notEqual(killed!.state, 'COMPLETED', 'the killed task must not have ended as completed');
        // As if the killed attempt had run on another node: its lock names a host whose pids this
        // node cannot check, which experiments/lock.ts refuses. The requeued attempt must clear it.
        fs.writeFileSync(path.join(shardDir, '.lock'), JSON.stringify({ pid: 1, host: 'node-that-died', started: new Date().toISOString(), command: 'experiment.ts --shard' }) + '\n');
        slurm.cmd('scontrol', ['requeue', task.jobId]);
      }
      // A requeued job waits about two minutes for its begin time; make it eligible now (once it is pending again).
      for (const deadline = Date.now() + 60_000; ; ) {
        if (slurm.jobs(task.jobId)[0]?.state === 'PENDING') {
          slurm.cmd('scontrol', ['update', `JobId=${task.jobId}`, 'StartTime=now']);
          break;
        }
        if (Date.now() > deadline) assert.fail(`${taskLabel(task)} is not pending again 60 s after the requeue: ${slurm.jobs(task.jobId)[0]?.state}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const recs = await slurm.waitEnded([jid], WAIT_MS);
      assertTasksExitedZero(jid, recs);
      const again = recs.find((r) => r.arrayTaskId === String(k))!;
      assert.ok(again.restarts >= 1, `${taskLabel(again)} was not restarted (Restarts=${again.restarts})`);
      const attempts = slurm.attempts(task.jobId).map((a) => `${a.state} ${a.exitCode}`);
      log(`  attempts of ${taskLabel(again)} (jobcomp log): ${attempts.join(', ')}`);
      assert.ok(attempts.length >= 2 && attempts.at(-1) === 'COMPLETED 0:0', `attempts of the interrupted task: ${attempts.join(', ')}`);
      // It resumed its own directory: the same config.json, the committed jobs kept, nothing twice.
      const taskOut = fs.readFileSync(path.join(submitDir, 'runs', `slurm-${jid}_${k}.out`), 'utf8');
      assert.match(taskOut, new RegExp(`resuming runs/${SCENARIO}-${jid}-shard-${k} `));
      if (mode === 'kill -9') assert.match(taskOut, /removing the previous attempt's lock: .*node-that-died/, 'the requeued attempt cleared the lock left on another host');
      assert.ok(fs.readFileSync(path.join(shardDir, 'config.json')).equals(configAtKill), 'config.json was rewritten: the task did not resume its directory');
      const expected = expectedShardKeys(jid, k);
      assert.ok(committedAtKill.length < expected.length, `the task had committed all ${expected.length} of its journal entries when it was interrupted: not mid-run (make the jobs longer)`);
      const committed = lines(journal);
      assert.deepEqual(committed.slice(0, committedAtKill.length), committedAtKill, 'the jobs committed before the interruption were kept as they were');
      const keys = journalKeys(shardDir);
      assert.equal(new Set(keys).size, keys.length, `a job was committed twice: ${keys.join(', ')}`);
      assert.deepEqual([...keys].sort(), [...expected].sort(), `shard ${k} committed other jobs than the one-machine run has for it`);
      log(`  ${committedAtKill.length} of ${expected.length} journal entries were committed at the interruption`);
      await assertMergeJobOk(mergeUpFront ?? submitMerge(jid, []));
      assertSameAsOneMachine(path.join(submitDir, 'runs', `${SCENARIO}-${jid}`), oneMachine);
      log(`  ${mode === 'requeue' ? 'requeue while running' : 'kill -9 and requeue'}, resume and merge: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      spawnSyncQuiet('scancel', mergeUpFront ? [jid, mergeUpFront] : [jid]);
    }
  }

  test('an array task killed with kill -9 mid-run and requeued resumes its own directory; the merge is still identical', () => interruptAndResume('kill -9', 1));

  test('an array task requeued while it runs (as preemption does) resumes its own directory; the afterok merge still runs and is identical', () => interruptAndResume('requeue', 0));

  // Planted defects in a scratch copy of the script: the check must fail on each. The first is the
  // issue's (shard index off by one: task 3 asks for shard 4/4); the second makes every task
  // succeed and the merge exit 0 with a warning while 2 of the 12 jobs are missing, which only the
  // byte comparison with the one-machine run catches.
  const needle = '--shard "${SLURM_ARRAY_TASK_ID}/${SHARDS}"';
  const planted: [string, string, RegExp][] = [
    ['the shard index off by one', '--shard "$((SLURM_ARRAY_TASK_ID + 1))/${SHARDS}"', /array task 3 \(job \d+\) ended FAILED with exit code 2:0/],
    ['the shard count off by one', '--shard "${SLURM_ARRAY_TASK_ID}/$((SHARDS + 1))"', /episodes\.csv of the merged Slurm run differs from the one-machine run/],
  ];
  for (const [name, replacement, reason] of planted) {
    test(`self-test: a scratch copy of the script with ${name} fails the check`, async () => {
      const original = fs.readFileSync(path.join(REPO, SCRIPT), 'utf8');
      const copy = original.replace(needle, replacement);
      assert.notEqual(copy, original, `${SCRIPT} no longer contains ${needle}: update the planted defects`);
      const file = `planted-${planted.findIndex((p) => p[0] === name)}.sbatch`;
      fs.writeFileSync(path.join(submitDir, file), copy);
      await assert.rejects(checkShardedSweep(file), (e: Error) => {
        // Failed by one of the check's assertions (not by the cluster), and for the defect's reason.
        assert.ok(e instanceof assert.AssertionError, `expected the check's assertion to fail, got ${e.stack}`);
        assert.match(e.message, reason);
        log(`as expected, ${name} fails the check: ${e.message.split('\n')[0]}`);
        return true;
      });
    });
  }
});
