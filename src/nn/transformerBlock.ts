// Pre-LN transformer block: x += SelfAttn(LN(x)); [x += CrossAttn(LN(x), context)]; x += MLP(LN(x)).
// Pre-LN keeps the residual stream an identity path at initialisation, which trains stably without warm-up.
import * as tf from '@tensorflow/tfjs';
import { type KeyValues, MultiHeadAttention } from './attention';
import { orthogonal } from './init';
import { LayerNorm } from './layerNorm';
import { Mlp } from './mlp';
import type { Scope } from './scope';

export interface TransformerBlockOptions {
  width: number;
  heads: number;
  /** Hidden width of the MLP = mlpRatio · width. */
  mlpRatio: number;
  /** Adds a cross-attention sublayer over a context of this width. */
  crossWidth?: number;
}

export class TransformerBlock {
  readonly norm1: LayerNorm;
  readonly attn: MultiHeadAttention;
  readonly crossNorm?: LayerNorm;
  readonly crossAttn?: MultiHeadAttention;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;

  constructor(scope: Scope, o: TransformerBlockOptions) {
    this.norm1 = new LayerNorm(scope.child('norm1'), o.width);
    this.attn = new MultiHeadAttention(scope.child('attn'), o.width, o.heads);
    if (o.crossWidth !== undefined) {
      this.crossNorm = new LayerNorm(scope.child('crossNorm'), o.width);
      this.crossAttn = new MultiHeadAttention(scope.child('crossAttn'), o.width, o.heads, o.crossWidth);
    }
    this.norm2 = new LayerNorm(scope.child('norm2'), o.width);
    this.mlp = new Mlp(scope.child('mlp'), [o.width, o.mlpRatio * o.width, o.width], 'silu', orthogonal(1), orthogonal(1));
  }

  /** The cross-attention keys/values of a context, computed once and reused across calls to `apply`. */
  contextKeysValues(context: tf.Tensor3D): KeyValues {
    if (!this.crossAttn) throw new Error('TransformerBlock: this block has no cross-attention');
    return this.crossAttn.keysValues(context);
  }

  apply(x: tf.Tensor3D, context?: KeyValues): tf.Tensor3D {
    if (this.crossAttn && !context) throw new Error('TransformerBlock: a cross-attention block needs its context keys/values');
    return tf.tidy(() => {
      // Each residual add happens inside the sublayer's output projection (one kernel, see Dense).
      let h = this.attn.apply(this.norm1.apply(x), undefined, x);
      if (this.crossAttn && this.crossNorm && context) h = this.crossAttn.attend(this.crossNorm.apply(h), context, h).out;
      return this.mlp.apply(this.norm2.apply(h), h);
    });
  }
}
