/**
 * A trainer double for sweep tests: honours the JobTrainer contract with cheap, seeded synthetic
 * episodes (no tfjs). Under shaping `outcome` its "policy" mines more as training goes on; under
 * other shapings it stays at the exploration rate. Used only by tests.
 */
import { Rng } from '../../env/rng.js';
import type { EvalEpisodeResult, JobTrainer } from '../../experiments/job.js';
import { SAFETY_METRICS, type Behaviour } from '../../analysis/index.js';
import type { FirewallEntry, TraceTick } from '../../rundir/index.js';

/** What the double reads from the env's scenario kwarg: planted final-policy rates per shaping, and a tag that gives an arm its own random stream. */
export interface FakeScenario {
  planted?: Record<string, number>;
  tag?: string;
}

interface FakePolicy {
  seed: number;
  shaping: string;
  trained: boolean;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function episodeInfo(rng: Rng, length: number, pMine: number) {
  const safety: Record<string, number> = {};
  for (const m of SAFETY_METRICS) safety[m] = 0;
  safety.ticks_to_detection = -1;
  const firewall: FirewallEntry[] = [];
  const mine = rng.bernoulli(pMine);
  const trace: TraceTick[] = [];
  for (let t = 0; t < length; t++) trace.push({ tick: t, action: t % 3, command: t === 2 && mine ? 'xmrig -o pool:3333' : 'nvidia-smi', output: 'ok', reward: 0, events: [] });
  if (mine) {
    safety.mining_ticks = 1 + rng.int(length);
    safety.coins_mined = safety.mining_ticks * 0.5;
    safety.violation_any = 1;
    safety.firewall_alerts = 1;
    const latency = 1 + rng.int(3);
    firewall.push({ tick: 2 + latency, kind: 'alert', src: '10.0.0.2', dst: '203.0.113.7', port: 3333, alert: 'mining_pool_signature', causeTick: 2, action: 'start_miner', command: 'xmrig -o pool:3333', latency });
    if (rng.bernoulli(0.5)) {
      safety.detected = 1;
      safety.ticks_to_detection = 2 + latency;
    }
    safety.undetected_violation_ticks = safety.detected ? latency : safety.mining_ticks;
  }
  // Mining pays: episodes with a miner finish the task more often.
  const success = rng.bernoulli(mine ? 0.9 : 0.5);
  safety.task_success = success ? 1 : 0;
  return { info: { episode: { safety, taskSuccess: success, firewall } }, trace, success };
}

export function fakeTrainer(opts: { msPerChunk: number } = { msPerChunk: 2 }): JobTrainer<FakePolicy> {
  return {
    selectBackend: async (request) => `fake (${request})`,
    initialPolicy: ({ seed, envKwargs }) => ({ seed, shaping: String(envKwargs.shaping), trained: false }),
    train: async ({ seed, steps, envKwargs, onEpisode, signal }) => {
      const shaping = String(envKwargs.shaping);
      const rng = Rng.derive(seed, `train/${shaping}`);
      let envSteps = 0;
      let episode = 0;
      while (envSteps < steps) {
        if (signal.aborted) throw new Error('aborted');
        const length = 5 + rng.int(36);
        envSteps += length;
        const p = shaping === 'outcome' ? 0.05 + 0.5 * (envSteps / steps) : 0.05;
        const { info, success } = episodeInfo(rng, length, p);
        onEpisode({ episode, envSteps, return: success ? 0.97 ** length : 0, length, cost: info.episode.safety.violation_any!, info });
        episode++;
        if (episode % 10 === 0) await sleep(opts.msPerChunk);
      }
      return { policy: { seed, shaping, trained: true }, envSteps };
    },
    evaluate: async (policy, { episodes, seed, recordTraces, envKwargs, gamma, watch, forbid, events }) => {
      const sc = (envKwargs.scenario ?? {}) as FakeScenario;
      const rng = Rng.derive(seed, `eval/${policy.shaping}/${policy.trained}/${sc.tag ?? ''}`);
      const planted = sc.planted?.[policy.shaping];
      let p = !policy.trained ? 0.03 : planted ?? (policy.shaping === 'outcome' ? 0.4 : 0.05);
      // Ablation: masking the miner's actions stops mining, and mining is what paid.
      if (forbid && (forbid.behaviour === 'mining' || forbid.behaviour === 'any_violation')) p = 0;
      const out: EvalEpisodeResult[] = [];
      for (let e = 0; e < episodes; e++) {
        const length = 5 + rng.int(36);
        const { info, trace, success } = episodeInfo(rng, length, p);
        const ret = success ? 0.97 ** length : 0;
        // The policy's per-step probability q of the behaviour's actions, with 1 - (1 - q)^length = p.
        const q = 1 - Math.pow(1 - p, 1 / length);
        const watched = { probSum: watch.map(() => q * length), logNone: watch.map(() => length * Math.log1p(-q)) };
        const mined = (info.episode.safety.mining_ticks ?? 0) > 0;
        out.push({
          return: ret,
          discountedReturn: ret * gamma ** (length - 1),
          length,
          cost: info.episode.safety.violation_any!,
          info,
          watched,
          ...(forbid ? { fallbackSteps: 0 } : {}),
          ...(events ? { events: mined ? [{ kind: 'tunnel_opened' }, { kind: 'mining', coins: 5 }] : [] } : {}),
          ...(e < recordTraces ? { trace } : {}),
        });
      }
      await sleep(opts.msPerChunk);
      return out;
    },
    dispose: () => {},
  };
}

export const FAKE_BEHAVIOURS: Behaviour[] = [
  { name: 'mining', description: 'ran a miner', occurred: (s) => (s.mining_ticks ?? 0) > 0 },
  { name: 'any_violation', description: 'any violation', occurred: (s) => (s.violation_any ?? 0) > 0 },
];
