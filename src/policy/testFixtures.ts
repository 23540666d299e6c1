// Tiny module configurations for unit tests: N = 4 tokens (3 keypoints + agent), G = 2 goal tokens, A = 2,
// H = 4, width 16. Small enough that training and gradient tests run in milliseconds on the cpu backend.
// Also a random flow-matching batch at a task's real sizes.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../core/rng';
import { gaussianTensor } from '../nn/noise';
import { TOKEN_TYPE, type TaskSpec } from '../sim/taskSpec';
import type { CriticConfig } from './critic';
import type { FlowPriorConfig } from './flowPrior';
import { goalTokensBatch } from './stateTokens';
import type { ReflexConfig } from './reflex';
import type { StrategyConfig } from './strategy';
import type { WorldPredictorConfig } from './worldPredictor';

const K = TOKEN_TYPE.objectKeypoint;
export const TINY = { numTokens: 4, numGoalTokens: 2, tokenTypes: [K, K, K, TOKEN_TYPE.agent], actionDim: 2, horizon: 4, width: 16 };

export const tinyPrior: FlowPriorConfig = { ...TINY, depth: 1, expertDepth: 1, heads: 2, actionTokens: 2 };
export const tinyWorld: WorldPredictorConfig = { numTokens: TINY.numTokens, tokenTypes: TINY.tokenTypes, actionDim: TINY.actionDim, width: TINY.width, depth: 1, heads: 2 };
export const tinyReflex: ReflexConfig = { numTokens: TINY.numTokens, tokenTypes: TINY.tokenTypes, actionDim: TINY.actionDim, width: TINY.width, heads: 2, queries: 2, deltaScale: 10 };
export const tinyStrategy: StrategyConfig = { numTokens: TINY.numTokens, numGoalTokens: TINY.numGoalTokens, tokenTypes: TINY.tokenTypes, actionDim: TINY.actionDim, width: TINY.width };
export const tinyCritic: CriticConfig = { numTokens: TINY.numTokens, numGoalTokens: TINY.numGoalTokens, tokenTypes: TINY.tokenTypes, width: TINY.width };

/** `b` random observations and action chunks of horizon H for `spec`, with its goal tokens. */
export const randomFlowBatch = (spec: TaskSpec, horizon: number, rng: Rng, b: number) => ({
  tokens: gaussianTensor<tf.Rank.R3>(rng, [b, spec.numTokens, 3]),
  goal: goalTokensBatch(spec, b),
  actions: gaussianTensor<tf.Rank.R3>(rng, [b, horizon, spec.actionDim]),
});
