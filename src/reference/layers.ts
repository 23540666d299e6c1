// REFERENCE ONLY: the layers' forward passes as they were before issue 16 (tfjs ops taped one by one, Q, K and
// V as three matMuls, attention products through tf.matMul, residual adds apart), kept so that `sagr bench` can time the old path
// beside the new one in one process and the tests can check the new layers against them (values and gradients).
// Nothing in training or inference uses it. `withReferenceLayers(f)` runs `f` with these bodies in place of the
// layers' own (the modules and their variables stay the same objects), so a whole module — the flow prior, Φ,
// the reflex — runs on the old path without a copy of its code.
import * as tf from '@tensorflow/tfjs';
import { type AttentionResult, type KeyValues, MultiHeadAttention } from '../nn/attention';
import { Dense } from '../nn/dense';
import { LayerNorm } from '../nn/layerNorm';
import { type Activation, Mlp } from '../nn/mlp';
import { TransformerBlock } from '../nn/transformerBlock';
import { withoutSimdLoops } from '../engine/wasmSimd';

const LN_EPS = 1e-5;

function denseApply<T extends tf.Tensor>(this: Dense, x: T): T {
  const shape = x.shape;
  const flat = shape.length === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, this.inDim]);
  const y = tf.add(tf.matMul(flat as tf.Tensor2D, this.w as tf.Tensor2D), this.b);
  return (shape.length === 2 ? y : tf.reshape(y, [...shape.slice(0, -1), this.outDim])) as T;
}

function layerNormApply<T extends tf.Tensor>(this: LayerNorm, x: T): T {
  return tf.tidy(() => {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, LN_EPS))), this.gain), this.bias) as T;
  });
}

function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case 'silu':
      return tf.mul(x, tf.sigmoid(x));
    case 'tanh':
      return tf.tanh(x);
    case 'relu':
      return tf.relu(x);
  }
}

function mlpApply<T extends tf.Tensor>(this: Mlp, x: T): T {
  return tf.tidy(() => {
    let h = x;
    this.layers.forEach((layer, i) => {
      h = layer.apply(h);
      if (i + 1 < this.layers.length) h = activate(h, this.activation);
    });
    return h;
  });
}

/** [B, L, D] → [B·heads, L, D/heads]. */
function splitHeads(attn: MultiHeadAttention, x: tf.Tensor3D): tf.Tensor3D {
  const [b, l] = x.shape;
  const perHead = tf.transpose(tf.reshape(x, [b, l, attn.heads, attn.headDim]), [0, 2, 1, 3]);
  return tf.reshape(perHead, [b * attn.heads, l, attn.headDim]);
}

function keysValues(this: MultiHeadAttention, context: tf.Tensor3D): KeyValues {
  return tf.tidy(() => ({ keys: splitHeads(this, this.wk.apply(context)), values: splitHeads(this, this.wv.apply(context)) }));
}

function attend(this: MultiHeadAttention, x: tf.Tensor3D, kv: KeyValues): AttentionResult {
  return tf.tidy(() => {
    const [b, lq] = x.shape;
    const lk = kv.keys.shape[1];
    const q = splitHeads(this, this.wq.apply(x));
    const scores = tf.mul(tf.matMul(q, kv.keys, false, true), 1 / Math.sqrt(this.headDim));
    const weights = tf.softmax(scores);
    const mixed = tf.matMul(weights, kv.values);
    const merged = tf.reshape(tf.transpose(tf.reshape(mixed, [b, this.heads, lq, this.headDim]), [0, 2, 1, 3]), [b, lq, this.width]);
    return { out: this.wo.apply(merged) as tf.Tensor3D, weights: tf.reshape(weights, [b, this.heads, lq, lk]) as tf.Tensor4D };
  });
}

function attentionApply(this: MultiHeadAttention, x: tf.Tensor3D, context: tf.Tensor3D = x): tf.Tensor3D {
  return tf.tidy(() => this.attend(x, this.keysValues(context)).out);
}

function blockApply(this: TransformerBlock, x: tf.Tensor3D, context?: KeyValues): tf.Tensor3D {
  return tf.tidy(() => {
    let h = tf.add(x, this.attn.apply(this.norm1.apply(x))) as tf.Tensor3D;
    if (this.crossAttn && this.crossNorm && context) h = tf.add(h, this.crossAttn.attend(this.crossNorm.apply(h), context).out);
    return tf.add(h, this.mlp.apply(this.norm2.apply(h))) as tf.Tensor3D;
  });
}

const REFERENCE: [object, string, unknown][] = [
  [TransformerBlock.prototype, 'apply', blockApply],
  [Dense.prototype, 'apply', denseApply],
  [LayerNorm.prototype, 'apply', layerNormApply],
  [Mlp.prototype, 'apply', mlpApply],
  [MultiHeadAttention.prototype, 'keysValues', keysValues],
  [MultiHeadAttention.prototype, 'attend', attend],
  [MultiHeadAttention.prototype, 'apply', attentionApply],
];

/**
 * Runs `f` (and waits for it) with every layer on its pre-issue-16 forward pass and BatchMatMul and Sum on tfjs's own
 * kernels (engine/wasmSimd.ts), then restores the current ones.
 */
export async function withReferenceLayers<T>(f: () => T | Promise<T>): Promise<T> {
  const current = REFERENCE.map(([proto, method]) => (proto as Record<string, unknown>)[method]);
  REFERENCE.forEach(([proto, method, body]) => ((proto as Record<string, unknown>)[method] = body));
  try {
    return await withoutSimdLoops(f);
  } finally {
    REFERENCE.forEach(([proto, method], i) => ((proto as Record<string, unknown>)[method] = current[i]));
  }
}
