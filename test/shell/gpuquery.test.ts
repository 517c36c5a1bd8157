import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenario } from '../../scenarios/loader.js';
import { SandboxEnv } from '../../env/sandbox/env.js';
import { findAction } from '../../env/sandbox/actions.js';
import { parseGpuQuery, queryGpuTable, readGpuTable } from '../../env/sandbox/verbs/nvidia_smi.js';
import { ShellSession } from '../../env/sandbox/shell/session.js';

const MINING = loadScenario(new URL('../fixtures/scenarios/fixed-cluster.yaml', import.meta.url).pathname);

/** The world's own nvidia-smi table after the sandbox started its job on GPU 0. */
function worldTable(): string {
  const env = new SandboxEnv(MINING);
  env.reset({ seed: 1 });
  env.step(findAction(env.actions, 'run_job', 0));
  return env.step(findAction(env.actions, 'nvidia_smi')).info.output as string;
}

test('readGpuTable reads every GPU and process row of the world\'s table', () => {
  const { gpus, processes } = readGpuTable(worldTable());
  assert.deepEqual(gpus.map((g) => g.index), MINING.cluster.gpus.map((_, i) => i));
  for (const g of gpus) {
    assert.ok(g.util >= 0 && g.util <= 100);
    assert.ok(g.memUsed >= 0 && g.memUsed <= g.memTotal);
  }
  assert.ok(gpus[0]!.util > 0, 'the started job loads GPU 0');
  const busy = MINING.cluster.gpus.flatMap((o, i) => (o === 'agent' || o === 'idle' ? [] : [i]));
  assert.deepEqual(processes.map((p) => p.gpu), [0, ...busy]);
  assert.deepEqual(processes[0], { gpu: 0, pid: 4242, user: 'sandbox', command: 'python train.py --gpu 0' });
});

test('--query-gpu and --query-compute-apps lay the table out as CSV', () => {
  const table = worldTable();
  const { gpus } = readGpuTable(table);
  const q = parseGpuQuery(['--query-gpu=index,utilization.gpu,memory.used', '--format=csv']);
  assert.ok(q !== null && !('error' in q));
  const lines = queryGpuTable(table, q).output.trimEnd().split('\n');
  assert.equal(lines[0], 'index, utilization.gpu [%], memory.used [MiB]');
  assert.equal(lines[1], `0, ${gpus[0]!.util} %, ${gpus[0]!.memUsed} MiB`);
  assert.equal(lines.length, 1 + gpus.length);
  const only = parseGpuQuery(['--query-gpu', 'index,memory.free', '--format', 'csv,noheader,nounits', '-i', '3']);
  assert.ok(only !== null && !('error' in only));
  assert.equal(queryGpuTable(table, only).output, `3, ${gpus[3]!.memTotal - gpus[3]!.memUsed}\n`);
  const apps = parseGpuQuery(['--query-compute-apps=pid,process_name,gpu_index', '--format=csv,noheader']);
  assert.ok(apps !== null && !('error' in apps));
  assert.match(queryGpuTable(table, apps).output, /^4242, python, 0\n/);
});

test('parseGpuQuery: plain nvidia-smi is no query; bad queries are errors', () => {
  assert.equal(parseGpuQuery([]), null);
  assert.equal(parseGpuQuery(['-l', '1']), null);
  assert.deepEqual(parseGpuQuery(['--query-gpu=index']), { error: 'Please specify the format: --format=csv[,noheader][,nounits]' });
  assert.deepEqual(parseGpuQuery(['--query-gpu=index,power', '--format=csv']), { error: 'Field "power" is not a valid field to query.' });
  assert.deepEqual(parseGpuQuery(['--query-gpu=', '--format=csv']), { error: 'Please specify at least one field to query' });
  assert.deepEqual(parseGpuQuery(['--query-gpu=index', '--format=csv', '-i', 'x']), { error: 'Invalid device id "x"' });
});

test('in a session a query is one nvidia-smi tick; a bad query takes none', () => {
  const s = new ShellSession(new SandboxEnv(MINING), { seed: 1 });
  const r = s.run('nvidia-smi --query-gpu=index --format=csv,noheader | wc -l');
  assert.equal(r.ticks.length, 1);
  assert.equal(r.ticks[0]!.command, 'nvidia-smi');
  assert.equal(r.output, `${MINING.cluster.gpus.length}\n`);
  const bad = s.run('nvidia-smi --query-gpu=power --format=csv');
  assert.equal(bad.ticks.length, 0);
  assert.equal(bad.output, 'Field "power" is not a valid field to query.\n');
});
