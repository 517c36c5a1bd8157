import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeDirError, entriesBesidesLock, LOCK_FILE, lockRunDir, RunDirError, RunDirLockedError } from '../../experiments/lock.js';
import { initRunDir } from '../../rundir/index.js';
import { testConfig } from './sweep-config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HOLDER = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'lock-'));

/** Starts a real process holding DIR's lock; resolves once it holds it. */
function hold(dir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLDER, dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (String(d).startsWith('locked')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`holder exited early (${code})`)));
  });
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function cli(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function firstLineOnly(r: { code: number | null; stderr: string }, code: number, re: RegExp): void {
  assert.equal(r.code, code, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, re);
}

test('lockRunDir: reentrant in a process, refused to another, released on release', async () => {
  const dir = path.join(tmp(), 'run');
  const a = lockRunDir(dir);
  const b = lockRunDir(dir);
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
  assert.deepEqual(entriesBesidesLock(dir), []);
  b.release();
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)), 'still held once');
  a.release();
  assert.equal(fs.existsSync(dir), false, 'the directory the lock created is removed when nothing else was written');
});

test('a directory locked by a live process is refused naming its pid; after kill -9 the stale lock is taken over', async () => {
  const dir = path.join(tmp(), 'run');
  const holder = await hold(dir);
  assert.throws(() => lockRunDir(dir), (e: Error) => e instanceof RunDirLockedError && e.message.includes(`in use by pid ${holder.pid}`));
  await kill9(holder);
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)), 'kill -9 leaves the lock behind');
  const lock = lockRunDir(dir);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')).pid, process.pid);
  lock.release();
});

test('filesystem problems are one sentence naming the directory, never an errno or an internal path', () => {
  const base = tmp();
  const file = path.join(base, 'file');
  fs.writeFileSync(file, 'x');
  assert.throws(() => lockRunDir(file), (e: Error) => e instanceof RunDirError && e.message === `${file} exists and is not a directory`);
  assert.throws(() => lockRunDir(path.join(file, 'sub')), (e: Error) => e instanceof RunDirError && e.message === `${path.join(file, 'sub')}: a part of this path is a file, not a directory`);
  const eacces = Object.assign(new Error("EACCES: permission denied, open '/x/.lock.1.tmp'"), { code: 'EACCES' });
  assert.equal(describeDirError('runs/x', eacces), 'runs/x cannot be written (permission denied)');
  assert.equal(describeDirError('runs/x', Object.assign(new Error('x'), { code: 'EROFS' })), 'runs/x is on a read-only filesystem');
});

test('experiment, train and merge: a run directory in use is refused with one line naming the pid, exit 2, nothing touched', async () => {
  const run = path.join(tmp(), 'exp');
  initRunDir(run, testConfig());
  const before = fs.readdirSync(run).sort();
  const holder = await hold(run);
  try {
    firstLineOnly(cli('cli/experiment.ts', ['--resume', run]), 2, new RegExp(`^experiment: .*in use by pid ${holder.pid}`));
    const fresh = path.join(tmp(), 'fresh');
    const h2 = await hold(fresh);
    try {
      firstLineOnly(cli('cli/experiment.ts', ['--scenario', 'mining', '--profile', 'smoke', '--out', fresh]), 2, new RegExp(`in use by pid ${h2.pid}`));
      firstLineOnly(cli('experiments/train.ts', ['--env', 'classic/CartPole-v1', '--steps', '100', '--out', fresh]), 2, new RegExp(`^npm run train: .*in use by pid ${h2.pid}`));
      firstLineOnly(cli('cli/merge.ts', [fresh, run]), 2, new RegExp(`^merge: .*in use by pid ${h2.pid}`));
      assert.deepEqual(entriesBesidesLock(fresh), []);
    } finally {
      await kill9(h2);
    }
  } finally {
    await kill9(holder);
  }
  assert.deepEqual(fs.readdirSync(run).filter((f) => f !== LOCK_FILE).sort(), before.filter((f) => f !== LOCK_FILE));
});

test('train: a stale lock left by kill -9 does not block --resume', async () => {
  const dir = path.join(tmp(), 'train');
  const args = ['--env', 'classic/CartPole-v1', '--seed', '2', '--num-envs', '2', '--num-steps', '32', '--update-epochs', '1', '--eval-episodes', '1', '--steps', '256'];
  assert.equal(cli('experiments/train.ts', [...args, '--out', dir]).code, 0);
  const holder = await hold(dir);
  firstLineOnly(cli('experiments/train.ts', ['--resume', dir]), 2, new RegExp(`in use by pid ${holder.pid}`));
  await kill9(holder);
  assert.ok(fs.existsSync(path.join(dir, LOCK_FILE)));
  const r = cli('experiments/train.ts', ['--resume', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(fs.existsSync(path.join(dir, LOCK_FILE)), false, 'released at exit');
});
