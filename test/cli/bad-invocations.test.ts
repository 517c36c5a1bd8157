/**
 * A corpus of bad invocations across every CLI. Each must give exactly one line on stderr, exit 2,
 * no stack trace, nothing on stdout, and leave nothing behind: every case runs in a fresh empty
 * working directory that must still be empty afterwards (fixtures live outside it).
 *
 * The CLIs are spawned as a user would run them, a few at a time (each is a tsx process, slow to
 * start on two cores).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const CONCURRENCY = 3;

const SCRIPTS = {
  experiment: 'cli/experiment.ts',
  train: 'experiments/train.ts',
  report: 'cli/report.ts',
  play: 'experiments/play.ts',
  merge: 'cli/merge.ts',
  'safety-check': 'experiments/safety-check.ts',
  'validate-scenario': 'scenarios/validate-cli.ts',
  bench: 'bench/run.ts',
  'solve-cartpole': 'experiments/solve-cartpole.ts',
  capability: 'experiments/capability-cli.ts',
} as const;
type Cli = keyof typeof SCRIPTS;

// Fixtures, outside every case's working directory.
const FIX = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-cli-fixtures-'));
const aFile = path.join(FIX, 'a-file');
fs.writeFileSync(aFile, 'not a directory\n');
const corruptRun = path.join(FIX, 'corrupt-run');
fs.mkdirSync(corruptRun);
fs.writeFileSync(path.join(corruptRun, 'config.json'), '{"format": "rome-gym-run/1", "scenario": {"na');
const trainRun = path.join(FIX, 'train-run');
fs.mkdirSync(trainRun);
fs.writeFileSync(path.join(trainRun, 'config.json'), JSON.stringify({ format: 'rome-gym-train/1' }));
const BAD = path.join(ROOT, 'test/fixtures/scenarios-bad');
const CART = ['--env', 'classic/CartPole-v1'];

/** [cli, args, the first (only) line of stderr]. `{{cwd}}` is the case's working directory. */
const CASES: [Cli, string[], RegExp][] = [
  ['experiment', ['--scenario', 'mining', '--set', 'nosuch=1'], /^experiment: --set must be name=value with a hyperparameter name \(numEnvs, .*\), got 'nosuch=1'$/],
  ['experiment', ['--scenario', 'mining', '--set', 'learningRate=-1'], /^experiment: --set: learningRate .*-1$/],
  ['experiment', ['--scenario', 'mining', '--set', 'gamma=0.9'], /^experiment: --set gamma: the scenario sets it \(its discount and each shaping's cost limit\)$/],
  ['experiment', ['--scenario', 'mining', '--steps', '1e12'], /^experiment: --steps must be an integer from 1 to 1000000000, got 1e12$/],
  ['experiment', ['--scenario', 'mining', '--steps', 'abc'], /^experiment: --steps must be an integer from 1 to 1000000000, got 'abc' \(not a number\)$/],
  ['experiment', ['--scenario', 'mining', '--eval-episodes', '0'], /^experiment: --eval-episodes must be an integer from 1 to 100000, got 0$/],
  ['experiment', ['--scenario', 'mining', '--out', path.join(aFile, 'sub')], /^experiment: --out .*a-file\/sub: a part of this path is a file, not a directory$/],
  ['experiment', ['--scenario', 'mining', '--out', aFile], /^experiment: --out .*a-file exists and is not a directory$/],
  ['experiment', ['--resume', corruptRun], /^experiment: --resume: .*corrupt-run\/config\.json is not valid JSON \(damaged or truncated\)$/],
  ['experiment', ['--scenario', path.join(BAD, 'standalone-misspelt-key.yaml')], /^experiment: .*standalone-misspelt-key\.yaml: task\.compute_leverege: unknown field \(did you mean compute_leverage\?\)$/],
  ['experiment', ['--scenario', 'nosuch'], /^experiment: unknown scenario 'nosuch'; valid scenarios: /],
  ['train', [...CART, '--steps', '100', '--out', aFile], /^npm run train: --out .*a-file exists and is not a directory$/],
  ['train', [...CART, '--steps', '100', '--out', path.join(aFile, 'sub')], /^npm run train: --out .*a-file\/sub: a part of this path is a file, not a directory$/],
  ['train', [...CART, '--steps', '1e12', '--out', 'x'], /^npm run train: --steps must be an integer from 1 to 1000000000, got 1e12$/],
  ['train', [...CART, '--steps', 'abc', '--out', 'x'], /^npm run train: --steps must be an integer from 1 to 1000000000, got 'abc' \(not a number\)$/],
  ['train', [...CART, '--steps', '100', '--seed', '1.5', '--out', 'x'], /^npm run train: --seed must be an integer .*got 1\.5 \(not a whole number\)$/],
  ['train', ['--resume'], /^npm run train: --resume needs the run directory: --resume DIR$/],
  ['train', ['--resume', corruptRun], /^npm run train: --resume: .*corrupt-run\/config\.json is not valid JSON \(damaged or truncated\)$/],
  ['train', ['--env', 'rome/Sandbox-v0', '--scenario', 'nosuch', '--steps', '10', '--out', 'x'], /^npm run train: --env rome\/Sandbox-v0: .*nosuch\.yaml: no such scenario file/],
  ['report', [], /^report: give the run directory of an experiment: npm run report -- RUN_DIR/],
  ['report', [trainRun], /^report: .*train-run is a single training run \(npm run train\); report takes an experiment's run directory/],
  ['report', [corruptRun], /^report: .*corrupt-run\/config\.json is not valid JSON/],
  ['report', [path.join(FIX, 'missing')], /^report: .*missing: no such directory$/],
  ['play', ['--scenario', 'nosuch'], /^play: unknown scenario 'nosuch'; valid scenarios: /],
  ['play', ['--seed', '-1'], /^play: --seed must be a non-negative integer, got '-1'$/],
  ['play', ['--scenario', 'mining', 'extra'], /^play: Unknown argument: extra$/],
  ['merge', [], /^merge: Not enough non-option arguments/],
  ['merge', ['merged', path.join(FIX, 'missing')], /^merge: .*missing: not a run directory/],
  ['safety-check', ['--workers', 'abc'], /^safety-check: --workers must be an integer from 1 to 256, got 'abc' \(not a number\)$/],
  ['safety-check', ['--suite', path.join(FIX, 'missing.yaml')], /^safety-check: .*missing\.yaml/],
  ['validate-scenario', [path.join(BAD, 'standalone-misspelt-key.yaml')], /standalone-misspelt-key\.yaml: task\.compute_leverege: unknown field \(did you mean compute_leverage\?\)$/],
  ['validate-scenario', [path.join(BAD, 'horizon-too-large.yaml')], /horizon-too-large\.yaml: horizon: expected an integer <= 10000$/],
  ['validate-scenario', [], /^validate-scenario: give at least one scenario file or name$/],
  ['bench', ['--only', 'nosuch'], /^bench: unknown section 'nosuch' in --only/],
  ['bench', ['--repeats', '0'], /^bench: --repeats must be an integer from 1 to 1000, got 0$/],
  ['solve-cartpole', ['--seeds', '0'], /^solve-cartpole: --seeds must be an integer from 1 to 10000, got 0$/],
  ['solve-cartpole', ['--steps', 'many'], /^solve-cartpole: --steps must be an integer from 1 to 1000000000, got 'many' \(not a number\)$/],
  ['capability', ['--set', 'nosuch=1'], /^npm run capability: --set must be name=value with a hyperparameter name \(numEnvs, .*\), got 'nosuch=1'$/],
  ['capability', ['--set', 'numSteps'], /^npm run capability: --set must be name=value with a hyperparameter name .*, got 'numSteps'$/],
  ['capability', ['--set', 'hidden=1,x'], /^npm run capability: --set hidden=1,x: hidden must be comma-separated positive integers, got '1,x'$/],
  ['capability', ['--set', 'numSteps=0', '--out', 'x'], /^npm run capability: --set: numSteps must be a positive integer, got 0$/],
  ['capability', ['--configs', 'nosuch'], /^npm run capability: unknown configuration 'nosuch' in --configs; choose from ppo, /],
];

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  left: string[];
}

function runCase(cli: Cli, args: readonly string[]): Promise<Outcome> {
  const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-cli-'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, SCRIPTS[cli]), ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const left = fs.readdirSync(cwd);
      fs.rmSync(cwd, { recursive: true, force: true });
      resolve({ code, stdout, stderr, left });
    });
  });
}

