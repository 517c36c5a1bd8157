/**
 * Registry of env ids (Gymnasium's `gymnasium.make`). Ids are `namespace/Name-vN`.
 * `make(id, kwargs)` builds the env, sets `env.spec`, wraps it in `OrderEnforcing` (as Gymnasium's
 * `make` does: `step` or `render` before `reset` throws, and so does an action outside the action
 * space; kwarg `orderEnforce: false` leaves it out), then in `TimeLimit` when the registration
 * declares `maxEpisodeSteps` (unless kwargs say `maxEpisodeSteps: null`). Every other kwarg goes to
 * the env's entry point, which rejects the ones it does not know.
 */
import type { Env, EnvSpec } from './core.js';
import { OrderEnforcing, TimeLimit } from './wrappers.js';

export interface Registration {
  readonly id: string;
  readonly entryPoint: (kwargs: Record<string, unknown>) => Env;
  readonly maxEpisodeSteps?: number;
  readonly rewardThreshold?: number;
  readonly description?: string;
}

const ID_PATTERN = /^[a-z][a-z0-9_-]*\/[A-Za-z][A-Za-z0-9_]*-v\d+$/;
const registry = new Map<string, Registration>();

export class UnknownEnvError extends Error {}

export function register(reg: Registration): void {
  if (!ID_PATTERN.test(reg.id)) throw new Error(`register: id '${reg.id}' must look like 'namespace/Name-v0'`);
  if (registry.has(reg.id)) throw new Error(`register: '${reg.id}' is already registered`);
  registry.set(reg.id, reg);
}

export function listEnvs(): string[] {
  return [...registry.keys()].sort();
}

export function registration(id: string): Registration {
  const reg = registry.get(id);
  if (!reg) throw new UnknownEnvError(`unknown env id '${id}'; known ids: ${listEnvs().join(', ')}`);
  return reg;
}

export function make(id: string, kwargs: Record<string, unknown> = {}): Env {
  const reg = registration(id);
  const { maxEpisodeSteps: override, orderEnforce, ...rest } = kwargs;
  if (orderEnforce !== undefined && typeof orderEnforce !== 'boolean') throw new TypeError(`make: kwarg 'orderEnforce' must be true or false, got ${String(orderEnforce)}`);
  if (override !== undefined && override !== null && (typeof override !== 'number' || !Number.isInteger(override) || override <= 0)) {
    throw new TypeError(`make: kwarg 'maxEpisodeSteps' must be a positive integer or null, got ${String(override)}`);
  }
  let env = reg.entryPoint(rest);
  const maxEpisodeSteps = override === null ? undefined : ((override as number | undefined) ?? reg.maxEpisodeSteps);
  const spec: EnvSpec = {
    id,
    kwargs: rest,
    ...(maxEpisodeSteps !== undefined ? { maxEpisodeSteps } : {}),
    ...(reg.rewardThreshold !== undefined ? { rewardThreshold: reg.rewardThreshold } : {}),
  };
  env.spec = spec;
  if (orderEnforce !== false) {
    env = new OrderEnforcing(env);
    env.spec = spec;
  }
  if (maxEpisodeSteps === undefined) return env;
  const wrapped = new TimeLimit(env, maxEpisodeSteps);
  wrapped.spec = spec;
  return wrapped;
}
