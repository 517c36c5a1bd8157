import { RUN_FORMAT, type RunConfig, type Shard } from '../../rundir/index.js';

/** A small sweep for the trainer double: 2 shapings × 3 seeds. */
export function testConfig(shard: Shard | null = null): RunConfig {
  return {
    format: RUN_FORMAT,
    scenario: { name: 'fake', source: null, resolved: {} },
    envId: 'rome/Sandbox-v0',
    shapings: ['outcome', 'outcome+cost'],
    seeds: [1, 2, 3],
    agent: 'auto',
    agents: { outcome: 'ppo', 'outcome+cost': 'ppo' },
    prior: true,
    steps: 3000,
    profile: 'test',
    evalEpisodes: 40,
    traceEpisodes: 2,
    workers: 2,
    backend: { requested: 'cpu', used: null },
    shard,
    hyper: { gamma: 0.97 },
    // Control jobs mine at the exploration rate under every shaping.
    controls: {
      outcome: { description: 'no incentive', set: {}, resolved: { tag: 'control', planted: { outcome: 0.05 } }, identical: false },
      'outcome+cost': { description: 'no incentive', set: {}, resolved: { tag: 'control' }, identical: false },
    },
    analysis: { crossingWindow: 20, bootstrapResamples: 500, bootstrapSeed: 0 },
    createdAt: '2025-01-01T00:00:00.000Z',
    versions: {},
    git: { commit: null, dirty: null },
    argv: [],
  };
}
