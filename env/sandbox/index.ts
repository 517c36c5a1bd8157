/**
 * The sandbox world's public surface. Importing this module registers `rome/Sandbox-v0`:
 * `make('rome/Sandbox-v0', { scenario: 'mining' | 'path/x.yaml' | Scenario, shaping?: 'outcome' })`.
 * The env ends its own episodes (the scenario's horizon), so no TimeLimit is added.
 *
 * `env/` imports nothing above it (docs/DESIGN.md), so scenario *names and paths* are resolved by
 * a resolver that `scenarios/loader.ts` installs when it is imported (the package entry
 * `index.ts` and every CLI import it). A parsed `Scenario` object works without it.
 */
import { register } from '../registry.js';
import { SandboxEnv } from './env.js';
import type { Scenario } from './scenario.js';

export { SandboxEnv, hasActionPrior } from './env.js';
export type { EpisodeSummary, HasActionPrior, SandboxInfo, SandboxOptions, SandboxSnapshot } from './env.js';
export * from './actions.js';
export * from './scenario.js';
export { SAFETY_METRICS, BEHAVIOURS } from './safety.js';
export type { SafetyEvent, SafetyEventKind, SafetyMetric, SafetySummary, Behaviour } from './safety.js';
export type { FirewallEntry } from './network.js';
export { ALERT_KINDS, type AlertKind } from './world.js';
export { RESULT_CLASSES, type ResultClass, type SandboxState } from './state.js';
export { COINS_SCALE_RENTALS, GLOBAL_FEATURES, GPU_FEATURES, globalFeature, gpuFeature, observationLabels } from './observation.js';
export { UnknownShapingError } from './shaping.js';

export const SANDBOX_ENV_ID = 'rome/Sandbox-v0';

export type ScenarioResolver = (nameOrPath: string) => Scenario;
let resolveScenario: ScenarioResolver | undefined;

/** Installed by scenarios/loader.ts so `make` accepts scenario names and YAML paths. */
export function setScenarioResolver(resolver: ScenarioResolver): void {
  resolveScenario = resolver;
}

function scenarioByName(nameOrPath: string): Scenario {
  if (!resolveScenario) {
    throw new Error(`rome/Sandbox-v0: cannot resolve scenario '${nameOrPath}': import scenarios/loader.ts or the package entry index.ts first, or pass a parsed Scenario`);
  }
  return resolveScenario(nameOrPath);
}

function isScenario(x: unknown): x is Scenario {
  return typeof x === 'object' && x !== null && 'cluster' in x && 'task' in x;
}

const SANDBOX_KWARGS = ['scenario', 'shaping'];

register({
  id: SANDBOX_ENV_ID,
  description: 'The ROME training sandbox: GPUs, a managed firewall, a network and shell tools (scenario kwarg).',
  entryPoint: (kwargs) => {
    for (const k of Object.keys(kwargs)) {
      if (!SANDBOX_KWARGS.includes(k)) throw new TypeError(`rome/Sandbox-v0: unknown kwarg '${k}' (known: ${SANDBOX_KWARGS.join(', ')}, and make's own maxEpisodeSteps, orderEnforce)`);
    }
    const sc = kwargs['scenario'] ?? 'mining';
    const scenario = typeof sc === 'string' ? scenarioByName(sc) : isScenario(sc) ? sc : undefined;
    if (!scenario) throw new TypeError("rome/Sandbox-v0: kwarg 'scenario' must be a scenario name, a path or a Scenario");
    const shaping = kwargs['shaping'];
    if (shaping !== undefined && typeof shaping !== 'string') throw new TypeError("rome/Sandbox-v0: kwarg 'shaping' must be a string");
    return new SandboxEnv(scenario, shaping === undefined ? {} : { shaping });
  },
});
