// Seeded weight initialisers, computed in JS from our own Rng so a given seed gives the same weights on
// every backend (tfjs has no global seed). Orthogonal with a gain follows CleanRL (torch.nn.init.orthogonal_):
// √2 on hidden layers, 0.01 on policy outputs (≈ zero at step 0), 1.0 on the value output.
import { Rng } from '../core/rng';

export type Init = { kind: 'orthogonal'; gain: number } | { kind: 'normal'; std: number } | { kind: 'zeros' } | { kind: 'ones' };

export const orthogonal = (gain: number): Init => ({ kind: 'orthogonal', gain });
export const normal = (std: number): Init => ({ kind: 'normal', std });
export const zeros: Init = { kind: 'zeros' };
export const ones: Init = { kind: 'ones' };

/** Values for a tensor of `shape` (row-major), drawn from `seed`. Orthogonal needs a 2-D shape [in, out]. */
export function initValues(shape: readonly number[], init: Init, seed: number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(size);
  switch (init.kind) {
    case 'zeros':
      return out;
    case 'ones':
      return out.fill(1);
    case 'normal':
      new Rng(seed).fillNormal(out, 0, init.std);
      return out;
    case 'orthogonal':
      if (shape.length !== 2) throw new Error(`orthogonal init: expected a 2-D shape, got [${shape.join(', ')}]`);
      return orthogonalMatrix(shape[0], shape[1], init.gain, new Rng(seed));
  }
}

/**
 * A rows×cols matrix with orthonormal columns (rows ≥ cols) or rows (rows < cols), times `gain`: the Q of a
 * Gaussian matrix's QR decomposition with R's diagonal made positive, which modified Gram–Schmidt gives directly.
 */
function orthogonalMatrix(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  // q[j] is the j-th of m orthonormal vectors of length n.
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = rng.normal();
    for (let pass = 0; pass < 2; pass++) {
      // Re-orthogonalise once more: plain Gram–Schmidt loses orthogonality in float round-off.
      for (const u of q) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += u[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * u[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) v[i] /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
  }
  return out;
}
