// b_ψ: the geometric reflex. Each token becomes [Δz_t, Δz_{t−1}, …, Δz_{t−k+1}]·scale ⊕ position (the last k
// residuals, newest first; k = history, zeros before the episode's first prediction) → linear embedding + type +
// slot embedding, then a per-token MLP (so a key can depend on |Δz|, not only linearly on it). One residual is
// noisy and a persistent error shows over several steps, so the history lets the reflex average or integrate. Learnable action
// queries cross-attend over these tokens; the attended summary goes through an MLP and a near-zero output head
// to the correction b [B, A]. The attention weights are returned too: the UI draws which tokens the reflex
// looked at.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { NUM_TOKEN_TYPES, TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import { MultiHeadAttention } from '../nn/attention';
import type { Checkpointable } from '../nn/checkpoint';
import { Dense } from '../nn/dense';
import { normal, orthogonal } from '../nn/init';
import { LayerNorm } from '../nn/layerNorm';
import { Mlp } from '../nn/mlp';
import { repeat } from '../nn/repeat';
import { Scope } from '../nn/scope';
import { TokenEmbedding } from '../nn/tokenEmbedding';

const MLP_RATIO = 2;
/** Residual-policy practice (ResiP, CleanRL's policy head): the correction starts at ≈ 0. */
const OUTPUT_GAIN = 0.01;
/** Queries are layer-normed before use, so their scale only breaks the symmetry between them. */
const QUERY_STD = 1;

export type ReflexConfig = {
  numTokens: number;
  tokenTypes: number[];
  actionDim: number;
  width: number;
  heads: number;
  queries: number;
  deltaScale: number;
  /** k, residuals per token in the input (checkpoints from before this field hold 1). */
  history?: number;
};

/** k of a reflex config. */
export const reflexHistory = (c: ReflexConfig): number => c.history ?? 1;

export function reflexConfig(c: Config, spec: TaskSpec): ReflexConfig {
  return {
    numTokens: spec.numTokens,
    tokenTypes: Array.from(spec.tokenTypes),
    actionDim: spec.actionDim,
    width: c.reflexWidth,
    heads: c.reflexHeads,
    queries: c.reflexQueries,
    deltaScale: c.reflexDeltaScale,
    history: c.reflexHistory,
  };
}

export type ReflexOutput = {
  /** b_ψ(Δz, S) [B, A]. */
  correction: tf.Tensor2D;
  /** Attention of each query over the tokens [B, heads, Q, N]. */
  attention: tf.Tensor4D;
};

export class Reflex implements Checkpointable {
  readonly name = 'reflex';
  private readonly scope: Scope;
  private readonly tokenEmbed: TokenEmbedding;
  private readonly tokenNorm: LayerNorm;
  private readonly tokenMlp: Mlp;
  private readonly keyNorm: LayerNorm;
  private readonly queries: tf.Variable;
  private readonly queryNorm: LayerNorm;
  private readonly attn: MultiHeadAttention;
  private readonly outNorm: LayerNorm;
  private readonly outMlp: Mlp;
  private readonly correctionOut: Dense;

  constructor(
    readonly config: ReflexConfig,
    seed: number,
  ) {
    const c = config;
    if (c.tokenTypes.length !== c.numTokens) throw new Error(`reflex: tokenTypes has ${c.tokenTypes.length} entries, numTokens is ${c.numTokens}`);
    const k = reflexHistory(c);
    if (!Number.isInteger(k) || k < 1) throw new Error(`reflex: history ${k} is not a positive integer`);
    this.scope = Scope.root(this.name, seed);
    const s = this.scope;
    this.tokenEmbed = new TokenEmbedding(s.child('embed'), (k + 1) * TOKEN_DIM, c.width, c.tokenTypes, NUM_TOKEN_TYPES);
    this.tokenNorm = new LayerNorm(s.child('tokenNorm'), c.width);
    this.tokenMlp = new Mlp(s.child('tokenMlp'), [c.width, MLP_RATIO * c.width, c.width], 'silu', orthogonal(1), orthogonal(1));
    this.keyNorm = new LayerNorm(s.child('keyNorm'), c.width);
    this.queries = s.variable('queries', [c.queries, c.width], normal(QUERY_STD));
    this.queryNorm = new LayerNorm(s.child('queryNorm'), c.width);
    this.attn = new MultiHeadAttention(s.child('attn'), c.width, c.heads);
    this.outNorm = new LayerNorm(s.child('outNorm'), c.width);
    this.outMlp = new Mlp(s.child('outMlp'), [c.width, MLP_RATIO * c.width, c.width], 'silu', orthogonal(1), orthogonal(1));
    this.correctionOut = new Dense(s.child('out'), c.queries * c.width, c.actionDim, orthogonal(OUTPUT_GAIN));
  }

  get variables() {
    return this.scope.variables;
  }

  /** The residual features per token: 3·k values (the last k Δz = S_actual − Ŝ_predicted, newest first). */
  get inputDim(): number {
    return TOKEN_DIM * reflexHistory(this.config);
  }

  /** deltaZ [B, N, 3·k] (see inputDim), tokens [B, N, 3] (S_t) → correction and attention. */
  apply(deltaZ: tf.Tensor3D, tokens: tf.Tensor3D): ReflexOutput {
    const { queries, width } = this.config;
    const [b] = tokens.shape;
    return tf.tidy(() => {
      let x = this.tokenEmbed.apply(tf.concat([tf.mul(deltaZ, this.config.deltaScale), tokens], 2) as tf.Tensor3D);
      x = tf.add(x, this.tokenMlp.apply(this.tokenNorm.apply(x)));
      const kv = this.attn.keysValues(this.keyNorm.apply(x));
      const q = repeat<tf.Rank.R3>(this.queries, [b, queries, width]);
      const { out, weights } = this.attn.attend(this.queryNorm.apply(q), kv);
      let h = tf.add(q, out) as tf.Tensor3D;
      h = tf.add(h, this.outMlp.apply(this.outNorm.apply(h)));
      return { correction: this.correctionOut.apply(tf.reshape(h, [b, queries * width]) as tf.Tensor2D), attention: weights };
    });
  }

  dispose(): void {
    this.scope.dispose();
  }
}

/**
 * Stage-1 hindsight loss E‖b_ψ(Δz, S_t) + ε‖² (sum over action dims, mean over the batch), where ε [B, A] is
 * the action error behind the latest pseudo-residual in Δz [B, N, 3·k]: the reflex learns to undo it.
 */
export function hindsightLoss(reflex: Reflex, deltaZ: tf.Tensor3D, tokens: tf.Tensor3D, eps: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.sum(tf.square(tf.add(reflex.apply(deltaZ, tokens).correction, eps)), 1)) as tf.Scalar);
}
