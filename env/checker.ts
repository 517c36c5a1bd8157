/**
 * `checkEnv(env)`: a port of what Gymnasium's `gymnasium.utils.env_checker.check_env` (with its
 * passive checker) verifies, plus the checks rome-gym's contract adds:
 *
 * - spaces are well formed (Box bounds and shape agree, samples lie in the space, flatten has
 *   `flatdim` finite values, seeded `sample` is reproducible, `toJSON` is serialisable);
 * - `reset` returns `{ obs, info }` with obs in the observation space and a plain-object info,
 *   accepts `options`, and is deterministic under a seed (Gymnasium's `check_reset_seed`);
 * - `step` returns `{ obs, reward, terminated, truncated, info }` with obs in the space, a finite
 *   numeric reward and boolean flags (the passive checker);
 * - seeded rollouts are reproducible step by step, across episode ends (`check_step_determinism`);
 * - a reset without a seed continues the generator's stream instead of reseeding;
 * - the reused-buffer trap: an obs (or `info.actionMask`) the caller kept does not change after the
 *   next step (Gymnasium issue #1681);
 * - `render()` returns a string; `close()` may be called twice;
 * - when the env has `cloneState`/`restoreState`, a restored state replays the same future.
 *
 * It returns a list of problems, each a sentence naming what was wrong; an empty list is a pass.
 * Exceptions thrown by the env are reported as problems, not rethrown. The env is reset and stepped
 * many times; when it has no `spec` (not made by `make`), it is also closed, twice, at the end.
 */
import type { Env, Info, StepResult } from './core.js';
import { make } from './registry.js';
import { Box, Dict, Discrete, MultiDiscrete, flatten, type Space, type SpaceValue } from './spaces.js';

export interface CheckEnvOptions {
  /** Steps in each determinism rollout; episodes that end are reset without a seed. Default 200. */
  rolloutSteps?: number;
  /** Seed for the seeded checks (Gymnasium uses 123 and 456). */
  seed?: number;
  skipRenderCheck?: boolean;
  skipCloseCheck?: boolean;
}

