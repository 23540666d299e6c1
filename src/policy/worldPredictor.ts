// Φ: the world predictor. Ŝ_{t+1} = S_t + Φ(S_t, a_t). The action is embedded by an MLP to the token width
// and added to every token; a residual (pre-LN) transformer over the tokens outputs a 3-D displacement per
// token. The displacement head starts at ≈ 0, so an untrained Φ predicts "nothing moves".
//
// With `motion` (the default for new predictors), Φ also sees how things were moving: each token carries its
// last displacement S_t − S_{t−1} (×MOTION_SCALE) beside its position, and the action MLP reads the previous
// commanded action a_{t−1} beside a_t. Positions alone cannot tell a PD pusher's velocity, and without it the
// pusher's one-step prediction is noisy, which the reflex would mistake for an action error. At an episode's
// start S_{t−1} = S_t and a_{t−1} = the pusher's own position (at rest, holding still).
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
/** A control step moves a token ~0.01–0.1 normalised units: this brings displacements to the scale of positions. */
const MOTION_SCALE = 10;

export type WorldPredictorConfig = {
  numTokens: number;
  tokenTypes: number[];
  actionDim: number;
  width: number;
  depth: number;
  heads: number;
  /** Sees S_{t−1} and a_{t−1} too (checkpoints from before this field hold false). */
  motion?: boolean;
};

export function worldPredictorConfig(c: Config, spec: TaskSpec): WorldPredictorConfig {
  return { numTokens: spec.numTokens, tokenTypes: Array.from(spec.tokenTypes), actionDim: spec.actionDim, width: c.worldWidth, depth: c.worldDepth, heads: c.worldHeads, motion: c.worldMotion };
}

/** What Φ reads for one transition: S_t [B, N, 3], a_t [B, A], and (used with `motion`) S_{t−1} and a_{t−1}. */
export type WorldInput = {
  tokens: tf.Tensor3D;
  action: tf.Tensor2D;
  prevTokens: tf.Tensor3D;
  prevAction: tf.Tensor2D;
};

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
    const inputs = c.motion ? 2 : 1;
    this.tokenEmbed = new TokenEmbedding(this.scope.child('embed'), inputs * TOKEN_DIM, c.width, c.tokenTypes, NUM_TOKEN_TYPES);
    this.actionEmbed = new Mlp(this.scope.child('action'), [inputs * c.actionDim, c.width, c.width], 'silu', orthogonal(1), orthogonal(1));
    this.blocks = Array.from({ length: c.depth }, (_, i) => new TransformerBlock(this.scope.child(`block${i}`), { width: c.width, heads: c.heads, mlpRatio: MLP_RATIO }));
    this.norm = new LayerNorm(this.scope.child('norm'), c.width);
    this.displacementOut = new Dense(this.scope.child('out'), c.width, TOKEN_DIM, orthogonal(OUTPUT_GAIN));
  }

  get variables() {
    return this.scope.variables;
  }

  /** Φ(S_t, a_t) → displacement [B, N, 3]. */
  displacement(x: WorldInput): tf.Tensor3D {
    const [b] = x.tokens.shape;
    return tf.tidy(() => {
      const tokens = this.config.motion ? tf.concat([x.tokens, tf.mul(tf.sub(x.tokens, x.prevTokens), MOTION_SCALE)], 2) : x.tokens;
      const action = this.config.motion ? tf.concat([x.action, x.prevAction], 1) : x.action;
      const act = tf.reshape(this.actionEmbed.apply(action as tf.Tensor2D), [b, 1, this.config.width]);
      let h = tf.add(this.tokenEmbed.apply(tokens as tf.Tensor3D), act) as tf.Tensor3D;
      for (const block of this.blocks) h = block.apply(h);
      return this.displacementOut.apply(this.norm.apply(h));
    });
  }

  /** Ŝ_{t+1} = S_t + Φ(S_t, a_t). */
  predict(x: WorldInput): tf.Tensor3D {
    return tf.tidy(() => tf.add(x.tokens, this.displacement(x)));
  }

  dispose(): void {
    this.scope.dispose();
  }
}

/** Dynamics loss MSE(S_t + Φ(S_t, a_t), S_{t+1}), mean over batch, tokens and axes. */
export function dynamicsLoss(world: WorldPredictor, x: WorldInput, nextTokens: tf.Tensor3D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.square(tf.sub(world.predict(x), nextTokens))) as tf.Scalar);
}
