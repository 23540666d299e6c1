// Multi-head scaled dot-product attention, batch-first. Heads are folded into the batch axis
// ([B, L, D] → [B·heads, L, D/heads]) so every matMul is rank-3 with MATCHING batch dimensions: the gradient
// of a broadcast-batch matMul is wrong in tfjs (tensorflow/tfjs#8721). Keys and values can be projected
// once and reused (`keysValues` then `attend`), which is how the flow prior caches its observation.
import * as tf from '@tensorflow/tfjs';
import { Dense } from './dense';
import { orthogonal } from './init';
import type { Scope } from './scope';

/** Projected keys and values, heads folded into the batch: [B·heads, Lk, D/heads] each. */
export type KeyValues = {
  keys: tf.Tensor3D;
  values: tf.Tensor3D;
};

export interface AttentionResult {
  out: tf.Tensor3D;
  /** Softmax weights [B, heads, Lq, Lk]: how much each query looked at each key. */
  weights: tf.Tensor4D;
}

export class MultiHeadAttention {
  readonly wq: Dense;
  readonly wk: Dense;
  readonly wv: Dense;
  readonly wo: Dense;
  readonly headDim: number;

  constructor(
    scope: Scope,
    readonly width: number,
    readonly heads: number,
    contextWidth = width,
  ) {
    if (width % heads !== 0) throw new Error(`attention: width ${width} is not divisible by heads ${heads}`);
    this.headDim = width / heads;
    this.wq = new Dense(scope.child('wq'), width, width, orthogonal(1));
    this.wk = new Dense(scope.child('wk'), contextWidth, width, orthogonal(1));
    this.wv = new Dense(scope.child('wv'), contextWidth, width, orthogonal(1));
    this.wo = new Dense(scope.child('wo'), width, width, orthogonal(1));
  }

  /** [B, L, D] → [B·heads, L, D/heads]. */
  private splitHeads(x: tf.Tensor3D): tf.Tensor3D {
    const [b, l] = x.shape;
    const perHead = tf.transpose(tf.reshape(x, [b, l, this.heads, this.headDim]), [0, 2, 1, 3]);
    return tf.reshape(perHead, [b * this.heads, l, this.headDim]);
  }

  keysValues(context: tf.Tensor3D): KeyValues {
    return tf.tidy(() => ({ keys: this.splitHeads(this.wk.apply(context)), values: this.splitHeads(this.wv.apply(context)) }));
  }

  attend(x: tf.Tensor3D, kv: KeyValues): AttentionResult {
    return tf.tidy(() => {
      const [b, lq] = x.shape;
      const lk = kv.keys.shape[1];
      const q = this.splitHeads(this.wq.apply(x));
      const scores = tf.mul(tf.matMul(q, kv.keys, false, true), 1 / Math.sqrt(this.headDim));
      const weights = tf.softmax(scores); // [B·heads, Lq, Lk]
      const mixed = tf.matMul(weights, kv.values); // [B·heads, Lq, D/heads]
      const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [b, this.heads, lq, this.headDim]), [0, 2, 1, 3]), [b, lq, this.width]);
      return { out: this.wo.apply(merged) as tf.Tensor3D, weights: tf.reshape(weights, [b, this.heads, lq, lk]) as tf.Tensor4D };
    });
  }

  /** Self-attention when `context` is omitted. */
  apply(x: tf.Tensor3D, context: tf.Tensor3D = x): tf.Tensor3D {
    return tf.tidy(() => this.attend(x, this.keysValues(context)).out);
  }
}