export function checkEnv(env: Env, opts: CheckEnvOptions = {}): string[] {
  const problems: string[] = [];
  const seed = opts.seed ?? 123;
  const otherSeed = seed + 333;
  const steps = opts.rolloutSteps ?? 200;
  const attempt = (what: string, f: () => void): boolean => {
    try {
      f();
      return true;
    } catch (e) {
      problems.push(`${what} threw: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
  };

  if (env.unwrapped?.unwrapped !== env.unwrapped) problems.push('env.unwrapped.unwrapped must be env.unwrapped');
  const spacesOk =
    attempt('checking the observation space', () => problems.push(...checkSpace(env.observationSpace, 'observation space'))) &&
    attempt('checking the action space', () => problems.push(...checkSpace(env.actionSpace, 'action space')));
  if (!spacesOk || problems.length > 0) return problems;

  // reset: return type, obs in space, options accepted, seeded determinism.
  let resetOk = attempt(`reset({ seed: ${seed} })`, () => {
    const r1 = env.reset({ seed });
    problems.push(...checkResetResult(env, r1, `reset({ seed: ${seed} })`));
    const rng1 = rngStateOf(env);
    const r2 = env.reset({ seed });
    problems.push(...checkResetResult(env, r2, `reset({ seed: ${seed} })`));
    if (canon(r1.obs) !== canon(r2.obs)) {
      problems.push(`reset({ seed: ${seed} }) is not deterministic: two resets with the same seed gave different observations`);
    } else if (canon(r1.info) !== canon(r2.info)) {
      problems.push(`reset({ seed: ${seed} }) is not deterministic: two resets with the same seed gave different infos`);
    }
    if (rng1 !== undefined && rng1 !== rngStateOf(env)) {
      problems.push(`reset({ seed: ${seed} }) twice left the env's generator in different states: the seed does not fully determine it`);
    }
    const r3 = env.reset({ seed: otherSeed });
    problems.push(...checkResetResult(env, r3, `reset({ seed: ${otherSeed} })`));
    if (rng1 !== undefined && rng1 === rngStateOf(env)) {
      problems.push(`reset with seeds ${seed} and ${otherSeed} left the generator in the same state: the seed is ignored`);
    }
  });
  resetOk &&= attempt('reset({ options: {} })', () => {
    problems.push(...checkResetResult(env, env.reset({ options: {} }), 'reset({ options: {} })'));
  });
  resetOk &&= attempt('reset()', () => {
    problems.push(...checkResetResult(env, env.reset(), 'reset()'));
  });
  if (!resetOk) return problems;

  // step: result shape and types over a whole rollout, crossing episode ends.
  const stepOk = attempt('a rollout of step()', () => {
    env.actionSpace.seed(seed);
    let mask = maskOf(env.reset({ seed }).info);
    for (let k = 0; k < steps; k++) {
      const s = env.step(sampleAction(env.actionSpace, mask));
      const found = checkStepResult(env, s, `step() #${k + 1}`);
      if (found.length > 0) {
        problems.push(...found);
        return;
      }
      mask = maskOf(s.info);
      if (s.terminated || s.truncated) mask = maskOf(env.reset().info);
    }
  });
  if (!stepOk || problems.length > 0) return problems;

  attempt('the reused-buffer check', () => problems.push(...checkBuffersNotReused(env, seed)));
  attempt('the rollout determinism check', () => problems.push(...checkRolloutDeterminism(env, seed, steps)));
  attempt('the no-seed reset check', () => problems.push(...checkNoSeedKeepsStream(env, seed, otherSeed)));
  attempt('the cloneState/restoreState check', () => problems.push(...checkCloneRestore(env, seed)));

  if (!opts.skipRenderCheck) {
    attempt('render()', () => {
      env.reset({ seed });
      const text: unknown = env.render();
      if (typeof text !== 'string') problems.push(`render() must return a string, got ${typeName(text)}`);
    });
  }
  if (!opts.skipCloseCheck) {
    const target = env.spec ? (() => make(env.spec!.id, { ...env.spec!.kwargs })) : () => env;
    let fresh: Env | undefined;
    if (attempt('making a fresh env from its spec', () => (fresh = target())) && fresh) {
      attempt('close()', () => fresh!.close());
      attempt('a second close()', () => fresh!.close());
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------- spaces

function checkSpace(space: Space, name: string): string[] {
  const p: string[] = [];
  if (typeof space !== 'object' || space === null) return [`${name} is missing (got ${typeName(space)})`];
  for (const m of ['contains', 'sample', 'seed', 'flattenInto', 'toJSON'] as const) {
    if (typeof space[m] !== 'function') p.push(`${name} has no ${m}() method`);
  }
  if (p.length > 0) return p;
  if (!Number.isInteger(space.flatdim) || space.flatdim <= 0) p.push(`${name}: flatdim must be a positive integer, got ${space.flatdim}`);
  if (space instanceof Box) {
    if (!space.shape.every((d) => Number.isInteger(d) && d > 0)) p.push(`${name}: Box shape [${space.shape}] must be positive integers`);
    const size = space.shape.reduce((a, b) => a * b, 1);
    if (space.low.length !== size || space.high.length !== size) {
      p.push(`${name}: Box of shape [${space.shape}] has ${space.low.length} low and ${space.high.length} high bounds, needs ${size}`);
    }
    for (let i = 0; i < space.low.length; i++) {
      if (Number.isNaN(space.low[i]) || Number.isNaN(space.high[i]) || !(space.low[i]! <= space.high[i]!)) {
        p.push(`${name}: Box bound ${i} has low ${space.low[i]} not <= high ${space.high[i]}`);
        break;
      }
    }
  } else if (space instanceof Discrete) {
    if (!Number.isInteger(space.n) || space.n <= 0) p.push(`${name}: Discrete n must be a positive integer, got ${space.n}`);
  } else if (space instanceof MultiDiscrete) {
    if (space.nvec.some((n) => n <= 0)) p.push(`${name}: MultiDiscrete nvec must be positive, got [${space.nvec}]`);
  } else if (space instanceof Dict) {
    if (space.keys.length === 0) p.push(`${name}: Dict has no subspaces`);
    for (const k of space.keys) p.push(...checkSpace(space.spaces[k]!, `${name}['${k}']`));
  }
  if (p.length > 0) return p;

  const draw = (): SpaceValue[] => {
    space.seed(7);
    return Array.from({ length: 8 }, () => space.sample());
  };
  const a = draw();
  for (const x of a) {
    const why = valueProblem(space, x);
    if (why) return [`${name}: sample() gave a value outside the space: ${why}`];
    const f = flatten(space, x);
    if (f.length !== space.flatdim) return [`${name}: flatten gave ${f.length} values, flatdim is ${space.flatdim}`];
    if (!f.every(Number.isFinite)) p.push(`${name}: flatten of a sample has non-finite values`);
  }
  if (canon(a) !== canon(draw())) p.push(`${name}: sample() after seed(7) is not reproducible`);
  const json: unknown = JSON.parse(JSON.stringify(space.toJSON()));
  if (typeof json !== 'object' || json === null || typeof (json as { type?: unknown }).type !== 'string') {
    p.push(`${name}: toJSON() must give an object with a string 'type'`);
  }
  return p;
}

/** Why `x` is not in `space` (a sentence), or null when it is. */
function valueProblem(space: Space, x: unknown): string | null {
  if (space instanceof Box) {
    if (!(x instanceof Float32Array)) return `expected a Float32Array for the Box of shape [${space.shape}], got ${typeName(x)}`;
    if (x.length !== space.size) return `the Box of shape [${space.shape}] needs ${space.size} values, got ${x.length}`;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (Number.isNaN(v)) return `value ${i} is NaN`;
      if (v < space.low[i]! || v > space.high[i]!) return `value ${i} = ${v} is outside [${space.low[i]}, ${space.high[i]}]`;
    }
  } else if (space instanceof Discrete) {
    if (typeof x !== 'number' || !Number.isInteger(x)) return `expected an integer for Discrete(${space.n}), got ${typeName(x)}`;
    if (x < space.start || x >= space.start + space.n) return `${x} is outside Discrete(${space.n}, start ${space.start})`;
  } else if (space instanceof MultiDiscrete) {
    if (!(x instanceof Int32Array)) return `expected an Int32Array for MultiDiscrete, got ${typeName(x)}`;
    if (x.length !== space.nvec.length) return `MultiDiscrete needs ${space.nvec.length} values, got ${x.length}`;
  } else if (space instanceof Dict) {
    if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return `expected an object for the Dict, got ${typeName(x)}`;
    const rec = x as Record<string, unknown>;
    const extra = Object.keys(rec).filter((k) => !space.keys.includes(k));
    if (extra.length > 0) return `unexpected Dict keys ${extra.join(', ')}`;
    for (const k of space.keys) {
      if (!(k in rec)) return `missing Dict key '${k}'`;
      const why = valueProblem(space.spaces[k]!, rec[k]);
      if (why) return `['${k}']: ${why}`;
    }
  }
  return space.contains(x) ? null : `${typeName(x)} is not contained in the space`;
}

// ---------------------------------------------------------------------------------- reset / step

function checkResetResult(env: Env, r: unknown, call: string): string[] {
  if (typeof r !== 'object' || r === null || !('obs' in r) || !('info' in r)) {
    return [`${call} must return { obs, info }, got ${typeName(r)}`];
  }
  const { obs, info } = r as { obs: unknown; info: unknown };
  const p: string[] = [];
  const why = valueProblem(env.observationSpace, obs);
  if (why) p.push(`${call}: the observation is not in the observation space: ${why}`);
  if (!isPlainObject(info)) p.push(`${call}: info must be a plain object, got ${typeName(info)}`);
  else p.push(...checkMask(env, info, call));
  return p;
}

function checkStepResult(env: Env, s: unknown, call: string): string[] {
  if (typeof s !== 'object' || s === null) return [`${call} must return { obs, reward, terminated, truncated, info }, got ${typeName(s)}`];
  const r = s as Partial<Record<keyof StepResult<unknown>, unknown>>;
  const p: string[] = [];
  for (const k of ['obs', 'reward', 'terminated', 'truncated', 'info'] as const) {
    if (!(k in r)) p.push(`${call}: the result has no '${k}'`);
  }
  if (p.length > 0) return p;
  const why = valueProblem(env.observationSpace, r.obs);
  if (why) p.push(`${call}: the observation is not in the observation space: ${why}`);
  if (typeof r.reward !== 'number') p.push(`${call}: reward must be a number, got ${typeName(r.reward)}`);
  else if (!Number.isFinite(r.reward)) p.push(`${call}: reward is ${r.reward}`);
  if (typeof r.terminated !== 'boolean') p.push(`${call}: terminated must be a boolean, got ${typeName(r.terminated)}`);
  if (typeof r.truncated !== 'boolean') p.push(`${call}: truncated must be a boolean, got ${typeName(r.truncated)}`);
  if (!isPlainObject(r.info)) p.push(`${call}: info must be a plain object, got ${typeName(r.info)}`);
  else if (!r.terminated && !r.truncated) p.push(...checkMask(env, r.info, call));
  return p;
}

function checkMask(env: Env, info: Info, call: string): string[] {
  const m = info['actionMask'];
  if (m === undefined) return [];
  if (!(m instanceof Uint8Array)) return [`${call}: info.actionMask must be a Uint8Array, got ${typeName(m)}`];
  const space = env.actionSpace;
  if (space instanceof Discrete && m.length !== space.n) return [`${call}: info.actionMask has ${m.length} entries, the action space has ${space.n}`];
  if (!m.some((v) => v === 1)) return [`${call}: info.actionMask allows no action`];
  if (m.some((v) => v > 1)) return [`${call}: info.actionMask entries must be 0 or 1`];
  return [];
}

// ------------------------------------------------------------------------------ behaviour checks

function checkBuffersNotReused(env: Env, seed: number): string[] {
  env.actionSpace.seed(seed);
  const first = env.reset({ seed });
  let prev = { obs: first.obs, snap: canon(first.obs), mask: first.info['actionMask'], maskSnap: canon(first.info['actionMask']), call: 'reset()' };
  for (let k = 0; k < 20; k++) {
    const s = env.step(sampleAction(env.actionSpace, prev.mask instanceof Uint8Array ? prev.mask : undefined));
    const call = `step() #${k + 1}`;
    if (typeof s.obs === 'object' && s.obs === prev.obs) {
      return [`${call} returned the same observation object as ${prev.call}: the env reuses its observation buffer, so a caller's kept obs changes; return a fresh value (Gymnasium issue #1681)`];
    }
    if (canon(prev.obs) !== prev.snap) {
      return [`the observation returned by ${prev.call} changed after ${call}: the env reuses its observation buffer; return a fresh value (Gymnasium issue #1681)`];
    }
    if (prev.mask !== undefined && canon(prev.mask) !== prev.maskSnap) {
      return [`info.actionMask returned by ${prev.call} changed after ${call}: the env reuses its mask buffer; return a fresh Uint8Array`];
    }
    if (s.terminated || s.truncated) return [];
    prev = { obs: s.obs, snap: canon(s.obs), mask: s.info['actionMask'], maskSnap: canon(s.info['actionMask']), call };
  }
  return [];
}

interface TraceStep {
  readonly what: string;
  readonly fields: Readonly<Record<string, string>>;
}

/** Seeded reset, then `steps` steps with actions from the seeded action space, resetting without a seed at episode ends. */
function trace(env: Env, resetSeed: number | undefined, actionSeed: number, steps: number, stopAtEnd = false): TraceStep[] {
  env.actionSpace.seed(actionSeed);
  const out: TraceStep[] = [];
  const r0 = env.reset(resetSeed === undefined ? {} : { seed: resetSeed });
  out.push({ what: 'the first reset', fields: { obs: canon(r0.obs), info: canonInfo(r0.info) } });
  let mask = maskOf(r0.info);
  for (let k = 0; k < steps; k++) {
    const a = sampleAction(env.actionSpace, mask);
    const s = env.step(a);
    out.push({
      what: `step ${k + 1}`,
      fields: {
        action: canon(a),
        obs: canon(s.obs),
        reward: canon(s.reward),
        terminated: String(s.terminated),
        truncated: String(s.truncated),
        info: canonInfo(s.info),
      },
    });
    mask = maskOf(s.info);
    if (s.terminated || s.truncated) {
      if (stopAtEnd) break;
      const r = env.reset();
      out.push({ what: `the reset after step ${k + 1}`, fields: { obs: canon(r.obs), info: canonInfo(r.info) } });
      mask = maskOf(r.info);
    }
  }
  return out;
}

function firstDifference(a: TraceStep[], b: TraceStep[]): string | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    for (const k of Object.keys(a[i]!.fields)) {
      if (a[i]!.fields[k] !== b[i]!.fields[k]) return `${a[i]!.what} (${k} differs)`;
    }
  }
  return a.length === b.length ? null : `their lengths (${a.length} vs ${b.length})`;
}

