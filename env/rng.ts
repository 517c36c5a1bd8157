/**
 * Seeded pseudo-random numbers for everything in rome-gym.
 *
 * Every random draw in the project comes from an `Rng`. It wraps seedrandom's Alea generator, whose
 * whole state is four numbers, so an environment or a training run can save and restore it exactly
 * (checkpoints, `cloneState()`), and the same seed gives the same stream on every platform.
 */
import seedrandom from 'seedrandom';

export interface RngState {
  readonly c: number;
  readonly s0: number;
  readonly s1: number;
  readonly s2: number;
}

type AleaPrng = seedrandom.StatefulPRNG<seedrandom.State.Alea>;

export class Rng {
  private prng: AleaPrng;
  private spareNormal: number | null = null;

  constructor(seed: number | string) {
    this.prng = seedrandom.alea(String(seed), { state: true }) as unknown as AleaPrng;
  }

  /** A generator whose stream is a pure function of this seed and a label (for sub-streams). */
  static derive(seed: number | string, label: string): Rng {
    return new Rng(`${seed}/${label}`);
  }

  /** A fresh integer seed drawn from this stream (used to seed child generators and tfjs ops). */
  nextSeed(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.prng() < p;
  }

  /** Standard normal (Marsaglia polar method; the spare value is part of the state). */
  normal(): number {
    if (this.spareNormal !== null) {
      const s = this.spareNormal;
      this.spareNormal = null;
      return s;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.prng() - 1;
      v = 2 * this.prng() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const m = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * m;
    return u * m;
  }

  /** Index drawn from unnormalised non-negative weights; -1 when all weights are zero. */
  categorical(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    if (!(total > 0)) return -1;
    let r = this.prng() * total;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (w <= 0) continue;
      last = i;
      r -= w;
      if (r < 0) return i;
    }
    return last;
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i]!;
      items[i] = items[j]!;
      items[j] = t as never;
    }
  }

  getState(): { alea: RngState; spareNormal: number | null } {
    const s = this.prng.state();
    return { alea: { c: s.c, s0: s.s0, s1: s.s1, s2: s.s2 }, spareNormal: this.spareNormal };
  }

  setState(state: { alea: RngState; spareNormal: number | null }): void {
    this.prng = seedrandom.alea('', { state: { ...state.alea } }) as unknown as AleaPrng;
    this.spareNormal = state.spareNormal;
  }

  clone(): Rng {
    const r = new Rng(0);
    r.setState(this.getState());
    return r;
  }
}
