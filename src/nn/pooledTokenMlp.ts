// A permutation-aware DeepSets network over state tokens: embed each token (features + type + slot), a
// per-token tanh layer, mean-pool, then a tanh MLP to the output (CleanRL's 64-64 tanh shape). The strategy
// η_φ and the critic V share it and differ only in output size and output gain.
import * as tf from '@tensorflow/tfjs';
import { Dense } from './dense';
import { orthogonal } from './init';
import { Mlp } from './mlp';
import type { Scope } from './scope';
import { TokenEmbedding } from './tokenEmbedding';

export interface PooledTokenMlpOptions {
  featureDim: number;
  width: number;
  typeIds: readonly number[];
  numTypes: number;
  outDim: number;
  /** Orthogonal gain of the output layer (CleanRL: 0.01 for a policy, 1.0 for a value). */
  outGain: number;
}

const HIDDEN_GAIN = Math.SQRT2;

export class PooledTokenMlp {
  readonly embed: TokenEmbedding;
  readonly perToken: Dense;
  readonly head: Mlp;

  constructor(scope: Scope, o: PooledTokenMlpOptions) {
    this.embed = new TokenEmbedding(scope.child('embed'), o.featureDim, o.width, o.typeIds, o.numTypes);
    this.perToken = new Dense(scope.child('perToken'), o.width, o.width, orthogonal(HIDDEN_GAIN));
    this.head = new Mlp(scope.child('head'), [o.width, o.width, o.outDim], 'tanh', orthogonal(HIDDEN_GAIN), orthogonal(o.outGain));
  }

  /** tokens [B, N, featureDim] → [B, outDim]. */
  apply(tokens: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => {
      const h = tf.tanh(this.perToken.apply(tf.tanh(this.embed.apply(tokens))));
      return this.head.apply(tf.mean(h, 1) as tf.Tensor2D);
    });
  }
}
