// y = x·W + b on the last axis. Inputs of any rank are flattened to 2-D first: a differentiated matMul with
// broadcast batch dimensions has wrong gradients in tfjs (tensorflow/tfjs#8721), a 2-D one does not.
import * as tf from '@tensorflow/tfjs';
import { orthogonal, zeros, type Init } from './init';
import type { Scope } from './scope';

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
    const flat = shape.length === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inDim]);
    // matMul + add, not tf.fused.matMul: the fused op's extra reshapes and custom gradient cost more in
    // dispatch than the separate add saves at these sizes (wasm, 64–1216 rows).
    const y = tf.add(tf.matMul(flat as tf.Tensor2D, this.w as tf.Tensor2D), this.b);
    return (shape.length === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), this.outDim])) as T;
  }
}
