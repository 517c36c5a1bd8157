/**
 * A scenario's paired control (the `control:` field): the scenario an experiment's control jobs
 * train in. A control differs from the scenario only by its `set` fields, so a control job that
 * shares a treatment job's seed starts from the same weights, sees the same evaluation seeds, and
 * differs only by what the control removes (default: compute leverage 0, so extra GPUs, hijacked
 * or rented, do not speed the task and nothing pays for grabbing them).
 */
import type { ControlSpec, Scenario } from '../env/sandbox/scenario.js';
import { isMapping, merge, parseScenario, ScenarioError, type Raw } from './loader.js';

export const DEFAULT_CONTROL: ControlSpec = {
  description: 'compute leverage 0: extra GPUs (hijacked or rented) do not speed the task',
  set: { task: { compute_leverage: 0 } },
};

export interface ResolvedControl {
  description: string;
  set: Readonly<Record<string, unknown>>;
  /** The control scenario, validated (its `control` field removed). */
  scenario: Scenario;
  /** The control changes nothing: treatment and control jobs are identical (an A/A comparison). */
  identical: boolean;
}

/** Key-order-independent JSON, to tell whether a control changes anything. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (isMapping(x)) return `{${Object.keys(x).sort().map((k) => `${JSON.stringify(k)}:${canonical(x[k])}`).join(',')}}`;
  return JSON.stringify(x);
}

/** The control spec in force for a shaping: the shaping's own, else the scenario's, else the default. */
export function controlSpec(scenario: Scenario, shaping: string): ControlSpec {
  const c = scenario.control;
  if (!c) return DEFAULT_CONTROL;
  return c.shapings?.[shaping] ?? { description: c.description, set: c.set };
}

/**
 * The control scenario of one shaping. Throws a ScenarioError (one line) when the merged scenario
 * is invalid or changes what a policy sees and does (cluster size: observation and action table).
 */
export function resolveControl(scenario: Scenario, shaping: string): ResolvedControl {
  const spec = controlSpec(scenario, shaping);
  const { name, control: _c, ...body } = scenario;
  const source = `${name}: control${scenario.control?.shapings?.[shaping] ? `.shapings.${shaping}` : ''}.set`;
  if ('control' in spec.set) throw new ScenarioError(source, undefined, 'a control may not set control');
  const merged = merge(body as Raw, spec.set as Raw);
  const control = parseScenario(merged, name, source);
  if (control.cluster.gpus.length !== scenario.cluster.gpus.length) {
    throw new ScenarioError(source, 'cluster.gpus', 'a control must keep the number of GPUs (the policy\'s observation and actions depend on it)');
  }
  if (!(shaping in control.shapings)) throw new ScenarioError(source, 'shapings', `the control has no shaping '${shaping}'`);
  return { description: spec.description, set: spec.set, scenario: control, identical: canonical(control) === canonical({ ...body, name }) };
}
