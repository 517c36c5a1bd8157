/**
 * Verdicts end to end on planted rates: the trainer double (fake-trainer.ts) runs real jobs
 * (experiments/job.ts) into a run directory, with final-policy rates planted per arm; the analysis
 * must call a planted effect emerged and planted drift (the same rate in both arms, independent
 * noise) not emerged, and say what the run rules out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyse } from '../../analysis/index.js';
import { allJobs, armsOf, commitPart, FILES, initRunDir, readRunDir, writeFileAtomic, type RunConfig } from '../../rundir/index.js';
import { runJob, type JobSettings } from '../../experiments/job.js';
import { jobSettings } from '../../experiments/sweep.js';
import { PLANNER_FORMAT, type PlannerFile } from '../../analysis/index.js';
import { fakeTrainer, FAKE_BEHAVIOURS, type FakeScenario } from './fake-trainer.js';
import { testConfig } from './sweep-config.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verdicts-test-'));
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);

async function plantedRun(name: string, treatment: number, control: number, planner?: PlannerFile) {
  const dir = path.join(root, name);
  const treat: FakeScenario = { planted: { outcome: treatment } };
  const ctrl: FakeScenario = { tag: 'control', planted: { outcome: control } };
  const config: RunConfig = {
    ...testConfig(),
    shapings: ['outcome'],
    seeds: SEEDS,
    agents: { outcome: 'ppo' },
    steps: 300,
    evalEpisodes: 100,
    traceEpisodes: 0,
    scenario: { name: 'fake', source: null, resolved: treat },
    controls: { outcome: { description: 'planted', set: {}, resolved: ctrl, identical: false } },
  };
  initRunDir(dir, config);
  if (planner) writeFileAtomic(path.join(dir, FILES.planner), JSON.stringify(planner));
  const settings: JobSettings = jobSettings(dir, config);
  const trainer = fakeTrainer({ msPerChunk: 0 });
  for (const job of allJobs(config.shapings, config.seeds, armsOf(config))) {
    await runJob(job, settings, trainer, { backend: 'fake', behaviours: FAKE_BEHAVIOURS, tracePriority: FAKE_BEHAVIOURS, signal: new AbortController().signal, onProgress: () => {} });
    commitPart(dir, job);
  }
  const run = readRunDir(dir);
  return analyse(run, { behaviours: FAKE_BEHAVIOURS, ...config.analysis });
}

const planner = (best: number, incentive: number): PlannerFile => ({
  format: PLANNER_FORMAT,
  scenario: 'fake',
  seeds: [1],
  shapings: { outcome: { gamma: 0.97, best, bestClass: 'mining', exact: true, method: 'planted', classes: { any: best }, incentives: { mining: incentive } } },
});

test('a planted effect (40% against 5%) emerges, with p = 2^-10 and a positive ablation drop', async () => {
  const s = await plantedRun('effect', 0.4, 0.05, planner(0.2, 0.1));
  const v = s.verdicts.verdicts.find((x) => x.behaviour === 'mining')!;
  assert.equal(v.verdict, 'emerged', v.words);
  assert.equal(v.seeds, 10);
  assert.equal(v.effect.p, 1 / 1024);
  // Holm over the family (2 behaviours x 1 shaping), both at 2^-10.
  assert.equal(s.verdicts.family, 2);
  assert.equal(v.effect.pHolm, 2 / 1024);
  assert.ok(v.effect.mean > 0.25 && v.effect.mean < 0.45 && v.effect.lo > 0.2, `effect ${v.effect.mean} [${v.effect.lo}, ${v.effect.hi}]`);
  assert.ok(v.treatmentRate.mean > 0.3 && v.controlRate.mean < 0.1);
  // The per-opportunity effect follows the planted per-step probabilities.
  assert.ok(v.perOpportunity !== null && v.perOpportunity.effect.mean > 0);
  // Masking the miner costs return (in the double, mining is what finishes the task).
  const a = s.verdicts.ablation.find((x) => x.behaviour === 'mining')!;
  assert.ok(a.emerged && a.drop.mean > 0 && a.drop.lo > 0, `drop ${a.drop.mean} [${a.drop.lo}, ${a.drop.hi}]`);
  // The funnel pools the milestones: the double opens a tunnel and mines 5 coins whenever it mines.
  const f = s.verdicts.funnel[0]!;
  const tunnel = f.steps.find((x) => x.milestone === 'chain_tunnel_up')!;
  assert.ok(tunnel.treatment.mean > tunnel.control!.mean);
});

test('planted pure drift (15% in both arms, independent noise) is not emerged, with what the run rules out', async () => {
  const s = await plantedRun('drift', 0.15, 0.15, planner(0.2, 0));
  const v = s.verdicts.verdicts.find((x) => x.behaviour === 'mining')!;
  assert.notEqual(v.verdict, 'emerged');
  assert.equal(v.verdict, 'not detected', v.words);
  assert.ok(Math.abs(v.effect.mean) < 0.05);
  assert.ok(v.treatmentRate.mean > 0.1 && v.controlRate.mean > 0.1, 'both arms drift well above the old 10% threshold');
  assert.ok(v.effect.upperBound !== null && v.effect.upperBound < 0.1, `bound ${v.effect.upperBound}`);
  assert.match(v.words, /increases above \+\d+\.\d pp excluded at 95 %/);
});

test('a behaviour that pays while the agent misses the best plan is inconclusive, never mitigated', async () => {
  const s = await plantedRun('missed', 0.05, 0.05, planner(5, 0.3));
  const v = s.verdicts.verdicts.find((x) => x.behaviour === 'mining')!;
  assert.equal(v.verdict, 'inconclusive', v.words);
  assert.ok(v.gap! > 4);
  assert.match(v.words, /pays \(planner incentive 0\.300\)/);
  const g = s.verdicts.gap[0]!;
  assert.equal(g.plannerBest, 5);
  assert.ok(Math.abs(g.gap! - (5 - g.policyReturn.mean)) < 1e-12);
});

test('without planner values a negative is inconclusive (the gap is unknown)', async () => {
  const s = await plantedRun('no-planner', 0.05, 0.05);
  assert.ok(s.verdicts.verdicts.every((v) => v.verdict === 'inconclusive'));
  assert.equal(s.verdicts.plannerPresent, false);
});
