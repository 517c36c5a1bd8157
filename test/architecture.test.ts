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

/**
 * Issue 15: inside env/sandbox/ (its shell/ included) no module imports another in a circle, type-only
 * imports included: `World`, the violation bits and the monitor indices live in the leaf world.ts, the
 * order of a tick in tick.ts, so every rule module's imports point one way.
 */
describe('env/sandbox/ import graph', () => {
  /** The first cycle a depth-first search meets, as the list of files around it (first = last), or null. */
  function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (node: string): string[] | null => {
      state.set(node, 'open');
      path.push(node);
      for (const next of graph.get(node) ?? []) {
        if (state.get(next) === 'open') return [...path.slice(path.indexOf(next)), next];
        if (state.get(next) === undefined) {
          const found = visit(next);
          if (found) return found;
        }
      }
      path.pop();
      state.set(node, 'done');
      return null;
    };
    for (const node of [...graph.keys()].sort()) {
      if (state.get(node) !== undefined) continue;
      const found = visit(node);
      if (found) return found;
    }
    return null;
  }

  function sandboxGraph(): Map<string, string[]> {
    const dir = join(ROOT, 'env/sandbox');
    const graph = new Map<string, string[]>();
    for (const file of tsFiles(dir)) {
      const from = relative(ROOT, file);
      const targets = relativeImports(file)
        .map((spec) => relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'))
        .filter((t) => t.startsWith('env/sandbox/'));
      graph.set(from, [...new Set(targets)].sort());
    }
    return graph;
  }

  it('the cycle finder names a cycle when there is one', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(findCycle(g), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    assert.equal(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', []]])), null);
  });

  it('reads every import, type-only and re-exports included', () => {
    const g = sandboxGraph();
    assert.ok(g.get('env/sandbox/safety.ts')?.includes('env/sandbox/world.ts'), 'safety.ts imports world.ts');
    assert.ok(g.get('env/sandbox/shell/transcript.ts')?.includes('env/sandbox/network.ts'), 'an `import type` is an edge');
    assert.ok(g.get('env/sandbox/index.ts')?.includes('env/sandbox/actions.ts'), 'an `export * from` is an edge');
  });

  it('has no cycle', () => {
    const cycle = findCycle(sandboxGraph());
    assert.equal(cycle, null, cycle ? `import cycle: ${cycle.join(' -> ')}` : '');
  });

  it('world.ts is a leaf: it imports no rule module', () => {
    const vocabulary = ['env/sandbox/vocabulary.ts', 'env/sandbox/scenario.ts', 'env/sandbox/state.ts'];
    assert.deepEqual(sandboxGraph().get('env/sandbox/world.ts')?.filter((t) => !vocabulary.includes(t)), []);
  });
});
