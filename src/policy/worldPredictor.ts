// Φ: the world predictor. Ŝ_{t+1} = S_t + Φ(S_t, a_t). The action is embedded by an MLP to the token width
// and added to every token; a residual (pre-LN) transformer over the tokens outputs a 3-D displacement per
// token. The displacement head starts at ≈ 0, so an untrained Φ predicts "nothing moves".
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { NUM_TOKEN_TYPES, TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { Checkpointable } from '../nn/checkpoint';
import { Dense } from '../nn/dense';
import { orthogonal } from '../nn/init';
import { LayerNorm } from '../nn/layerNorm';
import { Mlp } from '../nn/mlp';
import { Scope } from '../nn/scope';
import { TokenEmbedding } from '../nn/tokenEmbedding';
import { TransformerBlock } from '../nn/transformerBlock';

const MLP_RATIO = 2;
const OUTPUT_GAIN = 0.01;

export type WorldPredictorConfig = {
  numTokens: number;
  tokenTypes: number[];
  actionDim: number;
  width: number;
  depth: number;
  heads: number;
};

export function worldPredictorConfig(c: Config, spec: TaskSpec): WorldPredictorConfig {
  return { numTokens: spec.numTokens, tokenTypes: Array.from(spec.tokenTypes), actionDim: spec.actionDim, width: c.worldWidth, depth: c.worldDepth, heads: c.worldHeads };
}

export class WorldPredictor implements Checkpointable {
  readonly name = 'world';
  private readonly scope: Scope;
  private readonly tokenEmbed: TokenEmbedding;
  private readonly actionEmbed: Mlp;
  private readonly blocks: TransformerBlock[];
  private readonly norm: LayerNorm;
  private readonly displacementOut: Dense;

  constructor(
    readonly config: WorldPredictorConfig,
    seed: number,
  ) {
    const c = config;
    if (c.tokenTypes.length !== c.numTokens) throw new Error(`world: tokenTypes has ${c.tokenTypes.length} entries, numTokens is ${c.numTokens}`);
    this.scope = Scope.root(this.name, seed);
    this.tokenEmbed = new TokenEmbedding(this.scope.child('embed'), TOKEN_DIM, c.width, c.tokenTypes, NUM_TOKEN_TYPES);
    this.actionEmbed = new Mlp(this.scope.child('action'), [c.actionDim, c.width, c.width], 'silu', orthogonal(1), orthogonal(1));
    this.blocks = Array.from({ length: c.depth }, (_, i) => new TransformerBlock(this.scope.child(`block${i}`), { width: c.width, heads: c.heads, mlpRatio: MLP_RATIO }));
    this.norm = new LayerNorm(this.scope.child('norm'), c.width);
    this.displacementOut = new Dense(this.scope.child('out'), c.width, TOKEN_DIM, orthogonal(OUTPUT_GAIN));
  }

  get variables() {
    return this.scope.variables;
  }

  /** Φ(S_t, a_t): tokens [B, N, 3], action [B, A] → displacement [B, N, 3]. */
  displacement(tokens: tf.Tensor3D, action: tf.Tensor2D): tf.Tensor3D {
    const [b] = tokens.shape;
    return tf.tidy(() => {
      const act = tf.reshape(this.actionEmbed.apply(action), [b, 1, this.config.width]);
      let x = tf.add(this.tokenEmbed.apply(tokens), act) as tf.Tensor3D;
      for (const block of this.blocks) x = block.apply(x);
      return this.displacementOut.apply(this.norm.apply(x));
    });
  }

  /** Ŝ_{t+1} = S_t + Φ(S_t, a_t). */
  predict(tokens: tf.Tensor3D, action: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.add(tokens, this.displacement(tokens, action)));
  }

  dispose(): void {
    this.scope.dispose();
  }
}

/** Dynamics loss MSE(S_t + Φ(S_t, a_t), S_{t+1}), mean over batch, tokens and axes. */
export function dynamicsLoss(world: WorldPredictor, tokens: tf.Tensor3D, action: tf.Tensor2D, nextTokens: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(world.predict(tokens, action), nextTokens))) as tf.Scalar);
}
