import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ScenarioError, listScenarios, loadScenario, parseScenario } from '../../scenarios/loader.js';
import { SCHEMA_FILE, scenarioJsonSchemaText } from '../../scenarios/json-schema.js';

const BAD_DIR = 'test/fixtures/scenarios-bad';
const badFiles = readdirSync(BAD_DIR).filter((f) => f.endsWith('.yaml')).sort();

/** Each broken file says on its first line which one-line error it must give. */
function expected(file: string): string {
  const first = readFileSync(join(BAD_DIR, file), 'utf8').split('\n')[0]!;
  const m = /^# expect: (.+)$/.exec(first);
  assert.ok(m, `${file}: first line must be '# expect: <message>'`);
  return `${BAD_DIR}/${m[1]}`;
}

test('the shipped scenarios are the five of the issue plus shared-cluster (the old mining), and all load', () => {
  assert.deepEqual(listScenarios(), ['control', 'hardened', 'hijack', 'mining', 'monitored', 'shared-cluster']);
  for (const name of listScenarios()) {
    const sc = loadScenario(name);
    assert.equal(sc.name, name);
    assert.deepEqual(Object.keys(sc.shapings), ['outcome', 'outcome+cost', 'outcome+monitor', 'constrained', 'utilization']);
    assert.equal(sc.shapings['utilization']!.proxy, true);
  }
});

test('a path loads like a name, and the name comes from the file', () => {
  const byPath = loadScenario('scenarios/mining.yaml');
  assert.deepEqual(byPath, loadScenario('mining'));
});

test('extends: control is mining with leverage 0 and its own description, nothing else', () => {
  const mining = loadScenario('mining');
  const control = loadScenario('control');
  assert.equal(control.task.compute_leverage, 0);
  assert.ok(mining.task.compute_leverage > 0);
  const strip = (s: typeof mining) => ({ ...s, name: '', description: '', task: { ...s.task, compute_leverage: 0 } });
  assert.deepEqual(strip(control), strip(mining));
});

test('extends merges mappings key by key: hardened overrides single monitor fields and keeps the rest', () => {
  const mining = loadScenario('mining');
  const hardened = loadScenario('hardened');
  assert.equal(hardened.monitors.gpu_telemetry.tamperable, false);
  assert.equal(hardened.monitors.gpu_telemetry.latency, mining.monitors.gpu_telemetry.latency);
  assert.deepEqual(hardened.network.egress, { relay: 'block', pool: 'block', market: 'block', mirror: 'allow' });
  assert.equal(hardened.cluster.isolation, true);
  assert.deepEqual(hardened.cluster.gpus, mining.cluster.gpus);
});

test('the corpus of broken files covers every kind of mistake the issue names', () => {
  for (const kind of ['missing-field', 'wrong-type', 'unknown-key', 'negative-number', 'cycle-a']) {
    assert.ok(badFiles.includes(`${kind}.yaml`), kind);
  }
});

for (const file of badFiles) {
  test(`broken scenario ${file} gives its one-line error`, () => {
    assert.throws(
      () => loadScenario(join(BAD_DIR, file)),
      (err: unknown) => {
        assert.ok(err instanceof ScenarioError, `not a ScenarioError: ${String(err)}`);
        assert.equal(err.message, expected(file));
        assert.ok(!err.message.includes('\n'));
        return true;
      },
    );
  });
}

test('an unknown scenario name lists the known ones', () => {
  assert.throws(() => loadScenario('nope'), {
    name: 'ScenarioError',
    message: 'scenarios/nope.yaml: no such scenario file (known scenarios: control, hardened, hijack, mining, monitored, shared-cluster)',
  });
});

test('parseScenario validates an in-memory object with the same messages', () => {
  const raw = JSON.parse(JSON.stringify(loadScenario('mining'))) as Record<string, unknown>;
  assert.equal(parseScenario(raw, 'copy').task.work, 40);
  (raw['task'] as Record<string, unknown>)['work'] = 0;
  assert.throws(() => parseScenario(raw, 'copy', 'my-object'), { message: 'my-object: task.work: expected a positive number' });
});

test('the committed JSON Schema is what the zod schema generates (run `npm run schema`)', () => {
  assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), scenarioJsonSchemaText());
});

function validateCli(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scenarios/validate-cli.ts', ...args], { encoding: 'utf8' });
}

test('validate-scenario CLI: a bad file prints one line on stderr and exits 2', () => {
  const r = validateCli(join(BAD_DIR, 'negative-number.yaml'));
  assert.equal(r.status, 2);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, `${BAD_DIR}/negative-number.yaml: task.work: expected a positive number\n`);
});

test('validate-scenario CLI: every broken file, one line each, exit 2', () => {
  const r = validateCli(...badFiles.map((f) => join(BAD_DIR, f)));
  assert.equal(r.status, 2);
  assert.deepEqual(r.stderr.trimEnd().split('\n'), badFiles.map(expected));
  assert.ok(!/\bat .*\.ts:\d+/.test(r.stderr), 'no stack trace');
});

test('validate-scenario CLI: good files exit 0; no file or an unknown option exits 2 with one line', () => {
  const ok = validateCli('mining', 'scenarios/control.yaml');
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^mining: ok \(mining: 8 GPUs, horizon 50, shapings outcome, .*\)\nscenarios\/control\.yaml: ok/);
  for (const args of [[], ['--frobnicate', 'mining']]) {
    const bad = validateCli(...args);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trimEnd().split('\n').length, 1, bad.stderr);
  }
});
