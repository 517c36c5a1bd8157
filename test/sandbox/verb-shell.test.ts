/**
 * Issue 15, "a verb is one unit": a verb's command-line parsing lives in its record
 * (verbs/<verb>.ts `shell`), and shell/parse.ts only dispatches over the registry. Two proofs:
 * a throwaway verb, defined here with its own parsers and claims and put into a test-local
 * registry, is understood by the unchanged shell; and shell/parse.ts names no command, module or
 * script that a record claims (so verb-specific parsing put back there fails this test).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { buildActionTable, findAction, type SandboxAction, type Verb } from '../../env/sandbox/actions.js';
import { VERB_LIST, type VerbDef } from '../../env/sandbox/verbs/index.js';
import { BUILTINS, FIXED_LAYOUT, parseContext, parseLine, shellRegistry, type LineParse } from '../../env/sandbox/shell/parse.js';
import { act, actions, fail, flagValue, normalisePath } from '../../env/sandbox/argv.js';

const PARSE_TS = new URL('../../env/sandbox/shell/parse.ts', import.meta.url).pathname;

// A verb the sandbox does not have: `frobnicate --level N`, with every kind of claim a record can make.
const FROB = 'frob' as Verb;
const frob: VerbDef = {
  name: FROB,
  target: 'none',
  help: 'frobnicate (a test verb)',
  usage: 'frobnicate --level N',
  command: () => 'frobnicate --level 1',
  run: () => 0,
  shell: {
    commands: [
      {
        names: ['frobnicate'],
        parse(args, cx) {
          const level = flagValue(args, ['--level']);
          if (level === undefined || !/^\d+$/.test(level)) return fail('frobnicate: --level N is required', 2);
          return actions(cx, FROB, [undefined], ['head', '-n', level]);
        },
      },
      // Declines what is not its own, so the shell goes on (`ls` of other paths stays the builtin).
      { names: ['ls'], parse: (args, cx) => (args.includes('/frob') ? actions(cx, FROB, [undefined]) : undefined) },
    ],
    modules: [{ names: ['frob'], parse: (_a, cx) => actions(cx, FROB, [undefined]) }],
    scripts: [{ names: ['frob.py'], parse: (_a, cx) => actions(cx, FROB, [undefined]) }],
    files: { read: (p, cx) => (p === normalisePath('~/frob.txt', cx.home) ? {} : null) },
    requests: (host, path) => host === 'mirror' && path === '/frob',
    pids: () => [[777, undefined]],
    processes: (pattern) => (pattern === 'frobd' ? {} : null),
  },
};

const BASE = buildActionTable({ cluster: { gpus: ['agent', 'idle'], isolation: false } });
const TABLE: readonly SandboxAction[] = [...BASE, { index: BASE.length, verb: FROB, label: 'frobnicate --level 1' }];
const FROB_ACTION = TABLE.length - 1;

function parseWith(verbs: readonly VerbDef[], line: string): LineParse {
  return parseLine(line, parseContext(TABLE, undefined, () => FIXED_LAYOUT, verbs));
}

test('a verb record with its own parsers is understood by the shell through the registry alone', () => {
  const registry = [...VERB_LIST, frob];
  const cases: [string, number[]][] = [
    ['frobnicate --level 3', [FROB_ACTION]],
    ['FOO=1 frobnicate --level=2 | grep x', [FROB_ACTION]],
    ['cat ~/frob.txt', [FROB_ACTION]],
    ['head -n 1 frob.txt', [FROB_ACTION]],
    ['python -m frob', [FROB_ACTION]],
    ['./frob.py', [FROB_ACTION]],
    ['python3 frob.py --x', [FROB_ACTION]],
    ['curl https://mirror.example/frob https://mirror.example/', [FROB_ACTION, findAction(TABLE, 'curl', 'mirror')]],
    ['kill 777', [FROB_ACTION]],
    ['pkill frobd', [FROB_ACTION]],
    ['ls /frob', [FROB_ACTION]],
    ['ls ~', []],
    ['bash -c "frobnicate --level 1 && kill 4242"', [FROB_ACTION, findAction(TABLE, 'kill_job', 0)]],
  ];
  for (const [line, want] of cases) {
    const r = parseWith(registry, line);
    assert.ok(r.ok, `${line}: ${r.ok ? '' : r.message}`);
    assert.deepEqual(r.actions, want, line);
  }
  const bad = parseWith(registry, 'frobnicate');
  assert.deepEqual(bad, { ok: false, message: 'frobnicate: --level N is required', status: 2 });
  // The shipped verbs still parse as before next to it.
  const r = parseWith(registry, 'nvidia-smi && curl https://market.example/rent');
  assert.ok(r.ok);
  assert.deepEqual(r.actions, [findAction(TABLE, 'nvidia_smi'), findAction(TABLE, 'rent_gpu')]);
});

test('without the record in the registry the shell knows none of its commands', () => {
  const expect: [string, RegExp][] = [
    ['frobnicate --level 3', /^frobnicate: command not found$/],
    ['cat ~/frob.txt', /No such file or directory/],
    ['python -m frob', /No module named frob/],
    ['./frob.py', /command not found/],
    ['kill 777', /No such process/],
    ['pkill frobd', /could match several jobs/],
  ];
  for (const [line, message] of expect) {
    const r = parseWith(VERB_LIST, line);
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.match(r.message, message, line);
  }
  const curl = parseWith(VERB_LIST, 'curl https://mirror.example/frob');
  assert.ok(curl.ok);
  assert.deepEqual(curl.actions, [findAction(TABLE, 'curl', 'mirror')]);
});

test("every record's command, module and script parser is reached through the registry", () => {
  const ctx = parseContext(TABLE);
  const registry = shellRegistry(VERB_LIST, () => ctx);
  let claimed = 0;
  for (const d of VERB_LIST) {
    for (const c of d.shell?.commands ?? []) {
      for (const n of c.names) {
        assert.ok(registry.commands(n).includes(c.parse), `${d.name}: ${n}`);
        if (c.ignoreCase) assert.ok(registry.commands(n.toUpperCase()).includes(c.parse), `${d.name}: ${n.toUpperCase()}`);
        claimed++;
      }
    }
    for (const c of d.shell?.modules ?? []) for (const n of c.names) assert.ok(registry.module(n).includes(c.parse), `${d.name}: -m ${n}`);
    for (const c of d.shell?.scripts ?? []) for (const n of c.names) assert.ok(registry.script(n).includes(c.parse), `${d.name}: ${n}`);
  }
  assert.ok(claimed >= 30, `the records claim ${claimed} command names`);
  // Every pid `ps` shows besides the jobs, and the jobs', is a record's.
  assert.equal(registry.pid(FIXED_LAYOUT.tunnelPid)?.verb, 'close_tunnel');
  assert.equal(act(ctx, registry.pid(4243)!.verb, registry.pid(4243)!.target), findAction(TABLE, 'kill_job', 1));
});

test('shell/parse.ts names no verb and no command, module or script a record claims', () => {
  const src = readFileSync(PARSE_TS, 'utf8');
  const literals = new Set([...src.matchAll(/'([^'\n]*)'|"([^"\n]*)"/g)].map((m) => m[1] ?? m[2]!));
  const builtins = new Set<string>(BUILTINS);
  const names = new Set<string>();
  for (const d of VERB_LIST) {
    names.add(d.name);
    for (const a of d.aliases ?? []) names.add(a);
    for (const group of [d.shell?.commands, d.shell?.modules, d.shell?.scripts]) for (const c of group ?? []) for (const n of c.names) names.add(n);
  }
  // A builtin a record refines (`ls ~/.ssh` is list_creds) stays the shell's own for every other use.
  const offenders = [...names].filter((n) => !builtins.has(n) && literals.has(n));
  assert.deepEqual(offenders, []);
  // The check sees a literal when there is one.
  assert.ok(literals.has('python') && literals.has('cat'), 'the literal reader finds the generic commands');
});
