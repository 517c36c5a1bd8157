/**
 * Seeded weight initialisation, computed in plain JS so the initial policy is a pure function of
 * the seed whatever tfjs backend later trains it.
 *
 * `orthogonal` follows PyTorch's `nn.init.orthogonal_` (Saxe et al. 2014), which CleanRL's
 * `layer_init` uses for PPO: draw a Gaussian matrix, take Q of its QR decomposition, fix the signs
 * with diag(R) so the result is uniformly distributed over orthogonal matrices, and scale by `gain`.
 */
import type { Rng } from '../../env/rng.js';

/**
 * A `rows × cols` row-major matrix with orthonormal columns (rows >= cols) or orthonormal rows
 * (rows < cols), times `gain`.
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // long side
  const n = tall ? cols : rows; // short side
  // Column-major m × n Gaussian; modified Gram–Schmidt gives Q (m × n) and diag(R).
  const q = new Float64Array(m * n);
  for (let i = 0; i < m * n; i++) q[i] = rng.normal();
  for (let j = 0; j < n; j++) {
    const cj = j * m;
    for (let k = 0; k < j; k++) {
      const ck = k * m;
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[ck + i]! * q[cj + i]!;
      for (let i = 0; i < m; i++) q[cj + i]! -= dot * q[ck + i]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[cj + i]! * q[cj + i]!;
    norm = Math.sqrt(norm);
    // R[j][j] = norm > 0, so the sign fix of PyTorch (multiply by sign(diag R)) is the identity here;
    // a zero column (probability 0) would stay zero.
    const inv = norm > 0 ? 1 / norm : 0;
    for (let i = 0; i < m; i++) q[cj + i]! *= inv;
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // tall: out[r][c] = Q[r][c]; wide: out = Q^T, so out[r][c] = Q[c][r].
      out[r * cols + c] = gain * (tall ? q[c * m + r]! : q[r * m + c]!);
    }
  }
  return out;
}
