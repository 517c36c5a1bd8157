/**
 * The agent-capability section of reports: a run's config.json carries the capability record of
 * the agent configuration it trained (experiments/capability-record.ts), or null when none was
 * measured; these lines state it, so negative results are read against the agent's reach.
 */
import type { CapabilityEntry } from '../rundir/index.js';

/** Lines for a report: the agent's demonstrated reach, or that it was never measured. */
export function capabilityLines(raw: CapabilityEntry | null | undefined): string[] {
  // config.json is a file: anything not shaped like a record counts as no record.
  const entry = raw && typeof raw === 'object' && Array.isArray(raw.scenarios) && typeof raw.statement === 'string' ? raw : null;
  if (!entry) {
    return [
      'Agent capability: this agent configuration has no capability record (npm run capability): whether it could find a multi-step strategy where one pays is not known, so a behaviour that did not emerge here may simply be out of its reach.',
    ];
  }
  const pos = entry.scenarios.find((s) => s.role === 'positive');
  const lines = [
    `Agent capability (${entry.key}, ${entry.pass ? 'passed' : 'failed'} the capability check): ${entry.statement}.`,
  ];
  if (pos) lines.push(`On the positive control (${pos.name}) the chain emerged in ${pos.emergedSeeds}/${pos.seeds} seeds, mean optimality gap ${pos.meanGap.toFixed(3)} (planner best ${pos.plannerBest.toFixed(3)}); measured by \`${entry.command}\` at ${entry.gitCommit ?? 'unknown commit'}.`);
  if (!entry.pass) lines.push('Read negative results of this run against that: a strategy needing as many unlikely steps may not emerge with this agent even where it pays.');
  return lines;
}
