import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeRunDirs } from '../../experiments/merge.js';
import { readRunDir } from '../../rundir/index.js';
import { SweepProgress } from '../../experiments/progress.js';
import { runSweep } from '../../experiments/sweep.js';
import { FAKE_BEHAVIOURS } from './fake-trainer.js';
import { testConfig } from './sweep-config.js';

const DRIVER = fileURLToPath(new URL('./sweep-driver.ts', import.meta.url));
const WORKER = fileURLToPath(new URL('./fake-worker.ts', import.meta.url));
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sweep-test-'));

interface Driven {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Run the driver; with `killAfterMs`, SIGKILL it that long after it reports `started`. */
function drive(args: string[], opts: { killAfterMs?: number; sigintAfterMs?: number; msPerChunk?: number } = {}): Promise<Driven> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, ...args], {
      env: { ...process.env, FAKE_MS_PER_CHUNK: String(opts.msPerChunk ?? 2) },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.startsWith('started')) {
        if (opts.killAfterMs !== undefined) setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs);
        if (opts.sigintAfterMs !== undefined) setTimeout(() => child.kill('SIGINT'), opts.sigintAfterMs);
      }
    });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout }));
  });
}

/** Everything a run produced that must not depend on how it was run. */
function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const f of ['episodes.csv', 'eval.csv', 'firewall.jsonl', 'opportunity.csv', 'ablation.csv', 'summary.json']) files[f] = fs.readFileSync(path.join(dir, f), 'utf8');
  for (const t of fs.readdirSync(path.join(dir, 'traces')).sort()) files[`traces/${t}`] = fs.readFileSync(path.join(dir, 'traces', t), 'utf8');
  files.jobs = readRunDir(dir).committedJobs.join(',');
  return files;
}

let reference: Record<string, string> | undefined;
async function referenceRun(): Promise<Record<string, string>> {
  if (!reference) {
    const dir = path.join(root, 'reference');
    const r = await drive([dir, '--workers', '2']);
    assert.equal(r.code, 0, r.stdout);
    reference = snapshot(dir);
  }
  return reference;
}

test('a sweep writes every job in canonical order and a summary', async () => {
  const ref = await referenceRun();
  assert.equal(
    ref.jobs,
    'outcome__seed1,outcome__seed1__control,outcome__seed2,outcome__seed2__control,outcome__seed3,outcome__seed3__control,' +
      'outcome+cost__seed1,outcome+cost__seed1__control,outcome+cost__seed2,outcome+cost__seed2__control,outcome+cost__seed3,outcome+cost__seed3__control',
  );
  const run = readRunDir(path.join(root, 'reference'));
  assert.equal(run.evals.length, 6 * 2 * 40);
  assert.equal(run.control.evals.length, 6 * 2 * 40);
  assert.ok(run.control.evals.every((r) => r.arm === 'control') && run.evals.every((r) => r.arm === 'treatment'));
  assert.ok(run.control.traces.length > 0 && run.control.traces.every((t) => t.arm === 'control'));
  // Opportunity rows for both arms and policies, ablation rows for treatment jobs only.
  assert.equal(run.opportunity.length, 12 * 2 * FAKE_BEHAVIOURS.length);
  assert.equal(run.ablation.length, 6 * FAKE_BEHAVIOURS.length);
  assert.ok(run.episodes.length > 6 * 50);
  assert.ok(run.traces.some((t) => t.policy === 'final'));
  const summary = run.summary as { emergence: { shaping: string; behaviour: string; seedsEmerged: number }[] };
  const mining = summary.emergence.filter((e) => e.behaviour === 'mining');
  assert.deepEqual(mining.map((e) => [e.shaping, e.seedsEmerged]), [['outcome', 3], ['outcome+cost', 0]]);
});

test('results do not depend on the number of workers', async () => {
  const dir = path.join(root, 'one-worker');
  const r = await drive([dir, '--workers', '1']);
  assert.equal(r.code, 0);
  assert.deepEqual(snapshot(dir), await referenceRun());
});

test('kill -9 at any moment, then resume: no lost, duplicated or torn rows; results equal', async () => {
  const ref = await referenceRun();
  for (const [n, kills] of [[0, [0, 60, 150]], [1, [30, 90, 10, 200]], [2, [5]]] as const) {
    const dir = path.join(root, `killed-${n}`);
    let r = await drive([dir, '--workers', '2'], { killAfterMs: kills[0], msPerChunk: 8 });
    for (const k of kills.slice(1)) {
      if (r.code === 0) break;
      assert.equal(r.signal, 'SIGKILL');
      r = await drive([dir, '--resume', '--workers', '2'], { killAfterMs: k, msPerChunk: 8 });
    }
    if (r.code !== 0) r = await drive([dir, '--resume', '--workers', '2']);
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(snapshot(dir), ref, `kill schedule ${kills.join(',')}`);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'checkpoints', 'jobs')), []);
  }
});

test('Ctrl-C stops cleanly; resume finishes with equal results', async () => {
  const dir = path.join(root, 'interrupted');
  const r = await drive([dir, '--workers', '2'], { sigintAfterMs: 80, msPerChunk: 8 });
  assert.equal(r.code, 130);
  assert.match(r.stdout, /^interrupted \d+/m);
  const resumed = await drive([dir, '--resume', '--workers', '2']);
  assert.equal(resumed.code, 0);
  assert.deepEqual(snapshot(dir), await referenceRun());
});

test('an in-process stop() before any job finishes leaves a resumable directory', async () => {
  const dir = path.join(root, 'stopped');
  const res = await runSweep({
    dir,
    config: testConfig(),
    workers: 2,
    workerModule: WORKER,
    behaviours: FAKE_BEHAVIOURS,
    horizon: 40,
    progress: new SweepProgress(process.stderr, false),
    onStart: (stop) => stop(),
  });
  assert.equal(res.status, 'interrupted');
  assert.equal(res.summary, null);
  assert.deepEqual(readRunDir(dir).committedJobs, []);
  const done = await drive([dir, '--resume']);
  assert.equal(done.code, 0);
  assert.deepEqual(snapshot(dir), await referenceRun());
});

test('shards merged equal the unsharded run', async () => {
  const ref = await referenceRun();
  const shards = [0, 1, 2].map((i) => path.join(root, `shard-${i}`));
  for (const [i, dir] of shards.entries()) {
    const r = await drive([dir, '--shard', `${i}/3`, '--workers', '1']);
    assert.equal(r.code, 0);
    assert.equal(readRunDir(dir).committedJobs.length, 4);
  }
  const out = path.join(root, 'merged');
  const merged = mergeRunDirs(out, [shards[2]!, shards[0]!, shards[1]!], FAKE_BEHAVIOURS);
  assert.deepEqual(merged.missing, []);
  assert.equal(merged.jobs, 12);
  assert.deepEqual(snapshot(out), ref);
  assert.throws(() => mergeRunDirs(path.join(root, 'merged-dup'), [shards[0]!, shards[0]!], FAKE_BEHAVIOURS), /job outcome__seed1 is in both/);
  assert.throws(() => mergeRunDirs(out, [shards[0]!], FAKE_BEHAVIOURS), /not empty/);
  const partial = mergeRunDirs(path.join(root, 'merged-partial'), [shards[0]!], FAKE_BEHAVIOURS);
  assert.equal(partial.missing.length, 8);
  assert.equal((partial.summary.missingJobs as string[]).length, 8);
});
