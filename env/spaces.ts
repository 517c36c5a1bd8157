/**
 * Spaces: the sets observations and actions live in (Gymnasium's `gymnasium.spaces`).
 *
 * Values: Discrete -> number; MultiDiscrete -> Int32Array; Box -> Float32Array (row-major, `shape`);
 * Dict -> a plain object keyed like the space. `flatten` maps any value to a Float32Array of length
 * `flatdim` (Discrete and MultiDiscrete one-hot, as Gymnasium does), which is what agents consume.
 */
import { Rng } from './rng.js';

export type SpaceValue = number | Int32Array | Float32Array | { [key: string]: SpaceValue };

export interface SpaceJson {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface Space<T extends SpaceValue = SpaceValue> {
  readonly kind: 'discrete' | 'multi-discrete' | 'box' | 'dict';
  contains(x: unknown): x is T;
  /**
   * A random element drawn from the space's own generator (seed it with `seed`). For Discrete,
   * `mask` (length n, 1 = allowed) restricts the draw to allowed values; an all-zero mask gives `start`.
   */
  sample(mask?: ArrayLike<number>): T;
  seed(seed: number): void;
  readonly flatdim: number;
  /** Writes the flat encoding of `x` into `out` at `offset`; returns the next offset. */
  flattenInto(x: T, out: Float32Array, offset: number): number;
  toJSON(): SpaceJson;
}

export function flatten<T extends SpaceValue>(space: Space<T>, x: T): Float32Array {
  const out = new Float32Array(space.flatdim);
  space.flattenInto(x, out, 0);
  return out;
}

export function flatdim(space: Space): number {
  return space.flatdim;
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x);
}

export class Discrete implements Space<number> {
  readonly kind = 'discrete' as const;
  private rng: Rng;
  constructor(
    readonly n: number,
    readonly start = 0,
    seed = 0,
  ) {
    if (!isInt(n) || n <= 0) throw new RangeError(`Discrete: n must be a positive integer, got ${n}`);
    if (!isInt(start)) throw new RangeError(`Discrete: start must be an integer, got ${start}`);
    this.rng = new Rng(seed);
  }
  get flatdim(): number {
    return this.n;
  }
  contains(x: unknown): x is number {
    return isInt(x) && x >= this.start && x < this.start + this.n;
  }
  seed(seed: number): void {
    this.rng = new Rng(seed);
  }
  sample(mask?: ArrayLike<number>): number {
    if (mask === undefined) return this.start + this.rng.int(this.n);
    if (mask.length !== this.n) throw new RangeError(`Discrete.sample: mask length ${mask.length} != n ${this.n}`);
    const i = this.rng.categorical(mask);
    return this.start + (i < 0 ? 0 : i);
  }
  flattenInto(x: number, out: Float32Array, offset: number): number {
    out.fill(0, offset, offset + this.n);
    out[offset + x - this.start] = 1;
    return offset + this.n;
  }
  toJSON(): SpaceJson {
    return { type: 'Discrete', n: this.n, start: this.start };
  }
}

export class MultiDiscrete implements Space<Int32Array> {
  readonly kind = 'multi-discrete' as const;
  readonly nvec: Int32Array;
  readonly flatdim: number;
  private rng: Rng;
  constructor(nvec: ArrayLike<number>, seed = 0) {
    this.nvec = Int32Array.from(nvec);
    if (this.nvec.length === 0) throw new RangeError('MultiDiscrete: nvec must not be empty');
    for (const n of this.nvec) if (n <= 0) throw new RangeError(`MultiDiscrete: every n must be positive, got ${n}`);
    this.flatdim = this.nvec.reduce((a, b) => a + b, 0);
    this.rng = new Rng(seed);
  }
  contains(x: unknown): x is Int32Array {
    if (!(x instanceof Int32Array) || x.length !== this.nvec.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i]! < 0 || x[i]! >= this.nvec[i]!) return false;
    return true;
  }
  seed(seed: number): void {
    this.rng = new Rng(seed);
  }
  sample(): Int32Array {
    const out = new Int32Array(this.nvec.length);
    for (let i = 0; i < out.length; i++) out[i] = this.rng.int(this.nvec[i]!);
    return out;
  }
  flattenInto(x: Int32Array, out: Float32Array, offset: number): number {
    for (let i = 0; i < this.nvec.length; i++) {
      const n = this.nvec[i]!;
      out.fill(0, offset, offset + n);
      out[offset + x[i]!] = 1;
      offset += n;
    }
    return offset;
  }
  toJSON(): SpaceJson {
    return { type: 'MultiDiscrete', nvec: Array.from(this.nvec) };
  }
}