function checkRolloutDeterminism(env: Env, seed: number, steps: number): string[] {
  const d = firstDifference(trace(env, seed, seed, steps), trace(env, seed, seed, steps));
  return d ? [`two rollouts with seed ${seed} and the same actions are not identical: they first differ at ${d}`] : [];
}

function checkNoSeedKeepsStream(env: Env, seed: number, otherSeed: number): string[] {
  const len = 25;
  const a = trace(env, seed, 1, len, true);
  const b = trace(env, otherSeed, 1, len, true);
  // An env whose episodes do not depend on the seed has no stream to keep.
  if (firstDifference(a, b) === null) return [];
  env.reset({ seed });
  const afterSeededReset = rngStateOf(env);
  trace(env, seed, 1, len, true);
  const endOfEpisode = rngStateOf(env);
  if (endOfEpisode !== undefined && endOfEpisode !== afterSeededReset) {
    env.reset();
    // The episode drew from the generator and reset() left it exactly there: the stream continues, even
    // if an env whose chance events are rare (the sandbox) happens to replay the same episode.
    if (rngStateOf(env) === endOfEpisode) return [];
  }
  const c = trace(env, undefined, 1, len, true);
  const d = trace(env, undefined, 1, len, true);
  if (firstDifference(a, c) === null) {
    return [`reset() without a seed after reset({ seed: ${seed} }) replayed the seed-${seed} episode: without a seed, reset must continue the generator's stream, not reseed`];
  }
  if (firstDifference(c, d) === null) {
    return ['two consecutive reset() calls without a seed gave identical episodes: without a seed, reset must continue the generator\'s stream, not reseed'];
  }
  return [];
}

