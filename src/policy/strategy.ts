// η_φ: the strategy, a per-control-step action correction [B, A] from the state tokens (observation + goal),
// trained by PPO. Its output layer starts at ≈ 0 (orthogonal gain 0.01, as CleanRL's policy head), so at
// PPO step 0 the policy is the prior (+ reflex).
import * as tf from '@tensorflow/tfjs';
import type { Config } from '../core/config';
import { NUM_TOKEN_TYPES, TOKEN_DIM, type TaskSpec } from '../sim/taskSpec';
import type { Checkpointable } from '../nn/checkpoint';
import { PooledTokenMlp } from '../nn/pooledTokenMlp';
import { Scope } from '../nn/scope';
import { stateTypeIds } from './stateTokens';

const OUTPUT_GAIN = 0.01;

export type StrategyConfig = {
  numTokens: number;
  numGoalTokens: number;
  tokenTypes: number[];
  actionDim: number;
  width: number;
  /** When η is evaluated: once per chunk, in the sampler's drift, or at every control step on top of the chunk
   * (residual RL, as ResiP). Checkpoints from before this field hold 'chunk'. */
  rate?: StrategyRate;
};

export type StrategyRate = Config['strategyRate'];

/** The rate of a strategy config. */
export const strategyRate = (c: StrategyConfig): StrategyRate => c.rate ?? 'chunk';

export function strategyConfig(c: Config, spec: TaskSpec): StrategyConfig {
  return { numTokens: spec.numTokens, numGoalTokens: spec.numGoalTokens, tokenTypes: Array.from(spec.tokenTypes), actionDim: spec.actionDim, width: c.strategyWidth, rate: c.strategyRate };
}

export class Strategy implements Checkpointable {
  readonly name = 'strategy';
  private readonly scope: Scope;
  private readonly net: PooledTokenMlp;

  constructor(
    readonly config: StrategyConfig,
    seed: number,
  ) {
    const c = config;
    this.scope = Scope.root(this.name, seed);
    const typeIds = stateTypeIds(c.tokenTypes, c.numGoalTokens);
    this.net = new PooledTokenMlp(this.scope, { featureDim: TOKEN_DIM, width: c.width, typeIds, numTypes: NUM_TOKEN_TYPES, outDim: c.actionDim, outGain: OUTPUT_GAIN });
  }

  get variables() {
    return this.scope.variables;
  }

  /** η_φ(s): tokens [B, N, 3], goal [B, G, 3] → correction [B, A]. */
  apply(tokens: tf.Tensor3D, goal: tf.Tensor3D): tf.Tensor2D {
    return tf.tidy(() => this.net.apply(tf.concat([tokens, goal], 1) as tf.Tensor3D));
  }

  dispose(): void {
    this.scope.dispose();
  }
}
