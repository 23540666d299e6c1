// x broadcast to a larger shape, differentiably. tf.broadcastTo runs Tile, whose gradient is one slice and one add
// per repeat (at a batch of 256, 512 kernels); a product with ones has one sum over the broadcast axes instead, adding
// the same terms in the same order, and 1·x is x, so forward and gradient give the same numbers bit for bit.
import * as tf from '@tensorflow/tfjs';

/** x [..] broadcast to `shape` (numpy rules), with a one-sum gradient. */
export function repeat<R extends tf.Rank>(x: tf.Tensor, shape: readonly number[]): tf.Tensor<R> {
  return tf.tidy(() => tf.mul(x, tf.ones(shape as number[])) as tf.Tensor<R>);
}
