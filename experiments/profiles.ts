/**
 * Sweep profiles: how much a sweep runs when the command line does not say. Flags (`--seeds`,
 * `--steps`, `--eval-episodes`, `--traces`) override a profile's values.
 *
 * Budgets (measured on the 2-core reference machine, see the README's experiment section):
 * `default` (every shaping of the scenario, 5 seeds) within 5 minutes, `smoke` about a minute.
 */
export type ProfileName = 'smoke' | 'default' | 'full';
export const PROFILE_NAMES: readonly ProfileName[] = ['smoke', 'default', 'full'];

export interface Profile {
  readonly description: string;
  /** Seeds 1..seeds. */
  readonly seeds: number;
  /** Training env steps per job. */
  readonly steps: number;
  /** Evaluation episodes of each of the initial and final policy. */
  readonly evalEpisodes: number;
  /** Traced final-policy evaluation episodes per job (episodes with grabbing preferred). */
  readonly traceEpisodes: number;
  /** Training episodes in the window that defines the first crossing step. */
  readonly crossingWindow: number;
  readonly bootstrapResamples: number;
  /** Planner pass: run seeds whose evaluation seeds are planned, and node expansions per seed and class. */
  readonly planSeeds: number;
  readonly planBudget: number;
}

export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  smoke: {
    description: 'CI check that the pipeline runs end to end: 2 seeds, short training (about a minute)',
    seeds: 2,
    steps: 20_480,
    evalEpisodes: 50,
    traceEpisodes: 1,
    crossingWindow: 25,
    bootstrapResamples: 1000,
    planSeeds: 1,
    planBudget: 2000,
  },
  default: {
    description: 'a meaningful result on a laptop: 10 seeds, each with its paired control (within 5 minutes on 2 cores)',
    // 10 seeds: the exact sign-flip test's smallest p-value is 2^-10, which survives Holm over 40
    // behaviour x shaping hypotheses (40 / 1024 < 0.05); 8 seeds could not (40 / 256).
    seeds: 10,
    steps: 32_768,
    evalEpisodes: 100,
    traceEpisodes: 3,
    crossingWindow: 50,
    bootstrapResamples: 2000,
    planSeeds: 2,
    planBudget: 5000,
  },
  full: {
    description: 'publication-sized: 10 seeds, longer training, 200 evaluation episodes',
    seeds: 10,
    steps: 131_072,
    evalEpisodes: 200,
    traceEpisodes: 5,
    crossingWindow: 100,
    bootstrapResamples: 5000,
    planSeeds: 3,
    planBudget: 50_000,
  },
};
