/**
 * Run directories for report tests, written through the real run-directory writers from real
 * sandbox episodes (commands, terminal output, hidden events, firewall log), without tfjs: a
 * scripted policy samples the scenario's action prior, with grabbing steps (foreign GPUs, miner,
 * credentials, tunnel, rented GPUs) boosted as "training" progresses — strongly under the
 * `utilization` proxy — so curves, alerts and emergence have something to show.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Rng } from '../../env/rng.js';
import { make } from '../../env/registry.js';
import '../../env/sandbox/index.js';
import type { Scenario } from '../../env/sandbox/scenario.js';
import type { SandboxEnv, SandboxInfo } from '../../env/sandbox/env.js';
import { loadScenario } from '../../scenarios/loader.js';
import { pickTraced } from '../../experiments/job.js';
import { BEHAVIOURS } from '../../experiments/metrics.js';
import { writeSummary } from '../../experiments/sweep.js';
import {
  JobPartWriter,
  RUN_FORMAT,
  commitPart,
  initRunDir,
  type EvalRow,
  type FirewallLine,
  type PolicyKind,
  type RunConfig,
  type TraceTick,
} from '../../experiments/rundir.js';

export interface FixtureOptions {
  scenario?: string;
  shapings?: string[];
  seeds?: number[];
  steps?: number;
  evalEpisodes?: number;
  traceEpisodes?: number;
  /** Change the resolved scenario before anything runs (e.g. to plant a payload in a description). */
  editScenario?: (s: Scenario) => Scenario;
  /** Write summary.json / summary.md as a finished sweep does (default true). */
  summary?: boolean;
  argv?: string[];
}

const GRAB_VERBS = new Set(['start_miner', 'list_creds', 'find_creds', 'ssh_tunnel', 'rent_gpu']);

/** The scripted policy: prior × mask, grabbing actions boosted by `boost`. */
function act(env: SandboxEnv, prior: Float32Array, mask: Uint8Array, boost: number, rng: Rng): number {
  const w = new Float64Array(env.numActions);
  for (let a = 0; a < env.numActions; a++) {
    if (!mask[a]) continue;
    const action = env.actions[a]!;
    const foreignGpu = action.verb === 'run_job' && typeof action.target === 'number' && action.target !== 0;
    w[a] = prior[a]! * (foreignGpu || GRAB_VERBS.has(action.verb) ? boost : 1);
  }
  return rng.categorical(w);
}

interface Episode {
  ret: number;
  length: number;
  cost: number;
  info: SandboxInfo;
  trace: TraceTick[];
}

function episode(env: SandboxEnv, prior: Float32Array, boost: number, rng: Rng, seed?: number): Episode {
  let { info } = env.reset(seed === undefined ? {} : { seed });
  let sinfo = info as SandboxInfo;
  let ret = 0;
  let cost = 0;
  const trace: TraceTick[] = [];
  for (let t = 0; ; t++) {
    const a = act(env, prior, sinfo.actionMask, boost, rng);
    const r = env.step(a);
    sinfo = r.info as SandboxInfo;
    ret += r.reward;
    cost += sinfo.cost;
    trace.push({ tick: t, action: a, command: sinfo.command, output: sinfo.output, reward: r.reward, events: sinfo.events });
    if (r.terminated || r.truncated) return { ret, length: t + 1, cost, info: sinfo, trace };
  }
}

function metricsOf(info: SandboxInfo): Record<string, number> {
  const ep = info.episode!;
  return { ...ep.safety, task_success: ep.taskSuccess ? 1 : 0 };
}

export function fixtureConfig(scenario: Scenario, o: Required<Omit<FixtureOptions, 'editScenario' | 'summary' | 'scenario'>>): RunConfig {
  return {
    format: RUN_FORMAT,
    scenario: { name: scenario.name, source: null, resolved: scenario },
    envId: 'rome/Sandbox-v0',
    shapings: o.shapings,
    seeds: o.seeds,
    agent: 'auto',
    agents: Object.fromEntries(o.shapings.map((s) => [s, scenario.shapings[s]?.kind === 'constrained' ? 'ppo-lagrangian' : 'ppo'])),
    prior: true,
    steps: o.steps,
    profile: 'smoke',
    evalEpisodes: o.evalEpisodes,
    traceEpisodes: o.traceEpisodes,
    workers: 1,
    backend: { requested: 'auto', used: 'scripted (test fixture)' },
    shard: null,
    hyper: { gamma: scenario.discount },
    controls: null,
    analysis: { crossingWindow: 20, bootstrapResamples: 200, bootstrapSeed: 0 },
    createdAt: '2025-01-01T00:00:00.000Z',
    versions: { 'rome-gym': '0.1.0', node: '20', '@tensorflow/tfjs': '4.22.0' },
    git: { commit: '0123456789abcdef0123456789abcdef01234567', dirty: false },
    argv: o.argv,
  };
}

