/**
 * docs/DESIGN.md's layering: data flows one way (scenario -> env -> agent -> run directory -> report), so
 * each top-level folder may import only the folders below it.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const ALLOWED: Record<string, readonly string[]> = {
  env: ['env'],
  scenarios: ['scenarios', 'env'],
  agents: ['agents', 'env'],
  experiments: ['experiments', 'agents', 'scenarios', 'env', 'reports'],
  reports: ['reports', 'experiments/rundir.ts', 'experiments/analysis.ts', 'experiments/metrics.ts', 'experiments/cli.ts'],
};

/**
 * The one exception: the env package's entry installs the scenario resolver (scenarios/loader.ts
 * depends only on env/sandbox), so `make('rome/Sandbox-v0', { scenario: 'mining' })` works for
 * whoever imports env/index.ts. No other file of env/ may import scenarios/.
 */
const EXCEPTIONS: readonly string[] = ['env/index.ts -> scenarios/loader.ts'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') ? [p] : [];
  });
}

function relativeImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const specs = [...src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'|(?:^|\n)\s*import\s+'(\.[^']+)'/g)];
  return specs.map((m) => (m[1] ?? m[2])!);
}

describe('module layering (docs/DESIGN.md "Layout")', () => {
  for (const [folder, allowed] of Object.entries(ALLOWED)) {
    it(`${folder}/ imports only ${allowed.join(', ')}`, () => {
      const bad: string[] = [];
      for (const file of tsFiles(join(ROOT, folder))) {
        for (const spec of relativeImports(file)) {
          const target = relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
          const ok = allowed.some((a) => target === a || target.startsWith(`${a}/`));
          const edge = `${relative(ROOT, file)} -> ${target}`;
          if (!ok && !EXCEPTIONS.includes(edge)) bad.push(edge);
        }
      }
      assert.deepEqual(bad, []);
    });
  }
});
