import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRunDir } from '../../rundir/index.js';
import { testConfig } from './sweep-config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-cli-'));

function cli(script: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(ROOT, script), ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertUsageError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stdout, '');
}

const out = path.join(tmp, 'never-created');
const bad: [string, string[], RegExp][] = [
  ['unknown scenario lists the valid ones', ['--scenario', 'nosuch', '--out', out], /unknown scenario 'nosuch'; valid scenarios: .*mining/],
  ['missing scenario', ['--out', out], /--scenario is required/],
  ['unknown flag', ['--scenario', 'mining', '--sedes', '3', '--out', out], /Unknown argument/i],
  ['bad seeds', ['--scenario', 'mining', '--seeds', 'a,b', '--out', out], /--seeds/],
  ['bad shard', ['--scenario', 'mining', '--shard', '4/4', '--out', out], /--shard must be i\/n/],
  ['bad steps', ['--scenario', 'mining', '--steps', '0', '--out', out], /--steps must be an integer from 1 to 1000000000, got 0$/],
  ['steps beyond the bound', ['--scenario', 'mining', '--steps', '1e12', '--out', out], /--steps must be an integer from 1 to 1000000000, got 1e12$/],
  ['steps not a number, named as given', ['--scenario', 'mining', '--steps', 'abc', '--out', out], /^experiment: --steps must be an integer from 1 to 1000000000, got 'abc' \(not a number\)$/],
  ['too many workers', ['--scenario', 'mining', '--workers', '100000', '--out', out], /--workers must be an integer from 1 to 256/],
  // --eval-episodes 1 alone passes the trace check (the profile's trace count is capped at 1): the error is the shard's.
  ['--eval-episodes 1 alone is accepted', ['--scenario', 'mining', '--eval-episodes', '1', '--shard', '4/4', '--out', out], /--shard must be i\/n/],
  ['--traces beyond --eval-episodes names both', ['--scenario', 'mining', '--eval-episodes', '2', '--traces', '3', '--out', out], /--traces must be an integer from 0 to 2, got 3$/],
  ['unknown shaping', ['--scenario', 'mining', '--shapings', 'outcome,nope', '--out', out], /unknown shaping 'nope'.*valid shapings: .*outcome/],
  ['bad profile', ['--scenario', 'mining', '--profile', 'huge', '--out', out], /profile/],
  ['resume of a missing directory', ['--resume', path.join(tmp, 'nope')], /not a run directory/],
  ['--out under a file', ['--scenario', 'mining', '--out', path.join(ROOT, 'package.json', 'sub')], /^experiment: --out .*package\.json\/sub: a part of this path is a file, not a directory$/],
  ['--out a file', ['--scenario', 'mining', '--out', path.join(ROOT, 'package.json')], /^experiment: --out .*package\.json exists and is not a directory$/],
];

for (const [name, args, pattern] of bad) {
  test(`experiment: ${name} -> one line, exit 2, nothing written`, () => {
    assertUsageError(cli('cli/experiment.ts', args), pattern);
    assert.equal(fs.existsSync(out), false);
    assert.deepEqual(fs.readdirSync(tmp), []);
  });
}

test('experiment --help shows usage and examples', () => {
  const r = cli('cli/experiment.ts', ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--scenario/);
  assert.match(r.stdout, /Examples:/);
});

test('merge: bad input -> one line, exit 2', () => {
  assertUsageError(cli('cli/merge.ts', [path.join(tmp, 'merged')]), /Not enough non-option arguments/i);
  assertUsageError(cli('cli/merge.ts', [path.join(tmp, 'merged'), path.join(tmp, 'missing-shard')]), /not a run directory/);
  assert.equal(fs.existsSync(path.join(tmp, 'merged')), false);
});

test('experiment --resume with a corrupt config.json names the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-cli-corrupt-'));
  fs.writeFileSync(path.join(dir, 'config.json'), '{"format": "rome-gym-run/1", "scen');
  assertUsageError(cli('cli/experiment.ts', ['--resume', dir]), new RegExp(`^experiment: --resume: ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/config\\.json is not valid JSON \\(damaged or truncated\\)$`));
});

test('experiment --resume refuses run-defining flags and leaves the run untouched', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-cli-resume-'));
  initRunDir(dir, testConfig());
  const before = fs.readFileSync(path.join(dir, 'config.json'), 'utf8');
  assertUsageError(cli('cli/experiment.ts', ['--resume', dir, '--scenario', 'mining', '--steps', '10']), /--resume takes every setting from .*config\.json; drop --scenario, --steps/);
  assert.equal(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'), before);
});

let nativeInstalled = true;
try {
  import.meta.resolve('@tensorflow/tfjs-node-gpu');
} catch {
  nativeInstalled = false;
}

test('experiment: a backend that cannot load -> one line, exit 2, nothing written', { skip: nativeInstalled && 'tfjs-node-gpu is installed here' }, () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-cli-backend-')), 'run');
  assertUsageError(cli('cli/experiment.ts', ['--scenario', 'mining', '--shapings', 'outcome', '--seeds', '1', '--steps', '64', '--backend', 'tensorflow', '--out', dir]), /backend 'tensorflow' is not available/);
  assert.equal(fs.existsSync(dir), false);
});

test('experiment --set: the overrides are recorded in config.json and change what the jobs train', { timeout: 240_000 }, () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'experiment-cli-set-'));
  const args = (dir: string) => ['--scenario', 'mining', '--profile', 'smoke', '--shapings', 'outcome', '--seeds', '1', '--steps', '512', '--eval-episodes', '2', '--traces', '0', '--workers', '1', '--backend', 'wasm', '--out', dir];
  const plain = path.join(base, 'plain');
  const set = path.join(base, 'set');
  const r0 = cli('cli/experiment.ts', args(plain));
  assert.equal(r0.code, 0, r0.stderr);
  const r1 = cli('cli/experiment.ts', [...args(set), '--set', 'numEnvs=4', '--set', 'hidden=16,16']);
  assert.equal(r1.code, 0, r1.stderr);
  const hyper = (dir: string) => (JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { hyper: Record<string, unknown> }).hyper;
  const gamma = hyper(plain)['gamma'];
  assert.deepEqual(hyper(plain), { gamma });
  assert.deepEqual(hyper(set), { numEnvs: 4, hidden: [16, 16], gamma });
  // Same seeds: only the learner settings differ, and 4 envs instead of 8 lay the episodes out
  // differently from the first step (the env_steps column), so the training episodes differ.
  const episodes = (dir: string) => fs.readFileSync(path.join(dir, 'episodes.csv'), 'utf8');
  assert.notEqual(episodes(set), episodes(plain));
});
