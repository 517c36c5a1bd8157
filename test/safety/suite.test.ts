import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { buildActionTable } from '../../env/sandbox/actions.js';
import { loadScenario } from '../../scenarios/loader.js';
import { AGGREGATES, EPISODE_QUANTITIES, parseMetric } from '../../experiments/safety/metrics.js';
import { loadSuite, parseSuite, planAction, SuiteError } from '../../experiments/safety/suite.js';
import { baselineChecks, baselineProblem, readBaseline } from '../../experiments/safety/baseline.js';

const DEFAULT_SUITE = path.resolve('experiments/safety-suite.yaml');

test('the default suite validates, has every kind of check, and its committed baseline serves every statistical check', () => {
  const suite = loadSuite(DEFAULT_SUITE);
  const kinds = new Set(suite.checks.map((c) => c.kind));
  assert.deepEqual([...kinds].sort(), ['exact', 'planner', 'statistical']);
  // What pays, exact: the chain the optimum in mining, nothing paying in control and hardened.
  assert.deepEqual(suite.checks.filter((c) => c.kind === 'planner').map((c) => c.name), ['mining-chain-is-the-optimum', 'control-nothing-pays', 'hardened-nothing-pays']);
  assert.equal(suite.backend, 'wasm');
  assert.equal(suite.baselineFile, path.resolve('experiments/safety-baseline.json'));
  const needing = baselineChecks(suite);
  assert.ok(needing.length > 0 && needing.every((c) => c.kind === 'statistical'));
  assert.equal(baselineProblem(suite, readBaseline(suite.baselineFile), suite.checks), null);
  // The honest check covers every shipped scenario.
  const honest = suite.checks.find((c) => c.name === 'honest-never-violates');
  assert.ok(honest && honest.kind === 'exact');
  assert.deepEqual(honest.scenarios.map((s) => s.name).sort(), ['control', 'hardened', 'hijack', 'mining', 'monitored', 'shared-cluster']);
});

test('a bound read from a scenario field is that field, and is noted for reports', () => {
  const suite = loadSuite(DEFAULT_SUITE);
  const rogue = suite.checks.find((c) => c.name === 'rogue-mining-firewall-alerts')!;
  const e = rogue.expect.find((x) => x.metric.text === 'max(latency.outbound_ssh)')!;
  assert.equal(e.max, loadScenario('mining').monitors.firewall.alerts['outbound_ssh']!.latency);
  assert.deepEqual(e.notes, [`monitors.firewall.alerts.outbound_ssh.latency = ${e.max}`]);
});

const exactCheck = (over: Record<string, unknown> = {}, expect: unknown[] = [{ metric: 'max(violation_any)', equals: 0 }]) => ({
  checks: [{ name: 'c', kind: 'exact', description: 'd', scenario: 'mining', policy: 'honest', seeds: 1, expect, ...over }],
});
const statCheck = (over: Record<string, unknown> = {}, expect: unknown[] = [{ metric: 'final_rate(grabbing)', baseline: 'at_most', tolerance: 0.1 }]) => ({
  checks: [{ name: 's', kind: 'statistical', description: 'd', scenario: 'mining', shaping: 'outcome', seeds: 2, steps: 100, expect, ...over }],
});

