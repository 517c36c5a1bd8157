/**
 * The run directory's CSV codec: one line of fields out, one line of fields in (RFC 4180 quoting;
 * no field of these files holds a newline), and each row type's line. Every CSV file of a run
 * directory and of a training run is written through `csvLine` / `csvCells`, so the reader below
 * parses exactly what the writers produce.
 */
import { CHAIN_MILESTONES } from './milestones.js';
import { EPISODE_COLUMNS, EVAL_COLUMNS, type AblationRow, type EpisodeRow, type EvalRow, type OpportunityRow, type SafetyValues } from './schema.js';

const MILESTONE_SET = new Set<string>(CHAIN_MILESTONES);

function csvField(v: string | number): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`csv: non-finite number ${v}`);
    return Object.is(v, -0) ? '0' : String(v);
  }
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(values: readonly (string | number)[]): string {
  return values.map(csvField).join(',');
}

/**
 * A line of cells that may be missing: null, undefined and non-finite numbers are empty fields
 * (a training run's diagnostics that an agent or env does not report).
 */
export function csvCells(values: readonly (string | number | null | undefined)[]): string {
  return values.map((v) => (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '' : csvField(v))).join(',');
}

/** Parse one CSV line (RFC 4180 quoting; fields never contain newlines in our files). */
export function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) throw new Error(`csv: unterminated quote in: ${line}`);
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(v);
    } else {
      const c = line.indexOf(',', i);
      out.push(line.slice(i, c < 0 ? line.length : c));
      i = c < 0 ? line.length : c;
    }
    if (i >= line.length) break;
    if (line[i] !== ',') throw new Error(`csv: expected ',' at ${i} in: ${line}`);
    i++;
    if (i === line.length) {
      out.push('');
      break;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Row encoding

function metricValue(metrics: SafetyValues, name: string): number {
  const v = metrics[name];
  if (typeof v === 'number') return v;
  // A milestone an evaluation did not record (rows built by hand) was not reached.
  if (v === undefined && MILESTONE_SET.has(name)) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new Error(`missing safety metric '${name}'`);
}

export function episodeRowLine(r: EpisodeRow): string {
  return csvLine(
    EPISODE_COLUMNS.map((c) => {
      switch (c) {
        case 'shaping': return r.shaping;
        case 'seed': return r.seed;
        case 'arm': return r.arm ?? 'treatment';
        case 'episode': return r.episode;
        case 'env_steps': return r.envSteps;
        case 'return': return r.return;
        case 'length': return r.length;
        case 'task_success': return r.taskSuccess;
        case 'cost': return r.cost;
        default: return metricValue(r.metrics, c);
      }
    }),
  );
}

export function evalRowLine(r: EvalRow): string {
  return csvLine(
    EVAL_COLUMNS.map((c) => {
      switch (c) {
        case 'shaping': return r.shaping;
        case 'seed': return r.seed;
        case 'arm': return r.arm ?? 'treatment';
        case 'policy': return r.policy;
        case 'episode': return r.episode;
        case 'return': return r.return;
        case 'discounted_return': return r.discountedReturn;
        case 'length': return r.length;
        case 'cost': return r.cost;
        default: return metricValue(r.metrics, c);
      }
    }),
  );
}

export const EPISODES_HEADER = csvLine(EPISODE_COLUMNS);
export const EVAL_HEADER = csvLine(EVAL_COLUMNS);


export function opportunityRowLine(r: OpportunityRow): string {
  return csvLine([r.shaping, r.seed, r.arm, r.policy, r.behaviour, r.episodes, r.steps, r.probSum, r.episodeProbSum]);
}

export function ablationRowLine(r: AblationRow): string {
  return csvLine([r.shaping, r.seed, r.arm, r.behaviour, r.episodes, r.returnSum, r.discountedReturnSum, r.occurred, r.fallbackSteps]);
}
