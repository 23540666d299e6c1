// Sinusoidal embedding of flow time τ ∈ [0, 1] (π0's choice of periods: 4e-3 … 4), fixed, not learned;
// the flow prior feeds it through an MLP.
import * as tf from '@tensorflow/tfjs';

const MIN_PERIOD = 4e-3;
const MAX_PERIOD = 4.0;

/** τ: a number (shared by the batch → [1, dim]) or [B] (→ [B, dim]); dim must be even. */
export function sinusoidalEmbedding(tau: number | tf.Tensor1D, dim: number): tf.Tensor2D {
  if (dim % 2 !== 0) throw new Error(`time embedding: dimension ${dim} is not even`);
  const half = dim / 2;
  const angularFreqs = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const period = MIN_PERIOD * Math.pow(MAX_PERIOD / MIN_PERIOD, half === 1 ? 0 : i / (half - 1));
    angularFreqs[i] = (2 * Math.PI) / period;
  }
  return tf.tidy(() => {
    const t = typeof tau === 'number' ? tf.tensor2d([[tau]]) : tf.reshape(tau, [-1, 1]);
    const angles = tf.mul(t, tf.tensor2d(angularFreqs, [1, half]));
    return tf.concat([tf.sin(angles), tf.cos(angles)], 1) as tf.Tensor2D;
  });
}