const BAD: [string, unknown, RegExp][] = [
  ['top level not a mapping', ['a'], /^x\.yaml: expected a mapping with a checks list at the top level$/],
  ['no checks', {}, /^x\.yaml: checks: missing required field$/],
  ['empty checks', { checks: [] }, /^x\.yaml: checks: expected at least one check$/],
  ['unknown top-level field', { ...exactCheck(), extra: 1 }, /^x\.yaml: extra: unknown field$/],
  ['unknown kind', exactCheck({ kind: 'fuzzy' }), /^x\.yaml: checks\[0\]\.kind: .*exact, .*statistical or .*planner/],
  ['unknown field in a check', exactCheck({ bogus: true }), /^x\.yaml: checks\[0\]\.bogus: unknown field$/],
  ['bad name', exactCheck({ name: 'Has Spaces' }), /^x\.yaml: checks\[0\]\.name: expected a name of lowercase/],
  ['duplicate names', { checks: [...exactCheck().checks, ...exactCheck().checks] }, /^x\.yaml: checks\[1\]\.name: duplicate check name 'c'$/],
  ['bad seeds', exactCheck({ seeds: [1, 1] }), /^x\.yaml: checks\[0\]\.seeds: /],
  ['no expectations', exactCheck({}, []), /^x\.yaml: checks\[0\]\.expect: expected at least one expectation$/],
  ['unknown aggregate', exactCheck({}, [{ metric: 'avg(violation_any)', max: 1 }]), /^x\.yaml: checks\[0\]\.expect\[0\]\.metric: unknown aggregate 'avg'/],
  ['statistical function in an exact check', exactCheck({}, [{ metric: 'final_rate(grabbing)', max: 1 }]), /unknown aggregate 'final_rate' .*\(final_rate is for statistical checks\)$/],
  ['unknown quantity', exactCheck({}, [{ metric: 'max(alerts.nothing)', max: 1 }]), /checks\[0\]\.expect\[0\]\.metric: unknown quantity 'alerts\.nothing'/],
  ['not a metric form', exactCheck({}, [{ metric: 'violation_any', max: 1 }]), /checks\[0\]\.expect\[0\]\.metric: expected AGGREGATE\(QUANTITY\)/],
  ['unknown behaviour', statCheck({}, [{ metric: 'final_rate(flying)', max: 1 }]), /checks\[0\]\.expect\[0\]\.metric: unknown behaviour 'flying'/],
  ['no bound', exactCheck({}, [{ metric: 'max(violation_any)' }]), /^x\.yaml: checks\[0\]\.expect\[0\]: expected a bound: min, max, equals or baseline$/],
  ['baseline without tolerance', statCheck({}, [{ metric: 'final_rate(grabbing)', baseline: 'at_most' }]), /checks\[0\]\.expect\[0\]\.tolerance: a baseline bound needs a tolerance$/],
  ['tolerance without baseline', exactCheck({}, [{ metric: 'max(violation_any)', max: 0, tolerance: 1 }]), /checks\[0\]\.expect\[0\]\.tolerance: tolerance only applies to a baseline bound$/],
  ['equals with max', exactCheck({}, [{ metric: 'max(violation_any)', max: 0, equals: 0 }]), /checks\[0\]\.expect\[0\]\.equals: equals cannot be combined/],
  ['min above max', exactCheck({}, [{ metric: 'max(violation_any)', min: 2, max: 1 }]), /checks\[0\]\.expect\[0\]: min 2 is above max 1$/],
  ['negative tolerance', statCheck({}, [{ metric: 'final_rate(grabbing)', baseline: 'at_most', tolerance: -1 }]), /tolerance: expected a tolerance >= 0$/],
  ['unknown scenario', exactCheck({ scenario: 'atlantis' }), /^x\.yaml: checks\[0\]\.scenario: unknown scenario 'atlantis' \(known scenarios: /],
  ['unknown scenario in a list', exactCheck({ scenario: ['mining', 'atlantis'] }), /^x\.yaml: checks\[0\]\.scenario\[1\]: unknown scenario 'atlantis'/],
  ['missing scenario file', exactCheck({ scenario: 'nope/none.yaml' }), /checks\[0\]\.scenario: no scenario file /],
  ['unknown shaping', statCheck({ shaping: 'vibes' }), /^x\.yaml: checks\[0\]\.shaping: scenario 'mining' has no shaping 'vibes' \(it has: outcome, /],
  ['unknown agent', statCheck({ agent: 'dqn' }), /checks\[0\]\.agent: expected one of "ppo", "reinforce", "ppo-lagrangian", got "dqn"$/],
  ['statistical without steps', statCheck({ steps: undefined }), /checks\[0\]\.steps: missing required field$/],
  ['unknown policy', exactCheck({ policy: 'saint' }), /checks\[0\]\.policy: expected honest, rogue, random, best_grabbing or \{ name, plan \}$/],
  ['unknown plan step', exactCheck({ policy: { name: 'p', plan: ['read_task', 'rm -rf /'] } }), /checks\[0\]\.policy\.plan\[1\]: 'rm -rf \/' is neither a command line/],
  ['plan step on a GPU that is not there', exactCheck({ policy: { name: 'p', plan: ['run_job 99'] } }), /checks\[0\]\.policy\.plan\[0\]: 'run_job 99': no action run_job 99 in this sandbox$/],
  ['scenario bound not a number', exactCheck({}, [{ metric: 'max(latency.outbound_ssh)', max: { scenario: 'description' } }]), /expect\[0\]\.max\.scenario: scenario field description is not a number$/],
  ['scenario bound missing', exactCheck({}, [{ metric: 'max(latency.outbound_ssh)', max: { scenario: 'monitors.nothing' } }]), /expect\[0\]\.max\.scenario: scenario 'mining' has no field monitors\.nothing$/],
  ['scenario bound with two scenarios', exactCheck({ scenario: ['mining', 'control'] }, [{ metric: 'max(latency.outbound_ssh)', max: { scenario: 'horizon' } }]), /a bound read from a scenario needs a check with exactly one scenario$/],
  ['unknown backend', { ...exactCheck(), backend: 'gpu' }, /^x\.yaml: backend: expected one of "auto", "tensorflow", "wasm", "cpu", got "gpu"$/],
];

for (const [what, doc, re] of BAD) {
  test(`a malformed suite is one line naming the file and field: ${what}`, () => {
    assert.throws(
      () => parseSuite(doc, 'x.yaml'),
      (e: unknown) => {
        assert.ok(e instanceof SuiteError, String(e));
        assert.ok(!e.message.includes('\n'), e.message);
        assert.match(e.message, re);
        return true;
      },
    );
  });
}

test('suite files: invalid YAML names the line; a missing file says so; paths are relative to the suite file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'safety-suite-'));
  try {
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'checks:\n  - name: a\n    kind: [exact\n');
    assert.throws(() => loadSuite(bad), (e: unknown) => e instanceof SuiteError && /bad\.yaml: line \d+: invalid YAML: /.test(e.message) && !e.message.includes('\n'));
    assert.throws(() => loadSuite(path.join(dir, 'none.yaml')), (e: unknown) => e instanceof SuiteError && /none\.yaml: no such suite file$/.test(e.message));
    fs.mkdirSync(path.join(dir, 'sc'));
    fs.writeFileSync(path.join(dir, 'sc', 'tight.yaml'), `extends: ${path.resolve('scenarios/mining.yaml')}\nhorizon: 30\n`);
    const good = path.join(dir, 'good.yaml');
    fs.writeFileSync(good, 'baseline: b/base.json\nchecks:\n  - { name: h, kind: exact, description: d, scenario: sc/tight.yaml, policy: honest, seeds: [4, 9], expect: [{ metric: max(length), max: { scenario: horizon } }] }\n');
    const suite = loadSuite(good);
    const c = suite.checks[0]!;
    assert.ok(c.kind === 'exact');
    assert.equal(c.scenarios[0]!.horizon, 30);
    assert.deepEqual(c.seeds, [4, 9]);
    assert.equal(c.expect[0]!.max, 30);
    assert.equal(suite.baselineFile, path.join(dir, 'b', 'base.json'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('plan steps: an exact command line or verb [target], resolved in the action table', () => {
  const table = buildActionTable(loadScenario('mining'));
  const runJob0 = table.find((a) => a.verb === 'run_job' && a.target === 0)!.index;
  assert.equal(planAction(table, 'run_job 0'), runJob0);
  assert.equal(planAction(table, 'python train.py --gpu 0'), runJob0);
  assert.equal(planAction(table, '  find_creds ssh '), table.find((a) => a.verb === 'find_creds' && a.target === 'ssh')!.index);
  assert.match(String(planAction(table, 'submit now')), /submit takes no target/);
  assert.match(String(planAction(table, 'run_job')), /run_job needs a gpu target/);
  assert.match(String(planAction(table, 'curl nowhere')), /no action curl nowhere/);
});

test('metrics: every aggregate of every quantity parses to its canonical text; anything else gets a one-line reason', () => {
  for (const a of AGGREGATES) {
    for (const q of EPISODE_QUANTITIES) {
      const m = parseMetric(` ${a}( ${q} ) `, 'exact');
      assert.ok(typeof m !== 'string' && m.text === `${a}(${q})`);
    }
  }
  fc.assert(
    fc.property(fc.string(), fc.constantFrom('exact' as const, 'statistical' as const), (text, kind) => {
      const m = parseMetric(text, kind);
      if (typeof m === 'string') return !m.includes('\n') && m.length > 0;
      const again = parseMetric(m.text, kind);
      return typeof again !== 'string' && again.text === m.text;
    }),
  );
});
