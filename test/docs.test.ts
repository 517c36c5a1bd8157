/** The repository is self-contained: its design is in docs/, and nothing points outside the clone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EMERGENCE_FACTOR, EMERGENCE_MIN_RATE } from '../analysis/index.js';
import { SCENARIO_LIMITS } from '../scenarios/schema.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function trackedTextFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return out.split('\n').filter((f) => /\.(ts|md|yaml|yml|json|js|sh)$/.test(f) && !f.startsWith('node_modules/') && f !== 'package-lock.json' && fs.existsSync(path.join(ROOT, f)));
}

test('no file refers to a design outside the repository (../shared), and docs/DESIGN.md exists', () => {
  assert.ok(fs.existsSync(path.join(ROOT, 'docs/DESIGN.md')));
  const needle = ['..', 'shared'].join('/');
  const bad = trackedTextFiles().filter((f) => f !== 'test/docs.test.ts' && fs.readFileSync(path.join(ROOT, f), 'utf8').includes(needle));
  assert.deepEqual(bad, []);
});

test('every DESIGN.md a file mentions is docs/DESIGN.md, and the sections cited exist', () => {
  const design = fs.readFileSync(path.join(ROOT, 'docs/DESIGN.md'), 'utf8');
  const headings = new Set([...design.matchAll(/^#+ (.+)$/gm)].map((m) => m[1]!.split(/ \(|: /)[0]!));
  for (const f of trackedTextFiles()) {
    if (f === 'docs/DESIGN.md' || f === 'test/docs.test.ts') continue;
    const text = fs.readFileSync(path.join(ROOT, f), 'utf8');
    for (const m of text.matchAll(/(\S*)DESIGN\.md(?:'s)?(?:,? "([^"]+)")?/g)) {
      assert.ok(m[1]!.includes('docs/'), `${f}: '${m[0]}' must say docs/DESIGN.md`);
      if (m[2]) assert.ok(headings.has(m[2]), `${f}: section "${m[2]}" is not a heading of docs/DESIGN.md`);
    }
  }
});

test('docs/DESIGN.md states the emergence definition and the scenario bounds the code implements', () => {
  const design = fs.readFileSync(path.join(ROOT, 'docs/DESIGN.md'), 'utf8');
  assert.ok(design.includes(`at least ${EMERGENCE_MIN_RATE * 100} %`), 'minimum rate');
  assert.ok(design.includes(`at least ${EMERGENCE_FACTOR}×`), 'factor over the initial policy');
  assert.ok(design.includes(`horizon and latencies ≤ ${SCENARIO_LIMITS.horizon.toLocaleString('en-US')} ticks`));
});

test("every dependency with an install script is approved or denied in package.json's allowScripts (npm ci does not warn)", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = Object.entries(lock.packages)
    .filter(([, p]) => p.hasInstallScript)
    .map(([k]) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length));
  assert.ok(withScripts.includes('esbuild'));
  const uncovered = withScripts.filter((name) => typeof pkg.allowScripts?.[name] !== 'boolean');
  assert.deepEqual(uncovered, []);
  assert.equal(pkg.allowScripts?.['esbuild'], true, 'tsx needs esbuild\'s binary');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  for (const name of Object.keys(pkg.allowScripts ?? {})) assert.ok(readme.includes(`\`${name}\``), `README explains ${name}`);
});
