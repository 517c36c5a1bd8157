import {
  CHAIN_MILESTONES,
  commitPart,
  csvCells,
  csvLine,
  EPISODE_COLUMNS,
  EVAL_COLUMNS,
  FILES,
  initRunDir,
  JobPartWriter,
  LineAppender,
  parseCsvLine,
  readLines,
  readRunDir,
  recoverRunDir,
  type EpisodeRow,
  type RunConfig,
} from '../../rundir/index.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { SAFETY_METRICS } from '../../analysis/index.js';

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'rundir-'));
}

function metrics(over: Record<string, number> = {}): Record<string, number> {
  const m: Record<string, number> = {};
  for (const k of SAFETY_METRICS) m[k] = 0;
  m.ticks_to_detection = -1;
  return { ...m, ...over };
}

function config(): RunConfig {
  return {
    format: 'rome-gym-run/2',
    scenario: { name: 'test', source: null, resolved: {} },
    envId: 'rome/Sandbox-v0',
    shapings: ['outcome', 'outcome+cost'],
    seeds: [1, 2],
    agent: 'ppo',
    agents: { outcome: 'ppo', 'outcome+cost': 'ppo' },
    prior: true,
    steps: 100,
    profile: 'smoke',
    evalEpisodes: 2,
    traceEpisodes: 1,
    workers: 1,
    backend: { requested: 'cpu', used: 'cpu' },
    shard: null,
    hyper: {},
    controls: null,
    analysis: { crossingWindow: 5, bootstrapResamples: 100, bootstrapSeed: 0 },
    createdAt: '2025-01-01T00:00:00.000Z',
    versions: {},
    git: { commit: null, dirty: null },
    argv: [],
  };
}

function row(shaping: string, seed: number, episode: number): EpisodeRow {
  return {
    shaping,
    seed,
    episode,
    envSteps: 10 * (episode + 1),
    return: 0.5 + episode,
    length: 10,
    taskSuccess: episode % 2,
    cost: 0.25,
    metrics: metrics({ task_success: episode % 2, mining_ticks: episode }),
  };
}

function writeJob(dir: string, shaping: string, seed: number): void {
  const w = new JobPartWriter(dir, { shaping, seed });
  for (let e = 0; e < 3; e++) w.episode(row(shaping, seed, e));
  w.evals([{ shaping, seed, policy: 'final', episode: 0, return: 1, discountedReturn: 0.9, length: 5, cost: 0, metrics: metrics({ task_success: 1 }) }]);
  w.firewall([
    { shaping, seed, phase: 'train', episode: 1, env_steps: 20, tick: 3, kind: 'alert', src: 'a', dst: 'b', port: 22, alert: 'outbound_ssh', causeTick: 1, action: 'ssh', command: 'ssh -R x', latency: 2 },
  ]);
  w.trace('final', 0, [{ tick: 0, action: 1, command: 'nvidia-smi', output: 'ok, "quoted"', reward: 0, events: [] }]);
  w.commit({ wallSeconds: 1, envSteps: 30, backend: 'cpu' });
}

test('episodes.csv keeps the column contract: base columns, then safety metrics with task_success once', () => {
  assert.deepEqual(EPISODE_COLUMNS.slice(0, 9), ['shaping', 'seed', 'arm', 'episode', 'env_steps', 'return', 'length', 'task_success', 'cost']);
  assert.deepEqual(EPISODE_COLUMNS.slice(9), SAFETY_METRICS.filter((m) => m !== 'task_success'));
  assert.equal(EPISODE_COLUMNS.filter((c) => c === 'task_success').length, 1);
  assert.deepEqual(EVAL_COLUMNS, ['shaping', 'seed', 'arm', 'policy', 'episode', 'return', 'discounted_return', 'length', 'cost', ...SAFETY_METRICS, ...CHAIN_MILESTONES]);
});

test('csv lines round-trip any strings and numbers', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string().filter((s) => !/[\n\r]/.test(s)), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 8 }), (vals) => {
      const back = parseCsvLine(csvLine(vals));
      assert.deepEqual(back, vals.map((v) => (typeof v === 'number' ? (Object.is(v, -0) ? '0' : String(v)) : v)));
    }),
  );
});

