// V(s): the PPO critic over the state tokens (observation + goal); output gain 1.0 as in CleanRL.
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { NUM_TOKEN_TYPES, TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { Checkpointable } from '../nn/checkpoint';
import { PooledTokenMlp } from '../nn/pooledTokenMlp';
import { Scope } from '../nn/scope';
import { stateTypeIds } from './stateTokens';

const OUTPUT_GAIN = 1.0;

export type CriticConfig = {
  numTokens: number;
  numGoalTokens: number;
  tokenTypes: number[];
  width: number;
};

export function criticConfig(c: Config, spec: TaskSpec): CriticConfig {
  return { numTokens: spec.numTokens, numGoalTokens: spec.numGoalTokens, tokenTypes: Array.from(spec.tokenTypes), width: c.criticWidth };
}

export class Critic implements Checkpointable {
  readonly name = 'critic';
  private readonly scope: Scope;
  private readonly net: PooledTokenMlp;

  constructor(
    readonly config: CriticConfig,
    seed: number,
  ) {
    const c = config;
    this.scope = Scope.root(this.name, seed);
    const typeIds = stateTypeIds(c.tokenTypes, c.numGoalTokens);
    this.net = new PooledTokenMlp(this.scope, { featureDim: TOKEN_DIM, width: c.width, typeIds, numTypes: NUM_TOKEN_TYPES, outDim: 1, outGain: OUTPUT_GAIN });
  }

  get variables() {
    return this.scope.variables;
  }

  /** V(s): tokens [B, N, 3], goal [B, G, 3] → values [B]. */
  apply(tokens: tf.Tensor3D, goal: tf.Tensor3D): tf.Tensor1D {
    return tf.tidy(() => tf.reshape(this.net.apply(tf.concat([tokens, goal], 1) as tf.Tensor3D), [-1]) as tf.Tensor1D);
  }

  dispose(): void {
    this.scope.dispose();
  }
}
