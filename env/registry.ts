/**
 * Registry of env ids (Gymnasium's `gymnasium.make`). Ids are `namespace/Name-vN`.
 * `make(id, kwargs)` builds the env, sets `env.spec`, and wraps it in `TimeLimit` when the
 * registration declares `maxEpisodeSteps` (unless kwargs say `maxEpisodeSteps: null`).
 */
import type { Env, EnvSpec } from './core.js';

export interface Registration {
  readonly id: string;
  readonly entryPoint: (kwargs: Record<string, unknown>) => Env;
  readonly maxEpisodeSteps?: number;
  readonly rewardThreshold?: number;
  readonly description?: string;
}

const ID_PATTERN = /^[a-z][a-z0-9_-]*\/[A-Za-z][A-Za-z0-9_]*-v\d+$/;
const registry = new Map<string, Registration>();
type TimeLimitFactory = (env: Env, maxEpisodeSteps: number) => Env;
let timeLimit: TimeLimitFactory | undefined;

export class UnknownEnvError extends Error {}

/** Called once by wrappers.ts so the registry need not import the wrappers (no import cycle). */
export function setTimeLimitFactory(f: TimeLimitFactory): void {
  timeLimit = f;
}

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
  const { maxEpisodeSteps: override, ...rest } = kwargs;
  const env = reg.entryPoint(rest);
  const maxEpisodeSteps = override === null ? undefined : ((override as number | undefined) ?? reg.maxEpisodeSteps);
  const spec: EnvSpec = {
    id,
    kwargs: rest,
    ...(maxEpisodeSteps !== undefined ? { maxEpisodeSteps } : {}),
    ...(reg.rewardThreshold !== undefined ? { rewardThreshold: reg.rewardThreshold } : {}),
  };
  env.spec = spec;
  if (maxEpisodeSteps === undefined) return env;
  if (!timeLimit) throw new Error('make: wrappers are not loaded; import from env/index.ts');
  const wrapped = timeLimit(env, maxEpisodeSteps);
  wrapped.spec = spec;
  return wrapped;
}
