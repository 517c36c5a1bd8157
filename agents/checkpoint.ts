/**
 * Training checkpoints: everything a killed run needs to continue and produce exactly the rows an
 * uninterrupted run would have produced.
 *
 * Saved: policy parameters and observation normaliser, Adam moments and step count, the action and
 * minibatch RNG states, the Lagrange multiplier, the counters, the partial sums of the episodes in
 * progress, the current (normalised) observations, the env-step action history, and the state of
 * the exploration methods (RND's nets, statistics and generator; the SimHash counts). Go-Explore's
 * archive is not saved: the replay below rebuilds it (goexplore.ts).
 *
 * Env state is restored by replay: env i is seeded `seed + i` at the start of a run and the env
 * contract promises that the same seed and the same actions give the same everything, so stepping a
 * fresh vector env through the recorded actions (fast: no policy, no tfjs) lands every env exactly
 * where it was, mid-episode included, for any registered env. The history costs one byte per env
 * step (two when there are more than 256 actions), deflated.
 *
 * Files: `<dir>/latest.json`, written to a temporary file, fsynced and renamed, so a kill during a
 * save leaves the previous checkpoint intact.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { ExplorationState } from './exploration/index.js';
import type { AgentName, Hyperparameters } from './hyperparameters.js';
import type { AdamState } from './nn/adam.js';
import type { SerialRng } from './nn/serial.js';
import type { PolicyJson } from './policy.js';

export const CHECKPOINT_FORMAT = 'rome-gym-checkpoint/1';
export const CHECKPOINT_FILE = 'latest.json';

export interface CheckpointIdentity {
  readonly envId: string;
  readonly envKwargs: Record<string, unknown>;
  readonly agent: AgentName;
  readonly seed: number;
  readonly hyper: Hyperparameters;
  readonly prior: boolean;
  readonly backend: string;
}

export interface TrainCheckpoint {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly identity: CheckpointIdentity;
  readonly update: number;
  readonly envSteps: number;
  readonly episodes: number;
  readonly policy: PolicyJson;
  readonly adam: AdamState;
  readonly rngs: { readonly actions: SerialRng; readonly minibatches: SerialRng };
  readonly lagrange: { readonly value: number; readonly integral: number } | null;
  /** Per env: return, length and cost so far of the episode in progress. */
  readonly partial: { readonly ret: number[]; readonly len: number[]; readonly cost: number[] };
  /** base64 float32 of the normalised observations the next step acts on. */
  readonly currentObs: string;
  readonly actionHistory: { readonly bytesPerAction: 1 | 2 | 4; readonly count: number; readonly deflated: string };
  /** Whatever the caller's `onCheckpoint` returned (e.g. byte offsets of its output files). */
  readonly extra: unknown;
  /** State of the exploration methods (agents/exploration/), null or absent when none is on. */
  readonly exploration?: ExplorationState | null;
}

export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

export function checkpointPath(dir: string): string {
  return path.join(dir, CHECKPOINT_FILE);
}

export function writeCheckpoint(dir: string, ckpt: TrainCheckpoint): void {
  fs.mkdirSync(dir, { recursive: true });
  const file = checkpointPath(dir);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, JSON.stringify(ckpt));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** The checkpoint in `dir`, or null when there is none. */
export function readCheckpoint(dir: string): TrainCheckpoint | null {
  const file = checkpointPath(dir);
  if (!fs.existsSync(file)) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CheckpointError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const c = parsed as Partial<TrainCheckpoint>;
  if (c.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${file}: unknown checkpoint format '${String(c.format)}'`);
  return parsed as TrainCheckpoint;
}

/**
 * Why a checkpoint cannot continue this run (null when it can). `steps` may differ: extending a
 * run is allowed (the learning-rate schedule then follows the new total).
 */
export function identityMismatch(saved: CheckpointIdentity, now: CheckpointIdentity): string | null {
  const keys: (keyof CheckpointIdentity)[] = ['envId', 'agent', 'seed', 'prior', 'backend'];
  for (const k of keys) {
    if (saved[k] !== now[k]) return `checkpoint has ${k}=${JSON.stringify(saved[k])}, this run ${JSON.stringify(now[k])}`;
  }
  if (stableJson(saved.envKwargs) !== stableJson(now.envKwargs)) {
    return `checkpoint has env kwargs ${stableJson(saved.envKwargs)}, this run ${stableJson(now.envKwargs)}`;
  }
  for (const k of Object.keys(saved.hyper) as (keyof Hyperparameters)[]) {
    if (stableJson(saved.hyper[k]) !== stableJson(now.hyper[k])) {
      return `checkpoint has ${k}=${stableJson(saved.hyper[k])}, this run ${stableJson(now.hyper[k])}`;
    }
  }
  return null;
}

function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
    .join(',')}}`;
}

/** Growable record of every action sent to the vector env, in step order. */
export class ActionHistory {
  private data: Uint8Array | Uint16Array | Int32Array;
  private n = 0;
  readonly bytesPerAction: 1 | 2 | 4;

  constructor(numActions: number) {
    this.bytesPerAction = numActions <= 256 ? 1 : numActions <= 65536 ? 2 : 4;
    this.data = this.alloc(1024);
  }

  get length(): number {
    return this.n;
  }

  push(actions: Int32Array): void {
    if (this.n + actions.length > this.data.length) {
      const bigger = this.alloc(Math.max(2 * this.data.length, this.n + actions.length));
      bigger.set(this.data.subarray(0, this.n));
      this.data = bigger;
    }
    this.data.set(actions, this.n);
    this.n += actions.length;
  }

  /** Actions of vector step `s` (numEnvs of them) copied into `out`. */
  read(s: number, out: Int32Array): Int32Array {
    const n = out.length;
    for (let i = 0; i < n; i++) out[i] = this.data[s * n + i]!;
    return out;
  }

  serialize(): TrainCheckpoint['actionHistory'] {
    const view = this.data.subarray(0, this.n);
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    return { bytesPerAction: this.bytesPerAction, count: this.n, deflated: zlib.deflateRawSync(bytes).toString('base64') };
  }

  static deserialize(numActions: number, s: TrainCheckpoint['actionHistory']): ActionHistory {
    const h = new ActionHistory(numActions);
    if (h.bytesPerAction !== s.bytesPerAction) throw new CheckpointError('checkpoint action history does not match the action space');
    const raw = zlib.inflateRawSync(Buffer.from(s.deflated, 'base64'));
    if (raw.byteLength !== s.count * s.bytesPerAction) throw new CheckpointError('checkpoint action history is truncated');
    h.data = h.alloc(Math.max(1024, s.count));
    new Uint8Array(h.data.buffer).set(raw);
    h.n = s.count;
    return h;
  }

  private alloc(n: number): Uint8Array | Uint16Array | Int32Array {
    return this.bytesPerAction === 1 ? new Uint8Array(n) : this.bytesPerAction === 2 ? new Uint16Array(n) : new Int32Array(n);
  }
}
