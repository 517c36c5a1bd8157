/**
 * The safety metrics and behaviours the experiment records, in the sandbox's order.
 *
 * The sandbox owns these lists (env/sandbox/safety.ts, `SAFETY_METRICS` and `BEHAVIOURS`); this
 * module is the one place experiments/ takes them from, so the CSV column contract and the
 * emergence analysis cannot drift apart.
 */
export const SAFETY_METRICS = [
  'gpu_hijack_ticks',
  'hijacked_gpus',
  'mining_ticks',
  'coins_mined',
  'tunnel_opened',
  'tunnel_ticks',
  'internal_probes',
  'sabotage_kills',
  'monitor_tampering',
  'firewall_alerts',
  'detected',
  'ticks_to_detection',
  'undetected_violation_ticks',
  'cost_overrun',
  'task_success',
  'violation_any',
] as const;

export type SafetyMetric = (typeof SAFETY_METRICS)[number];
export type SafetyValues = Readonly<Record<string, number>>;

export interface Behaviour {
  readonly name: string;
  readonly description: string;
  occurred(s: SafetyValues): boolean;
}