/** Write a complete run directory at `dir` (which must not exist or be empty). */
export function makeRunDir(dir: string, opts: FixtureOptions = {}): RunConfig {
  const base = loadScenario(opts.scenario ?? 'shared-cluster');
  const scenario = opts.editScenario ? opts.editScenario(structuredClone(base)) : base;
  const o = {
    shapings: opts.shapings ?? ['outcome', 'utilization'],
    seeds: opts.seeds ?? [1, 2],
    steps: opts.steps ?? 2000,
    evalEpisodes: opts.evalEpisodes ?? 20,
    traceEpisodes: opts.traceEpisodes ?? 1,
    argv: opts.argv ?? ['--scenario', scenario.name, '--profile', 'smoke'],
  };
  const config = fixtureConfig(scenario, o);
  fs.mkdirSync(dir, { recursive: true });
  initRunDir(dir, config);
  const priority = ['grabbing', 'any_violation'].map((n) => BEHAVIOURS.find((b) => b.name === n)!);
  for (const shaping of o.shapings) {
    const strength = scenario.shapings[shaping]?.kind === 'utilization' ? 40 : 3;
    for (const seed of o.seeds) {
      const job = { shaping, seed };
      const head = { shaping, seed };
      const env = make('rome/Sandbox-v0', { scenario, shaping }).unwrapped as unknown as SandboxEnv;
      const prior = env.actionPrior();
      const rng = Rng.derive(seed, `fixture/${shaping}`);
      const writer = new JobPartWriter(dir, job, 'fixture');
      const evaluate = (kind: PolicyKind, boost: number, trainedSteps: number) => {
        const evalRng = Rng.derive(seed, `fixture-eval/${shaping}/${kind}`);
        const eps = Array.from({ length: o.evalEpisodes }, (_, i) => episode(env, prior, boost, evalRng, i === 0 ? seed + 1000 : undefined));
        const rows: EvalRow[] = [];
        const fw: FirewallLine[] = [];
        eps.forEach((e, i) => {
          rows.push({ ...head, policy: kind, episode: i, return: e.ret, discountedReturn: e.ret, length: e.length, cost: e.cost, metrics: metricsOf(e.info) });
          for (const f of e.info.episode!.firewall) fw.push({ ...head, phase: 'eval', policy: kind, episode: i, env_steps: trainedSteps, ...f });
        });
        writer.evals(rows);
        writer.firewall(fw);
        const traces = kind === 'final' ? o.traceEpisodes : Math.min(1, o.traceEpisodes);
        for (const i of pickTraced(rows.map((r) => r.metrics), priority, traces)) writer.trace(kind, i, eps[i]!.trace);
      };
      evaluate('initial', 1, 0);
      let steps = 0;
      for (let ep = 0; steps < o.steps; ep++) {
        const e = episode(env, prior, 1 + strength * (steps / o.steps), rng, ep === 0 ? seed : undefined);
        steps += e.length;
        const metrics = metricsOf(e.info);
        writer.episode({ ...head, episode: ep, envSteps: steps, return: e.ret, length: e.length, taskSuccess: metrics.task_success!, cost: e.cost, metrics });
        const fw = e.info.episode!.firewall;
        if (fw.length > 0) writer.firewall(fw.map((f) => ({ ...head, phase: 'train' as const, episode: ep, env_steps: steps, ...f })));
      }
      evaluate('final', 1 + strength, steps);
      writer.commit({ wallSeconds: 0, envSteps: steps, backend: 'scripted (test fixture)' });
      commitPart(dir, job);
    }
  }
  if (opts.summary ?? true) writeSummary(dir, BEHAVIOURS);
  return config;
}

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), `${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
