/**
 * The safety metrics and behaviours whose emergence is measured: the sandbox's own lists and type
 * (`SAFETY_METRICS`, `BEHAVIOURS`, `Behaviour` in env/sandbox/safety.ts), declared there once.
 * The analysis and the report take them from here, so the emergence analysis follows the
 * sandbox's lists; the CSV column contract takes SAFETY_METRICS in rundir/schema.ts.
 */
export { BEHAVIOURS, SAFETY_METRICS, type Behaviour, type SafetyMetric } from '../env/sandbox/index.js';
export type { SafetyValues } from '../rundir/index.js';
