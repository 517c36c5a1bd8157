/**
 * Fingerprints of training and of a sweep: the SHA-256 of every data file a small `train` run and
 * a small `experiment` sweep write, compared with test/fingerprint/fingerprints.json.
 *
 * Why: refactors (issue 15) must be behaviour-preserving, and "same seed + same backend =
 * byte-identical files" is the project's determinism promise. A change that alters what an agent
 * learns or what a sweep records fails here. When a change is meant to alter behaviour (a world-model
 * fix, a new default), rerun with ROME_UPDATE_FINGERPRINTS=1 and commit the new fingerprints.json
 * in the same commit, saying why.
 *
 * Both runs use the wasm backend explicitly, so the fingerprints do not depend on which backend
 * `auto` would pick on a machine (tfjs-node-gpu, when installed, computes in a different order).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RECORD = path.join(ROOT, 'test/fingerprint/fingerprints.json');
const UPDATE = process.env['ROME_UPDATE_FINGERPRINTS'] === '1';

type Fingerprints = Record<string, Record<string, string>>;

/**
 * The default sweep (`npm run experiment -- --scenario mining`, pinned to wasm) takes about 4 min
 * on two idle cores, too long for every `npm test`: it runs when ROME_FINGERPRINT_DEFAULT_SWEEP=1
 * (`npm run fingerprint:default-sweep`), before a refactor lands, and is reported as skipped otherwise.
 */
const DEFAULT_SWEEP = process.env['ROME_FINGERPRINT_DEFAULT_SWEEP'] === '1';
const SWEEP_FILES = ['episodes.csv', 'eval.csv', 'firewall.jsonl', 'opportunity.csv', 'ablation.csv', 'planner.json', 'summary.json', 'traces/'];

/** The commands, as a user would type them after `npm run <script> --`. */
const RUNS: Record<string, { script: string; args: string[]; files: string[]; optIn?: boolean }> = {
  train: {
    script: 'experiments/train.ts',
    args: ['--env', 'rome/Sandbox-v0', '--scenario', 'mining', '--shaping', 'outcome', '--agent', 'ppo', '--steps', '4096', '--seed', '3', '--backend', 'wasm'],
    files: ['episodes.csv', 'updates.csv', 'eval.csv', 'policy.json'],
  },
  experiment: {
    script: 'cli/experiment.ts',
    args: ['--scenario', 'mining', '--profile', 'smoke', '--shapings', 'outcome,outcome+cost', '--seeds', '1', '--steps', '2048', '--eval-episodes', '10', '--traces', '1', '--workers', '1', '--backend', 'wasm'],
    files: SWEEP_FILES,
  },
  'default-sweep': {
    script: 'cli/experiment.ts',
    args: ['--scenario', 'mining', '--backend', 'wasm'],
    files: SWEEP_FILES,
    optIn: true,
  },
};

function sha(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** A file's hash, or for `dir/` the hash of its sorted (name, hash) list. */
function hashEntry(dir: string, entry: string): string {
  const p = path.join(dir, entry);
  if (!entry.endsWith('/')) return sha(fs.readFileSync(p));
  const names = fs.readdirSync(p).sort();
  return sha(names.map((n) => `${n} ${sha(fs.readFileSync(path.join(p, n)))}`).join('\n'));
}

function stripVolatile(file: string, text: string): string {
  // updates.csv records wall-clock timings and steps per second; drop those columns.
  if (file !== 'updates.csv') return text;
  const lines = text.trimEnd().split('\n');
  const head = lines[0]!.split(',');
  const keep = head.map((h, i) => (/(^|_)(sps|sec|seconds|time|ms)($|_)/.test(h) ? -1 : i)).filter((i) => i >= 0);
  return lines.map((l) => { const c = l.split(','); return keep.map((i) => c[i]).join(','); }).join('\n');
}

const recorded: Fingerprints = fs.existsSync(RECORD) ? (JSON.parse(fs.readFileSync(RECORD, 'utf8')) as Fingerprints) : {};
const measured: Fingerprints = {};

for (const [name, run] of Object.entries(RUNS)) {
  const skip = run.optIn && !DEFAULT_SWEEP ? 'the default sweep runs with ROME_FINGERPRINT_DEFAULT_SWEEP=1 (npm run fingerprint:default-sweep)' : false;
  test(`fingerprint: ${name} (${run.args.join(' ')}) writes the recorded bytes`, { timeout: run.optIn ? 1_800_000 : 300_000, skip }, () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `rome-fp-${name}-`));
    try {
      const out = path.join(tmp, 'run');
      execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, run.script), ...run.args, '--out', out], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, CI: '1' } });
      const got: Record<string, string> = {};
      for (const f of run.files) {
        got[f] = f.endsWith('/') ? hashEntry(out, f) : sha(stripVolatile(f, fs.readFileSync(path.join(out, f), 'utf8')));
      }
      measured[name] = got;
      if (UPDATE) {
        const all = fs.existsSync(RECORD) ? (JSON.parse(fs.readFileSync(RECORD, 'utf8')) as Fingerprints) : {};
        all[name] = got;
        fs.writeFileSync(RECORD, JSON.stringify(all, null, 2) + '\n');
        return;
      }
      const want = recorded[name];
      assert.ok(want, `no recorded fingerprint for ${name}: run with ROME_UPDATE_FINGERPRINTS=1`);
      const changed = run.files.filter((f) => want[f] !== got[f]);
      assert.deepEqual(changed, [], `${name}: these files changed: ${changed.join(', ')}. If the change is meant to alter behaviour, rerun with ROME_UPDATE_FINGERPRINTS=1 and commit test/fingerprint/fingerprints.json saying why.`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}
