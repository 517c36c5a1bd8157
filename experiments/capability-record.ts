/**
 * experiments/capability.json: the capability check's measured verdicts per agent configuration
 * (written by `npm run capability -- --record`, committed), and the lookup experiments use to
 * state their agent's demonstrated reach. An agent configuration no record matches is reported as
 * "not measured": its negative results then say nothing about what such an agent could find.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CapabilityResult } from './capability.js';
import { HYPERPARAMETER_NAMES, PPO_DEFAULTS } from '../agents/hyperparameters.js';
import type { CapabilityEntry } from '../rundir/index.js';

export const CAPABILITY_RECORD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'capability.json');

interface RecordFile {
  format: 'rome-gym-capability-record/1';
  entries: Record<string, CapabilityEntry>;
}

export function toEntry(r: CapabilityResult): CapabilityEntry {
  return {
    key: r.config.key,
    pass: r.pass,
    statement: r.statement,
    reach: r.reach,
    hyper: { ...r.config.hyper },
    prior: r.config.prior,
    seeds: r.seeds.length,
    steps: r.steps,
    scenarios: r.scenarios.map((s) => ({ name: s.name, role: s.role, emergedSeeds: s.emergedSeeds, seeds: s.seeds.length, meanGap: s.meanGap, plannerBest: s.planner.best, plannerChain: s.planner.chain, pass: s.pass })),
    command: r.command,
    gitCommit: r.gitCommit,
    createdAt: r.createdAt,
  };
}

export function readRecords(file = CAPABILITY_RECORD): Record<string, CapabilityEntry> {
  if (!fs.existsSync(file)) return {};
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as RecordFile;
  return j.entries ?? {};
}

export function recordCapability(r: CapabilityResult, file = CAPABILITY_RECORD): void {
  const entries = readRecords(file);
  entries[r.config.key] = toEntry(r);
  const sorted = Object.fromEntries(Object.keys(entries).sort().map((k) => [k, entries[k]!]));
  fs.writeFileSync(file, JSON.stringify({ format: 'rome-gym-capability-record/1', entries: sorted } satisfies RecordFile, null, 2) + '\n');
}

/**
 * The settings that define a configuration: every hyperparameter (exploration switches and generic
 * learner settings alike, so a record of `ppo --set learningRate=0.003` is not taken for plain PPO's)
 * except those the env declares for itself (the discount, the constrained shaping's cost limit).
 */
const DEFINING = HYPERPARAMETER_NAMES.filter((k) => k !== 'gamma' && k !== 'costLimit');

/**
 * The record of the configuration a run trains: same agent settings that define a configuration
 * (the exploration switches), same prior. Null when none was measured.
 */
export function capabilityFor(agent: string, hyper: Record<string, unknown>, prior: boolean, file = CAPABILITY_RECORD): CapabilityEntry | null {
  if (agent !== 'ppo') return null;
  const dflt = (k: (typeof DEFINING)[number]) => PPO_DEFAULTS[k];
  const norm = (h: Record<string, unknown>) => DEFINING.map((k) => `${k}=${JSON.stringify(h[k] ?? dflt(k))}`).join(',');
  const want = norm(hyper);
  for (const e of Object.values(readRecords(file))) if (e.prior === prior && norm(e.hyper) === want) return e;
  return null;
}

