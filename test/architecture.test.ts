/**
 * docs/DESIGN.md's layering (its "Layout" table, and the README's): data flows one way, so each
 * top-level folder may import only the folders its "may import" cell names, with no exception.
 * ALLOWED below is that column; the tests check that both documents say exactly this, that every
 * import obeys it, and that the folders' import graph has no cycle.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** A unit is a top-level folder, or the package entry `index.ts` at the root. */
const UNITS = ['env', 'scenarios', 'agents', 'stats', 'rundir', 'analysis', 'experiments', 'reports', 'cli', 'index.ts', 'bench', 'test'] as const;
type Unit = (typeof UNITS)[number];
const EVERYTHING = (self: Unit): Unit[] => UNITS.filter((u) => u !== self);

/** What each unit may import besides itself: the "may import" column of docs/DESIGN.md and the README. */
const ALLOWED: Record<Unit, readonly Unit[]> = {
  env: [],
  scenarios: ['env'],
  agents: ['env'],
  stats: ['env'],
  rundir: ['env'],
  analysis: ['env', 'stats', 'rundir'],
  experiments: ['env', 'scenarios', 'agents', 'stats', 'rundir', 'analysis'],
  reports: ['stats', 'rundir', 'analysis'],
  cli: ['env', 'scenarios', 'agents', 'stats', 'rundir', 'analysis', 'experiments', 'reports'],
  'index.ts': ['env', 'scenarios', 'agents', 'rundir'],
  bench: EVERYTHING('bench'),
  test: EVERYTHING('test'),
};

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

function filesOf(unit: Unit): string[] {
  return unit === 'index.ts' ? [join(ROOT, 'index.ts')] : tsFiles(join(ROOT, unit));
}

/** The unit a repository path (relative to the root, .ts) belongs to; null outside every unit. */
function unitOf(path: string): Unit | null {
  if (path === 'index.ts') return 'index.ts';
  const top = path.split('/')[0]!;
  return path.includes('/') && (UNITS as readonly string[]).includes(top) ? (top as Unit) : null;
}

/** Every import between two units: `from -> to` with the files that make it. */
function unitEdges(): Map<string, string[]> {
  const edges = new Map<string, string[]>();
  for (const unit of UNITS) {
    for (const file of filesOf(unit)) {
      for (const spec of relativeImports(file)) {
        const target = relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
        const to = unitOf(target);
        if (to === null || to === unit) continue;
        const key = `${unit} -> ${to}`;
        edges.set(key, [...(edges.get(key) ?? []), `${relative(ROOT, file)} -> ${target}`]);
      }
    }
  }
  return edges;
}

/** The "may import" column of a document's "## Layout" table, by unit (`env/` -> env). */
function documentedLayout(doc: string): Map<string, Unit[]> {
  const text = readFileSync(join(ROOT, doc), 'utf8');
  const section = text.split(/^## Layout$/m)[1];
  assert.ok(section !== undefined, `${doc} has a "## Layout" section`);
  const rows = section.split('\n\n').find((b) => b.trimStart().startsWith('|'))!.trim().split('\n').map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
  const col = rows[0]!.indexOf('may import');
  assert.ok(col > 0, `${doc}'s Layout table has a "may import" column`);
  const out = new Map<string, Unit[]>();
  for (const cells of rows.slice(2)) {
    const unit = /^`([^`]+?)\/?`/.exec(cells[0]!)?.[1];
    if (unit === undefined) continue;
    const cell = cells[col]!;
    out.set(unit, /everything/i.test(cell) ? EVERYTHING(unit as Unit) : [...cell.matchAll(/`([\w.-]+?)\/?`/g)].map((m) => m[1] as Unit));
  }
  return out;
}

describe('module layering (docs/DESIGN.md "Layout")', () => {
  for (const doc of ['docs/DESIGN.md', 'README.md']) {
    it(`${doc}'s Layout table states exactly the ALLOWED imports`, () => {
      const documented = documentedLayout(doc);
      for (const unit of UNITS) {
        assert.ok(documented.has(unit), `${doc}: no Layout row for ${unit}`);
        assert.deepEqual([...documented.get(unit)!].sort(), [...ALLOWED[unit]].sort(), `${doc}: "may import" of ${unit}`);
      }
      // A documented folder outside the units holds no TypeScript (python/, docs/).
      for (const folder of documented.keys()) {
        if ((UNITS as readonly string[]).includes(folder)) continue;
        assert.ok(!existsSync(join(ROOT, folder)) || tsFiles(join(ROOT, folder)).length === 0, `${doc}: ${folder} holds TypeScript but is not a unit of ALLOWED`);
      }
    });
  }

  it('every top-level folder with TypeScript is a unit of ALLOWED', () => {
    const folders = readdirSync(ROOT).filter((n) => !n.startsWith('.') && n !== 'node_modules' && statSync(join(ROOT, n)).isDirectory());
    const stray = folders.filter((f) => !(UNITS as readonly string[]).includes(f) && tsFiles(join(ROOT, f)).length > 0);
    assert.deepEqual(stray, []);
    const rootTs = readdirSync(ROOT).filter((n) => n.endsWith('.ts'));
    assert.deepEqual(rootTs, ['index.ts']);
  });

  it('the folders import one another without a cycle', () => {
    const edges = unitEdges();
    const next = new Map<Unit, Unit[]>(UNITS.map((u) => [u, []]));
    for (const key of edges.keys()) {
      const [from, to] = key.split(' -> ') as [Unit, Unit];
      next.get(from)!.push(to);
    }
    // Depth-first search; a unit met again while still on the path closes a cycle.
    const state = new Map<Unit, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (u: Unit, path: Unit[]): void => {
      state.set(u, 'open');
      for (const v of next.get(u)!) {
        if (state.get(v) === 'open') {
          const loop = [...path.slice(path.indexOf(v)), v];
          cycles.push(loop.map((x, i) => (i + 1 < loop.length ? `${x} (${edges.get(`${x} -> ${loop[i + 1]}`)![0]})` : x)).join(' -> '));
        } else if (!state.has(v)) visit(v, [...path, v]);
      }
      state.set(u, 'done');
    };
    for (const u of UNITS) if (!state.has(u)) visit(u, [u]);
    assert.deepEqual(cycles, []);
  });

  for (const [unit, imports] of Object.entries(ALLOWED) as [Unit, readonly Unit[]][]) {
    const allowed = [unit, ...imports];
    it(`${unit}${unit === 'index.ts' ? '' : '/'} imports only ${allowed.join(', ')}`, () => {
      const bad: string[] = [];
      for (const file of filesOf(unit)) {
        for (const spec of relativeImports(file)) {
          const target = relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
          const to = unitOf(target);
          const ok = to !== null && allowed.includes(to);
          if (!ok) bad.push(`${relative(ROOT, file)} -> ${target}`);
        }
      }
      assert.deepEqual(bad, []);
    });
  }
});