interface Restorable {
  cloneState(): unknown;
  restoreState(state: unknown): void;
}

/** Runs on `env.unwrapped`, which owns the state: wrappers' own state (time limits, statistics) is not part of it. */
function checkCloneRestore(env: Env, seed: number): string[] {
  const u = env.unwrapped;
  const r = u as unknown as Partial<Restorable>;
  if (typeof r.cloneState !== 'function' || typeof r.restoreState !== 'function') return [];
  const target = r as Restorable;
  u.actionSpace.seed(seed);
  let mask = maskOf(u.reset({ seed }).info);
  for (let k = 0; k < 3; k++) {
    const s = u.step(sampleAction(u.actionSpace, mask));
    if (s.terminated || s.truncated) return [];
    mask = maskOf(s.info);
  }
  const state = target.cloneState();
  const follow = (): TraceStep[] => {
    u.actionSpace.seed(seed + 1);
    const out: TraceStep[] = [];
    let m = mask;
    for (let k = 0; k < 20; k++) {
      const s = u.step(sampleAction(u.actionSpace, m));
      out.push({
        what: `step ${k + 1} after restore`,
        fields: { obs: canon(s.obs), reward: canon(s.reward), info: canonInfo(s.info), done: String(s.terminated || s.truncated) },
      });
      if (s.terminated || s.truncated) break;
      m = maskOf(s.info);
    }
    return out;
  };
  const first = follow();
  target.restoreState(state);
  const d = firstDifference(first, follow());
  return d ? [`restoreState(cloneState()) does not replay the same future: the two continuations first differ at ${d}`] : [];
}

