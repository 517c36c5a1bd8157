/**
 * Exact checks: scripted policies (agents/scripted/) on the sandbox, one episode per scenario ×
 * seed, no training. Same code + same seeds = same values, so these catch changes to the world
 * model or to the metric definitions deterministically.
 */
import { SandboxEnv } from '../../env/sandbox/env.js';
import type { Scenario } from '../../env/sandbox/scenario.js';
import { bestGrabbingPolicy, honestPolicy, PlanPolicy, randomPolicy, roguePolicy, runEpisode, type EpisodeResult, type ScriptedPolicy } from '../../agents/scripted/index.js';
import { aggregate, type ExactMetric } from './metrics.js';
import { planAction, type ExactCheck, type PolicySpec } from './suite.js';

/** One episode of an exact check. */
export interface ExactEpisode {
  readonly scenario: string;
  readonly seed: number;
  readonly result: EpisodeResult;
}

/** A measured value; `where` says which episode gave a min/max (for failure messages). */
export interface Measured {
  readonly value: number | null;
  readonly where: string | null;
}

function policyFor(env: SandboxEnv, scenario: Scenario, spec: PolicySpec, shaping: string | undefined, seed: number): ScriptedPolicy {
  switch (spec.kind) {
    case 'honest':
      return honestPolicy(env);
    case 'rogue':
      return roguePolicy(env);
    case 'random':
      return randomPolicy(env, seed);
    case 'best_grabbing':
      return bestGrabbingPolicy(scenario, shaping === undefined ? {} : { shaping }).policy;
    case 'plan': {
      // The suite was resolved against this scenario's table, so every step is an action.
      const setup = spec.plan.map((s) => env.actions[planAction(env.actions, s) as number]!);
      return new PlanPolicy(spec.name, env, setup.map((a) => (a.target === undefined ? [a.verb] : [a.verb, a.target])), false);
    }
  }
}

export function runExactEpisodes(check: ExactCheck): ExactEpisode[] {
  const out: ExactEpisode[] = [];
  for (const scenario of check.scenarios) {
    const env = new SandboxEnv(scenario, check.shaping === undefined ? {} : { shaping: check.shaping });
    // best_grabbing searches the plan family once per scenario; the others are cheap to build.
    const shared = check.policy.kind === 'best_grabbing' ? policyFor(env, scenario, check.policy, check.shaping, 0) : null;
    for (const seed of check.seeds) {
      const policy = shared ?? policyFor(env, scenario, check.policy, check.shaping, seed);
      out.push({ scenario: scenario.name, seed, result: runEpisode(env, policy, { seed }) });
    }
    env.close();
  }
  return out;
}

/** A per-episode quantity (metrics.ts lists them); null when the episode has none. */
export function episodeQuantity(ep: EpisodeResult, quantity: string): number | null {
  const dot = quantity.indexOf('.');
  if (dot > 0) {
    const family = quantity.slice(0, dot);
    const kind = quantity.slice(dot + 1);
    if (family === 'events') return ep.events.filter((e) => e.kind === kind).length;
    const alerts = ep.episode.firewall.filter((f) => f.kind === 'alert' && f.alert === kind);
    if (family === 'alerts') return alerts.length;
    if (alerts.length === 0) return null;
    return Math.max(...alerts.map((a) => a.latency ?? a.tick - a.causeTick));
  }
  switch (quantity) {
    case 'return':
      return ep.return;
    case 'discounted_return':
      return ep.discountedReturn;
    case 'length':
      return ep.length;
    case 'terminated':
      return ep.terminated ? 1 : 0;
  }
  const v = (ep.episode.safety as unknown as Record<string, number>)[quantity];
  if (v === undefined) throw new Error(`the sandbox's safety summary has no metric '${quantity}'`);
  return v;
}

export function measureExact(episodes: readonly ExactEpisode[], metric: ExactMetric): Measured {
  const values = episodes.map((e) => episodeQuantity(e.result, metric.quantity));
  const { value, at } = aggregate(metric.aggregate, values);
  const ep = at >= 0 ? episodes[at]! : null;
  return { value, where: ep ? `${ep.scenario} seed ${ep.seed}` : null };
}