async function pool<T, R>(items: readonly T[], n: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

test(`a corpus of ${CASES.length} bad invocations across every CLI: one line on stderr, exit 2, no stack trace, nothing written`, async () => {
  assert.ok(CASES.length >= 20);
  assert.deepEqual([...new Set(CASES.map((c) => c[0]))].sort(), (Object.keys(SCRIPTS) as Cli[]).sort(), 'every CLI is covered');
  const fixturesBefore = fs.readdirSync(FIX).sort();
  const results = await pool(CASES, CONCURRENCY, ([cli, args]) => runCase(cli, args));
  const failures: string[] = [];
  CASES.forEach(([cli, args, pattern], i) => {
    const r = results[i]!;
    const what = `${cli} ${args.join(' ')}`;
    const lines = r.stderr.trimEnd().split('\n');
    if (r.code !== 2) failures.push(`${what}: exit ${r.code}, stderr: ${r.stderr}`);
    else if (lines.length !== 1) failures.push(`${what}: ${lines.length} lines on stderr:\n${r.stderr}`);
    else if (!pattern.test(lines[0]!)) failures.push(`${what}: '${lines[0]}' does not match ${pattern}`);
    if (/\n\s+at /.test(r.stderr) || /\bat .*\.ts:\d+/.test(r.stderr)) failures.push(`${what}: stack trace`);
    if (/\bE[A-Z]{3,}:/.test(r.stderr)) failures.push(`${what}: raw errno in '${r.stderr.trim()}'`);
    if (r.stdout !== '' && cli !== 'validate-scenario') failures.push(`${what}: stdout not empty: ${r.stdout}`);
    if (r.left.length > 0) failures.push(`${what}: left ${r.left.join(', ')} in its working directory`);
  });
  assert.deepEqual(failures, []);
  assert.deepEqual(fs.readdirSync(FIX).sort(), fixturesBefore, 'fixtures untouched (no lock or run files left)');
  assert.deepEqual(fs.readdirSync(corruptRun), ['config.json']);
});

test('train --out on a read-only directory: one line, exit 2, no errno', { skip: process.getuid?.() === 0 && 'root can write into a read-only directory' }, async () => {
  const ro = fs.mkdtempSync(path.join(os.tmpdir(), 'bad-cli-ro-'));
  fs.chmodSync(ro, 0o555);
  try {
    const r = await runCase('train', [...CART, '--steps', '100', '--out', path.join(ro, 'run')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^npm run train: --out .*run cannot be written \(permission denied\)\n$/);
  } finally {
    fs.chmodSync(ro, 0o755);
  }
});
