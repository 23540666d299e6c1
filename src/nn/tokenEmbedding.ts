// Token embedding: a linear map of each token's features plus a learned embedding of its type id
// (object keypoint, agent, goal keypoint) and of its slot (which keypoint it is: several keypoints share a
// type, and a T's orientation is only readable if the network can tell them apart). The type lookup is a
// one-hot matMul, not a gather: tfjs wasm cannot differentiate gather (no UnsortedSegmentSum).
import * as tf from '@tensorflow/tfjs';
import { Dense } from './dense';
import { normal, orthogonal } from './init';
import type { Scope } from './scope';

/** Std of the learned type and slot embeddings (GPT-2's positional-embedding scale). */
const EMBEDDING_STD = 0.02;

export class TokenEmbedding {
  readonly proj: Dense;
  readonly typeTable: tf.Variable;
  readonly slotTable: tf.Variable;
  private readonly typeOneHot: tf.Tensor;

  /** `typeIds` has one entry per token slot; inputs are [B, typeIds.length, featureDim]. */
  constructor(
    scope: Scope,
    readonly featureDim: number,
    readonly width: number,
    readonly typeIds: readonly number[],
    numTypes: number,
  ) {
    const n = typeIds.length;
    this.proj = new Dense(scope.child('proj'), featureDim, width, orthogonal(1));
    this.typeTable = scope.variable('typeTable', [numTypes, width], normal(EMBEDDING_STD));
    this.slotTable = scope.variable('slotTable', [n, width], normal(EMBEDDING_STD));
    const oneHot = new Float32Array(n * numTypes);
    typeIds.forEach((t, i) => {
      if (!Number.isInteger(t) || t < 0 || t >= numTypes) throw new Error(`token embedding: type id ${t} of token ${i} is outside [0, ${numTypes})`);
      oneHot[i * numTypes + t] = 1;
    });
    this.typeOneHot = scope.constant(oneHot, [n, numTypes]);
  }

  apply(tokens: tf.Tensor3D): tf.Tensor3D {
    const [, n, f] = tokens.shape;
    if (n !== this.typeIds.length || f !== this.featureDim) throw new Error(`token embedding: expected [B, ${this.typeIds.length}, ${this.featureDim}], got [${tokens.shape.join(', ')}]`);
    return tf.tidy(() => {
      const perSlot = tf.add(tf.matMul(this.typeOneHot as tf.Tensor2D, this.typeTable as tf.Tensor2D), this.slotTable); // [N, D]
      return tf.add(this.proj.apply(tokens), perSlot) as tf.Tensor3D;
    });
  }
}
