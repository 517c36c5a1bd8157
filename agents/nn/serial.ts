/**
 * How numeric state is written into a checkpoint or a saved policy: float32 arrays as base64 of
 * their little-endian bytes (bit for bit, so a resumed run continues exactly), and a seeded
 * generator's state as `Rng.getState()` returns it.
 */
import type { Rng } from '../../env/rng.js';

/** A generator's saved state, as `Rng.getState()` returns it and `Rng.setState()` takes it. */
export type SerialRng = ReturnType<Rng['getState']>;

export function f32ToBase64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

export function base64ToF32(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  const out = new Float32Array(buf.byteLength / 4);
  new Uint8Array(out.buffer).set(buf);
  return out;
}