export class Box implements Space<Float32Array> {
  readonly kind = 'box' as const;
  readonly low: Float32Array;
  readonly high: Float32Array;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype = 'float32' as const;
  private rng: Rng;
  constructor(low: number | ArrayLike<number>, high: number | ArrayLike<number>, shape?: readonly number[], seed = 0) {
    const inferred =
      shape ?? (typeof low !== 'number' ? [low.length] : typeof high !== 'number' ? [high.length] : undefined);
    if (!inferred) throw new RangeError('Box: shape is required when both bounds are scalars');
    this.shape = [...inferred];
    this.size = this.shape.reduce((a, b) => a * b, 1);
    const expand = (v: number | ArrayLike<number>, what: string): Float32Array => {
      if (typeof v === 'number') return new Float32Array(this.size).fill(v);
      if (v.length !== this.size) throw new RangeError(`Box: ${what} has ${v.length} values, shape needs ${this.size}`);
      return Float32Array.from(v);
    };
    this.low = expand(low, 'low');
    this.high = expand(high, 'high');
    for (let i = 0; i < this.size; i++) {
      if (!(this.low[i]! <= this.high[i]!)) throw new RangeError(`Box: low[${i}] > high[${i}]`);
    }
    this.rng = new Rng(seed);
  }
  get flatdim(): number {
    return this.size;
  }
  contains(x: unknown): x is Float32Array {
    if (!(x instanceof Float32Array) || x.length !== this.size) return false;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      if (Number.isNaN(v) || v < this.low[i]! || v > this.high[i]!) return false;
    }
    return true;
  }
  seed(seed: number): void {
    this.rng = new Rng(seed);
  }
  /** As Gymnasium: uniform on bounded dims, exponential on half-bounded, normal on unbounded. */
  sample(): Float32Array {
    const out = new Float32Array(this.size);
    for (let i = 0; i < this.size; i++) {
      const lo = this.low[i]!;
      const hi = this.high[i]!;
      const loF = Number.isFinite(lo);
      const hiF = Number.isFinite(hi);
      let v: number;
      if (loF && hiF) v = this.rng.uniform(lo, hi);
      else if (loF) v = lo - Math.log(1 - this.rng.next());
      else if (hiF) v = hi + Math.log(1 - this.rng.next());
      else v = this.rng.normal();
      out[i] = Math.min(hi, Math.max(lo, v));
    }
    return out;
  }
  flattenInto(x: Float32Array, out: Float32Array, offset: number): number {
    out.set(x, offset);
    return offset + this.size;
  }
  toJSON(): SpaceJson {
    // JSON has no Infinity (JSON.stringify writes null), so unbounded dims are written 'inf' / '-inf'.
    const num = (v: number): number | string => (Number.isFinite(v) ? v : v > 0 ? 'inf' : '-inf');
    const bound = (a: Float32Array) => (a.every((v) => v === a[0]) ? num(a[0]!) : Array.from(a, num));
    return { type: 'Box', shape: [...this.shape], dtype: this.dtype, low: bound(this.low), high: bound(this.high) };
  }
}

export class Dict implements Space<{ [key: string]: SpaceValue }> {
  readonly kind = 'dict' as const;
  readonly keys: readonly string[];
  readonly flatdim: number;
  /** Keys are kept sorted, as Gymnasium does, so flattening order does not depend on insertion order. */
  constructor(readonly spaces: Readonly<Record<string, Space>>, seed = 0) {
    this.keys = Object.keys(spaces).sort();
    this.flatdim = this.keys.reduce((a, k) => a + spaces[k]!.flatdim, 0);
    this.seed(seed);
  }
  contains(x: unknown): x is { [key: string]: SpaceValue } {
    if (typeof x !== 'object' || x === null || ArrayBuffer.isView(x)) return false;
    const rec = x as Record<string, unknown>;
    if (Object.keys(rec).length !== this.keys.length) return false;
    return this.keys.every((k) => k in rec && this.spaces[k]!.contains(rec[k]));
  }
  seed(seed: number): void {
    const r = new Rng(seed);
    for (const k of this.keys) this.spaces[k]!.seed(r.nextSeed());
  }
  sample(): { [key: string]: SpaceValue } {
    const out: { [key: string]: SpaceValue } = {};
    for (const k of this.keys) out[k] = this.spaces[k]!.sample();
    return out;
  }
  flattenInto(x: { [key: string]: SpaceValue }, out: Float32Array, offset: number): number {
    for (const k of this.keys) offset = (this.spaces[k] as Space<SpaceValue>).flattenInto(x[k]!, out, offset);
    return offset;
  }
  toJSON(): SpaceJson {
    const spaces: Record<string, SpaceJson> = {};
    for (const k of this.keys) spaces[k] = this.spaces[k]!.toJSON();
    return { type: 'Dict', spaces };
  }
}
