// tf.customGrad with typed inputs. A custom-gradient op is one node on the gradient tape: its forward kernels
// run untaped (no saved clones for each of them) and its backward pass is the one written out, usually far
// fewer kernels than the chain rule through every elementwise op.
import * as tf from '@tensorflow/tfjs';

export type CustomOpResult = { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/** An op `(...inputs) → value` whose gradFunc returns one gradient per input, in order. */
export function customOp<I extends tf.Tensor[]>(f: (inputs: I, save: tf.GradSaveFunc) => CustomOpResult): (...inputs: I) => tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => f(args.slice(0, -1) as I, args[args.length - 1] as tf.GradSaveFunc));
  return (...inputs: I) => op(...inputs);
}
