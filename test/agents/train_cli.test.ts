import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EPISODE_COLUMNS } from '../../rundir/index.js';

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
    // The run-directory columns (rundir/schema.ts), whatever columns they gain.
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

    const r = cli(['--resume', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /resuming from update \d+/);
    assert.equal(fs.readFileSync(path.join(out, 'episodes.csv'), 'utf8'), fullEpisodes);
    assert.equal(fs.readFileSync(path.join(out, 'eval.csv'), 'utf8'), fs.readFileSync(path.join(full, 'eval.csv'), 'utf8'));
    assert.equal(fs.readFileSync(path.join(out, 'policy.json'), 'utf8'), fs.readFileSync(path.join(full, 'policy.json'), 'utf8'));
  });

  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    it(`stops on ${sig} with a checkpoint, prints the resume command, and resumes to the files of an uninterrupted run`, async () => {
      const steps = ['--steps', '16000', '--checkpoint-every', '1000'];
      const full = path.join(tmp(), 'full');
      assert.equal(cli([...RUN, ...steps, '--out', full]).status, 0);
      const out = path.join(tmp(), 'stopped');
      const child = spawn(process.execPath, [...CLI, ...RUN, ...steps, '--out', out], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      const code = await new Promise<number | null>((resolve, reject) => {
        child.stderr!.on('data', (d: Buffer) => {
          stderr += String(d);
          // The first progress line after update 1: training is under way, far from the end.
          if (/progress: \d+\/16000 steps {2}update \d{2,}\//.test(stderr) && !child.killed) child.kill(sig);
        });
        child.on('exit', (c) => resolve(c));
        child.on('error', reject);
      });
      assert.equal(code, sig === 'SIGINT' ? 130 : 143, stderr);
      const last = stderr.trimEnd().split('\n').at(-1)!;
      assert.match(last, new RegExp(`^stopped at update \\d+ \\(\\d+ env steps\\); checkpoint saved in .*; resume with: npm run train -- --resume ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
      assert.ok(fs.existsSync(path.join(out, 'checkpoints', 'latest.json')), 'a checkpoint even though none was scheduled');
      assert.ok(!fs.existsSync(path.join(out, 'policy.json')), 'stopped before the end');
      const r = cli(['--resume', out]);
      assert.equal(r.status, 0, r.stderr);
      for (const f of ['episodes.csv', 'updates.csv', 'eval.csv', 'policy.json']) {
        if (f === 'updates.csv') {
          // steps_per_sec is a wall-clock figure; every other column must agree.
          const strip = (t: string) => t.split('\n').map((l) => l.split(',').filter((_, i) => i !== 11).join(',')).join('\n');
          assert.equal(strip(fs.readFileSync(path.join(out, f), 'utf8')), strip(fs.readFileSync(path.join(full, f), 'utf8')), f);
        } else assert.equal(fs.readFileSync(path.join(out, f), 'utf8'), fs.readFileSync(path.join(full, f), 'utf8'), f);
      }
    });
  }

  it('--resume DIR takes its settings from DIR/config.json and refuses run-defining flags', () => {
    const out = path.join(tmp(), 'r');
    const cases: [string[], RegExp][] = [
      [['--resume', out], /^npm run train: --resume .*: not a training run directory \(no .*config\.json\)/],
      [['--resume', out, '--steps', '10'], /^npm run train: --resume takes every setting from .*config\.json; drop --steps$/],
      [['--resume', ''], /--resume needs the run directory/],
    ];
    for (const [args, re] of cases) {
      const r = cli(args);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
      assert.match(r.stderr.trimEnd(), re);
    }
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'config.json'), '{"format": "rome-gym-tr');
    const r = cli(['--resume', out]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `npm run train: --resume: ${path.join(out, 'config.json')} is not valid JSON (damaged or truncated)\n`);
  });

  it('rejects bad input with one line on stderr, exit 2, and no output directory', () => {
    const cases: [string[], RegExp][] = [
      [['--env', 'classic/CartPole-v1', '--steps', '100'], /--out is required/],
      [['--env', 'nope/X-v0', '--steps', '100'], /unknown env id 'nope\/X-v0'/],
      [['--env', 'classic/CartPole-v1', '--steps', '-5'], /--steps must be an integer from 1 to 1000000000, got -5$/],
      [['--env', 'classic/CartPole-v1', '--steps', '1e12'], /--steps must be an integer from 1 to 1000000000, got 1e12$/],
      [['--env', 'classic/CartPole-v1', '--steps', 'abc'], /^npm run train: --steps must be an integer from 1 to 1000000000, got 'abc' \(not a number\)$/],
      [['--env', 'classic/CartPole-v1', '--steps', '100', '--seed', 'x'], /--seed must be an integer/],
      [['--env', 'classic/CartPole-v1', '--steps', '100', '--eval-episodes', '1e9'], /--eval-episodes must be an integer from 0 to 100000/],
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
