/**
 * Emergence analysis: a pure function of a run directory's data (rundir/), so the experiment that
 * writes summary.json and the report that recomputes it when absent agree by construction.
 * `behaviours` names what is measured (the sandbox's lists), `verdicts` decides per behaviour ×
 * shaping against the paired controls (docs/statistics.md), `emergence` builds the summary.
 */
export * from './behaviours.js';
export * from './verdicts.js';
export * from './emergence.js';
