/** Number formatting shared by the HTML report and summary.md (locale-independent, deterministic). */

type Maybe = number | null | undefined;

function missing(x: Maybe): x is null | undefined {
  return x === null || x === undefined || Number.isNaN(x);
}

/** 0.1234 -> "12.3%"; missing -> "–". */
export function pct(x: Maybe, digits = 1): string {
  return missing(x) ? '–' : `${(100 * x).toFixed(digits)}%`;
}

/** A compact interval of shares, "[3.3–12.0%]". */
export function pctSpan(lo: Maybe, hi: Maybe, digits = 1): string {
  return missing(lo) || missing(hi) ? '[–]' : `[${(100 * lo).toFixed(digits)}–${(100 * hi).toFixed(digits)}%]`;
}

export function fixed(x: Maybe, digits = 1): string {
  return missing(x) ? '–' : x.toFixed(digits);
}

/** Env steps: 8192 -> "8.2k", 1250000 -> "1.25M". */
export function steps(x: Maybe): string {
  if (missing(x)) return '–';
  if (x >= 1e6) return `${Number((x / 1e6).toFixed(2))}M`;
  if (x >= 1e3) return `${Number((x / 1e3).toFixed(1))}k`;
  return String(Math.round(x));
}

/** Integers with thin grouping: 32768 -> "32,768" (fixed, not locale-dependent). */
export function int(x: number): string {
  const s = String(Math.round(Math.abs(x)));
  const grouped = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return x < 0 ? `-${grouped}` : grouped;
}

/** "1 seed", "3 seeds". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${int(n)} ${n === 1 ? word : many}`;
}

/** Round to a fixed number of decimals for embedding (smaller, byte-stable JSON). */
export function round(x: number, decimals = 4): number {
  const f = 10 ** decimals;
  const r = Math.round(x * f) / f;
  return Object.is(r, -0) ? 0 : r;
}

/** "a, b and c". */
export function list(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Code-unit string order (not locale-dependent, so the report is the same on every machine). */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
