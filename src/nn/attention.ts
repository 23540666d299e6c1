// Multi-head scaled dot-product attention, batch-first. Heads are folded into the batch axis
// ([B, L, D] → [B·heads, L, D/heads]) so every product is rank-3 with MATCHING batch dimensions: the gradient
// of a broadcast-batch matMul is wrong in tfjs (tensorflow/tfjs#8721). Keys and values can be projected
// once and reused (`keysValues` then `attend`), which is how the flow prior caches its observation.
//
// Speed (the prior's training step is mostly these layers): the projections that read the same input are ONE
// matMul against their weights concatenated at use time (Q|K|V for self-attention, K|V for a context; the
// stored variables stay wq, wk, wv, so checkpoints are unchanged), the heads of all projections are split by one
// transpose, the softmax weights are one custom-gradient op, and the batched products go through batchMatMul
// (a SIMD kernel on wasm).
import * as tf from '@tensorflow/tfjs';
import { batchMatMul } from './batchMatMul';
import { customOp } from './customOp';
import { Dense, dense } from './dense';
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

/**
 * P = softmax(scale · q·kᵀ) over the keys, q [G, Lq, d], k [G, Lk, d] → [G, Lq, Lk], with the backward pass
 * written out: dS = scale · P ⊙ (dP − Σ_keys dP ⊙ P), dq = dS·k, dk = dSᵀ·q.
 */
const attentionWeights = (scale: number) =>
  customOp(([q, k]: [tf.Tensor3D, tf.Tensor3D], save) => {
    const p = tf.softmax(tf.mul(batchMatMul(q, k, false, true), scale));
    save([q, k, p]);
    return {
      value: p,
      gradFunc: (dP, [sq, sk, sp]) => {
        const dS = tf.mul(tf.mul(sp, tf.sub(dP, tf.sum(tf.mul(dP, sp), -1, true))), scale) as tf.Tensor3D;
        return [batchMatMul(dS, sk as tf.Tensor3D), batchMatMul(dS, sq as tf.Tensor3D, true, false)];
      },
    };
  });

export class MultiHeadAttention {
  readonly wq: Dense;
  readonly wk: Dense;
  readonly wv: Dense;
  readonly wo: Dense;
  readonly headDim: number;
  private readonly weightsOf: (q: tf.Tensor3D, k: tf.Tensor3D) => tf.Tensor;

  constructor(
    scope: Scope,
    readonly width: number,
    readonly heads: number,
    readonly contextWidth = width,
  ) {
    if (width % heads !== 0) throw new Error(`attention: width ${width} is not divisible by heads ${heads}`);
    this.headDim = width / heads;
    this.weightsOf = attentionWeights(1 / Math.sqrt(this.headDim));
    this.wq = new Dense(scope.child('wq'), width, width, orthogonal(1));
    this.wk = new Dense(scope.child('wk'), contextWidth, width, orthogonal(1));
    this.wv = new Dense(scope.child('wv'), contextWidth, width, orthogonal(1));
    this.wo = new Dense(scope.child('wo'), width, width, orthogonal(1));
  }

  /**
   * x [B, L, in] through the projections `layers` in one matMul, split into heads: one [B·heads, L, D/heads]
   * per projection. Two rank-4 transposes, not one rank-5 one: tfjs-wasm transposes rank 5 in a generic loop,
   * ~150× slower ([64, 19, 3, 4, 16]: 23 ms against 0.15 ms).
   */
  private projectHeads(x: tf.Tensor3D, layers: Dense[]): tf.Tensor3D[] {
    const [b, l] = x.shape;
    const n = layers.length;
    const w = n === 1 ? layers[0].w : tf.concat(layers.map((d) => d.w), 1);
    const bias = n === 1 ? layers[0].b : tf.concat(layers.map((d) => d.b), 0);
    const projected = dense(x, w, bias); // [B, L, n·D]
    const byProjection = n === 1 ? projected : tf.transpose(tf.reshape(projected, [b, l, n, this.width]), [2, 0, 1, 3]); // [n, B, L, D]
    const perHead = tf.transpose(tf.reshape(byProjection, [n * b, l, this.heads, this.headDim]), [0, 2, 1, 3]); // [n·B, heads, L, D/heads]
    // tf.unstack into a single tensor has a broken gradient (Unpack's gradient stacks a lone dy), so one projection is a reshape.
    if (n === 1) return [tf.reshape(perHead, [b * this.heads, l, this.headDim])];
    return tf.unstack(tf.reshape(perHead, [n, b * this.heads, l, this.headDim])) as tf.Tensor3D[];
  }

  keysValues(context: tf.Tensor3D): KeyValues {
    return tf.tidy(() => {
      const [keys, values] = this.projectHeads(context, [this.wk, this.wv]);
      return { keys, values };
    });
  }

  /** Queries [B·heads, Lq, D/heads] over `kv` → the attention output [B, Lq, D] and the weights [B·heads, Lq, Lk]. */
  private mix(queries: tf.Tensor3D, kv: KeyValues, b: number): { out: tf.Tensor3D; weights: tf.Tensor3D } {
    const lq = queries.shape[1];
    const weights = this.weightsOf(queries, kv.keys) as tf.Tensor3D;
    const mixed = batchMatMul(weights, kv.values); // [B·heads, Lq, D/heads]
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [b, this.heads, lq, this.headDim]), [0, 2, 1, 3]), [b, lq, this.width]);
    return { out: this.wo.apply(merged) as tf.Tensor3D, weights };
  }

  attend(x: tf.Tensor3D, kv: KeyValues): AttentionResult {
    return tf.tidy(() => {
      const [b, lq] = x.shape;
      const [queries] = this.projectHeads(x, [this.wq]);
      const { out, weights } = this.mix(queries, kv, b);
      return { out, weights: tf.reshape(weights, [b, this.heads, lq, kv.keys.shape[1]]) as tf.Tensor4D };
    });
  }

  /** Self-attention (Q, K and V from one matMul) when `context` is omitted. */
  apply(x: tf.Tensor3D, context?: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      if (context) return this.mix(this.projectHeads(x, [this.wq])[0], this.keysValues(context), x.shape[0]).out;
      const [queries, keys, values] = this.projectHeads(x, [this.wq, this.wk, this.wv]);
      return this.mix(queries, { keys, values }, x.shape[0]).out;
    });
  }
}
