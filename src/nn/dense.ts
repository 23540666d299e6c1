// y = x·W + b on the last axis, as one custom-gradient op: inputs of any rank are flattened to 2-D rows inside it
// (a differentiated matMul with broadcast batch dimensions has wrong gradients in tfjs, tensorflow/tfjs#8721;
// a 2-D one does not), and the backward pass is written out:
//   dx = dy·Wᵀ,  dW = xᵀ·dy,  db = Σ_rows dy.
// On the tape that is one node saving x and W, instead of a matMul and a broadcast add (four saved clones, and
// the add's reshape-and-sum gradient): ~8 kernels per layer per training step instead of ~15.
import * as tf from '@tensorflow/tfjs';
import { customOp } from './customOp';
import { orthogonal, zeros, type Init } from './init';
import type { Scope } from './scope';

/** x [..., in] · w [in, out] + b [out], differentiable in all three. */
export const dense = customOp(([x, w, b]: [tf.Tensor, tf.Tensor, tf.Tensor], save) => {
  const shape = x.shape;
  const [inDim, outDim] = w.shape;
  const rows = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]);
  // matMul + add, not tf.fused.matMul: the fused op's extra reshapes and custom gradient cost more in dispatch
  // than the separate add saves at these sizes (wasm, 64–1216 rows).
  const y = tf.add(tf.matMul(rows as tf.Tensor2D, w as tf.Tensor2D), b);
  save([rows, w]);
  return {
    value: x.rank === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), outDim]),
    gradFunc: (dy, [savedRows, savedW]) => {
      const dyRows = (dy.rank === 2 ? dy : tf.reshape(dy, [-1, outDim])) as tf.Tensor2D;
      const dRows = tf.matMul(dyRows, savedW as tf.Tensor2D, false, true);
      return [dy.rank === 2 ? dRows : tf.reshape(dRows, shape), tf.matMul(savedRows as tf.Tensor2D, dyRows, true, false), tf.sum(dyRows, 0)];
    },
  };
});

export class Dense {
  readonly w: tf.Variable;
  readonly b: tf.Variable;

  constructor(
    scope: Scope,
    readonly inDim: number,
    readonly outDim: number,
    init: Init = orthogonal(1),
  ) {
    this.w = scope.variable('w', [inDim, outDim], init);
    this.b = scope.variable('b', [outDim], zeros);
  }

  apply<T extends tf.Tensor>(x: T): T {
    const shape = x.shape;
    if (shape[shape.length - 1] !== this.inDim) throw new Error(`Dense: expected last dimension ${this.inDim}, got [${shape.join(', ')}]`);
    return dense(x, this.w, this.b) as T;
  }
}
