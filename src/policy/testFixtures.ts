// Tiny module configurations for unit tests: N = 4 tokens (3 keypoints + agent), G = 2 goal tokens, A = 2,
// H = 4, width 16. Small enough that training and gradient tests run in milliseconds on the cpu backend.
import { TOKEN_TYPE } from '../sim/taskSpec';
import type { CriticConfig } from './critic';
import type { FlowPriorConfig } from './flowPrior';
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
