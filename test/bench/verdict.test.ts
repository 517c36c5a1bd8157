import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { verdict } from '../../bench/section.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('a budget verdict is pass or FAIL with its bound', () => {
  assert.deepEqual(verdict(1_200_000, { min: 1_000_000, source: 'issue 3' }), { ok: true, text: 'pass (>= 1,000,000)' });
  assert.deepEqual(verdict(533_000, { min: 1_000_000, source: 'issue 3' }), { ok: false, text: 'FAIL (>= 1,000,000)' });
  assert.deepEqual(verdict(0.07, { max: 0.05, source: 'docs/DESIGN.md' }), { ok: false, text: 'FAIL (<= 0.05)' });
});

test('npm run bench prints each budget verdict beside its figure, and the load average with the figures', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'env', '--quick', '--repeats', '1'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^section +metric +value +unit +budget +how$/m);
  assert.match(r.stdout, /^env +cartpole_steps_per_sec +[\d,]+ +steps\/s +(pass|FAIL) \(>= 5,000,000\), issue 2 /m);
  assert.match(r.stdout, /^env +cartpole_generic_steps_per_sec +[\d,]+ +steps\/s +- /m);
  assert.match(r.stdout, /^load average \(1\/5\/15 min\): [\d.]+ \/ [\d.]+ \/ [\d.]+ at the start, [\d.]+ \/ [\d.]+ \/ [\d.]+ at the end/m);
  const j = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'env', '--quick', '--repeats', '1', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const out = JSON.parse(j.stdout) as { machine: { load: { start: number[]; end: number[] } }; details: Record<string, { verdict?: string; budget?: unknown }> };
  assert.equal(out.machine.load.start.length, 3);
  assert.ok(['pass', 'fail'].includes(out.details['cartpole_steps_per_sec']!.verdict!));
  assert.equal(out.details['cartpole_generic_steps_per_sec']!.verdict, undefined);
});
