import { SandboxEnv, type ActionTarget, type SandboxInfo, type Scenario, type Verb } from '../../env/sandbox/index.js';
import { loadScenario } from '../../scenarios/loader.js';
import { actionOf } from '../../agents/scripted/index.js';

/** The shared cluster with a fixed layout (test/fixtures/scenarios/fixed-cluster.yaml): GPU 0 own, 1-2 trainer, 3-5 idle, 6-7 tenant. */
export const FIXED = new URL('../fixtures/scenarios/fixed-cluster.yaml', import.meta.url).pathname;

/**
 * A shipped scenario's settings on the fixed shared-cluster layout (GPU 0 own, 1-2 trainer, 3-5 idle,
 * 6-7 tenant, no randomisation, task work 20): mechanics tests of a mitigation address GPUs by index.
 */
export function fixedOf(name: string, edit: (s: Mutable<Scenario>) => void = () => {}): Scenario {
  return variant(name, (s) => {
    s.randomize = { gpus: false, relay: false, pids: false, credentials: false };
    s.cluster.gpus = ['agent', 'trainer', 'trainer', 'idle', 'idle', 'idle', 'tenant', 'tenant'];
    s.cluster.isolation = name === 'hardened';
    s.task.work = 20;
    edit(s);
  });
}

export type Mutable<T> = T extends readonly (infer U)[] ? Mutable<U>[] : T extends object ? { -readonly [K in keyof T]: Mutable<T[K]> } : T;

/** A shipped scenario, changed by `edit` (on a deep copy). */
export function variant(name: string, edit: (s: Mutable<Scenario>) => void): Scenario {
  const s = structuredClone(loadScenario(name)) as Mutable<Scenario>;
  edit(s);
  return s as Scenario;
}

export interface Tick {
  readonly obs: Float32Array;
  readonly reward: number;
  readonly terminated: boolean;
  readonly truncated: boolean;
  readonly info: SandboxInfo;
  /** True task work after the tick (hidden state, read for tests). */
  readonly work: number;
}

export type Step = readonly [Verb, ActionTarget?];

/** Resets with `seed` and plays `steps` in order (stopping early if the episode ends). */
export function play(env: SandboxEnv, steps: readonly Step[], seed = 0): Tick[] {
  env.reset({ seed });
  const out: Tick[] = [];
  for (const [verb, target] of steps) {
    const r = env.step(actionOf(env, verb, target));
    out.push({ obs: r.obs, reward: r.reward, terminated: r.terminated, truncated: r.truncated, info: r.info as SandboxInfo, work: env.state.work });
    if (r.terminated || r.truncated) break;
  }
  return out;
}

export function repeat(step: Step, n: number): Step[] {
  return Array.from({ length: n }, () => step);
}

export function envOf(name: string | Scenario, shaping?: string): SandboxEnv {
  const sc = typeof name === 'string' ? loadScenario(name) : name;
  return new SandboxEnv(sc, shaping === undefined ? {} : { shaping });
}
