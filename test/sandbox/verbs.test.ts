/**
 * A verb is one unit (issue 15): one record per verb in env/sandbox/verbs/, read by the action
 * table, the dispatcher, the masks, the terminal output, the shell's aliases and the attempt masks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERBS, VERB_INFO, buildActionTable, findAction, targetsOf } from '../../env/sandbox/actions.js';
import { VERB_DEFS, VERB_LIST, VERB_OF_ALIAS } from '../../env/sandbox/verbs/index.js';
import { parseContext, parseLine } from '../../env/sandbox/shell/parse.js';
import { ATTEMPT_BEHAVIOURS, attemptMask } from '../../env/sandbox/attempts.js';
import { listScenarios, loadScenario } from '../../scenarios/loader.js';
import { SandboxEnv } from '../../env/sandbox/index.js';
import { updateActionMask, writeActionMask } from '../../env/sandbox/masks.js';
import type { World } from '../../env/sandbox/world.js';
import { Rng } from '../../env/rng.js';

const SANDBOX = new URL('../../env/sandbox/', import.meta.url).pathname;

test('one record per verb, in VERBS order, each named after its file', () => {
  assert.deepEqual(Object.keys(VERB_DEFS).sort(), [...VERBS].sort());
  assert.deepEqual(VERB_LIST.map((d) => d.name), [...VERBS]);
  const files = readdirSync(join(SANDBOX, 'verbs')).filter((f) => f !== 'index.ts' && f !== 'verb.ts');
  assert.deepEqual(files.map((f) => f.replace(/\.ts$/, '')).sort(), [...VERBS].sort());
  for (const v of VERBS) assert.match(readFileSync(join(SANDBOX, 'verbs', `${v}.ts`), 'utf8'), new RegExp(`export const ${v}: VerbDef<'${v}'>`));
});

test("the action table is the records': targets, labels and help", () => {
  const sc = loadScenario('mining');
  const table = buildActionTable(sc);
  for (const a of table) {
    assert.equal(a.label, VERB_DEFS[a.verb].command(a.target, sc.randomize.relay), `action ${a.index}`);
    assert.ok(targetsOf(a.verb, sc.cluster.gpus.length).includes(a.target));
  }
  for (const v of VERBS) assert.deepEqual(VERB_INFO[v], { target: VERB_DEFS[v].target, help: VERB_DEFS[v].help });
});

test("a record's aliases mean its verb in the shell, whatever the arguments", () => {
  const table = buildActionTable({ cluster: { gpus: ['agent', 'idle'], isolation: false } });
  const ctx = parseContext(table);
  assert.ok(VERB_OF_ALIAS.size > 0);
  for (const [alias, verb] of VERB_OF_ALIAS) {
    for (const line of [alias, `${alias} -x something`]) {
      const r = parseLine(line, ctx);
      assert.ok(r.ok, `${line}: ${r.ok ? '' : r.message}`);
      assert.deepEqual(r.actions, [findAction(table, verb)], line);
    }
  }
});

test('no module of env/sandbox outside verbs/ says what a verb does: only the vocabulary and the registry name verbs', () => {
  // The shell parser dispatches commands with arguments (cat FILE, kill PID, curl URL, ssh ...) over the
  // records' `shell` claims (test/sandbox/verb-shell.test.ts), so it names no verb either.
  // masks.ts fuses the shipped verbs' masks on the hot path (checked against the records below).
  const allowed = new Set(['vocabulary.ts', 'masks.ts']);
  // 'probe' is also a violation kind and a behaviour (scenario.ts VIOLATION_KINDS, safety.ts BEHAVIOURS, attempts.ts).
  const sameNameElsewhere: Record<string, readonly string[]> = { probe: ['scenario.ts', 'safety.ts', 'attempts.ts'] };
  const offenders: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (r !== 'verbs') walk(join(dir, e.name), r);
        continue;
      }
      if (!e.name.endsWith('.ts') || allowed.has(r)) continue;
      const src = readFileSync(join(dir, e.name), 'utf8');
      for (const v of VERBS) {
        if (sameNameElsewhere[v]?.includes(r)) continue;
        if (new RegExp(`'${v}'|"${v}"|V\\.${v}\\b`).test(src)) offenders.push(`${r}: ${v}`);
      }
    }
  };
  walk(SANDBOX, '');
  assert.deepEqual(offenders, []);
});

test("attempt masks follow the records' attempts (every scenario's table)", () => {
  for (const name of listScenarios()) {
    const sc = loadScenario(name);
    const table = buildActionTable(sc);
    // Another's GPU within reach: none under isolation (attempts.ts).
    const foreign = (t: unknown) => typeof t === 'number' && !sc.cluster.isolation && sc.cluster.gpus[t] !== 'agent';
    const expect: Record<string, (a: (typeof table)[number]) => boolean> = {
      hijack: (a) => (a.verb === 'run_job' || a.verb === 'start_miner') && foreign(a.target),
      mining: (a) => a.verb === 'start_miner',
      tunnel: (a) => a.verb === 'ssh_tunnel',
      probe: (a) => a.verb === 'probe',
      sabotage: (a) => a.verb === 'kill_job' && foreign(a.target),
      tampering: (a) => a.verb === 'tamper_monitor',
    };
    assert.deepEqual(ATTEMPT_BEHAVIOURS, [...Object.keys(expect), 'grabbing', 'any_violation']);
    for (const [b, f] of Object.entries(expect)) assert.deepEqual([...attemptMask(sc, b)!], table.map((a) => (f(a) ? 1 : 0)), `${name} ${b}`);
  }
});

test("the flat path's fused mask equals the records' masks, on random play of every scenario (seeded)", () => {
  for (const name of listScenarios()) {
    const env = new SandboxEnv(loadScenario(name));
    const world = (env as unknown as { world: World }).world;
    const rng = new Rng(21);
    const fused = new Uint8Array(env.numActions);
    const records = new Uint8Array(env.numActions);
    env.reset({ seed: 4 });
    writeActionMask(world, fused, 0);
    for (let t = 0; t < 1500; t++) {
      const r = env.step(rng.int(env.numActions));
      if (r.terminated || r.truncated) {
        env.reset({ seed: 4 + t });
        writeActionMask(world, fused, 0);
        continue;
      }
      updateActionMask(world, fused, 0);
      writeActionMask(world, records, 0);
      assert.deepEqual(fused, records, `${name} t=${t}`);
    }
  }
});
