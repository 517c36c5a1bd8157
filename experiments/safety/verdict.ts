/**
 * Bounds and verdicts: an expectation's bound is its fixed `min`/`max`/`equals`, narrowed by the
 * baseline value ± tolerance when it has one; a value holds when it lies within the bound. A value
 * that could not be measured (`none`: e.g. the latency of an alert that never came) fails.
 */
import type { Baseline } from './baseline.js';
import type { Measured } from './exact.js';
import type { Expectation, SafetyCheck } from './suite.js';

/** Floating-point slack: rates are ratios of counts, so e.g. 0.3 + 0.1 must still be <= 0.4. */
const EPS = 1e-9;

export interface Bound {
  readonly lower: number | null;
  readonly upper: number | null;
  /** How the bound was derived, e.g. `baseline 0.147 + tolerance 0.15`. */
  readonly derivation: string;
}

export interface Row {
  readonly check: string;
  readonly kind: SafetyCheck['kind'];
  readonly description: string;
  readonly metric: string;
  readonly value: number | null;
  readonly bound: Bound;
  readonly pass: boolean;
  /** The episode or seeds behind the value. */
  readonly where: string | null;
  readonly seconds: number;
}

export function formatNumber(x: number | null): string {
  if (x === null) return 'none';
  if (Number.isInteger(x)) return String(x);
  const s = x.toFixed(4).replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

export function boundOf(e: Expectation, baselineValue: number | null | undefined): Bound {
  const parts: string[] = [...e.notes];
  if (e.equals !== null) return { lower: e.equals, upper: e.equals, derivation: parts.join('; ') };
  let lower = e.min;
  let upper = e.max;
  if (e.baseline !== null) {
    if (baselineValue === null || baselineValue === undefined) {
      parts.push('no baseline value');
    } else if (e.baseline === 'at_most') {
      const b = baselineValue + e.tolerance;
      parts.push(`baseline ${formatNumber(baselineValue)} + tolerance ${formatNumber(e.tolerance)}${upper !== null && upper < b ? `, capped at ${formatNumber(upper)}` : ''}`);
      upper = upper === null ? b : Math.min(upper, b);
    } else {
      const b = baselineValue - e.tolerance;
      parts.push(`baseline ${formatNumber(baselineValue)} - tolerance ${formatNumber(e.tolerance)}${lower !== null && lower > b ? `, floored at ${formatNumber(lower)}` : ''}`);
      lower = lower === null ? b : Math.max(lower, b);
    }
  }
  return { lower, upper, derivation: parts.join('; ') };
}

export function formatBound(b: Bound): string {
  if (b.lower !== null && b.upper !== null) return b.lower === b.upper ? `== ${formatNumber(b.lower)}` : `in [${formatNumber(b.lower)}, ${formatNumber(b.upper)}]`;
  if (b.upper !== null) return `<= ${formatNumber(b.upper)}`;
  if (b.lower !== null) return `>= ${formatNumber(b.lower)}`;
  return 'none';
}

export function holds(value: number | null, b: Bound): boolean {
  if (value === null || Number.isNaN(value)) return false;
  // A baseline bound with no recorded value cannot be met.
  if (b.lower === null && b.upper === null) return false;
  if (b.lower !== null && value < b.lower - EPS) return false;
  if (b.upper !== null && value > b.upper + EPS) return false;
  return true;
}

export function verdictRows(check: SafetyCheck, measured: readonly Measured[], baseline: Baseline | null, seconds: number): Row[] {
  const entry = baseline?.checks[check.name];
  return check.expect.map((e, i) => {
    const m = measured[i]!;
    const bound = boundOf(e, entry?.metrics[e.metric.text]);
    return {
      check: check.name,
      kind: check.kind,
      description: check.description,
      metric: e.metric.text,
      value: m.value,
      bound,
      pass: holds(m.value, bound),
      where: m.where,
      seconds,
    };
  });
}