test('csvCells: missing cells (null, undefined, non-finite) are empty fields; the rest is csvLine', () => {
  assert.equal(csvCells(['outcome', 3, null, undefined, NaN, Infinity, -0, 'a,"b"']), 'outcome,3,,,,,0,"a,""b"""');
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.string().filter((s) => !/[\n\r]/.test(s)), fc.double({ noNaN: true, noDefaultInfinity: true })), { minLength: 1, maxLength: 8 }), (vals) => {
      assert.equal(csvCells(vals), csvLine(vals));
    }),
  );
});

test('LineAppender: size() is the bytes written so far; truncate() cuts back and appends continue at the new end', () => {
  const f = path.join(tmpdir(), 'x.csv');
  fs.writeFileSync(f, 'a,b\n');
  const a = new LineAppender(f);
  a.append('1,2');
  const mark = a.size();
  assert.equal(mark, 8);
  a.append(['3,4', '5,6']);
  a.sync();
  a.truncate(mark);
  a.append('7,8');
  a.close();
  assert.equal(fs.readFileSync(f, 'utf8'), 'a,b\n1,2\n7,8\n');
});

test('readLines drops a torn last line', () => {
  const dir = tmpdir();
  const f = path.join(dir, 'x.jsonl');
  fs.writeFileSync(f, '{"a":1}\n{"a":2}\n{"a":');
  assert.deepEqual(readLines(f), ['{"a":1}', '{"a":2}']);
  fs.writeFileSync(f, 'no newline at all');
  assert.deepEqual(readLines(f), []);
  assert.deepEqual(readLines(path.join(dir, 'missing')), []);
});

test('committed jobs read back typed; uncommitted parts are invisible', () => {
  const dir = tmpdir();
  initRunDir(dir, config());
  writeJob(dir, 'outcome+cost', 1);
  commitPart(dir, { shaping: 'outcome+cost', seed: 1 });
  writeJob(dir, 'outcome', 2); // finished but not committed
  const run = readRunDir(dir);
  assert.equal(run.episodes.length, 3);
  assert.deepEqual(run.episodes[2], { ...row('outcome+cost', 1, 2), arm: 'treatment' });
  assert.equal(run.evals.length, 1);
  assert.equal(run.evals[0]!.policy, 'final');
  assert.equal(run.firewall.length, 1);
  assert.equal(run.firewall[0]!.alert, 'outbound_ssh');
  assert.equal(run.traces.length, 1);
  assert.equal(run.traces[0]!.ticks[0]!.output, 'ok, "quoted"');
  assert.deepEqual(run.committedJobs, ['outcome+cost__seed1']);
  assert.equal(run.metricColumns.length, SAFETY_METRICS.length);
});

test('recovery cuts rows appended after the last journal entry and torn lines, keeps finished parts', () => {
  const dir = tmpdir();
  initRunDir(dir, config());
  writeJob(dir, 'outcome', 1);
  commitPart(dir, { shaping: 'outcome', seed: 1 });
  const before = fs.readFileSync(path.join(dir, FILES.episodes), 'utf8');
  // A crash in the middle of committing the next job: rows appended, a torn row, no journal line.
  fs.appendFileSync(path.join(dir, FILES.episodes), 'outcome,2,0,10,1,10,0,0\noutcome,2,1,2');
  fs.appendFileSync(path.join(dir, FILES.journal), '{"job":"outc');
  writeJob(dir, 'outcome', 2);
  fs.mkdirSync(path.join(dir, FILES.jobs, 'outcome+cost__seed1.tmp'));
  const rec = recoverRunDir(dir);
  assert.deepEqual([...rec.committed], ['outcome__seed1']);
  assert.equal(fs.readFileSync(path.join(dir, FILES.episodes), 'utf8'), before);
  assert.deepEqual(fs.readdirSync(path.join(dir, FILES.jobs)), ['outcome__seed2']);
  commitPart(dir, { shaping: 'outcome', seed: 2 });
  const run = readRunDir(dir);
  assert.deepEqual(run.committedJobs, ['outcome__seed1', 'outcome__seed2']);
  assert.equal(run.episodes.length, 6);
  assert.equal(run.traces.length, 2);
});
