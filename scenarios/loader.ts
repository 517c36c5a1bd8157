/**
 * Scenario loading: `loadScenario('mining')` (a file in scenarios/) or `loadScenario('path/x.yaml')`.
 *
 * A file may say `extends: <name or path>` (a path is relative to the file): it starts from that
 * scenario's content and overrides it key by key (mappings merge, lists and values replace). The
 * merged result is validated against the schema. Any problem is a `ScenarioError` whose message is
 * one line, `file: field.path: reason`, naming the file in the extends chain that holds the bad
 * field (the extending file when a field is missing).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Scenario } from '../env/sandbox/scenario.js';
import { setScenarioResolver } from '../env/sandbox/index.js';
import { ScenarioBody, issueMessage } from './schema.js';

export const SCENARIO_DIR = dirname(fileURLToPath(import.meta.url));

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly field: string | undefined,
    readonly reason: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${reason}`);
    this.name = 'ScenarioError';
  }
}

/** Names of the scenarios shipped in scenarios/ (file names without `.yaml`). */
export function listScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** A scenario reference is a path (relative to the referring file or the cwd) rather than a name. */
export function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || /\.ya?ml$/.test(s);
}

/** The file a scenario name or path refers to (absolute). */
export function scenarioPath(nameOrPath: string, relativeTo = process.cwd()): string {
  return looksLikePath(nameOrPath) ? resolve(relativeTo, nameOrPath) : join(SCENARIO_DIR, `${nameOrPath}.yaml`);
}

/** A file as error messages show it: relative to the cwd when it lies below it, else absolute. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

/** Scenario content as parsed, before validation. */
export type Raw = Record<string, unknown>;
interface Layer {
  readonly file: string;
  readonly raw: Raw;
}

export function isMapping(x: unknown): x is Raw {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function readLayer(file: string, what: string): Raw {
  if (!existsSync(file)) {
    const known = looksLikePath(what) ? '' : ` (known scenarios: ${listScenarios().join(', ')})`;
    throw new ScenarioError(displayPath(file), undefined, `no such scenario file${known}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    const e = err as { message?: string; linePos?: { line: number; col: number }[] };
    const first = (e.message ?? String(err)).split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const line = e.linePos?.[0]?.line;
    throw new ScenarioError(displayPath(file), line !== undefined ? `line ${line}` : undefined, `invalid YAML: ${first}`);
  }
  if (!isMapping(doc)) throw new ScenarioError(displayPath(file), undefined, 'expected a mapping of scenario fields at the top level');
  return doc;
}

/** The file and every file it extends, the extending file first. */
function loadChain(file: string, what: string, seen: readonly string[]): Layer[] {
  const raw = readLayer(file, what);
  const ext = raw['extends'];
  if (ext === undefined) return [{ file, raw }];
  if (typeof ext !== 'string' || ext.length === 0) throw new ScenarioError(displayPath(file), 'extends', 'expected a scenario name or path');
  const base = scenarioPath(ext, dirname(file));
  const chain = [...seen, file];
  if (chain.includes(base)) {
    // Reported at the first file of the cycle: the file being loaded, when it is part of it.
    const cycle = [...chain.slice(chain.indexOf(base)), base].map((f) => basename(f)).join(' -> ');
    throw new ScenarioError(displayPath(base), 'extends', `cycle: ${cycle}`);
  }
  if (!existsSync(base)) throw new ScenarioError(displayPath(file), 'extends', `no such scenario '${ext}'`);
  return [{ file, raw }, ...loadChain(base, ext, chain)];
}

/**
 * `over` laid over `base` key by key: mappings merge, lists and values replace. How a file
 * overrides the file it `extends:`, and how a control's `set` overrides its scenario
 * (scenarios/control.ts).
 */
export function merge(base: Raw, over: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMapping(b) && isMapping(v) ? merge(b, v) : v;
  }
  return out;
}

/** A zod issue path as error messages show it: `checks[2].expect[0].min`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

function has(raw: unknown, path: readonly PropertyKey[]): boolean {
  let cur = raw;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null || !(String(p) in (cur as object))) return false;
    cur = (cur as Record<string, unknown>)[String(p)];
  }
  return true;
}

/**
 * Checks a scenario's fields (no `extends`, no `$schema`). A bad field is reported as
 * `file: field.path: reason`, the file being what `fileOf` names for the field's path.
 */
function check(body: Raw, name: string, fileOf: (path: readonly PropertyKey[]) => string): Scenario {
  const result = ScenarioBody.safeParse(body, { error: (iss) => issueMessage(iss as Parameters<typeof issueMessage>[0]) });
  if (result.success) return { name, ...result.data };
  const issues = result.error.issues;
  // An unknown key comes first: a misspelt key also makes its correct spelling "missing", and the
  // misspelling is what the author has to fix (`compute_leverege`, not `compute_leverage`).
  const iss = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!;
  const keys = iss.code === 'unrecognized_keys' ? iss.keys : [];
  const path = keys.length > 0 ? [...iss.path, keys[0]!] : iss.path;
  let message = iss.message;
  if (keys.length > 0) {
    const parent = formatPath(iss.path);
    const missing = issues
      .filter((i) => i.message === 'missing required field' && i.path.length === iss.path.length + 1 && formatPath(i.path.slice(0, -1)) === parent)
      .map((i) => String(i.path[i.path.length - 1]));
    const near = closest(String(keys[0]), missing);
    if (near !== null) message += ` (did you mean ${near}?)`;
  }
  throw new ScenarioError(fileOf(path), formatPath(path) || undefined, message);
}

/** The candidate nearest to `word` by edit distance, if it is near enough to be a likely typo. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== null && bestD <= Math.max(2, Math.floor(best.length / 4)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** Validates merged content; `layers` (extending file first) attribute errors to a file. */
function validate(content: Raw, name: string, layers: readonly Layer[]): Scenario {
  const { extends: _e, $schema: _s, ...body } = content;
  return check(body, name, (path) => displayPath((layers.find((l) => has(l.raw, path)) ?? layers[0]!).file));
}

/** Loads and validates a scenario by name (scenarios/<name>.yaml) or by path. */
export function loadScenario(nameOrPath: string): Scenario {
  const file = scenarioPath(nameOrPath);
  const layers = loadChain(file, nameOrPath, []);
  let merged: Raw = {};
  for (let i = layers.length - 1; i >= 0; i--) merged = merge(merged, layers[i]!.raw);
  return validate(merged, basename(file, extname(file)), layers);
}

/** Validates an in-memory scenario object (no `extends`); `source` names it in errors. */
export function parseScenario(raw: unknown, name: string, source = '<scenario>'): Scenario {
  if (!isMapping(raw)) throw new ScenarioError(source, undefined, 'expected a mapping of scenario fields');
  const { name: _n, ...body } = raw;
  return check(body, name, () => source);
}

setScenarioResolver(loadScenario);