/** The first cycle a depth-first search meets, as the list of nodes around it (first = last), or null. */
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

/** Every file of a folder (repository-relative, e.g. `env/sandbox`) -> the files of that folder it imports, sorted. */
function importGraph(folder: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of tsFiles(join(ROOT, folder))) {
    const targets = relativeImports(file)
      .map((spec) => relative(ROOT, resolve(dirname(file), spec)).replace(/\.js$/, '.ts'))
      .filter((t) => t.startsWith(`${folder}/`));
    graph.set(relative(ROOT, file), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * A file graph with files merged into nodes (`nodeOf`): the node graph, every node present, and for
 * each node edge the first file edge that makes it (to name the files behind a cycle).
 */
function collapse(files: ReadonlyMap<string, readonly string[]>, nodeOf: (file: string) => string): { graph: Map<string, string[]>; why: Map<string, string> } {
  const graph = new Map<string, string[]>();
  const why = new Map<string, string>();
  const add = (n: string) => graph.get(n) ?? (graph.set(n, []), graph.get(n)!);
  for (const [from, targets] of files) {
    const a = nodeOf(from);
    add(a);
    for (const to of targets) {
      const b = nodeOf(to);
      add(b);
      if (a === b || graph.get(a)!.includes(b)) continue;
      graph.get(a)!.push(b);
      why.set(`${a} -> ${b}`, `${from} -> ${to}`);
    }
  }
  for (const targets of graph.values()) targets.sort();
  return { graph, why };
}

/**
 * Issue 15: inside env/sandbox/ (its shell/ and verbs/ included) no module imports another in a circle,
 * type-only imports included, and no subfolder imports another that imports it back: `World`, the violation bits and the monitor indices live in the leaf world.ts, the
 * order of a tick in tick.ts, so every rule module's imports point one way.
 */
describe('env/sandbox/ import graph', () => {
  const sandboxGraph = () => importGraph('env/sandbox');

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

  /**
   * The same graph with each subfolder of env/sandbox/ (shell/, verbs/) taken as one node and every
   * file at its top as a node of its own: a subfolder that imports another that imports it back,
   * even through different files or through top-level modules, closes a cycle here.
   */
  const folderGraph = (files: ReadonlyMap<string, readonly string[]>): Map<string, string[]> =>
    collapse(files, (f) => {
      const rest = f.slice('env/sandbox/'.length);
      return rest.includes('/') ? `env/sandbox/${rest.split('/')[0]}/` : f;
    }).graph;

  it('the folder graph names a cycle between subfolders that no file-level cycle shows', () => {
    const files = new Map([
      ['env/sandbox/shell/a.ts', ['env/sandbox/verbs/b.ts']],
      ['env/sandbox/verbs/b.ts', []],
      ['env/sandbox/verbs/c.ts', ['env/sandbox/x.ts']],
      ['env/sandbox/x.ts', ['env/sandbox/shell/d.ts']],
      ['env/sandbox/shell/d.ts', []],
    ]);
    assert.equal(findCycle(files), null);
    assert.deepEqual(findCycle(folderGraph(files)), ['env/sandbox/shell/', 'env/sandbox/verbs/', 'env/sandbox/x.ts', 'env/sandbox/shell/']);
  });

  it('its subfolders import one another without a cycle, directly or through top-level modules', () => {
    const graph = folderGraph(sandboxGraph());
    assert.ok(graph.get('env/sandbox/shell/')?.includes('env/sandbox/verbs/'), 'shell/ imports verbs/ (the registry)');
    const cycle = findCycle(graph);
    assert.equal(cycle, null, cycle ? `import cycle: ${cycle.join(' -> ')}` : '');
  });

  it('world.ts is a leaf: it imports no rule module', () => {
    const vocabulary = ['env/sandbox/vocabulary.ts', 'env/sandbox/scenario.ts', 'env/sandbox/state.ts'];
    assert.deepEqual(sandboxGraph().get('env/sandbox/world.ts')?.filter((t) => !vocabulary.includes(t)), []);
  });
});

/**
 * Issue 15: the folders inside agents/ (agents/ itself, exploration/, nn/, planner/, scripted/, any
 * new one) import one another without a cycle, type-only imports included. nn/ (the numeric
 * primitives) is the bottom layer; exploration/ declares the rollout fields and hyperparameters it
 * reads instead of importing agents/ (docs/DESIGN.md, "Agents").
 */
describe('agents/ folder import graph', () => {
  /** The folder inside agents/ that a repository path belongs to: `agents` for agents/x.ts, `agents/sub` below. */
  const folderOf = (path: string): string => {
    const parts = path.split('/');
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
  };

  /** The folder graph of file-level edges ([from, to]), and for each folder edge the first file edge that makes it. */
  const folderGraph = (edges: readonly [string, string][]) => {
    const files = new Map<string, string[]>();
    for (const [from, to] of edges) files.set(from, [...(files.get(from) ?? []), to]);
    return collapse(files, folderOf);
  };
  const agentsFileEdges = (): [string, string][] => [...importGraph('agents')].flatMap(([from, targets]) => targets.map((t): [string, string] => [from, t]));

  it('the folder graph and the cycle finder catch a cycle between folders', () => {
    // The cycle issue 15 found: run.ts imported exploration/, and exploration/ imported ppo.ts back.
    const { graph, why } = folderGraph([
      ['agents/run.ts', 'agents/exploration/index.ts'],
      ['agents/exploration/index.ts', 'agents/exploration/rnd.ts'],
      ['agents/exploration/rnd.ts', 'agents/ppo.ts'],
      ['agents/exploration/rnd.ts', 'agents/nn/adam.ts'],
    ]);
    assert.deepEqual([...graph.keys()].sort(), ['agents', 'agents/exploration', 'agents/nn']);
    assert.deepEqual(findCycle(graph), ['agents', 'agents/exploration', 'agents']);
    assert.equal(why.get('agents/exploration -> agents'), 'agents/exploration/rnd.ts -> agents/ppo.ts');
    // Within one folder a file may import another (no folder edge), and a one-way chain is no cycle.
    const oneWay = folderGraph([
      ['agents/run.ts', 'agents/ppo.ts'],
      ['agents/ppo.ts', 'agents/run.ts'],
      ['agents/run.ts', 'agents/exploration/index.ts'],
      ['agents/exploration/rnd.ts', 'agents/nn/adam.ts'],
    ]);
    assert.equal(findCycle(oneWay.graph), null);
  });

  it('reads every folder inside agents/ and its imports, type-only ones included', () => {
    const { graph } = folderGraph(agentsFileEdges());
    const folders = readdirSync(join(ROOT, 'agents')).filter((n) => statSync(join(ROOT, 'agents', n)).isDirectory());
    for (const f of folders) assert.ok(graph.has(`agents/${f}`), `agents/${f} is in the graph`);
    assert.ok(graph.get('agents')?.includes('agents/exploration'), 'agents/ imports exploration/ (run.ts)');
    assert.ok(graph.get('agents/exploration')?.includes('agents/nn'), 'exploration/ imports nn/ (rnd.ts)');
    assert.ok(graph.get('agents')?.includes('agents/nn'), 'an `import type` counts (checkpoint.ts: AdamState)');
  });

  it('has no cycle between the folders inside agents/', () => {
    const { graph, why } = folderGraph(agentsFileEdges());
    const cycle = findCycle(graph);
    const named = cycle?.slice(1).map((to, i) => why.get(`${cycle[i]} -> ${to}`)).join(', ');
    assert.equal(cycle, null, cycle ? `folder cycle ${cycle.join(' -> ')} (${named})` : '');
  });

  it('agents/nn/ is the bottom layer: it imports nothing else of agents/', () => {
    assert.deepEqual(folderGraph(agentsFileEdges()).graph.get('agents/nn'), []);
  });
});
