// Gaussian tensors drawn from our seeded Rng in JS, so a seed gives the same numbers on every backend.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';

/** Standard normal values of `shape`, row-major, consuming shape-product draws from `rng`. */
export function gaussianTensor<R extends tf.Rank>(rng: Rng, shape: readonly number[]): tf.Tensor<R> {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  rng.fillNormal(values);
  return tf.tensor(values, shape as number[], 'float32') as unknown as tf.Tensor<R>;
}
