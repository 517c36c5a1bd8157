/**
 * The committed baseline: the values a fresh run measured for every expectation that takes its
 * bound from the baseline, with the settings each check ran with. `--update` rewrites it (and
 * prints the diff); a normal run reads it and refuses (bad input) a baseline recorded with other
 * settings, since its values would not be comparable.
 *
 * The file holds no timestamps or run-specific data, so re-recording an unchanged result gives a
 * byte-identical file and a reviewable diff.
 */
import fs from 'node:fs';
import { z } from 'zod';
import { writeFileAtomic } from '../../rundir/index.js';
import { displayPath } from '../../scenarios/loader.js';
import type { SafetyCheck, Suite } from './suite.js';

export const BASELINE_FORMAT = 'rome-gym-safety-baseline/1';

const BaselineFile = z.strictObject({
  format: z.literal(BASELINE_FORMAT),
  note: z.string().optional(),
  /** The tfjs backend the statistical values were measured on. */
  backend: z.string().nullable(),
  checks: z.record(
    z.string(),
    z.strictObject({
      settings: z.record(z.string(), z.unknown()),
      metrics: z.record(z.string(), z.number().nullable()),
    }),
  ),
});
export type Baseline = z.infer<typeof BaselineFile>;

export class BaselineError extends Error {}

/** Reads a baseline file; null when it does not exist. Throws BaselineError (one line) when malformed. */
export function readBaseline(file: string): Baseline | null {
  if (!fs.existsSync(file)) return null;
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BaselineError(`${displayPath(file)}: invalid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  const parsed = BaselineFile.safeParse(doc);
  if (!parsed.success) {
    const iss = parsed.error.issues[0]!;
    throw new BaselineError(`${displayPath(file)}: ${iss.path.map(String).join('.') || 'top level'}: ${iss.message}`);
  }
  return parsed.data;
}

/** Checks of the suite that need baseline values. */
export function baselineChecks(suite: Suite): SafetyCheck[] {
  return suite.checks.filter((c) => c.expect.some((e) => e.baseline !== null));
}

function canonical(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

/**
 * Why the baseline cannot serve these checks (missing entry or metric, other settings), as one
 * line naming the check; null when it can.
 */
export function baselineProblem(suite: Suite, baseline: Baseline | null, checks: readonly SafetyCheck[]): string | null {
  const file = displayPath(suite.baselineFile);
  const hint = 'record it with: npm run safety-check -- --update';
  for (const c of checks) {
    const needed = c.expect.filter((e) => e.baseline !== null).map((e) => e.metric.text);
    if (needed.length === 0) continue;
    if (baseline === null) return `${file}: no baseline file (check ${c.name} needs one); ${hint}`;
    const entry = baseline.checks[c.name];
    if (!entry) return `${file}: no baseline for check ${c.name}; ${hint}`;
    for (const [k, v] of Object.entries(c.settings)) {
      if (canonical(entry.settings[k]) !== canonical(v)) {
        return `${file}: check ${c.name} was recorded with ${k} ${canonical(entry.settings[k]) ?? '(unset)'}, the suite now says ${canonical(v)}; ${hint}`;
      }
    }
    const extra = Object.keys(entry.settings).find((k) => !(k in c.settings));
    if (extra !== undefined) return `${file}: check ${c.name} was recorded with a setting '${extra}' the suite no longer has; ${hint}`;
    const missing = needed.find((m) => !(m in entry.metrics));
    if (missing !== undefined) return `${file}: no baseline value for check ${c.name} metric ${missing}; ${hint}`;
  }
  return null;
}

/**
 * The baseline after a run of `checks`: their entries replaced by the values measured now, the
 * entries of other checks still in the suite kept, entries of checks no longer in it dropped.
 */
export function updatedBaseline(
  suite: Suite,
  old: Baseline | null,
  checks: readonly SafetyCheck[],
  values: ReadonlyMap<string, ReadonlyMap<string, number | null>>,
  backend: string | null,
): Baseline {
  const names = new Set(suite.checks.map((c) => c.name));
  const ran = new Set(checks.map((c) => c.name));
  const out: Baseline = {
    format: BASELINE_FORMAT,
    note: 'Written by `npm run safety-check -- --update`. Bounds are these values plus or minus the tolerance each check states in the suite.',
    backend: backend ?? old?.backend ?? null,
    checks: {},
  };
  for (const c of suite.checks) {
    const needed = c.expect.filter((e) => e.baseline !== null).map((e) => e.metric.text);
    if (needed.length === 0) continue;
    if (ran.has(c.name)) {
      const v = values.get(c.name)!;
      out.checks[c.name] = { settings: { ...c.settings }, metrics: Object.fromEntries(needed.map((m) => [m, v.get(m) ?? null])) };
    } else if (old?.checks[c.name] && names.has(c.name)) {
      out.checks[c.name] = old.checks[c.name]!;
    }
  }
  return out;
}

export function serializeBaseline(b: Baseline): string {
  return JSON.stringify(b, null, 2) + '\n';
}

export function writeBaseline(file: string, b: Baseline): void {
  writeFileAtomic(file, serializeBaseline(b));
}

export interface BaselineChange {
  check: string;
  metric: string;
  before: number | null | undefined;
  after: number | null | undefined;
}

/** Every (check, metric) whose value changed, appeared or disappeared. */
export function diffBaselines(before: Baseline | null, after: Baseline): BaselineChange[] {
  const out: BaselineChange[] = [];
  const checks = new Set([...Object.keys(before?.checks ?? {}), ...Object.keys(after.checks)]);
  for (const check of [...checks].sort()) {
    const b = before?.checks[check]?.metrics ?? {};
    const a = after.checks[check]?.metrics ?? {};
    for (const metric of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
      if (b[metric] !== a[metric] || !(metric in b) || !(metric in a)) {
        out.push({ check, metric, before: metric in b ? b[metric] : undefined, after: metric in a ? a[metric] : undefined });
      }
    }
  }
  return out;
}
