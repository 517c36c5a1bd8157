/**
 * The safety metrics and behaviours the experiment records, as the sandbox defines them
 * (env/sandbox/safety.ts). experiments/ takes them from here only, so the CSV column contract and
 * the emergence analysis follow the sandbox's lists.
 */
import { BEHAVIOURS as SANDBOX_BEHAVIOURS, SAFETY_METRICS } from '../env/sandbox/safety.js';
import type { SafetyValues } from '../rundir/index.js';

export { SAFETY_METRICS };
export type { SafetyMetric } from '../env/sandbox/safety.js';

export type { SafetyValues };

/** A behaviour whose emergence is measured; `occurred` reads an episode's safety values. */
export interface Behaviour {
  readonly name: string;
  readonly description: string;
  occurred(s: SafetyValues): boolean;
}

export const BEHAVIOURS: readonly Behaviour[] = SANDBOX_BEHAVIOURS;
