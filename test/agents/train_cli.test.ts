import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EPISODE_COLUMNS } from '../../experiments/rundir.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CLI = ['--import', 'tsx', 'experiments/train.ts'];
const RUN = ['--env', 'classic/CartPole-v1', '--agent', 'ppo', '--seed', '4', '--num-envs', '4', '--num-steps', '32', '--update-epochs', '2', '--eval-episodes', '2'];

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'train-cli-'));
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [...CLI, ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('npm run train', () => {
  it('writes the run files; the same seed gives a byte-identical episodes.csv', () => {
    const a = path.join(tmp(), 'a');
    const b = path.join(tmp(), 'b');
    for (const out of [a, b]) {
      const r = cli([...RUN, '--steps', '2048', '--out', out]);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^backend: wasm \(SIMD\)/m);
      assert.match(r.stdout, /^done: ppo on classic\/CartPole-v1, 2048 env steps/m);
    }
    for (const f of ['config.json', 'episodes.csv', 'updates.csv', 'eval.csv', 'policy.json', 'checkpoints/latest.json']) {
      assert.ok(fs.existsSync(path.join(a, f)), f);
    }
    const config = JSON.parse(fs.readFileSync(path.join(a, 'config.json'), 'utf8'));
    assert.equal(config.backend.name, 'wasm');
    assert.equal(config.hyperparameters.numEnvs, 4);
    assert.equal(config.hyperparameters.gamma, 0.98);
    const episodes = fs.readFileSync(path.join(a, 'episodes.csv'), 'utf8');
    // The run-directory columns (experiments/rundir.ts), whatever columns they gain.
    assert.ok(episodes.startsWith(EPISODE_COLUMNS.join(',') + '\n'), episodes.split('\n')[0]);
    assert.ok(episodes.split('\n').length > 20);
    assert.equal(episodes, fs.readFileSync(path.join(b, 'episodes.csv'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(a, 'eval.csv'), 'utf8'), fs.readFileSync(path.join(b, 'eval.csv'), 'utf8'));
  });

  it('resumes a run killed with SIGKILL and ends with the files of an uninterrupted run', async () => {
    const steps = ['--steps', '6400', '--checkpoint-every', '3'];
    const full = path.join(tmp(), 'full');
    assert.equal(cli([...RUN, ...steps, '--out', full]).status, 0);

    const out = path.join(tmp(), 'killed');
    const child = spawn(process.execPath, [...CLI, ...RUN, ...steps, '--out', out], { cwd: ROOT, stdio: 'ignore' });
    const ckpt = path.join(out, 'checkpoints', 'latest.json');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (fs.existsSync(ckpt)) {
          clearInterval(poll);
          child.kill('SIGKILL');
        }
      }, 20);
      child.on('exit', () => {
        clearInterval(poll);
        resolve();
      });
      child.on('error', reject);
    });
    const before = fs.readFileSync(path.join(out, 'episodes.csv'), 'utf8');
    const fullEpisodes = fs.readFileSync(path.join(full, 'episodes.csv'), 'utf8');
    assert.ok(before.length < fullEpisodes.length, 'the kill came after the run finished');

    const r = cli([...RUN, ...steps, '--out', out, '--resume']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /resuming from update \d+/);
    assert.equal(fs.readFileSync(path.join(out, 'episodes.csv'), 'utf8'), fullEpisodes);
    assert.equal(fs.readFileSync(path.join(out, 'eval.csv'), 'utf8'), fs.readFileSync(path.join(full, 'eval.csv'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(out, 'policy.json'), 'utf8'), fs.readFileSync(path.join(full, 'policy.json'), 'utf8'));
  });

  it('rejects bad input with one line on stderr, exit 2, and no output directory', () => {
    const cases: [string[], RegExp][] = [
      [['--env', 'classic/CartPole-v1', '--steps', '100'], /--out is required/],
      [['--env', 'nope/X-v0', '--steps', '100'], /unknown env id 'nope\/X-v0'/],
      [['--env', 'classic/CartPole-v1', '--steps', '-5'], /--steps must be a positive integer/],
      [['--env', 'classic/CartPole-v1', '--steps', '100', '--gamma', '7'], /gamma must be in \[0, 1\]/],
      [['--env', 'classic/CartPole-v1', '--steps', '100', '--agent', 'dqn'], /Invalid values/],
      [['--env', 'classic/CartPole-v1', '--steps', '100', '--prior'], /offers no actionPrior/],
      [['--env', 'classic/CartPole-v1', '--steps', '100', '--backend', 'tensorflow'], /tfjs-node-gpu/],
    ];
    for (const [args, re] of cases) {
      const out = path.join(tmp(), 'never');
      const r = cli([...args, ...(args.includes('--out') || re.source.includes('out is') ? [] : ['--out', out])]);
      assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, re);
      assert.ok(!fs.existsSync(out));
    }
  });
});
