// Layer normalisation over the last axis with a learned gain and bias.
import * as tf from '@tensorflow/tfjs';
import { ones, zeros } from './init';
import type { Scope } from './scope';

const EPS = 1e-5;

export class LayerNorm {
  readonly gain: tf.Variable;
  readonly bias: tf.Variable;

  constructor(scope: Scope, width: number) {
    this.gain = scope.variable('gain', [width], ones);
    this.bias = scope.variable('bias', [width], zeros);
  }

  apply<T extends tf.Tensor>(x: T): T {
    return tf.tidy(() => {
      const centred = tf.sub(x, tf.mean(x, -1, true));
      const variance = tf.mean(tf.square(centred), -1, true);
      return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, EPS))), this.gain), this.bias) as T;
    });
  }
}
