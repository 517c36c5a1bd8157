/**
 * The contract between `bench/run.ts` and a benchmark section (`bench/env.ts`, ...).
 * A section measures a few named figures; the runner prints them as a table or as one JSON object
 * whose top-level keys are the metric keys, so keys must be unique across sections.
 */
import { median } from '../stats/index.js';

export interface BenchMetric {
  /** snake_case, unique across all sections, e.g. `cartpole_steps_per_sec`. */
  readonly key: string;
  /** The headline figure (a median over repeats where that applies). */
  readonly value: number;
  readonly unit: string;
  /** How it was measured, in a few words (shown in the table). */
  readonly note: string;
  /** Every repeat's figure, for the JSON output. */
  readonly samples?: readonly number[];
  /** The budget this figure is held to, if any: the table prints its verdict beside the figure. */
  readonly budget?: Budget;
}

/** A speed budget: the figure must be at least `min` or at most `max`; `source` says who set it. */
export interface Budget {
  readonly min?: number;
  readonly max?: number;
  readonly source: string;
}

/** 'pass' or 'FAIL' against the budget, with the bound: `pass (>= 1,000,000)`. */
export function verdict(value: number, b: Budget): { ok: boolean; text: string } {
  const fmt = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : String(v));
  const ok = (b.min === undefined || value >= b.min) && (b.max === undefined || value <= b.max);
  const bound = [b.min !== undefined ? `>= ${fmt(b.min)}` : '', b.max !== undefined ? `<= ${fmt(b.max)}` : ''].filter(Boolean).join(', ');
  return { ok, text: `${ok ? 'pass' : 'FAIL'} (${bound})` };
}

export interface BenchContext {
  /** Timed repeats per figure (the headline is their median). */
  readonly repeats: number;
  /** Smaller workloads for a smoke run; figures from a quick run are not the ones to record. */
  readonly quick: boolean;
  /** Progress line on stderr. */
  readonly log: (line: string) => void;
}

export interface BenchSection {
  readonly name: string;
  readonly title: string;
  run(ctx: BenchContext): Promise<BenchMetric[]> | BenchMetric[];
}

export interface Timing {
  readonly median: number;
  readonly samples: number[];
}

/** A clock in seconds: `wallSeconds` (the default) or `cpuSeconds`. */
export type Clock = () => number;
export const wallSeconds: Clock = () => performance.now() / 1000;
/** This process's CPU time (user + system), all threads. */
export const cpuSeconds: Clock = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
};

/**
 * Runs `work` (which returns how many units it did) once and then until about `warmupMs` have
 * passed, to let the JIT settle, then `repeats` timed times, and returns units per second of
 * `clock`: the median and every sample.
 */
export function unitsPerSecond(work: () => number, repeats: number, warmupMs: number, clock: Clock = wallSeconds): Timing {
  const warmEnd = performance.now() + warmupMs;
  do work();
  while (performance.now() < warmEnd);
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = clock();
    const units = work();
    samples.push(units / (clock() - t0));
  }
  return { median: median(samples), samples };
}

/** A throughput figure from a Timing: its median as the value, every sample kept, both rounded to whole units. */
export function rateMetric(key: string, t: Timing, unit: string, note: string, budget?: Budget): BenchMetric {
  return { key, value: Math.round(t.median), unit, note, samples: t.samples.map(Math.round), ...(budget ? { budget } : {}) };
}
