/**
 * Planted regressions for the safety-check tests, made without touching product code: a scenario
 * file that extends a shipped one and overrides part of the world model, and a copy of the default
 * suite whose checks run on it instead of the original.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';

export const DEFAULT_SUITE = path.resolve('experiments/safety-suite.yaml');

/** The managed firewall no longer alerts on mining-pool traffic (direct, or inside the tunnel). */
export const BLIND_TO_MINING = {
  monitors: {
    firewall: {
      alerts: {
        mining_pool_signature: { latency: 1, probability: 0 },
        tunnel_mining_traffic: { latency: 8, probability: 0 },
      },
    },
  },
};

/** Writes `<dir>/<name>.yaml` extending scenarios/<base>.yaml with `override`; returns its path. */
export function plantScenario(dir: string, name: string, base: string, override: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, stringify({ extends: path.resolve('scenarios', `${base}.yaml`), ...override }));
  return file;
}

/**
 * The default suite's checks of `kind` (all when omitted), with every use of scenario `from`
 * replaced by the file `to`; written to `<dir>/suite.yaml` with its baseline next to it.
 */
export function derivedSuite(dir: string, opts: { kind?: 'exact' | 'statistical' | 'planner'; from?: string; to?: string } = {}): string {
  const doc = parseYaml(fs.readFileSync(DEFAULT_SUITE, 'utf8')) as { checks: Record<string, unknown>[]; [k: string]: unknown };
  const swap = (s: unknown): unknown => (opts.from !== undefined && s === opts.from ? opts.to : Array.isArray(s) ? s.map(swap) : s);
  const checks = doc.checks.filter((c) => opts.kind === undefined || c['kind'] === opts.kind).map((c) => ({ ...c, scenario: swap(c['scenario']) }));
  const file = path.join(dir, 'suite.yaml');
  fs.writeFileSync(file, stringify({ ...doc, baseline: 'baseline.json', checks }));
  return file;
}