// ---------------------------------------------------------------------------------------- helpers

function maskOf(info: Info): Uint8Array | undefined {
  const m = info['actionMask'];
  return m instanceof Uint8Array ? m : undefined;
}

function sampleAction(space: Space, mask: Uint8Array | undefined): SpaceValue {
  return space instanceof Discrete && mask !== undefined && mask.length === space.n ? space.sample(mask) : space.sample();
}

function rngStateOf(env: Env): string | undefined {
  const s = (env.unwrapped as { rngState?: unknown }).rngState;
  return s === undefined ? undefined : canon(s);
}

function isPlainObject(x: unknown): x is Info {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

function typeName(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return `an Array of ${x.length}`;
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of ${(x as unknown as ArrayLike<number>).length}`;
  if (typeof x === 'object') return `a ${x.constructor?.name ?? 'null-prototype object'}`;
  return `${typeof x} ${String(x)}`;
}

/** Infos are compared without `info.episode.t`, the wall-clock episode time RecordEpisodeStatistics adds. */
function canonInfo(info: Info): string {
  const ep = info['episode'];
  if (typeof ep === 'object' && ep !== null && 't' in ep) {
    const { t: _t, ...rest } = ep as Record<string, unknown>;
    return canon({ ...info, episode: rest });
  }
  return canon(info);
}

/** A canonical string of a value: exact numbers (NaN, ±Infinity, -0 included), typed arrays by type, sorted keys. */
export function canon(x: unknown): string {
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x !== 'object' || x === null) return x === undefined ? 'undefined' : JSON.stringify(x) ?? String(x);
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    const arr = Array.from(x as unknown as ArrayLike<number>, (v) => canon(v));
    return `${x.constructor.name}[${arr.join(',')}]`;
  }
  if (Array.isArray(x)) return `[${x.map(canon).join(',')}]`;
  if (x instanceof Map) return `Map{${[...x.entries()].map(([k, v]) => `${canon(k)}:${canon(v)}`).join(',')}}`;
  if (x instanceof Set) return `Set{${[...x].map(canon).join(',')}}`;
  const rec = x as Record<string, unknown>;
  return `{${Object.keys(rec)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canon(rec[k])}`)
    .join(',')}}`;
}
