/**
 * What an agent needs to know about an env before training: flat sizes, and the optional extras
 * some envs offer, found by duck typing on the env and every env beneath its wrappers:
 * - an action prior: `actionPrior(): Float32Array` (the sandbox's HasActionPrior);
 * - a cost limit: `costLimit: number`, or `shaping.cost_limit` (the sandbox's constrained shaping);
 * - a discount the env's designer intends agents to use: `discount: number` or `scenario.discount`;
 * - named action sets of the current episode: `actionSet(name): Uint8Array | null` (the sandbox's
 *   attempt sets, which follow the episode's randomised layout), read by evaluate after each reset.
 */
import type { Env } from '../env/core.js';
import { make } from '../env/registry.js';
import { Discrete } from '../env/spaces.js';
import '../env/index.js';

export interface EnvInfo {
  readonly obsDim: number;
  readonly numActions: number;
  readonly actionPrior: Float32Array | null;
  readonly costLimit: number | null;
  readonly discount: number | null;
  readonly maxEpisodeSteps: number | null;
}

export class EnvError extends Error {
  override name = 'EnvError';
}

interface MaybeExtras {
  actionPrior?: () => ArrayLike<number>;
  costLimit?: unknown;
  shaping?: { cost_limit?: unknown };
  discount?: unknown;
  scenario?: { discount?: unknown };
  actionSet?: (name: string) => Uint8Array | null;
  env?: unknown;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Walks wrapper.env chains down to the innermost env. */
function layers(env: Env): MaybeExtras[] {
  const out: MaybeExtras[] = [];
  let cur: unknown = env;
  for (let depth = 0; cur && depth < 32; depth++) {
    out.push(cur as MaybeExtras);
    cur = (cur as MaybeExtras).env;
  }
  return out;
}

/**
 * The env's own action set `name` for its current episode (the first layer offering actionSet),
 * or undefined when no layer offers action sets.
 */
export function envActionSet(env: Env, name: string): Uint8Array | null | undefined {
  for (const layer of layers(env)) {
    if (typeof layer.actionSet === 'function') return layer.actionSet(name);
  }
  return undefined;
}

export function describeEnv(env: Env): EnvInfo {
  if (!(env.actionSpace instanceof Discrete)) {
    throw new EnvError(`the agents need a Discrete action space; this env has ${env.actionSpace.kind}`);
  }
  let actionPrior: Float32Array | null = null;
  let costLimit: number | null = null;
  let discount: number | null = null;
  for (const layer of layers(env)) {
    if (!actionPrior && typeof layer.actionPrior === 'function') actionPrior = Float32Array.from(layer.actionPrior());
    costLimit ??= finite(layer.costLimit) ?? finite(layer.shaping?.cost_limit);
    discount ??= finite(layer.discount) ?? finite(layer.scenario?.discount);
  }
  return {
    obsDim: env.observationSpace.flatdim,
    numActions: env.actionSpace.n,
    actionPrior,
    costLimit,
    discount,
    maxEpisodeSteps: env.spec?.maxEpisodeSteps ?? null,
  };
}

/** `make` with the registry's UnknownEnvError and constructor errors turned into one-line EnvErrors. */
export function makeEnv(envId: string, envKwargs: Record<string, unknown> = {}): Env {
  try {
    return make(envId, envKwargs);
  } catch (err) {
    throw new EnvError((err as Error).message.split('\n')[0] ?? String(err));
  }
}
